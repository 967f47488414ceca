"""Training photos for the codec: the real photographs among Debian's KDE wallpapers.

The Debian package ``plasma-workspace-wallpapers`` ships about thirty wallpapers; twelve of
them are photographs (the rest are renders and drawings, whose flat gradients would teach
the codec the wrong statistics). They are used at reduced scales (1/2, 1/3, 1/4), which
also removes most of the JPEG artefacts of the originals. None of the benchmark's
evaluation photos (scikit-image, scikit-learn samples) come from this package.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from aekit.errors import DataError

PACKAGE = "plasma-workspace-wallpapers"
PHOTO_WALLPAPERS = ("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
                    "Grey", "Kite", "OneStandsOut", "Path", "Volna", "summer_1am")
SCALES = (1 / 2, 1 / 3, 1 / 4)


def wallpaper_root() -> Path:
    """Where the wallpapers are: installed system-wide, or extracted once into the cache."""
    system = Path("/usr/share/wallpapers")
    if all((system / name).is_dir() for name in PHOTO_WALLPAPERS):
        return system
    cache = Path(os.environ.get("AEKIT_CACHE", Path.home() / ".cache" / "aekit")) / PACKAGE
    extracted = cache / "usr" / "share" / "wallpapers"
    if not all((extracted / name).is_dir() for name in PHOTO_WALLPAPERS):
        _download_and_extract(cache)
    return extracted


def _download_and_extract(cache: Path) -> None:
    """``apt-get download`` the package (no root needed) and unpack it with dpkg-deb."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise DataError(f"codec training photos need the Debian package {PACKAGE} "
                        "(apt-get and dpkg-deb not found)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        fetched = subprocess.run(["apt-get", "download", PACKAGE], cwd=tmp, capture_output=True, text=True)
        debs = list(Path(tmp).glob("*.deb"))
        if fetched.returncode != 0 or not debs:
            raise DataError(f"could not download {PACKAGE}: {fetched.stderr.strip().splitlines()[-1:]}")
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(cache)], check=True)


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
