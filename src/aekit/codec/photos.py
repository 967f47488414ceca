"""Training photos for the codec: the real photographs among Debian's KDE wallpapers.

The Debian package ``plasma-workspace-wallpapers`` ships about thirty wallpapers; twelve of
them are photographs (the rest are renders and drawings, whose flat gradients would teach
the codec the wrong statistics). They are used at reduced scales (2/3 down to 1/4), which
also removes most of the JPEG artefacts of the originals. None of the benchmark's
evaluation photos (scikit-image, scikit-learn samples) come from this package.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.data.debian import package_path

PACKAGE = "plasma-workspace-wallpapers"
PHOTO_WALLPAPERS = ("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
                    "Grey", "Kite", "OneStandsOut", "Path", "Volna", "summer_1am")
SCALES = (2 / 3, 1 / 2, 1 / 3, 1 / 4)


def wallpaper_root() -> Path:
    """The installed wallpapers, or those of the package unpacked into aekit's cache."""
    return package_path(PACKAGE, "usr/share/wallpapers")


def largest_image(folder: Path) -> Path:
    """A wallpaper folder holds one file per screen size; the largest is the original."""
    files = [f for f in (folder / "contents" / "images").iterdir() if f.stat().st_size > 1000]
    return max(files, key=lambda f: int(f.name.split("x")[0]))


def load_training_photos(root: Path | None = None) -> list[np.ndarray]:
    """Every photo at every scale, as (H, W, 3) uint8 arrays."""
    from PIL import Image

    root = root or wallpaper_root()
    photos = []
    for name in PHOTO_WALLPAPERS:
        with Image.open(largest_image(root / name)) as img:
            img = img.convert("RGB")
            for scale in SCALES:
                size = (round(img.width * scale), round(img.height * scale))
                photos.append(np.asarray(img.resize(size, Image.Resampling.LANCZOS)))
    return photos


def random_patches(photos: list[np.ndarray], count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 3, size, size) float32 patches in [0, 1], random photo, place and flips."""
    out = np.empty((count, 3, size, size), np.float32)
    weights = np.array([p.shape[0] * p.shape[1] for p in photos], np.float64)
    choice = rng.choice(len(photos), size=count, p=weights / weights.sum())
    for i, k in enumerate(choice):
        photo = photos[k]
        top = rng.integers(0, photo.shape[0] - size + 1)
        left = rng.integers(0, photo.shape[1] - size + 1)
        patch = photo[top:top + size, left:left + size]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        out[i] = patch.transpose(2, 0, 1) / 255.0
    return out
