"""Reader for the IDX format (MNIST, Fashion-MNIST), with strict header checks.

The header is two zero bytes, a type code, the number of dimensions, then one
big-endian uint32 per dimension. Checking it (and the exact payload length)
turns a corrupt or truncated download into a clear error instead of garbage
images.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib

import numpy as np

from aekit.errors import DataError

# type code -> dtype of the payload (IDX data is big-endian)
_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(data: bytes, source: str) -> np.ndarray:
    """Decode IDX bytes into an array (read-only view on ``data``, no copy)."""
    if len(data) < 4:
        raise DataError(f"{source}: not an IDX file (only {len(data)} byte(s))")
    if data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise DataError(f"{source}: not an IDX file (bad magic number {data[:4].hex()})")
    dtype = _DTYPES[data[2]]
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DataError(f"{source}: truncated or corrupt IDX header")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    # math.prod on Python ints: a corrupt header must not overflow into a wrong size.
    expected = header + math.prod(shape) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise DataError(
            f"{source}: IDX file {what}: header says shape {shape} "
            f"({expected} bytes) but the file has {len(data)} bytes"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def read_gzip(path: str | os.PathLike) -> bytes:
    """Return the decompressed bytes of a .gz file, or DataError naming it."""
    try:
        with open(path, "rb") as f:
            return gzip.decompress(f.read())
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot decompress ({exc})") from exc
