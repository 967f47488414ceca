"""Anomaly detection on the estimator: thresholds, scores, explanations."""
import numpy as np
import pytest

import aekit
from aekit import AnomalyDetector
from aekit.errors import ConfigError, DataError


def detector(**kw):
    params = dict(latent_dim=2, hidden=(16,), epochs=40, batch_size=16, lr=3e-3, random_state=0, device="cpu")
    return AnomalyDetector(**{**params, **kw})


@pytest.fixture
def normal_and_odd():
    """Normal data on a 2-d plane in 8-d; anomalies off the plane at the same scale."""
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(2, 8))
    normal = rng.normal(size=(400, 2)) @ basis + 0.05 * rng.normal(size=(400, 8))
    odd = rng.normal(size=(40, 8)) * normal.std(0)
    return normal.astype(np.float32), odd.astype(np.float32)


@pytest.mark.parametrize("score", ["recon", "mse", "l1"])
def test_reconstruction_scores_find_off_manifold_anomalies(normal_and_odd, score):
    from sklearn.metrics import roc_auc_score

    normal, odd = normal_and_odd
    det = detector(anomaly_score=score).fit(normal[:300])
    labels = np.r_[np.zeros(100), np.ones(40)]
    assert roc_auc_score(labels, -det.score_samples(np.r_[normal[300:], odd])) > 0.95


