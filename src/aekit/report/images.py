"""Turning model outputs into image files."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.persist import atomic_dir


def to_uint8(image: np.ndarray) -> np.ndarray:
    """(C, H, W) floats in [0, 1] -> (H, W) or (H, W, 3) uint8 for Pillow."""
    pixels = np.clip(np.rint(np.asarray(image, np.float64) * 255), 0, 255).astype(np.uint8)
    return pixels[0] if pixels.shape[0] == 1 else np.moveaxis(pixels[:3], 0, -1)


def write_image_folder(path: Path, images: np.ndarray, ids: list[str], force: bool = False) -> None:
    """One PNG per image, named after its id; the folder appears whole or not at all."""
    from PIL import Image

    with atomic_dir(path, force) as tmp:
        for image, name in zip(images, ids):
            target = tmp / Path(str(name)).with_suffix(".png")
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(to_uint8(image)).save(target)
