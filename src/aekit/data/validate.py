"""Checks that turn bad arrays into one clear DataError instead of a NaN loss later.

Loaders call these on everything they return, and the estimators call them on
whatever the user passes to ``fit``/``transform``, so the messages name the
source (a file path or "X") and the offending rows and columns.
"""

from __future__ import annotations

import numpy as np

from aekit.errors import DataError

_SHOWN = 5  # how many rows/columns a message lists before "(and N more)"


def short_list(items: list[str]) -> str:
    """'a, b, c, d, e (and 3 more)': keeps error messages one line long."""
    shown = ", ".join(items[:_SHOWN])
    if len(items) > _SHOWN:
        shown += f" (and {len(items) - _SHOWN} more)"
    return shown


def check_finite(X: np.ndarray, source: str = "X", feature_names: list[str] | None = None) -> None:
    """Raise DataError if X holds NaN or inf, naming the rows (and, for 2-D X, the columns).

    Rows are 0-based sample indices. For images (more than 2 dimensions) only
    the sample index is given: a pixel coordinate would not help anybody.
    """
    X = np.asarray(X)
    # Integers and booleans cannot hold NaN or inf.
    if X.dtype.kind not in "fc" or X.size == 0:
        return
    finite = np.isfinite(X)
    if finite.all():
        return
    bad = ~finite
    del finite
    count = int(bad.sum())
    if bad.ndim == 0:
        raise DataError(f"{source}: value is not finite (NaN or inf)")
    per_row = bad.reshape(len(bad), -1).any(axis=1)
    rows = [str(i) for i in np.flatnonzero(per_row)]
    message = f"{source}: {count} non-finite value(s) (NaN or inf) in row(s) {short_list(rows)}"
    if bad.ndim == 2:
        col_idx = np.flatnonzero(bad.any(axis=0))
        if feature_names is not None and len(feature_names) == bad.shape[1]:
            cols = [f"'{feature_names[i]}'" for i in col_idx]
        else:
            cols = [str(i) for i in col_idx]
        message += f" column(s) {short_list(cols)}"
    raise DataError(message)


def check_not_empty(X: np.ndarray, source: str = "X") -> None:
    """Raise DataError if X has no samples or no features."""
    X = np.asarray(X)
    if X.ndim == 0 or X.shape[0] == 0:
        raise DataError(f"{source}: no samples")
    if X.ndim >= 2 and int(np.prod(X.shape[1:])) == 0:
        raise DataError(f"{source}: no features")
