"""The ``.aek`` file format (version 1). All integers little-endian.

    offset  size  field
    0       4     magic  b"AEKC"
    4       1     format version (1)
    5       4     model id: first 4 bytes of the SHA-256 of the weights file that made it
    9       1     quality level, 1-based
    10      1     image channels: 1 (grayscale) or 3 (RGB)
    11      4     image height in pixels
    15      4     image width in pixels
    19      4     payload length n in bytes (a multiple of 4)
    23      n     payload: the range-coded latents (32-bit words), see codec/coding.py
    23+n    4     CRC-32 of bytes [0, 23+n)

The latent grid size follows from the image size (ceil(size / 16) per side), so it is not
stored. The checksum is checked before anything is decoded.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from aekit.errors import DataError

MAGIC = b"AEKC"
VERSION = 1
_HEADER = struct.Struct("<4sBIBBIII")
MAX_SIDE = 1 << 20


@dataclass(frozen=True)
class Header:
    model_id: int
    quality: int
    channels: int
    height: int
    width: int


def pack(header: Header, payload: bytes) -> bytes:
    head = _HEADER.pack(MAGIC, VERSION, header.model_id, header.quality, header.channels,
                        header.height, header.width, len(payload))
    body = head + payload
    return body + struct.pack("<I", zlib.crc32(body))


def unpack(data: bytes) -> tuple[Header, bytes]:
    """Check and split a file; raises DataError saying what is wrong with it."""
    if len(data) < 4 or data[:4] != MAGIC:
        raise DataError("not an aekit compressed image (wrong magic bytes)")
    if len(data) < _HEADER.size + 4:
        raise DataError("truncated file (shorter than the header)")
    magic, version, model_id, quality, channels, height, width, size = _HEADER.unpack_from(data)
    if version > VERSION:
        raise DataError(f"file format version {version} is newer than this aekit reads ({VERSION}); "
                        "upgrade aekit")
    if len(data) != _HEADER.size + size + 4:
        raise DataError(f"truncated or padded file ({len(data)} bytes, header says "
                        f"{_HEADER.size + size + 4})")
    body, stored = data[:-4], struct.unpack("<I", data[-4:])[0]
    if zlib.crc32(body) != stored:
        raise DataError("checksum mismatch: the file is corrupt")
    if version < 1 or channels not in (1, 3) or not (0 < height <= MAX_SIDE and 0 < width <= MAX_SIDE):
        raise DataError("corrupt header (impossible version, channels or size)")
    return Header(model_id, quality, channels, height, width), data[_HEADER.size:-4]
