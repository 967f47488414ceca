"""check_finite and check_not_empty: what they accept and how they word the error."""

import numpy as np
import pytest

from aekit.data.validate import check_finite, check_not_empty
from aekit.errors import DataError


def test_finite_arrays_pass():
    check_finite(np.zeros((3, 2), np.float32))
    check_finite(np.arange(6).reshape(3, 2))  # integers cannot be NaN
    check_finite(np.zeros((0, 4)))


def test_names_rows_and_columns():
    X = np.zeros((10, 3))
    X[2, 1] = np.nan
    X[7, 1] = np.inf
    X[9, 2] = -np.inf
    with pytest.raises(DataError) as info:
        check_finite(X, feature_names=["id", "age", "income"])
    assert str(info.value) == "X: 3 non-finite value(s) (NaN or inf) in row(s) 2, 7, 9 column(s) 'age', 'income'"


def test_column_indices_without_names_and_source():
    X = np.zeros((2, 3), np.float32)
    X[1, 0] = np.nan
    with pytest.raises(DataError) as info:
        check_finite(X, "data.npy")
    assert str(info.value) == "data.npy: 1 non-finite value(s) (NaN or inf) in row(s) 1 column(s) 0"


def test_long_lists_are_shortened():
    X = np.full((20, 20), np.nan)
    with pytest.raises(DataError) as info:
        check_finite(X)
    assert "row(s) 0, 1, 2, 3, 4 (and 15 more) column(s) 0, 1, 2, 3, 4 (and 15 more)" in str(info.value)


def test_images_name_samples_only():
    X = np.zeros((4, 1, 5, 5), np.float32)
    X[3, 0, 2, 2] = np.nan
    with pytest.raises(DataError) as info:
        check_finite(X, "images")
    assert str(info.value) == "images: 1 non-finite value(s) (NaN or inf) in row(s) 3"


def test_large_array_is_vectorised():
    X = np.ones((70000, 784), np.float32)
    check_finite(X)  # vectorised: a few hundredths of a second
    X[69999, 783] = np.nan
    with pytest.raises(DataError, match=r"row\(s\) 69999 column\(s\) 783"):
        check_finite(X)


def test_not_empty():
    check_not_empty(np.zeros((1, 1)))
    with pytest.raises(DataError, match="^X: no samples$"):
        check_not_empty(np.zeros((0, 3)))
    with pytest.raises(DataError, match="^data.csv: no features$"):
        check_not_empty(np.zeros((5, 0)), "data.csv")
    with pytest.raises(DataError, match="no features"):
        check_not_empty(np.zeros((5, 3, 0, 2)))
