"""The learned codec network: analysis transform, gain, quantiser, density, synthesis.

    image x --g_a--> y --*gain[q]--> round --> y_hat  (integers: what the file stores)
       (B,3,H,W)   (B,M,H/16,W/16)                  |
                                                    +--> factorized density[q] --> bits
    x_hat <--g_s-- y_hat * inverse_gain[q]

Four stride-2 5x5 convolutions with GDN (Ballé et al., "End-to-end optimized image
compression", ICLR 2017) on each side. One network serves every quality level: a learned
per-channel gain vector scales the latents before rounding (coarser or finer quantisation
steps; Cui et al., "Asymmetric gained deep image compression", CVPR 2021), and each level
has its own density. Training minimises rate + lambda[q] * distortion with a random level
per sample.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from aekit.codec.density import FactorizedDensity
from aekit.nn.gdn import GDN

STRIDE = 16  # four stride-2 layers

# Rate-distortion trade-offs, one per quality level (distortion = MSE on 0..255 pixels).
DEFAULT_LAMBDAS = (0.0018, 0.0035, 0.0067, 0.013, 0.025, 0.0483)


def analysis_transform(channels: int, latent_channels: int) -> nn.Sequential:
    def down(cin, cout):
        return nn.Conv2d(cin, cout, 5, stride=2, padding=2)

    return nn.Sequential(down(3, channels), GDN(channels), down(channels, channels), GDN(channels),
                         down(channels, channels), GDN(channels), down(channels, latent_channels))


def synthesis_transform(channels: int, latent_channels: int) -> nn.Sequential:
    def up(cin, cout):
        return nn.ConvTranspose2d(cin, cout, 5, stride=2, padding=2, output_padding=1)

    return nn.Sequential(up(latent_channels, channels), GDN(channels, inverse=True),
                         up(channels, channels), GDN(channels, inverse=True),
                         up(channels, channels), GDN(channels, inverse=True), up(channels, 3))


class CodecNet(nn.Module):
    """Variable-rate factorized-prior codec; ``quality`` indexes ``lambdas`` (0-based)."""

    def __init__(self, channels: int = 96, latent_channels: int = 128,
                 lambdas: tuple[float, ...] = DEFAULT_LAMBDAS):
        super().__init__()
        self.channels = channels
        self.latent_channels = latent_channels
        self.lambdas = tuple(float(v) for v in lambdas)
        self.g_a = analysis_transform(channels, latent_channels)
        self.g_s = synthesis_transform(channels, latent_channels)
        levels = len(self.lambdas)
        # Higher quality -> larger gain -> finer quantisation; start spread over a factor 8.
        start = torch.linspace(math.log(0.35), math.log(2.8), levels)
        self.log_gain = nn.Parameter(start[:, None].repeat(1, latent_channels))
        self.log_inverse_gain = nn.Parameter(-start[:, None].repeat(1, latent_channels))
        self.densities = nn.ModuleList(FactorizedDensity(latent_channels) for _ in range(levels))

    @property
    def levels(self) -> int:
        return len(self.lambdas)

    def gain(self, quality) -> torch.Tensor:
        """(1 or B, M, 1, 1) gains for one level (int) or one level per sample (LongTensor)."""
        return self.log_gain[quality].exp().view(-1, self.latent_channels, 1, 1)

    def inverse_gain(self, quality) -> torch.Tensor:
        return self.log_inverse_gain[quality].exp().view(-1, self.latent_channels, 1, 1)

    def reconstruct(self, y_hat: torch.Tensor, quality) -> torch.Tensor:
        return self.g_s(y_hat * self.inverse_gain(quality))

    def forward(self, x: torch.Tensor, quality: torch.Tensor) -> dict:
        """Training pass; ``quality`` (B,) holds each sample's level, so every level learns each step."""
        y = self.g_a(x) * self.gain(quality)
        # Noise stands in for rounding in the rate term (a differentiable density);
        # the decoder sees truly rounded values (straight-through), as at inference.
        noisy = y + torch.empty_like(y).uniform_(-0.5, 0.5)
        y_hat = y + (torch.round(y) - y).detach()
        likelihood = torch.empty_like(y)
        for level in quality.unique().tolist():
            rows = quality == level
            likelihood[rows] = self.densities[level].likelihood(noisy[rows])
        return {"x_hat": self.reconstruct(y_hat, quality), "likelihood": likelihood, "y": y}

    def loss(self, x: torch.Tensor, out: dict, quality: torch.Tensor) -> dict:
        """Mean over samples of bpp + lambda[level] * 255^2 * MSE."""
        pixels = x.shape[2] * x.shape[3]
        bpp = -torch.log2(out["likelihood"]).flatten(1).sum(1) / pixels  # (B,)
        mse = torch.mean((out["x_hat"] - x) ** 2, dim=(1, 2, 3))  # (B,)
        lambdas = torch.tensor(self.lambdas, device=x.device)[quality]
        loss = torch.mean(bpp + lambdas * 255 ** 2 * mse)
        return {"loss": loss, "bpp": bpp.detach(), "mse": mse.detach()}
