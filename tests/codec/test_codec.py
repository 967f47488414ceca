import struct
import warnings
import zlib

import numpy as np
import pytest

from aekit import codec
from aekit.codec import coding, fileformat, tiling
from aekit.codec.images import CodecNotice
from aekit.errors import ConfigError, DataError


def photo(height=40, width=56, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = 120 + 60 * np.sin(yy / 7.0) * np.cos(xx / 9.0)
    pixels = base[:, :, None] + rng.normal(0, 8, size=(height, width, channels))
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    return pixels[:, :, 0] if channels == 1 else pixels


@pytest.mark.parametrize("shape", [(40, 56, 3), (17, 33, 3), (1, 1, 3), (1, 300, 3), (300, 2, 3), (40, 56)])
def test_round_trip_keeps_shape_and_dtype(tiny_codec, shape):
    image = photo(*shape[:2], channels=shape[2] if len(shape) == 3 else 1)
    data = codec.compress(image, 2, codec=tiny_codec)
    out = codec.decompress(data, codec=tiny_codec)
    assert out.shape == image.shape and out.dtype == np.uint8


def test_compress_and_decompress_are_deterministic(tiny_codec):
    image = photo()
    data = codec.compress(image, 1, codec=tiny_codec)
    assert codec.compress(image, 1, codec=tiny_codec) == data
    assert np.array_equal(codec.decompress(data, codec=tiny_codec), codec.decompress(data, codec=tiny_codec))


def test_file_size_is_the_real_size(tiny_codec):
    data = codec.compress(photo(), 3, codec=tiny_codec)
    header, payload = fileformat.unpack(data)
    assert len(data) == 23 + len(payload) + 4
    assert (header.height, header.width, header.channels, header.quality) == (40, 56, 3, 3)


def test_latents_survive_entropy_coding_including_escapes(tiny_codec):
    rng = np.random.default_rng(1)
    latents = rng.integers(-3, 4, size=(8, 5, 7))
    latents[0, 0, 0], latents[3, 2, 1], latents[7, 4, 6] = 5000, -20000, 700  # far outside the tables
    data = coding.encode(latents, tiny_codec.tables, 1)
    assert np.array_equal(coding.decode(data, latents.shape, tiny_codec.tables, 1), latents)


def test_out_of_range_latent_is_refused(tiny_codec):
    latents = np.zeros((8, 2, 2), np.int64)
    latents[0, 0, 0] = 1 << 20
    with pytest.raises(DataError, match="codable range"):
        coding.encode(latents, tiny_codec.tables, 0)


def test_tables_have_no_zero_frequency(tiny_codec):
    tables = tiny_codec.tables
    for q in range(tables.freqs.shape[0]):
        for c in range(tables.freqs.shape[1]):
            freqs, _ = tables.channel(q, c)
            assert freqs.min() >= 1 and abs(int(freqs.sum()) - coding.TABLE_TOTAL) < len(freqs)


def test_tiles_match_a_whole_image_pass(tiny_codec, monkeypatch):
    image = photo(100, 140)
    whole = codec.decompress(codec.compress(image, 2, codec=tiny_codec), codec=tiny_codec)
    monkeypatch.setattr(tiling, "CORE", 2)  # 32-pixel tiles: many seams if the halo were wrong
    tiled_data = codec.compress(image, 2, codec=tiny_codec)
    tiled = codec.decompress(tiled_data, codec=tiny_codec)
    assert np.abs(tiled.astype(int) - whole.astype(int)).mean() < 0.5


# --- bad input -------------------------------------------------------------------------

def rewrite(data: bytes, offset: int, value: bytes) -> bytes:
    """Change header bytes and fix the checksum, to test the checks behind it."""
    body = data[:offset] + value + data[offset + len(value):-4]
    return body + struct.pack("<I", zlib.crc32(body))


@pytest.fixture
def aek(tiny_codec):
    return codec.compress(photo(), 2, codec=tiny_codec)


def test_truncated_file_is_refused(tiny_codec, aek):
    for cut in (3, 10, 23, len(aek) - 1):
        with pytest.raises(DataError):
            codec.decompress(aek[:cut], codec=tiny_codec)


def test_every_flipped_bit_is_caught(tiny_codec, aek):
    rng = np.random.default_rng(0)
    for position in rng.choice(len(aek) * 8, size=40, replace=False):
        damaged = bytearray(aek)
        damaged[position // 8] ^= 1 << (position % 8)
        with pytest.raises(DataError):
            codec.decompress(bytes(damaged), codec=tiny_codec)


def test_wrong_magic(tiny_codec, aek):
    with pytest.raises(DataError, match="magic"):
        codec.decompress(b"\x89PNG" + aek[4:], codec=tiny_codec)


def test_newer_format_version(tiny_codec, aek):
    with pytest.raises(DataError, match="newer"):
        codec.decompress(rewrite(aek, 4, bytes([fileformat.VERSION + 1])), codec=tiny_codec)


def test_other_weights_are_refused(tiny_codec, aek):
    with pytest.raises(DataError, match="other codec weights"):
        codec.decompress(rewrite(aek, 5, struct.pack("<I", 7)), codec=tiny_codec)


def test_unsupported_quality_in_file(tiny_codec, aek):
    with pytest.raises(ConfigError, match="quality"):
        codec.decompress(rewrite(aek, 9, bytes([9])), codec=tiny_codec)


@pytest.mark.parametrize("quality", [0, 4, -1, 2.5, "3", True])
def test_unsupported_quality_when_compressing(tiny_codec, quality):
    with pytest.raises(ConfigError, match="quality must be"):
        codec.compress(photo(), quality, codec=tiny_codec)


@pytest.mark.parametrize("array, message", [
    (np.zeros((4, 4, 2), np.uint8), "expected"),
    (np.zeros((0, 4, 3), np.uint8), "empty"),
    (np.full((4, 4), 1.5), r"\[0, 1\]"),
    (np.full((4, 4), np.nan), "NaN"),
    (np.full((4, 4), -3), "negative"),
    (np.array(["a"]), "expected"),
])
def test_bad_arrays(tiny_codec, array, message):
    with pytest.raises(DataError, match=message):
        codec.compress(array, 1, codec=tiny_codec)


def test_non_image_file_names_the_file(tiny_codec, tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(DataError, match="notes.png"):
        codec.compress(path, 1, codec=tiny_codec)


def test_alpha_is_dropped_with_a_notice(tiny_codec, tmp_path):
    from PIL import Image

    rgba = np.dstack([photo(), np.full((40, 56), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    with pytest.warns(CodecNotice, match="alpha"):
        data = codec.compress(tmp_path / "a.png", 1, codec=tiny_codec)
    assert codec.decompress(data, codec=tiny_codec).shape == (40, 56, 3)


def test_sixteen_bit_png_is_reduced_with_a_notice(tiny_codec, tmp_path):
    from PIL import Image

    wide = photo(channels=1).astype(np.uint16) * 257
    Image.fromarray(wide).save(tmp_path / "deep.png")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = codec.compress(tmp_path / "deep.png", 1, codec=tiny_codec)
    assert any("16-bit" in str(w.message) for w in caught)
    assert codec.decompress(data, codec=tiny_codec).shape == (40, 56)
