"""Pure loss functions. Per-sample versions return shape (B,) so the same code
serves training (mean over the batch) and anomaly scoring (one number per sample)."""
from __future__ import annotations

import torch
from torch.nn import functional as F

from aekit.errors import ConfigError

RECON_LOSSES = ("mse", "l1", "bce")


def per_sample_reconstruction(x_hat: torch.Tensor, x: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """Mean error over every non-batch dimension: (B, ...) -> (B,), computed in float32."""
    x_hat, x = x_hat.float(), x.float()
    if kind == "mse":
        err = (x_hat - x) ** 2
    elif kind == "l1":
        err = (x_hat - x).abs()
    elif kind == "bce":
        # Targets outside [0, 1] (unscaled data) would make BCE meaningless.
        err = F.binary_cross_entropy(x_hat.clamp(1e-6, 1 - 1e-6), x.clamp(0, 1), reduction="none")
    else:
        raise ConfigError(f"unknown reconstruction loss {kind!r}; choose from {', '.join(RECON_LOSSES)}")
    return err.flatten(1).mean(dim=1)