@pytest.mark.parametrize("score, hidden", [("latent", (16,)), ("features", (16, 8))])
def test_gaussian_scores_find_rare_codes(score, hidden):
    """On-manifold points far from the training data rebuild fine but sit where no
    training code (or encoder feature vector) lies."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    basis = rng.normal(size=(2, 8))
    normal = (rng.normal(size=(400, 2)) @ basis).astype(np.float32)
    far = (rng.normal(size=(40, 2)) * 4 @ basis).astype(np.float32)
    det = detector(anomaly_score=score, hidden=hidden, scaling="none").fit(normal[:300])
    width = 2 if score == "latent" else 8  # the code, or the last hidden layer
    assert det.gaussian_mean_.shape == (width,) and det.gaussian_precision_.shape == (width, width)
    labels = np.r_[np.zeros(100), np.ones(40)]
    assert roc_auc_score(labels, -det.score_samples(np.r_[normal[300:], far])) > 0.85


def test_features_score_on_images_uses_the_feature_map(images):
    det = detector(anomaly_score="features", latent_dim=3, hidden=(4, 8), epochs=2).fit(images)
    assert det.gaussian_mean_.shape == (8 * 3 * 3,)  # 10x9 -> 5x5 -> 3x3, 8 channels
    scores = det.score_samples(images)
    assert scores.shape == (40,) and np.isfinite(scores).all() and (scores <= 0).all()


def test_with_score_reuses_the_network(normal_and_odd):
    normal, odd = normal_and_odd
    base = detector(epochs=5).fit(normal)
    switched = base.with_score("features", normal)
    fresh = detector(epochs=5, anomaly_score="features").fit(normal)
    assert switched.module_ is base.module_ and base.anomaly_score == "recon"
    assert not hasattr(base, "gaussian_mean_")
    np.testing.assert_allclose(switched.score_samples(odd), fresh.score_samples(odd), rtol=1e-5)
    assert switched.offset_ == pytest.approx(fresh.offset_, rel=1e-5)
    with pytest.raises(ConfigError, match="anomaly_score"):
        base.with_score("vibes", normal)


def test_target_fpr_threshold_on_held_out_normal_data(normal_and_odd):
    normal, odd = normal_and_odd
    det = detector(target_fpr=0.1, val_fraction=0.25).fit(normal[:300])
    assert det.threshold_ == {"rule": "target_fpr", "value": 0.1, "n_samples": 75}
    fpr = (det.predict(normal[300:]) == -1).mean()  # unseen normal data
    assert 0.0 < fpr < 0.3
    assert (det.predict(odd) == -1).mean() > 0.9


def test_default_threshold_is_5_percent_fpr(normal_and_odd):
    det = detector(epochs=2).fit(normal_and_odd[0])
    assert det.threshold_["rule"] == "target_fpr" and det.threshold_["value"] == 0.05


def test_contamination_threshold_on_training_data(normal_and_odd):
    det = detector(contamination=0.1, epochs=5).fit(normal_and_odd[0])
    assert det.threshold_["rule"] == "contamination"
    assert (det.predict(normal_and_odd[0]) == -1).sum() == 40


def test_no_holdout_falls_back_to_contamination(normal_and_odd):
    det = detector(val_fraction=0, epochs=2).fit(normal_and_odd[0])
    assert det.threshold_ == {"rule": "contamination", "value": 0.05, "n_samples": 400}
    with pytest.raises(ConfigError, match="held-out"):
        detector(val_fraction=0, target_fpr=0.1, epochs=2).fit(normal_and_odd[0])


def test_explain_tables_sums_to_the_score(normal_and_odd):
    normal, odd = normal_and_odd
    det = detector(anomaly_score="mse").fit(normal)
    contrib = det.explain(odd)
    assert contrib.shape == odd.shape and (contrib >= 0).all()
    np.testing.assert_allclose(contrib.mean(1), -det.score_samples(odd), rtol=1e-4)


def test_explain_images_points_at_the_damage(images):
    det = detector(latent_dim=3, hidden=(8,), epochs=60).fit(images)
    damaged = images[:4].copy()
    damaged[:, 0, 1:3, 1:3] = 1.0  # a bright square in a corner that is dark in normal images
    maps = det.explain(damaged)
    assert maps.shape == damaged.shape
    corner = maps[:, 0, 1:3, 1:3].mean()
    assert corner > 5 * maps[:, 0, 5:, 5:].mean()


@pytest.mark.parametrize("score", ["latent", "features"])
def test_threshold_and_gaussian_are_saved(normal_and_odd, tmp_path, score):
    normal, odd = normal_and_odd
    det = detector(anomaly_score=score, target_fpr=0.02, epochs=5).fit(normal)
    det.save(tmp_path / "d")
    loaded = aekit.load(tmp_path / "d")
    assert type(loaded) is AnomalyDetector and loaded.threshold_ == det.threshold_
    np.testing.assert_array_equal(loaded.gaussian_precision_, det.gaussian_precision_)
    np.testing.assert_allclose(loaded.score_samples(odd), det.score_samples(odd))
    np.testing.assert_array_equal(loaded.predict(odd), det.predict(odd))


def test_missing_or_damaged_gaussian_is_a_clear_error(normal_and_odd, tmp_path):
    from aekit.errors import ModelFileError

    det = detector(anomaly_score="features", epochs=2).fit(normal_and_odd[0])
    det.save(tmp_path / "d")
    gaussian = tmp_path / "d" / "score_gaussian.safetensors"
    gaussian.write_bytes(gaussian.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="score_gaussian.safetensors: corrupt"):
        aekit.load(tmp_path / "d")
    gaussian.unlink()
    with pytest.raises(ModelFileError, match="score_gaussian.safetensors: missing"):
        aekit.load(tmp_path / "d")


def test_gaussian_of_the_wrong_shape_is_refused(normal_and_odd, tmp_path):
    from safetensors.numpy import save_file

    from aekit.errors import ModelFileError

    detector(anomaly_score="latent", epochs=2).fit(normal_and_odd[0]).save(tmp_path / "d")
    save_file({"mean": np.zeros(2), "precision": np.eye(3)}, str(tmp_path / "d" / "score_gaussian.safetensors"))
    with pytest.raises(ModelFileError, match="do not match"):
        aekit.load(tmp_path / "d")


@pytest.mark.parametrize("kw, pattern", [
    ({"contamination": 0.0}, "contamination"), ({"contamination": 0.6}, "contamination"),
    ({"target_fpr": 0.0}, "target_fpr"), ({"target_fpr": 1.0}, "target_fpr"),
    ({"target_fpr": 0.1, "contamination": 0.1}, "not both"), ({"anomaly_score": "vibes"}, "anomaly_score"),
])
def test_bad_threshold_arguments(normal_and_odd, kw, pattern):
    with pytest.raises(ConfigError, match=pattern):
        detector(**kw).fit(normal_and_odd[0])


def test_empty_normal_set():
    with pytest.raises(DataError):
        detector().fit(np.zeros((0, 8), np.float32))


def test_scoring_bad_data(normal_and_odd, images):
    normal, _ = normal_and_odd
    det = detector(epochs=1).fit(normal)
    bad = normal[:5].copy()
    bad[2, 3] = np.nan
    with pytest.raises(DataError, match="row"):
        det.score_samples(bad)
    with pytest.raises(DataError, match="expecting 8 features"):
        det.score_samples(normal[:, :5])
    with pytest.raises(DataError, match="fitted on a table"):
        det.score_samples(images)
