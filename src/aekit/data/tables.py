"""Load CSV/TSV/TXT and Parquet tables into a numeric (N, F) float32 array.

A header row is expected. A column named label/target/class/y (any case) is
the label, a column named id is the sample ids; every other column is a
feature and must be numeric (booleans count as 0/1). Non-numeric columns are
an error naming all of them, rather than a silent drop or a guessed encoding:
which encoding fits is the user's call.

pandas (and pyarrow for Parquet) is imported inside the functions so
``import aekit.data`` stays fast.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from aekit.data.dataset import Dataset
from aekit.data.labels import encode_labels
from aekit.errors import DataError

TABLE_EXTENSIONS = (".csv", ".tsv", ".txt", ".parquet")
LABEL_COLUMNS = ("label", "target", "class", "y")
ID_COLUMNS = ("id",)
_SEPARATORS = {".csv": ",", ".tsv": "\t"}
# .txt has no agreed delimiter: sniff one of these from the start of the file.
_TXT_DELIMITERS = ",\t;| "
_SNIFF_BYTES = 64 * 1024


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _sniff_separator(path: Path) -> str:
    with open(path, newline="", errors="replace") as f:
        sample = f.read(_SNIFF_BYTES)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_TXT_DELIMITERS).delimiter
    except csv.Error:
        # The sniffer gives up on columns aligned with varying runs of spaces.
        header = sample.splitlines()[0] if sample else ""
        return r"\s+" if len(header.split()) > 1 and "," not in header else ","
    return r"\s+" if delimiter == " " else delimiter  # aligned columns use runs of spaces


def read_frame(path: Path, name: str):
    """The file as a pandas DataFrame; DataError for an empty or unreadable file."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401  (pandas needs it; checked here for a clear message)
        except ImportError:
            raise DataError(f"{name}: reading Parquet needs pyarrow: pip install aekit[parquet]") from None
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        sep = _SEPARATORS.get(suffix) or _sniff_separator(path)
        return pd.read_csv(path, sep=sep)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{name}: empty file") from exc
    except (ValueError, OSError, UnicodeDecodeError, csv.Error, pd.errors.ParserError) as exc:
        raise DataError(f"{name}: cannot read ({exc})") from exc


def _special_column(names: list[str], wanted: tuple[str, ...], what: str, name: str) -> int | None:
    found = [i for i, n in enumerate(names) if n.strip().lower() in wanted]
    if len(found) > 1:
        raise DataError(
            f"{name}: several {what} columns {_quoted([names[i] for i in found])}; keep one "
            f"(aekit reads a column named {' / '.join(wanted)} as the {what})"
        )
    return found[0] if found else None


def frame_dataset(frame, name: str) -> Dataset:
    """Split a DataFrame into features, labels and ids, checking that features are numeric."""
    import pandas as pd

    if len(frame) == 0:
        raise DataError(f"{name}: no rows")
    names = [str(c) for c in frame.columns]
    label_at = _special_column(names, LABEL_COLUMNS, "label", name)
    id_at = _special_column(names, ID_COLUMNS, "id", name)
    features = [i for i in range(len(names)) if i not in (label_at, id_at)]
    non_numeric = [names[i] for i in features if not pd.api.types.is_numeric_dtype(frame.dtypes.iloc[i])]
    if non_numeric:
        raise DataError(
            f"{name}: non-numeric column(s) {_quoted(non_numeric)}; aekit reads numeric features only "
            "(encode categories first, or name the column 'label')"
        )
    X = frame.iloc[:, features].to_numpy(dtype=np.float32, na_value=np.nan)
    y, classes = None, None
    if label_at is not None:
        y, classes = encode_labels(frame.iloc[:, label_at].to_numpy(), f"{name} (column '{names[label_at]}')")
    ids = frame.iloc[:, id_at].astype(str).tolist() if id_at is not None else None
    return Dataset(
        X=X, y=y, kind="table", name=name, ids=ids,
        feature_names=[names[i] for i in features], classes=classes,
    )


def load_table(path: Path, name: str) -> Dataset:
    return frame_dataset(read_frame(path, name), name)
