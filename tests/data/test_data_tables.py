"""CSV/TSV/TXT and Parquet tables: features, label and id columns, and the errors."""

import sys

import numpy as np
import pandas as pd
import pytest

import aekit.data
from aekit.errors import ConfigError, DataError


def write(path, text):
    path.write_text(text)
    return path


def test_numeric_csv(tmp_path):
    data = aekit.data.load(write(tmp_path / "d.csv", "a,b,flag\n1,2.5,True\n3,4,False\n"))
    assert data.kind == "table" and data.X.dtype == np.float32
    np.testing.assert_array_equal(data.X, [[1, 2.5, 1], [3, 4, 0]])  # booleans are 0/1
    assert data.feature_names == ["a", "b", "flag"] and data.y is None and data.ids is None


def test_label_and_id_columns(tmp_path):
    data = aekit.data.load(write(tmp_path / "d.csv", "ID,x,Class\nr1,1,dog\nr2,2,cat\nr3,3,dog\n"))
    assert data.feature_names == ["x"] and data.ids == ["r1", "r2", "r3"]
    assert data.classes == ["cat", "dog"]
    np.testing.assert_array_equal(data.y, [1, 0, 1])


@pytest.mark.parametrize("column", ["label", "TARGET", "y"])
def test_integer_labels_are_kept(tmp_path, column):
    data = aekit.data.load(write(tmp_path / "d.csv", f"x,{column}\n1,5\n2,3\n"))
    np.testing.assert_array_equal(data.y, [5, 3])
    assert data.classes is None and data.feature_names == ["x"]


def test_non_numeric_columns_are_all_named(tmp_path):
    path = write(tmp_path / "data.csv", "age,city,name,income\n30,Paris,Ann,1\n40,Rome,Bob,2\n")
    with pytest.raises(DataError) as info:
        aekit.data.load(path)
    assert str(info.value) == (
        f"{path}: non-numeric column(s) 'city', 'name'; aekit reads numeric features only "
        "(encode categories first, or name the column 'label')"
    )


def test_non_finite_values_name_rows_and_columns(tmp_path):
    path = write(tmp_path / "d.csv", "age,income,height\n1,2,3\n4,,6\n7,inf,9\n")
    with pytest.raises(DataError) as info:
        aekit.data.load(path)
    assert str(info.value).endswith("2 non-finite value(s) (NaN or inf) in row(s) 1, 2 column(s) 'income'")


def test_label_problems(tmp_path):
    with pytest.raises(DataError, match="missing label"):
        aekit.data.load(write(tmp_path / "a.csv", "x,label\n1,cat\n2,\n"))
    with pytest.raises(DataError, match="several label columns 'label', 'target'"):
        aekit.data.load(write(tmp_path / "b.csv", "x,label,target\n1,0,1\n"))
    with pytest.raises(DataError, match="fractional"):
        aekit.data.load(write(tmp_path / "c.csv", "x,y\n1,0.5\n"))


def test_empty_files(tmp_path):
    with pytest.raises(DataError, match="empty file"):
        aekit.data.load(write(tmp_path / "empty.csv", ""))
    with pytest.raises(DataError, match="no rows"):
        aekit.data.load(write(tmp_path / "header.csv", "a,b\n"))
    with pytest.raises(DataError, match="no features"):
        aekit.data.load(write(tmp_path / "labels.csv", "label\n1\n2\n"))


def test_tsv_and_sniffed_txt(tmp_path):
    assert aekit.data.load(write(tmp_path / "d.tsv", "a\tb\n1\t2\n")).X.shape == (1, 2)
    data = aekit.data.load(write(tmp_path / "d.txt", "a;b;c\n1;2;3\n4;5;6\n"))
    assert data.feature_names == ["a", "b", "c"]
    aligned = aekit.data.load(write(tmp_path / "aligned.txt", "a    b\n1    2\n30   4\n"))
    np.testing.assert_array_equal(aligned.X, [[1, 2], [30, 4]])
    single = aekit.data.load(write(tmp_path / "single.txt", "a\n1\n2\n"))
    assert single.X.shape == (2, 1) and single.feature_names == ["a"]


def test_parquet(tmp_path):
    frame = pd.DataFrame({"f1": [1.0, 2.0], "f2": [3, 4], "target": ["no", "yes"]})
    frame.to_parquet(tmp_path / "d.parquet")
    data = aekit.data.load(tmp_path / "d.parquet")
    np.testing.assert_array_equal(data.X, [[1, 3], [2, 4]])
    assert data.classes == ["no", "yes"] and data.feature_names == ["f1", "f2"]


def test_parquet_without_pyarrow(tmp_path, monkeypatch):
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "d.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    with pytest.raises(DataError, match=r"pip install aekit\[parquet\]"):
        aekit.data.load(tmp_path / "d.parquet")


def test_unsupported_extension(tmp_path):
    with pytest.raises(DataError, match=r"unsupported file type '\.json'.*\.csv.*\.parquet"):
        aekit.data.load(write(tmp_path / "d.json", "{}"))


def test_image_options_refused_for_tables(tmp_path):
    with pytest.raises(ConfigError, match="not to a table"):
        aekit.data.load(write(tmp_path / "d.csv", "a\n1\n"), image_size=8)
