"""scikit-learn built-ins, split handling, name resolution, list_datasets and import cost."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import aekit.data
from aekit.errors import ConfigError, DataError


@pytest.mark.parametrize("split, n", [("train", 1437), ("test", 360), ("all", 1797)])
def test_digits(split, n):
    data = aekit.data.load("digits", split)
    assert data.X.shape == (n, 1, 8, 8) and data.X.dtype == np.float32
    assert data.X.min() == 0.0 and data.X.max() == 1.0
    assert data.y.shape == (n,) and data.y.dtype == np.int64
    assert data.kind == "image" and data.classes == [str(d) for d in range(10)]


@pytest.mark.parametrize("split, n", [("train", 455), ("test", 114), ("all", 569)])
def test_breast_cancer(split, n):
    data = aekit.data.load("breast-cancer", split)
    assert data.X.shape == (n, 30) and data.X.dtype == np.float32
    assert data.kind == "table" and len(data.feature_names) == 30
    assert data.classes == ["malignant", "benign"]


def test_default_split_is_train_and_fixed():
    first, second = aekit.data.load("breast-cancer"), aekit.data.load("breast-cancer", "train")
    np.testing.assert_array_equal(first.X, second.X)


def test_train_and_test_partition_all_and_are_stratified():
    everything = aekit.data.load("digits", "all").X.reshape(1797, -1)
    train = aekit.data.load("digits", "train")
    test = aekit.data.load("digits", "test")
    rows = {r.tobytes() for r in everything}
    assert {r.tobytes() for r in train.X.reshape(len(train), -1)} <= rows
    assert len(train) + len(test) == len(everything)
    assert np.bincount(test.y).min() >= 35  # every class in the 20%


def test_unknown_split():
    with pytest.raises(DataError, match="unknown split 'val' for digits; valid splits: train, test, all"):
        aekit.data.load("digits", "val")


def test_unknown_name():
    message = "unknown dataset or missing path 'foo'; built-in datasets: fashion-mnist, digits, breast-cancer"
    with pytest.raises(DataError) as info:
        aekit.data.load("foo")
    assert str(info.value) == message


def test_empty_name_is_not_the_current_folder():
    with pytest.raises(DataError, match="missing path ''"):
        aekit.data.load("")


def test_path_object_is_never_a_builtin_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="missing path 'digits'"):
        aekit.data.load(Path("digits"))


def test_image_options_must_match_builtins():
    assert aekit.data.load("digits", image_size=8, channels=1).X.shape[1:] == (1, 8, 8)
    with pytest.raises(ConfigError, match="8x8, not 28x28"):
        aekit.data.load("digits", image_size=28)
    with pytest.raises(ConfigError, match="not to a table"):
        aekit.data.load("breast-cancer", channels=1)


def test_list_datasets():
    entries = aekit.data.list_datasets()
    assert [e["name"] for e in entries] == ["fashion-mnist", "digits", "breast-cancer"]
    for entry in entries:
        assert set(entry) == {"name", "kind", "shape", "n_samples", "description", "available", "where"}
    digits = entries[1]
    assert digits["available"] is True and digits["shape"] == (1, 8, 8) and digits["n_samples"] == 1797


def test_import_stays_light():
    src = str(Path(aekit.data.__file__).parents[2])
    code = (
        "import sys, aekit.data; "
        "print(sorted(m for m in ('pandas', 'PIL', 'sklearn', 'torch') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
