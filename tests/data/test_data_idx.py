"""IDX parsing on tiny hand-made files, including corrupt and truncated ones."""

import gzip
import struct

import numpy as np
import pytest

from aekit.data.idx import parse_idx, read_gzip
from aekit.errors import DataError


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = struct.pack(">HBB", 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def test_parses_ubyte_images_and_labels():
    images = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 1, 9], dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(images), "images"), images)
    np.testing.assert_array_equal(parse_idx(idx_bytes(labels), "labels"), labels)


def test_parses_big_endian_int32():
    values = np.array([[1, -2], [70000, 3]], dtype=">i4")
    np.testing.assert_array_equal(parse_idx(idx_bytes(values, 0x0C), "ints"), values)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not an IDX file"),
        (b"\x08\x03\x00\x00" + bytes(20), "bad magic"),
        (b"\x00\x00\x07\x01" + bytes(8), "bad magic"),  # unknown type code
        (b"\x00\x00\x08\x03\x00\x00", "truncated or corrupt IDX header"),
        (idx_bytes(np.zeros((2, 3, 4), np.uint8))[:-1], "truncated"),
        (idx_bytes(np.zeros((2, 3, 4), np.uint8)) + b"\x00", "trailing bytes"),
    ],
)
def test_corrupt_idx_raises_naming_source(data, message):
    with pytest.raises(DataError, match=message) as info:
        parse_idx(data, "some-file")
    assert "some-file" in str(info.value)


def test_read_gzip(tmp_path):
    good = tmp_path / "good.gz"
    good.write_bytes(gzip.compress(b"hello"))
    assert read_gzip(good) == b"hello"


def test_read_gzip_corrupt_or_truncated(tmp_path):
    not_gzip = tmp_path / "plain.gz"
    not_gzip.write_bytes(b"hello")
    truncated = tmp_path / "cut.gz"
    truncated.write_bytes(gzip.compress(bytes(range(256)) * 100)[:-20])
    for path in (not_gzip, truncated):
        with pytest.raises(DataError, match=path.name):
            read_gzip(path)
