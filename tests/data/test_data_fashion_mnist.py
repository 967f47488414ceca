"""Fashion-MNIST from the Debian package, from the cache, and downloaded from a real local server."""

import gzip
import hashlib
import socket
import struct
from pathlib import Path

import numpy as np
import pytest

import aekit.data
from aekit.data import fashion_mnist
from aekit.errors import DataError

DEBIAN = Path("/usr/share/datasets/fashion-mnist")
needs_debian = pytest.mark.skipif(
    not all((DEBIAN / f"{stem}.gz").is_file() for stem in fashion_mnist.SHA256),
    reason="Debian package dataset-fashion-mnist is not installed",
)
TEST_FILES = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def _cache_listing(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


@needs_debian
def test_debian_train_split(monkeypatch):
    monkeypatch.setenv("AEKIT_DATASETS_DIR", str(DEBIAN.parent))
    data = aekit.data.load("fashion-mnist")
    assert data.X.shape == (60000, 1, 28, 28) and data.X.dtype == np.float32
    assert data.y.dtype == np.int64 and set(np.unique(data.y)) == set(range(10))
    assert 0.0 <= data.X.min() and data.X.max() <= 1.0
    assert data.kind == "image" and data.name == "fashion-mnist" and len(data.classes) == 10


@needs_debian
def test_debian_all_is_train_then_test(monkeypatch):
    monkeypatch.setenv("AEKIT_DATASETS_DIR", str(DEBIAN.parent))
    everything = aekit.data.load("fashion-mnist", "all")
    test = aekit.data.load("fashion-mnist", "test")
    assert everything.X.shape == (70000, 1, 28, 28)
    np.testing.assert_array_equal(everything.y[60000:], test.y)


@needs_debian
def test_download_from_local_server_then_cache(isolated, serve, capsys, monkeypatch):
    url, requested = serve(DEBIAN)
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", url)
    data = aekit.data.load("fashion-mnist", "test")
    assert data.X.shape == (10000, 1, 28, 28) and data.y.shape == (10000,)
    assert _cache_listing(isolated) == TEST_FILES
    assert len(requested) == 2
    assert "downloading" in capsys.readouterr().err

    # The same again, now from the cache: the server must not be asked.
    again = aekit.data.load("fashion-mnist", "test")
    np.testing.assert_array_equal(again.X, data.X)
    assert len(requested) == 2


def _tiny_fashion_files(folder: Path, monkeypatch) -> None:
    """Write 3-image t10k files and make them the expected checksums (the real ones are 10000 images)."""
    folder.mkdir()
    images = np.arange(3 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)
    labels = np.array([4, 0, 9], dtype=np.uint8)
    for stem, array in [("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)]:
        raw = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
        (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        monkeypatch.setitem(fashion_mnist.SHA256, stem, hashlib.sha256(raw).hexdigest())


def test_download_tiny_files(isolated, serve, tmp_path, monkeypatch):
    _tiny_fashion_files(tmp_path / "mirror", monkeypatch)
    url, requested = serve(tmp_path / "mirror")
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", url.rstrip("/"))  # the trailing slash is optional
    data = aekit.data.load("fashion-mnist", "test")
    assert data.X.shape == (3, 1, 28, 28)
    np.testing.assert_array_equal(data.y, [4, 0, 9])
    assert data.X[0, 0, 0, 1] == pytest.approx(1 / 255)
    assert _cache_listing(isolated) == TEST_FILES
    aekit.data.load("fashion-mnist", "test")
    assert len(requested) == 2


def test_wrong_download_is_refused_and_not_kept(isolated, serve, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in TEST_FILES:
        (mirror / name).write_bytes(gzip.compress(b"these are not the bytes you are looking for"))
    url, _ = serve(mirror)
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", url)
    with pytest.raises(DataError, match="checksum") as info:
        aekit.data.load("fashion-mnist", "test")
    assert url in str(info.value) and fashion_mnist.SHA256["t10k-images-idx3-ubyte"] in str(info.value)
    assert _cache_listing(isolated) == []


def test_download_that_is_not_gzip(isolated, serve, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / TEST_FILES[0]).write_bytes(b"<html>an error page</html>")
    url, _ = serve(mirror)
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", url)
    with pytest.raises(DataError, match="not valid gzip"):
        aekit.data.load("fashion-mnist", "test")
    assert _cache_listing(isolated) == []


def test_missing_file_on_server(isolated, serve, tmp_path, monkeypatch):
    (tmp_path / "mirror").mkdir()
    url, _ = serve(tmp_path / "mirror")
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", url)
    with pytest.raises(DataError, match="HTTP 404") as info:
        aekit.data.load("fashion-mnist", "test")
    assert url + TEST_FILES[0] in str(info.value)
    assert _cache_listing(isolated) == []


def test_server_down(isolated, monkeypatch):
    with socket.socket() as sock:  # bind, then close: nothing listens on this port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", url)
    with pytest.raises(DataError) as info:
        aekit.data.load("fashion-mnist", "test")
    assert url + TEST_FILES[0] in str(info.value)
    assert "apt install dataset-fashion-mnist" in str(info.value)
    assert _cache_listing(isolated) == []


def test_cache_that_cannot_be_written(isolated, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("AEKIT_CACHE", str(blocker))
    with pytest.raises(DataError, match="cannot write to the cache folder"):
        aekit.data.load("fashion-mnist", "test")


def test_corrupt_cached_file(isolated, monkeypatch):
    isolated.mkdir(parents=True)
    (isolated / TEST_FILES[0]).write_bytes(gzip.compress(b"bit rot"))
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", "http://127.0.0.1:9/")  # must not be needed
    with pytest.raises(DataError, match="checksum.*delete it"):
        aekit.data.load("fashion-mnist", "test")


def test_list_datasets_reports_download_when_absent(isolated, monkeypatch):
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", "http://mirror.example/fmnist/")
    entry = {d["name"]: d for d in aekit.data.list_datasets()}["fashion-mnist"]
    assert entry["available"] is False
    assert entry["where"] == "download from http://mirror.example/fmnist/"


@needs_debian
def test_list_datasets_reports_debian_copy(monkeypatch):
    monkeypatch.setenv("AEKIT_DATASETS_DIR", str(DEBIAN.parent))
    entry = {d["name"]: d for d in aekit.data.list_datasets()}["fashion-mnist"]
    assert entry["available"] is True and entry["where"] == str(DEBIAN)
    assert entry["shape"] == (1, 28, 28) and entry["n_samples"] == 70000
