import numpy as np
import pytest
from PIL import Image

from aekit.cli import main


@pytest.fixture
def png(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(30, 45, 3), dtype=np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    return path


def test_compress_then_decompress(use_tiny_codec, png, tmp_path, capsys):
    aek, out = tmp_path / "photo.aek", tmp_path / "back.png"
    assert main(["compress", str(png), "-o", str(aek), "--quality", "2"]) == 0
    assert "bits per pixel" in capsys.readouterr().out
    assert main(["decompress", str(aek), "-o", str(out)]) == 0
    assert Image.open(out).size == (45, 30)


def test_existing_output_is_kept(use_tiny_codec, png, tmp_path, capsys):
    aek = tmp_path / "photo.aek"
    aek.write_bytes(b"precious")
    assert main(["compress", str(png), "-o", str(aek)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert aek.read_bytes() == b"precious"
    assert main(["compress", str(png), "-o", str(aek), "--force", "-q", "1"]) == 0


@pytest.mark.parametrize("args, message", [
    (["compress", "{png}", "-o", "{tmp}/x.aek", "--quality", "9"], "quality must be"),
    (["compress", "{tmp}/missing.png", "-o", "{tmp}/x.aek"], "missing.png"),
    (["decompress", "{png}", "-o", "{tmp}/x.png"], "photo.png: not an aekit"),
    (["decompress", "{tmp}/missing.aek", "-o", "{tmp}/x.png"], "missing.aek"),
])
def test_bad_input_exits_2_and_writes_nothing(use_tiny_codec, png, tmp_path, capsys, args, message):
    args = [a.format(png=png, tmp=tmp_path) for a in args]
    before = set(tmp_path.iterdir())
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert set(tmp_path.iterdir()) == before


def test_corrupt_file_and_unknown_output_format(use_tiny_codec, png, tmp_path, capsys):
    aek = tmp_path / "photo.aek"
    assert main(["compress", str(png), "-o", str(aek)]) == 0
    data = bytearray(aek.read_bytes())
    data[30] ^= 0x10
    bad = tmp_path / "bad.aek"
    bad.write_bytes(bytes(data))
    assert main(["decompress", str(bad), "-o", str(tmp_path / "x.png")]) == 2
    assert "checksum" in capsys.readouterr().err
    assert main(["decompress", str(aek), "-o", str(tmp_path / "x.unknown")]) == 2
    assert "unknown image format" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.unknown").exists()


def test_alpha_notice_goes_to_stderr(use_tiny_codec, tmp_path, capsys):
    path = tmp_path / "cutout.png"
    Image.fromarray(np.zeros((8, 8, 4), np.uint8), "RGBA").save(path)
    assert main(["compress", str(path), "-o", str(tmp_path / "c.aek")]) == 0
    assert "notice: " in capsys.readouterr().err
