"""Running the transforms over large images tile by tile, without seams.

The latent grid of the whole image is what the file stores; tiles only bound the memory.
Each tile is run with a margin (HALO latent pixels = 16 * HALO image pixels) of real
context on every side and only its core is kept, so the result matches a whole-image pass
except for the convolutions' far tails. A 768x512 photo is a single tile.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from aekit.codec.model import STRIDE

CORE = 48  # latent pixels per tile side (768 image pixels)
HALO = 4


def _spans(size: int) -> Iterator[tuple[int, int, int, int]]:
    """(core_start, core_end, halo_start, halo_end) in latent units along one axis."""
    for start in range(0, size, CORE):
        end = min(start + CORE, size)
        yield start, end, max(0, start - HALO), min(size, end + HALO)


def encode_tiled(analysis: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor,
                 latent_channels: int) -> torch.Tensor:
    """image (1, 3, H, W) with H, W multiples of STRIDE -> latents (1, M, H/16, W/16)."""
    h, w = image.shape[2] // STRIDE, image.shape[3] // STRIDE
    out = image.new_empty(1, latent_channels, h, w)
    for r0, r1, hr0, hr1 in _spans(h):
        for c0, c1, hc0, hc1 in _spans(w):
            tile = image[:, :, hr0 * STRIDE:hr1 * STRIDE, hc0 * STRIDE:hc1 * STRIDE]
            y = analysis(tile)
            out[:, :, r0:r1, c0:c1] = y[:, :, r0 - hr0:r1 - hr0, c0 - hc0:c1 - hc0]
    return out


def decode_tiled(synthesis: Callable[[torch.Tensor], torch.Tensor], latents: torch.Tensor) -> torch.Tensor:
    """latents (1, M, h, w) -> image (1, 3, 16h, 16w)."""
    h, w = latents.shape[2:]
    out = latents.new_empty(1, 3, h * STRIDE, w * STRIDE)
    for r0, r1, hr0, hr1 in _spans(h):
        for c0, c1, hc0, hc1 in _spans(w):
            x = synthesis(latents[:, :, hr0:hr1, hc0:hc1])
            top, left = (r0 - hr0) * STRIDE, (c0 - hc0) * STRIDE
            out[:, :, r0 * STRIDE:r1 * STRIDE, c0 * STRIDE:c1 * STRIDE] = \
                x[:, :, top:top + (r1 - r0) * STRIDE, left:left + (c1 - c0) * STRIDE]
    return out
