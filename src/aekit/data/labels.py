"""Turn a label column or array into integer labels, shared by the table and array loaders.

Integer labels are kept as they are (label 3 stays 3, so ``classes`` is None:
there are no names to give). String labels become indices into their sorted
unique values, which become ``classes``.
"""

from __future__ import annotations

import numpy as np

from aekit.data.validate import short_list
from aekit.errors import DataError


def _missing(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return ~np.isfinite(values)
    if values.dtype.kind == "O":
        # pandas gives None, NaN or pd.NA for a missing string; all are "not a str".
        return np.array([not isinstance(v, (str, int, np.integer)) for v in values], dtype=bool)
    return np.zeros(len(values), dtype=bool)


def encode_labels(values: np.ndarray, source: str) -> tuple[np.ndarray, list[str] | None]:
    """Return (int64 labels, class names or None); DataError for missing or fractional labels."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise DataError(f"{source}: labels must be one-dimensional, got shape {values.shape}")
    missing = np.flatnonzero(_missing(values))
    if len(missing):
        rows = short_list([str(i) for i in missing])
        raise DataError(f"{source}: {len(missing)} missing label(s) in row(s) {rows}")
    kind = values.dtype.kind
    if kind == "O" and all(isinstance(v, (int, np.integer)) for v in values):
        kind = "i"  # e.g. a nullable pandas integer column handed over as objects
    if kind in "biu":
        return values.astype(np.int64), None
    if kind == "f":
        if not np.array_equal(values, np.round(values)):
            raise DataError(f"{source}: labels must be integers or strings, got fractional numbers")
        return values.astype(np.int64), None
    if kind in "USO":
        classes, y = np.unique(values.astype(str), return_inverse=True)
        return y.astype(np.int64).reshape(-1), [str(c) for c in classes]
    raise DataError(f"{source}: labels of dtype {values.dtype} are not supported (use integers or strings)")
