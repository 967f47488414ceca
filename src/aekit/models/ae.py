"""Plain and denoising auto-encoders.

Plain AE (Rumelhart et al. 1986; Hinton & Salakhutdinov 2006)::

    x ──encoder──> z (latent_dim) ──decoder──> x_hat        loss = d(x_hat, x)

Denoising AE (Vincent et al. 2008, ICML): corrupt the input, rebuild the clean one::

    x ──noise──> x~ ──encoder──> z ──decoder──> x_hat       loss = d(x_hat, x)

The architecture follows the input: ``input_shape=(F,)`` gives MLPs (optionally with a
tied decoder), ``input_shape=(C, H, W)`` gives convolutional stacks for any H and W.
"""
from __future__ import annotations

import numbers

import torch
from torch import nn

from aekit.errors import ConfigError
from aekit.losses import RECON_LOSSES, per_sample_reconstruction
from aekit.nn.conv import ConvDecoder, ConvEncoder
from aekit.nn.mlp import MLP, TiedDecoder
from aekit.noise import NOISES, corrupt
from aekit.registry import register_model

DEFAULT_MLP_HIDDEN = (256, 128)
DEFAULT_CONV_CHANNELS = (16, 32)


def input_size(shape: tuple[int, ...]) -> int:
    size = 1
    for n in shape:
        size *= int(n)
    return size


@register_model("ae")
class AutoEncoder(nn.Module):
    """Encoder -> bottleneck code -> decoder; trained to reproduce its input.

    Args:
        input_shape: one sample's shape: ``(F,)`` for tables, ``(C, H, W)`` for images.
        latent_dim: size of the code (the bottleneck), 1 <= latent_dim <= input size.
        hidden: MLP layer widths, or conv channels per level; None picks a default.
        activation: hidden-layer activation name (see ``aekit.nn.activations``).
        tied: MLPs only: the decoder reuses the encoder's weights, transposed.
        output: "linear" or "sigmoid" (for inputs scaled to [0, 1]).
        recon_loss: "mse", "l1" or "bce".
    """

    def __init__(self, input_shape: tuple[int, ...] | list[int], latent_dim: int = 8,
                 hidden: tuple[int, ...] | list[int] | None = None, activation: str = "relu",
                 tied: bool = False, output: str = "linear", recon_loss: str = "mse"):
        super().__init__()
        input_shape = tuple(int(n) for n in input_shape)
        _check_arguments(input_shape, latent_dim, tied, recon_loss)
        self.config = dict(input_shape=list(input_shape), latent_dim=int(latent_dim),
                           hidden=None if hidden is None else [int(h) for h in hidden],
                           activation=activation, tied=bool(tied), output=output, recon_loss=recon_loss)
        self.input_shape = input_shape
        self.latent_dim = latent_dim = int(latent_dim)
        self.recon_loss = recon_loss
        if len(input_shape) == 1:
            dims = [input_shape[0], *(hidden or DEFAULT_MLP_HIDDEN), latent_dim]
            self.encoder = MLP(dims, activation, output="linear")
            self.decoder = (TiedDecoder(self.encoder, activation, output) if tied
                            else MLP(dims[::-1], activation, output))
        else:
            channels = list(hidden or DEFAULT_CONV_CHANNELS)
            self.encoder = ConvEncoder(input_shape, channels, latent_dim, activation)
            self.decoder = ConvDecoder(self.encoder, latent_dim, activation, output)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # (B, *input_shape) -> (B, latent_dim)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)  # (B, latent_dim) -> (B, *input_shape)

    def encoder_features(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's last hidden representation, (B, D): wider than the code, before the bottleneck."""
        return self.encoder.hidden_features(x)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encode(x)
        return {"z": z, "x_hat": self.decode(z)}

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor],
             target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Reconstruction loss against ``target`` (the clean input; defaults to ``x``)."""
        target = x if target is None else target
        recon = per_sample_reconstruction(out["x_hat"], target, self.recon_loss).mean()
        return {"loss": recon, "recon": recon.detach()}

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample reconstruction error, (B,); higher = more unusual."""
        return per_sample_reconstruction(self.forward(x)["x_hat"], x, self.recon_loss)


@register_model("dae")
class DenoisingAutoEncoder(AutoEncoder):
    """An ``AutoEncoder`` that sees a corrupted input while training.

    Args (beyond ``AutoEncoder``'s):
        noise: "gaussian" (std = noise_level), "mask" (zero with probability noise_level)
            or "salt_pepper" (min/max with probability noise_level).
        noise_level: strength of the corruption, in scaled input units for "gaussian".
    """

    def __init__(self, input_shape: tuple[int, ...] | list[int], latent_dim: int = 8,
                 hidden: tuple[int, ...] | list[int] | None = None, activation: str = "relu",
                 tied: bool = False, output: str = "linear", recon_loss: str = "mse",
                 noise: str = "gaussian", noise_level: float = 0.2):
        super().__init__(input_shape, latent_dim, hidden, activation, tied, output, recon_loss)
        if noise not in NOISES:
            raise ConfigError(f"unknown noise {noise!r}; choose from {', '.join(NOISES)}")
        if not 0 <= noise_level or (noise != "gaussian" and noise_level > 1):
            raise ConfigError(f"noise_level={noise_level} is out of range for noise={noise!r}")
        self.config.update(noise=noise, noise_level=float(noise_level))
        self.noise, self.noise_level = noise, float(noise_level)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        # Corrupt only while training: encoding, scoring and evaluation see the clean input.
        x_in = corrupt(x, self.noise, self.noise_level) if self.training else x
        return super().forward(x_in)


def _check_arguments(input_shape: tuple[int, ...], latent_dim: int, tied: bool, recon_loss: str) -> None:
    if len(input_shape) not in (1, 3) or min(input_shape) < 1:
        raise ConfigError(f"input_shape must be (F,) or (C, H, W) with positive sizes, got {input_shape}")
    n_inputs = input_size(input_shape)
    if not isinstance(latent_dim, numbers.Integral) or isinstance(latent_dim, bool) or latent_dim < 1:
        raise ConfigError(f"latent_dim must be a positive integer, got {latent_dim!r}")
    if latent_dim > n_inputs:
        raise ConfigError(f"latent_dim={latent_dim} is larger than the input: "
                          f"{n_inputs} feature(s) per sample")
    if tied and len(input_shape) != 1:
        raise ConfigError("tied=True needs flat (table) input; convolutional decoders are not tied")
    if recon_loss not in RECON_LOSSES:
        raise ConfigError(f"unknown reconstruction loss {recon_loss!r}; choose from {', '.join(RECON_LOSSES)}")
