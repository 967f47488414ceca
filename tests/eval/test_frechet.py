"""Fréchet distance (identity, symmetry, growth with a shift, closed form) and the small
feature classifier."""
import numpy as np
import pytest

from aekit.errors import DataError
from aekit.eval.frechet import (classifier_accuracy, features, frechet_distance, frechet_distance_from_stats,
                                train_feature_classifier)


@pytest.fixture
def feats():
    rng = np.random.default_rng(0)
    return rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))


def test_distance_of_a_set_to_itself_is_zero(feats):
    assert frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-6)


def test_symmetric(feats):
    rng = np.random.default_rng(1)
    other = rng.normal(size=(400, 6)) * 2 + 1
    assert frechet_distance(feats, other) == pytest.approx(frechet_distance(other, feats), rel=1e-6)


def test_grows_with_a_mean_shift(feats):
    shifts = [frechet_distance(feats, feats + s) for s in (0.0, 0.5, 1.0, 2.0)]
    assert shifts == sorted(shifts) and shifts[0] < 1e-6
    # A pure shift changes only the mean term: |shift|^2 = D * s^2.
    assert shifts[2] == pytest.approx(6 * 1.0 ** 2, rel=1e-6)


def test_closed_form_for_diagonal_gaussians():
    # Diagonal covariances: d = |mu_a - mu_b|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    mu_a, mu_b = np.zeros(3), np.array([1.0, 0.0, 2.0])
    expected = 5.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + 0.0
    assert frechet_distance_from_stats(mu_a, np.diag(a), mu_b, np.diag(b)) == pytest.approx(expected)


def test_singular_covariances_are_handled():
    rng = np.random.default_rng(2)
    low_rank = rng.normal(size=(50, 2)) @ rng.normal(size=(2, 8))  # rank 2 in 8 dimensions
    d = frechet_distance(low_rank, low_rank + 0.1)
    assert np.isfinite(d) and d == pytest.approx(8 * 0.01, rel=0.05)
    few = rng.normal(size=(5, 8))  # fewer samples than features
    assert np.isfinite(frechet_distance(few, rng.normal(size=(6, 8))))


def test_bad_features_raise(feats):
    with pytest.raises(DataError, match="different feature sizes"):
        frechet_distance(feats, feats[:, :3])
    with pytest.raises(DataError, match="at least 2"):
        frechet_distance(feats[:1], feats)
    with pytest.raises(DataError, match="2-D"):
        frechet_distance(feats[:, 0], feats)
    with pytest.raises(DataError, match="NaN"):
        frechet_distance(np.full((4, 6), np.nan), feats)


def test_feature_classifier_learns_and_separates_classes():
    # Two easy classes of 8x8 images: a bright left half or a bright right half.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=200)
    X = rng.uniform(0, 0.3, size=(200, 1, 8, 8)).astype(np.float32)
    X[y == 0, :, :, :4] += 0.7
    X[y == 1, :, :, 4:] += 0.7
    model = train_feature_classifier(X, y, epochs=8, seed=0, batch_size=32, width=4, feature_dim=8)
    assert classifier_accuracy(model, X, y) > 0.95
    f = features(model, X[:, 0])  # (N, H, W) works too
    assert f.shape == (200, 8) and f.dtype == np.float64
    # The two classes are farther apart in feature space than two halves of one class.
    same = frechet_distance(f[y == 0][:40], f[y == 0][40:80])
    across = frechet_distance(f[y == 0][:40], f[y == 1][:40])
    assert across > same


def test_feature_classifier_is_seeded_and_checks_inputs():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(20, 1, 6, 6)).astype(np.float32)
    y = np.arange(20) % 2
    a = features(train_feature_classifier(X, y, epochs=1, seed=3, width=2, feature_dim=4), X)
    b = features(train_feature_classifier(X, y, epochs=1, seed=3, width=2, feature_dim=4), X)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(DataError, match="grayscale"):
        train_feature_classifier(np.zeros((4, 3, 8, 8)), np.arange(4) % 2)
    with pytest.raises(DataError, match="one label per image"):
        train_feature_classifier(X, y[:5])
    with pytest.raises(DataError, match="single class"):
        train_feature_classifier(X, np.zeros(20))
