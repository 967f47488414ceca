"""Turning whatever the user hands the codec into an (H, W, C) uint8 array, C = 1 or 3.

Documented choices (README "Compression"):
* an alpha channel is dropped (not composited) with a notice: the codec stores colour only;
* 16-bit images are reduced to 8 bits (value / 257, rounded) with a notice: the codec is an
  8-bit codec, like JPEG and WebP in the benchmark;
* float arrays must lie in [0, 1]; grayscale stays grayscale (one channel in the file).
Notices are Python warnings (the CLI prints them on stderr).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from aekit.errors import DataError


class CodecNotice(UserWarning):
    """Something about the input was changed on the way in (alpha dropped, 16 bits reduced)."""


def load_image(source, what: str = "image") -> np.ndarray:
    if isinstance(source, (str, os.PathLike)):
        return _from_file(Path(source))
    return _from_array(np.asarray(source), what)


def _from_file(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        with Image.open(path) as im:
            im.load()
            im = ImageOps.exif_transpose(im)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"{path}: not a readable image ({exc.__class__.__name__})") from None
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        return _from_array(np.asarray(im).astype(np.uint16), str(path))
    if im.mode == "F":
        return _from_array(np.asarray(im), str(path))
    if "A" in im.getbands() or (im.mode == "P" and "transparency" in im.info):
        warnings.warn(f"{path}: alpha channel dropped (the codec stores colour only)", CodecNotice, stacklevel=3)
    gray = im.mode in ("1", "L", "LA", "La")
    return _from_array(np.asarray(im.convert("L" if gray else "RGB")), str(path))


def _from_array(array: np.ndarray, what: str) -> np.ndarray:
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise DataError(f"{what}: expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise DataError(f"{what}: empty image {array.shape}")
    if array.shape[2] == 4:
        warnings.warn(f"{what}: alpha channel dropped (the codec stores colour only)", CodecNotice, stacklevel=3)
        array = array[:, :, :3]
    return _to_uint8(array, what)


def _to_uint8(array: np.ndarray, what: str) -> np.ndarray:
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype == np.uint16 or (array.dtype.kind in "iu" and array.max(initial=0) > 255):
        if array.min(initial=0) < 0 or array.max(initial=0) > 65535:
            raise DataError(f"{what}: integer pixel values outside 0..65535")
        warnings.warn(f"{what}: 16-bit image reduced to 8 bits", CodecNotice, stacklevel=4)
        return np.round(array.astype(np.float64) / 257).astype(np.uint8)
    if array.dtype.kind in "iub":
        if array.min(initial=0) < 0:
            raise DataError(f"{what}: negative pixel values")
        return array.astype(np.uint8)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise DataError(f"{what}: pixel values contain NaN or infinity")
        if array.min(initial=0) < 0 or array.max(initial=0) > 1:
            raise DataError(f"{what}: float pixel values must lie in [0, 1] "
                            f"(found {array.min():.3g}..{array.max():.3g})")
        return np.round(array * 255).astype(np.uint8)
    raise DataError(f"{what}: unsupported pixel type {array.dtype}")


def image_format(path: Path) -> str:
    """Pillow's format name for an output path's suffix; ConfigError when it has none."""
    from PIL import Image

    from aekit.errors import ConfigError

    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: unknown image format {path.suffix!r} (use .png)")
    return fmt


def save_image(pixels: np.ndarray, path: Path, fmt: str) -> None:
    """Write (H, W) or (H, W, 3) uint8 pixels to ``path`` in Pillow format ``fmt``."""
    from PIL import Image

    Image.fromarray(pixels).save(path, format=fmt)
