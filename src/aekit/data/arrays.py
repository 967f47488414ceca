"""Load .npy and .npz files as tables or images.

Shapes: (N, F) is a table, (N, H, W) an image set with one channel, (N, C, H, W)
an image set. Values are converted to float32 as they are: no rescaling, the
estimators scale. Files are opened with ``allow_pickle=False`` because
unpickling runs arbitrary code; object arrays are refused with a clear error.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from aekit.data.dataset import Dataset
from aekit.data.labels import encode_labels
from aekit.errors import DataError

_CHANNEL_COUNTS = (1, 3, 4)
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"  # any zip record: an empty archive starts with PK\x05\x06


def _read_error(path: Path, exc: Exception) -> DataError:
    if "pickle" in str(exc).lower():
        return DataError(
            f"{path}: holds pickled Python objects; aekit reads numeric arrays only "
            "and never unpickles files (that can run arbitrary code)"
        )
    return DataError(f"{path}: cannot read ({exc})")


def _pick_x(path: Path, keys: list[str]) -> str:
    for key in ("X", "x"):
        if key in keys:
            return key
    others = [k for k in keys if k != "y"]
    if len(others) == 1:
        return others[0]
    raise DataError(
        f"{path}: cannot tell which array holds the data (keys: {', '.join(keys) or 'none'}); "
        "save it under the key 'X' (and labels under 'y')"
    )


def array_dataset(X: np.ndarray, y: np.ndarray | None, name: str) -> Dataset:
    """Check shape and dtype, convert to float32 and wrap in a Dataset."""
    if X.dtype.kind not in "biuf":
        raise DataError(f"{name}: array of dtype {X.dtype} is not numeric")
    if X.ndim == 2:
        kind = "table"
    elif X.ndim == 3:
        kind, X = "image", X[:, None]
    elif X.ndim == 4:
        kind = "image"
        if X.shape[3] in _CHANNEL_COUNTS and X.shape[1] not in _CHANNEL_COUNTS:
            # (N, H, W, C) read as (N, C, H, W) would silently give nonsense images.
            raise DataError(
                f"{name}: array of shape {X.shape} looks channels-last (N, H, W, C); aekit expects "
                "(N, C, H, W): save X.transpose(0, 3, 1, 2)"
            )
    else:
        raise DataError(
            f"{name}: array of shape {X.shape}; expected (N, F) for a table, "
            "(N, H, W) or (N, C, H, W) for images"
        )
    labels, classes = None, None
    if y is not None:
        labels, classes = encode_labels(y, f"{name} (labels 'y')")
        if len(labels) != len(X):
            raise DataError(f"{name}: {len(X)} samples but {len(labels)} labels")
    return Dataset(X=np.asarray(X, dtype=np.float32), y=labels, kind=kind, name=name, classes=classes)


def load_numpy(path: Path, name: str) -> Dataset:
    """Load a .npy array or a .npz archive (data under "X", "x" or its only array; labels under "y")."""
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
        # np.load takes anything else for a pickle, which would give a misleading message.
        if not (magic == _NPY_MAGIC or magic.startswith(_ZIP_MAGIC)):
            raise DataError(f"{path}: not a NumPy .npy/.npz file")
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):
            return array_dataset(loaded, None, name)
        with loaded:
            keys = list(loaded.files)
            X = loaded[_pick_x(path, keys)]
            y = loaded["y"] if "y" in keys else None
    except DataError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise _read_error(path, exc) from exc
    return array_dataset(X, y, name)
