"""Input corruptions for denoising auto-encoders.

Each function returns a corrupted copy and never changes its input; randomness comes
from torch's global generator, which the Trainer seeds and checkpoints, so a resumed
run draws the same noise as an uninterrupted one.
"""
from __future__ import annotations

from typing import Callable

import torch

from aekit.errors import ConfigError


def gaussian(x: torch.Tensor, level: float) -> torch.Tensor:
    """Add N(0, level^2) noise (level is in the model's scaled input units)."""
    return x + level * torch.randn_like(x)


def masking(x: torch.Tensor, level: float) -> torch.Tensor:
    """Set each value to zero with probability ``level`` (dropout noise, no rescaling)."""
    keep = torch.rand_like(x) >= level
    return x * keep


def salt_and_pepper(x: torch.Tensor, level: float) -> torch.Tensor:
    """Replace a fraction ``level`` of values by the batch minimum or maximum, half each."""
    u = torch.rand_like(x)
    low, high = x.min().detach(), x.max().detach()
    out = torch.where(u < level / 2, low, x)
    return torch.where((u >= level / 2) & (u < level), high, out)


NOISES: dict[str, Callable[[torch.Tensor, float], torch.Tensor]] = {
    "gaussian": gaussian,
    "mask": masking,
    "salt_pepper": salt_and_pepper,
}


def corrupt(x: torch.Tensor, kind: str, level: float) -> torch.Tensor:
    if kind not in NOISES:
        raise ConfigError(f"unknown noise {kind!r}; choose from {', '.join(NOISES)}")
    return NOISES[kind](x, level)
