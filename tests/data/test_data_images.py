"""Image folders and single image files, written with Pillow into tmp_path."""

import numpy as np
import pytest
from PIL import Image

import aekit.data
from aekit.errors import ConfigError, DataError


def save(path, mode="L", size=(8, 8), color=128, **kwargs):
    """Write a solid image; size is Pillow's (width, height)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, **kwargs)
    return path


def test_png_and_jpeg_in_nested_folders(tmp_path):
    save(tmp_path / "b.png")
    save(tmp_path / "a" / "x.JPG")
    save(tmp_path / "a" / "deeper" / "y.jpeg")
    (tmp_path / "notes.txt").write_text("not an image")
    data = aekit.data.load(tmp_path)
    assert data.ids == ["a/deeper/y.jpeg", "a/x.JPG", "b.png"]
    assert data.X.shape == (3, 1, 8, 8) and data.X.dtype == np.float32 and data.kind == "image"
    assert data.y is None and data.classes is None  # b.png is not in a class folder
    np.testing.assert_allclose(data.X, 128 / 255, atol=2 / 255)  # JPEG is lossy
    assert data.name == str(tmp_path)


def test_inferred_and_given_size(tmp_path):
    for i in range(2):
        save(tmp_path / f"{i}.png", size=(6, 4))
    assert aekit.data.load(tmp_path).X.shape == (2, 1, 4, 6)
    assert aekit.data.load(tmp_path, image_size=5).X.shape == (2, 1, 5, 5)
    resized = aekit.data.load(tmp_path, image_size=(3, 7))
    assert resized.X.shape == (2, 1, 3, 7)
    np.testing.assert_allclose(resized.X, 128 / 255, atol=1e-6)


def test_mixed_sizes_use_the_most_common(tmp_path):
    save(tmp_path / "a.png", size=(8, 8))
    save(tmp_path / "b.png", size=(4, 4), color=200)
    save(tmp_path / "c.png", size=(8, 8))
    data = aekit.data.load(tmp_path)
    assert data.X.shape == (3, 1, 8, 8)
    np.testing.assert_allclose(data.X[1], 200 / 255, atol=1e-6)


def test_mixed_channels_need_a_choice(tmp_path):
    save(tmp_path / "gray.png", "L", color=100)
    save(tmp_path / "red.png", "RGB", color=(255, 0, 0))
    with pytest.raises(DataError, match="gray.png.*red.png.*pass channels=1 or channels=3 to convert"):
        aekit.data.load(tmp_path)
    rgb = aekit.data.load(tmp_path, channels=3)
    assert rgb.X.shape == (2, 3, 8, 8)
    np.testing.assert_allclose(rgb.X[0], 100 / 255, atol=1e-6)  # gray repeated in R, G and B
    np.testing.assert_allclose(rgb.X[1, :, 0, 0], [1, 0, 0])
    gray = aekit.data.load(tmp_path, channels=1)
    assert gray.X.shape == (2, 1, 8, 8)
    assert gray.X[1, 0, 0, 0] == pytest.approx(76 / 255)  # ITU-R 601 luma of pure red


def test_rgba_and_palette_become_rgb(tmp_path):
    save(tmp_path / "a.png", "RGBA", color=(0, 255, 0, 10))
    save(tmp_path / "b.png", "P", color=3)
    data = aekit.data.load(tmp_path)
    assert data.X.shape == (2, 3, 8, 8)
    np.testing.assert_allclose(data.X[0, :, 0, 0], [0, 1, 0])  # alpha dropped, not blended


def test_16_bit_png_scaled_by_65535(tmp_path):
    pixels = np.array([[0, 32768], [65535, 1000]], dtype=np.uint16)
    Image.fromarray(pixels).save(tmp_path / "deep.png")
    data = aekit.data.load(tmp_path / "deep.png")
    np.testing.assert_allclose(data.X[0, 0], pixels / 65535, rtol=1e-6)
    three = aekit.data.load(tmp_path / "deep.png", channels=3)
    np.testing.assert_allclose(three.X[0, 2], pixels / 65535, rtol=1e-6)


def test_single_file(tmp_path):
    path = save(tmp_path / "one.png", "RGB", size=(5, 3), color=(0, 0, 255))
    data = aekit.data.load(str(path))
    assert data.X.shape == (1, 3, 3, 5) and data.ids == ["one.png"] and data.y is None


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees": stored 8 wide and 4 high, shown 4 wide and 8 high
    save(tmp_path / "phone.jpg", "RGB", size=(8, 4), exif=exif)
    assert aekit.data.load(tmp_path).X.shape == (1, 3, 8, 4)


def test_sub_folder_labels(tmp_path):
    save(tmp_path / "dog" / "1.png")
    save(tmp_path / "cat" / "2.png")
    save(tmp_path / "dog" / "3.png")
    data = aekit.data.load(tmp_path)
    assert data.classes == ["cat", "dog"]
    assert data.ids == ["cat/2.png", "dog/1.png", "dog/3.png"]
    np.testing.assert_array_equal(data.y, [0, 1, 1])


def test_deeper_nesting_gives_no_labels(tmp_path):
    save(tmp_path / "dog" / "1.png")
    save(tmp_path / "cat" / "kittens" / "2.png")
    assert aekit.data.load(tmp_path).y is None


def test_corrupt_and_truncated_files_are_named(tmp_path):
    good = save(tmp_path / "good" / "a.png", "RGB", size=(64, 64), color=(1, 2, 3))
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "bad.png").write_bytes(b"certainly not a PNG")
    (tmp_path / "cut").mkdir()
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noisy).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut" / "half.png").write_bytes(data[: len(data) // 2])
    for folder, name in [("garbage", "bad.png"), ("cut", "half.png")]:
        with pytest.raises(DataError, match=name):
            aekit.data.load(tmp_path / folder)
    assert len(aekit.data.load(good.parent)) == 1


def test_hidden_files_are_skipped(tmp_path):
    save(tmp_path / "a.png")
    (tmp_path / "._a.png").write_bytes(b"macOS resource fork")
    save(tmp_path / ".thumbnails" / "t.png")
    assert aekit.data.load(tmp_path).ids == ["a.png"]


def test_empty_folder(tmp_path):
    (tmp_path / "readme.md").write_text("no pictures here")
    with pytest.raises(DataError, match="no images") as info:
        aekit.data.load(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_bad_options(tmp_path):
    save(tmp_path / "a.png")
    with pytest.raises(ConfigError, match="channels must be 1 or 3"):
        aekit.data.load(tmp_path, channels=2)
    with pytest.raises(ConfigError, match="image_size"):
        aekit.data.load(tmp_path, image_size=(0, 4))
    with pytest.raises(ConfigError, match="image_size"):
        aekit.data.load(tmp_path, image_size="big")


def test_user_data_has_no_test_split(tmp_path):
    save(tmp_path / "a.png")
    assert len(aekit.data.load(tmp_path, "all")) == 1
    with pytest.raises(DataError, match="no 'test' split"):
        aekit.data.load(tmp_path, "test")
