""".npy and .npz loading: shape rules, labels, and refusal of pickles."""

import numpy as np
import pytest

import aekit.data
from aekit.errors import ConfigError, DataError


def test_npy_table_keeps_values(tmp_path):
    np.save(tmp_path / "t.npy", np.array([[0, 255], [7, 1000]], dtype=np.int64))
    data = aekit.data.load(tmp_path / "t.npy")
    assert data.kind == "table" and data.X.dtype == np.float32
    np.testing.assert_array_equal(data.X, [[0, 255], [7, 1000]])  # no rescaling
    assert data.y is None and data.feature_names is None


def test_npy_images(tmp_path):
    np.save(tmp_path / "gray.npy", np.zeros((5, 6, 7), np.uint8))
    np.save(tmp_path / "rgb.npy", np.zeros((5, 3, 6, 7)))
    assert aekit.data.load(tmp_path / "gray.npy").X.shape == (5, 1, 6, 7)
    rgb = aekit.data.load(tmp_path / "rgb.npy")
    assert rgb.X.shape == (5, 3, 6, 7) and rgb.kind == "image"
    with pytest.raises(ConfigError, match="resizing is done for image files only"):
        aekit.data.load(tmp_path / "rgb.npy", image_size=8)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5, 6)])
def test_npy_bad_rank(tmp_path, shape):
    np.save(tmp_path / "a.npy", np.zeros(shape))
    with pytest.raises(DataError, match="expected \\(N, F\\)"):
        aekit.data.load(tmp_path / "a.npy")


def test_channels_last_is_refused(tmp_path):
    np.save(tmp_path / "hwc.npy", np.zeros((2, 28, 28, 3)))
    with pytest.raises(DataError, match="channels-last"):
        aekit.data.load(tmp_path / "hwc.npy")


def test_pickled_object_array_is_refused(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="obj.npy: holds pickled Python objects"):
        aekit.data.load(tmp_path / "obj.npy")


def test_not_numpy_and_not_numeric(tmp_path):
    (tmp_path / "fake.npy").write_text("1,2,3")
    with pytest.raises(DataError, match="not a NumPy"):
        aekit.data.load(tmp_path / "fake.npy")
    np.save(tmp_path / "words.npy", np.array([["a", "b"]]))
    with pytest.raises(DataError, match="not numeric"):
        aekit.data.load(tmp_path / "words.npy")


def test_non_finite_npy(tmp_path):
    X = np.zeros((4, 2))
    X[3, 1] = np.inf
    np.save(tmp_path / "a.npy", X)
    with pytest.raises(DataError, match=r"a.npy: 1 non-finite value\(s\) \(NaN or inf\) in row\(s\) 3 column\(s\) 1"):
        aekit.data.load(tmp_path / "a.npy")


def test_npz_with_labels(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.ones((3, 2)), y=np.array([2, 0, 2]))
    data = aekit.data.load(tmp_path / "d.npz")
    np.testing.assert_array_equal(data.y, [2, 0, 2])
    assert data.y.dtype == np.int64 and data.classes is None


def test_npz_string_labels_and_other_keys(tmp_path):
    np.savez(tmp_path / "lower.npz", x=np.ones((3, 2)), y=np.array(["dog", "cat", "dog"]))
    data = aekit.data.load(tmp_path / "lower.npz")
    assert data.classes == ["cat", "dog"]
    np.testing.assert_array_equal(data.y, [1, 0, 1])
    np.savez(tmp_path / "only.npz", features=np.ones((3, 4)))
    assert aekit.data.load(tmp_path / "only.npz").X.shape == (3, 4)


def test_npz_problems(tmp_path):
    np.savez(tmp_path / "two.npz", a=np.ones((3, 2)), b=np.ones((3, 2)))
    with pytest.raises(DataError, match="keys: a, b"):
        aekit.data.load(tmp_path / "two.npz")
    np.savez(tmp_path / "short.npz", X=np.ones((3, 2)), y=np.array([0, 1]))
    with pytest.raises(DataError, match="3 samples but 2 labels"):
        aekit.data.load(tmp_path / "short.npz")
    np.savez(tmp_path / "obj.npz", X=np.array([None, 1], dtype=object))
    with pytest.raises(DataError, match="pickled"):
        aekit.data.load(tmp_path / "obj.npz")
