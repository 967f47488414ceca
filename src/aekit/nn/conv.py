"""Convolutional encoder/decoder pair that works for any image height and width.

Each level halves the spatial size with a stride-2 convolution (rounding up), then
refines with a 3x3 convolution. The decoder mirrors the encoder and picks each
transposed convolution's ``output_padding`` from the recorded sizes, so the
reconstruction has exactly the input's size (odd sizes included) without cropping.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from aekit.nn.activations import make_activation, make_output

MIN_SIDE_TO_DOWNSAMPLE = 4
# hidden_features pools larger feature maps down to about this many values, so that a
# Gaussian over them (a covariance of that size squared) stays small enough to fit and save.
MAX_FEATURE_VALUES = 2048


def spatial_sizes(height: int, width: int, levels: int) -> list[tuple[int, int]]:
    """Sizes at each level, input first; stops early once a side gets too small."""
    sizes = [(height, width)]
    while len(sizes) <= levels and min(sizes[-1]) >= MIN_SIDE_TO_DOWNSAMPLE:
        h, w = sizes[-1]
        sizes.append((math.ceil(h / 2), math.ceil(w / 2)))
    return sizes


class ConvEncoder(nn.Module):
    """(B, C, H, W) -> (B, latent_dim)."""

    def __init__(self, in_shape: tuple[int, int, int], channels: list[int], latent_dim: int,
                 activation: str = "relu"):
        super().__init__()
        c_in, height, width = in_shape
        self.sizes = spatial_sizes(height, width, len(channels))
        self.channels = [c_in] + list(channels[: len(self.sizes) - 1])
        layers: list[nn.Module] = []
        for a, b in zip(self.channels[:-1], self.channels[1:]):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), make_activation(activation),
                       nn.Conv2d(b, b, 3, padding=1), make_activation(activation)]
        self.features = nn.Sequential(*layers)
        h, w = self.sizes[-1]
        self.flat_dim = self.channels[-1] * h * w
        self.to_code = nn.Linear(self.flat_dim, latent_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)  # (B, C_last, h, w)
        return self.to_code(h.flatten(1))  # (B, latent_dim)

    def hidden_features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map the code layer sees, flattened: (B, C_last * h * w), average-pooled
        first when it holds more than ``MAX_FEATURE_VALUES`` values."""
        h = self.features(x)
        channels, height, width = h.shape[1:]
        factor = math.ceil(math.sqrt(channels * height * width / MAX_FEATURE_VALUES))
        if factor > 1:
            h = nn.functional.adaptive_avg_pool2d(h, (max(1, height // factor), max(1, width // factor)))
        return h.flatten(1)


class ConvDecoder(nn.Module):
    """(B, latent_dim) -> (B, C, H, W), the mirror image of a ``ConvEncoder``."""

    def __init__(self, encoder: ConvEncoder, latent_dim: int, activation: str = "relu",
                 output: str = "sigmoid"):
        super().__init__()
        chans, sizes = encoder.channels, encoder.sizes  # chans = [C, c1, ..., cL]
        self.top_shape = (chans[-1], *sizes[-1])
        self.from_code = nn.Linear(latent_dim, encoder.flat_dim)
        layers: list[nn.Module] = []
        if len(chans) > 1:  # with no conv level (tiny images) the linear layer is the whole decoder
            layers.append(make_activation(activation))
        for level in range(len(chans) - 1, 0, -1):
            c_in, c_out = chans[level], chans[max(level - 1, 1)]
            (h_out, w_out), (h_in, w_in) = sizes[level - 1], sizes[level]
            pad = (h_out - (2 * h_in - 1), w_out - (2 * w_in - 1))  # 0 for odd targets, 1 for even
            layers += [nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=pad),
                       make_activation(activation),
                       nn.Conv2d(c_out, c_out, 3, padding=1), make_activation(activation)]
        if len(chans) > 1:
            layers.append(nn.Conv2d(chans[1], chans[0], 3, padding=1))
        self.upsample = nn.Sequential(*layers)
        self.output_act = make_output(output)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.from_code(z).view(-1, *self.top_shape)  # (B, C_last, h, w)
        h = self.upsample(h)  # (B, C, H, W)
        return self.output_act(h)
