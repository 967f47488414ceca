"""Fashion-MNIST, read from the Debian package, the aekit cache, or downloaded once.

Each file is looked up in order: the Debian package ``dataset-fashion-mnist``
(``$AEKIT_DATASETS_DIR/fashion-mnist``, default ``/usr/share/datasets``), then
the cache (``$AEKIT_CACHE/fashion-mnist``, default ``~/.cache/aekit``), then it
is downloaded from ``$AEKIT_FASHION_MNIST_URL`` (default: the official site)
into the cache.

Debian re-gzipped the files, so the .gz bytes differ from the official ones;
the SHA-256 of the *decompressed* bytes is the same for both, so that is what
is checked, on every load (it costs a fraction of the decompression).
"""

from __future__ import annotations

import hashlib
import os
import sys
from contextlib import suppress
from pathlib import Path

import numpy as np

from aekit.data.cache import cache_root
from aekit.data.dataset import Dataset
from aekit.data.idx import parse_idx, read_gzip
from aekit.errors import DataError

CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
OFFICIAL_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
DEBIAN_PACKAGE = "dataset-fashion-mnist"

# SHA-256 of the decompressed files (identical for the official and the Debian .gz).
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
# split -> (images, labels) file stems, in the order they are concatenated
SPLITS = {
    "train": [("train-images-idx3-ubyte", "train-labels-idx1-ubyte")],
    "test": [("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")],
    "all": [
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    ],
}
_DOWNLOAD_TIMEOUT_S = 60


def debian_dir() -> Path:
    return Path(os.environ.get("AEKIT_DATASETS_DIR") or "/usr/share/datasets") / "fashion-mnist"


def cache_dir() -> Path:
    return cache_root() / "fashion-mnist"


def base_url() -> str:
    url = os.environ.get("AEKIT_FASHION_MNIST_URL") or OFFICIAL_URL
    return url if url.endswith("/") else url + "/"


def local_file(stem: str) -> Path | None:
    """The first existing copy of ``<stem>.gz`` (Debian package, then cache), or None."""
    for folder in (debian_dir(), cache_dir()):
        path = folder / f"{stem}.gz"
        if path.is_file():
            return path
    return None


def locations() -> tuple[bool, str]:
    """(all files present offline, where they are or where they would come from)."""
    paths = [local_file(stem) for stem in SHA256]
    if all(paths):
        return True, ", ".join(sorted({str(p.parent) for p in paths}))
    return False, f"download from {base_url()}"


def _checksum_error(stem: str, source: str, actual: str) -> str:
    return (
        f"{source}: checksum mismatch for {stem}: expected sha256 {SHA256[stem]}, "
        f"got {actual} (of the decompressed data)"
    )


def _download(stem: str) -> bytes:
    """Fetch ``<stem>.gz`` into the cache atomically; return its decompressed bytes."""
    # Imported here: urllib.request pulls in http, email and ssl, slowing every CLI start.
    import http.client
    import shutil
    import tempfile
    import urllib.error
    import urllib.request

    url = base_url() + stem + ".gz"
    folder = cache_dir()
    dest = folder / f"{stem}.gz"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # A temporary file in the same folder, so os.replace is atomic and an
        # interrupted or bad download never leaves a file under the real name.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".part")
    except OSError as exc:
        raise DataError(f"cannot write to the cache folder {folder} ({exc}); set AEKIT_CACHE") from exc
    print(f"aekit: downloading {url} to {dest}", file=sys.stderr)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response:
                    shutil.copyfileobj(response, out)
            except (OSError, http.client.HTTPException) as exc:
                if isinstance(exc, urllib.error.HTTPError):
                    exc.close()  # it holds the open response (and its socket)
                    reason = f"HTTP {exc.code} {exc.reason}"
                else:
                    reason = getattr(exc, "reason", None) or exc
                raise DataError(
                    f"cannot download {url} ({reason}); install the Debian package instead "
                    f"(sudo apt install {DEBIAN_PACKAGE}) or set AEKIT_FASHION_MNIST_URL to a mirror"
                ) from exc
        try:
            data = read_gzip(tmp)
        except DataError as exc:
            raise DataError(
                f"{url}: downloaded file is not valid gzip ({exc.__cause__}); nothing was saved"
            ) from exc
        actual = hashlib.sha256(data).hexdigest()
        if actual != SHA256[stem]:
            raise DataError(_checksum_error(stem, url, actual) + "; nothing was saved")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache file need not be
        os.replace(tmp, dest)
        tmp = None
        return data
    finally:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)


def _read(stem: str) -> bytes:
    path = local_file(stem)
    if path is None:
        return _download(stem)
    data = read_gzip(path)
    actual = hashlib.sha256(data).hexdigest()
    if actual != SHA256[stem]:
        hint = "; delete it to download it again" if path.parent == cache_dir() else ""
        raise DataError(_checksum_error(stem, str(path), actual) + hint)
    return data


def load(split: str) -> Dataset:
    """Fashion-MNIST ``split`` ("train", "test" or "all") as (N, 1, 28, 28) floats in [0, 1]."""
    images, labels = [], []
    for image_stem, label_stem in SPLITS[split]:
        x = parse_idx(_read(image_stem), image_stem)
        y = parse_idx(_read(label_stem), label_stem)
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(f"{image_stem}/{label_stem}: unexpected shapes {x.shape} and {y.shape}")
        images.append(x)
        labels.append(y)
    X = np.concatenate(images).astype(np.float32)
    X /= 255.0
    return Dataset(
        X=X.reshape(len(X), 1, *X.shape[1:]),
        y=np.concatenate(labels).astype(np.int64),
        kind="image",
        name="fashion-mnist",
        classes=list(CLASSES),
    )
