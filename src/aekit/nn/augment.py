"""Random label-preserving views of a batch, for consistency objectives.

A clustering head trained to give two views of one input the same cluster learns what the
views share (the object) and ignores what differs (position, small distortions, noise);
this is how IIC (Ji, Henriques & Vedaldi 2019, "Invariant Information Clustering for
Unsupervised Image Classification and Segmentation", ICCV) and SCAN (Van Gansbeke et al.
2020, "SCAN: Learning to Classify Images without Labels", ECCV) get semantic clusters
instead of clusters of brightness or thickness.

- images (B, C, H, W): a small random affine warp per image (rotation, scale and
  translation, bilinear, zero padding), then Gaussian pixel noise;
- tables (B, F): Gaussian noise in the model's scaled units.

``strength`` scales everything at once: rotation up to 15 * strength degrees, scale within
1 +- 0.15 * strength, translation up to 0.15 * strength of the image side (about 2 pixels of
28 at strength 1), noise std 0.05 * strength (images) or 0.2 * strength (tables). Randomness
comes from torch's global generator, which the Trainer seeds and checkpoints.
"""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F

MAX_ROTATION_DEG = 15.0
MAX_SCALE = 0.15
MAX_SHIFT = 0.15          # of the image side (affine_grid coordinates span 2 per side)
IMAGE_NOISE = 0.05
TABLE_NOISE = 0.2


def random_view(x: torch.Tensor, strength: float) -> torch.Tensor:
    """A randomly perturbed copy of ``x``: (B, C, H, W) images or (B, F) tables."""
    if strength == 0:
        return x
    if x.dim() == 4:
        return _warp(x, strength) + IMAGE_NOISE * strength * torch.randn_like(x)
    return x + TABLE_NOISE * strength * torch.randn_like(x)


def _warp(x: torch.Tensor, strength: float) -> torch.Tensor:
    b = len(x)
    uniform = lambda: 2 * torch.rand(b, device=x.device) - 1  # noqa: E731  U(-1, 1) per image
    angle = uniform() * math.radians(MAX_ROTATION_DEG) * strength
    scale = 1 + uniform() * MAX_SCALE * strength
    shift = torch.stack([uniform(), uniform()], dim=1) * 2 * MAX_SHIFT * strength  # (B, 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)  # (B, 2, 2)
    theta = torch.cat([theta, shift.unsqueeze(2)], dim=2).to(x.dtype)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
