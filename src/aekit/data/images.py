"""Load a folder of images (or one image file) into a (N, C, H, W) float32 array in [0, 1].

Rules, chosen so that any folder a user points at gives one consistent array:

* Files: ``.png``, ``.jpg``, ``.jpeg`` in any case, found recursively, sorted by
  relative path (stable order). Hidden files and folders (name starting with
  ".") are skipped: they are editor or macOS debris such as ``._cat.png``.
* Values: 8-bit images are divided by 255, 16-bit ones by 65535.
* EXIF orientation is applied, so a phone photo is the right way up.
* Size: ``image_size`` (int or (H, W)) if given; otherwise the size shared by
  all images, or else the most common size (ties: the one met first in sorted
  order), with the other images resized to it (bilinear). Nothing is printed.
* Channels: grayscale modes (1, L, LA, I, I;16, F) give 1 channel, everything
  else (RGB, RGBA, P, CMYK, ...) 3. Alpha is dropped, not composited. A
  folder mixing both needs ``channels=1`` or ``channels=3``.
* Labels: if every image sits directly in a sub-folder of the root
  (``root/<class>/<file>``), y is the index of its sub-folder name in the
  sorted list of names, which becomes ``classes``; otherwise y is None.

Pillow is imported inside the functions so ``import aekit.data`` stays fast.
"""

from __future__ import annotations

import numbers
import os
from collections import Counter
from pathlib import Path, PurePosixPath

import numpy as np

from aekit.data.dataset import Dataset
from aekit.errors import ConfigError, DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
_GRAY_MODES = {"1", "L", "LA", "La", "I", "F"}
_EXIF_ORIENTATION = 0x0112
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}  # EXIF orientations that swap width and height


def normalize_size(image_size: tuple[int, int] | int | None) -> tuple[int, int] | None:
    """int or (H, W) -> (H, W); ConfigError for anything else."""
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        size = (int(image_size), int(image_size))
    elif (
        isinstance(image_size, (tuple, list))
        and len(image_size) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in image_size)
    ):
        size = (int(image_size[0]), int(image_size[1]))
    else:
        raise ConfigError(f"image_size must be an int or a pair (height, width), got {image_size!r}")
    if min(size) < 1:
        raise ConfigError(f"image_size must be positive, got {image_size!r}")
    return size


def check_channels(channels: int | None) -> None:
    if channels is not None and channels not in (1, 3):
        raise ConfigError(f"channels must be 1 or 3, got {channels!r}")


def is_image_file(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(IMAGE_EXTENSIONS)


def _is_gray(mode: str) -> bool:
    return mode in _GRAY_MODES or mode.startswith("I;")


def _is_16_bit(mode: str) -> bool:
    # Pillow opens 16-bit grayscale PNGs as I;16 (older versions: I).
    return mode == "I" or mode.startswith("I;16")


def find_images(folder: Path) -> list[str]:
    """Relative POSIX paths of the images under ``folder``, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel_dir = Path(dirpath).relative_to(folder)
        for filename in filenames:
            if not filename.startswith(".") and is_image_file(filename):
                found.append((rel_dir / filename).as_posix())
    return sorted(found)


def _unreadable(path: Path, exc: Exception) -> DataError:
    return DataError(f"{path}: cannot read image, corrupt or truncated? ({exc})")


def _read_header(path: Path) -> tuple[str, tuple[int, int]]:
    """(mode, (H, W) after EXIF rotation) without decoding the pixels."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            width, height = im.size
            if im.getexif().get(_EXIF_ORIENTATION, 1) in _ROTATED_ORIENTATIONS:
                width, height = height, width
            return im.mode, (height, width)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _unreadable(path, exc) from exc


def _read_pixels(path: Path, channels: int, size: tuple[int, int]) -> np.ndarray:
    """Decode one image as (channels, H, W) float32 in [0, 1]."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            im.load()
            im = ImageOps.exif_transpose(im)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _unreadable(path, exc) from exc
    if _is_16_bit(im.mode):
        # Pillow's convert("L") would clip 16-bit values; scale to a float image instead.
        im = Image.fromarray(np.clip(np.asarray(im, dtype=np.float32) / 65535.0, 0.0, 1.0))
    elif im.mode != "F":
        im = im.convert("L" if channels == 1 else "RGB")
    height, width = size
    if im.size != (width, height):
        im = im.resize((width, height), Image.Resampling.BILINEAR)
    pixels = np.asarray(im, dtype=np.float32)
    if im.mode in ("L", "RGB"):
        pixels = pixels / 255.0
    if pixels.ndim == 2:
        return np.repeat(pixels[None], channels, axis=0)
    return pixels.transpose(2, 0, 1)


def _folder_labels(rel_paths: list[str]) -> tuple[np.ndarray | None, list[str] | None]:
    parts = [PurePosixPath(p).parts for p in rel_paths]
    if not all(len(p) == 2 for p in parts):
        return None, None
    classes = sorted({p[0] for p in parts})
    index = {name: i for i, name in enumerate(classes)}
    return np.array([index[p[0]] for p in parts], dtype=np.int64), classes


def _load(root: Path, rel_paths: list[str], name: str, image_size, channels) -> Dataset:
    size = normalize_size(image_size)
    check_channels(channels)
    headers = [_read_header(root / rel) for rel in rel_paths]
    if channels is None:
        gray = [rel for rel, (mode, _) in zip(rel_paths, headers) if _is_gray(mode)]
        color = [rel for rel, (mode, _) in zip(rel_paths, headers) if not _is_gray(mode)]
        if gray and color:
            raise DataError(
                f"{name}: mixes 1-channel images (e.g. {gray[0]}) and 3-channel images "
                f"(e.g. {color[0]}); pass channels=1 or channels=3 to convert"
            )
        channels = 1 if gray else 3
    if size is None:
        size = Counter(hw for _, hw in headers).most_common(1)[0][0]
    X = np.empty((len(rel_paths), channels, *size), dtype=np.float32)
    for i, rel in enumerate(rel_paths):
        X[i] = _read_pixels(root / rel, channels, size)
    return Dataset(X=X, kind="image", name=name, ids=list(rel_paths))


def load_folder(folder: Path, name: str, image_size=None, channels=None) -> Dataset:
    """All images under ``folder``; labels from sub-folder names when the layout allows."""
    rel_paths = find_images(folder)
    if not rel_paths:
        raise DataError(f"{name}: no images ({', '.join(IMAGE_EXTENSIONS)}) found in this folder")
    dataset = _load(folder, rel_paths, name, image_size, channels)
    dataset.y, dataset.classes = _folder_labels(rel_paths)
    return dataset


def load_file(path: Path, name: str, image_size=None, channels=None) -> Dataset:
    """A dataset of one image."""
    return _load(path.parent, [path.name], name, image_size, channels)
