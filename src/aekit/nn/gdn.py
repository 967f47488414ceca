"""Generalized divisive normalization (Ballé, Laparra & Simoncelli, ICLR 2016/2017).

GDN divides each channel by a learned, pooled measure of the local energy of all channels:

    y_i = x_i / sqrt(beta_i + sum_j gamma_ij * x_j^2)

It Gaussianises natural-image responses far better than a ReLU of the same cost, which is
why learned image codecs use it between their strided convolutions. The inverse (IGDN,
used in the synthesis transform) multiplies instead of dividing.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class GDN(nn.Module):
    """GDN over the channel axis of (B, C, H, W) inputs; ``inverse=True`` gives IGDN.

    beta and gamma must stay positive; they are stored as square roots and squared in the
    forward pass (plus a small floor), which keeps the gradient alive near zero.
    """

    def __init__(self, channels: int, inverse: bool = False, gamma_init: float = 0.1):
        super().__init__()
        self.inverse = inverse
        self.beta_sqrt = nn.Parameter(torch.ones(channels))
        self.gamma_sqrt = nn.Parameter(torch.eye(channels) * gamma_init ** 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = x.shape[1]
        beta = self.beta_sqrt ** 2 + 1e-6
        gamma = (self.gamma_sqrt ** 2).view(channels, channels, 1, 1)
        norm = torch.sqrt(F.conv2d(x * x, gamma, beta))
        return x * norm if self.inverse else x / norm
