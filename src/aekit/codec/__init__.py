"""A learned lossy image codec: ``compress(image, quality) -> bytes``, ``decompress(bytes)``.

    >>> data = aekit.codec.compress("photo.png", quality=3)   # path or (H, W[, C]) array
    >>> pixels = aekit.codec.decompress(data)                  # (H, W, 3) or (H, W) uint8

Any size and RGB or grayscale; quality 1 (smallest) .. ``levels()`` (best). The file
format is documented in ``aekit/codec/fileformat.py``; the network and its entropy model in
``model.py`` and ``density.py``; tiling for large images in ``tiling.py``.
"""
from __future__ import annotations

import numpy as np

from aekit.errors import ConfigError, DataError

DEFAULT_QUALITY = 3


def levels() -> int:
    from aekit.codec.weights import shipped_codec

    return shipped_codec().levels


def compress(image, quality: int = DEFAULT_QUALITY, codec=None) -> bytes:
    """Compress a path or array to the bytes of an ``.aek`` file."""
    import torch

    from aekit.codec import coding, fileformat
    from aekit.codec.images import load_image
    from aekit.codec.model import STRIDE
    from aekit.codec.tiling import encode_tiled
    from aekit.codec.weights import shipped_codec

    codec = codec or shipped_codec()
    level = _check_quality(quality, codec.levels)
    pixels = load_image(image)  # (H, W, C) uint8
    height, width, channels = pixels.shape
    padded = np.pad(pixels, ((0, -height % STRIDE), (0, -width % STRIDE), (0, 0)), mode="edge")
    x = torch.from_numpy(padded).permute(2, 0, 1)[None].float().div(255).expand(1, 3, -1, -1)
    with torch.no_grad():
        y = encode_tiled(codec.net.g_a, x.contiguous(), codec.net.latent_channels)
        latents = torch.round(y * codec.net.gain(level)).to(torch.int64)[0].numpy()
    payload = coding.encode(latents, codec.tables, level)
    header = fileformat.Header(codec.model_id, quality, channels, height, width)
    return fileformat.pack(header, payload)


def decompress(data: bytes, codec=None) -> np.ndarray:
    """Bytes of an ``.aek`` file -> (H, W, 3) or (H, W) uint8 pixels."""
    import torch

    from aekit.codec import coding, fileformat
    from aekit.codec.model import STRIDE
    from aekit.codec.tiling import decode_tiled
    from aekit.codec.weights import shipped_codec

    codec = codec or shipped_codec()
    header, payload = fileformat.unpack(bytes(data))
    if header.model_id != codec.model_id:
        raise DataError(f"made with other codec weights (model id {header.model_id:08x}, "
                        f"this aekit has {codec.model_id:08x})")
    level = _check_quality(header.quality, codec.levels)
    shape = (codec.net.latent_channels, -(-header.height // STRIDE), -(-header.width // STRIDE))
    try:
        latents = coding.decode(payload, shape, codec.tables, level)
    except (ValueError, RuntimeError, AssertionError) as exc:
        raise DataError(f"corrupt payload ({exc})") from None
    with torch.no_grad():
        y_hat = torch.from_numpy(latents).float()[None] * codec.net.inverse_gain(level)
        x = decode_tiled(codec.net.g_s, y_hat)[0, :, :header.height, :header.width]
    pixels = x.clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    if header.channels == 1:
        return np.round(pixels.astype(np.float32).mean(axis=2)).astype(np.uint8)
    return np.ascontiguousarray(pixels)


def _check_quality(quality, levels: int) -> int:
    """1-based user quality -> 0-based level index."""
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= levels:
        raise ConfigError(f"quality must be an integer from 1 to {levels}, got {quality!r}")
    return int(quality) - 1
