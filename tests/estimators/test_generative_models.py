"""The generative and discrete-code families through the estimator: save/load round trips,
sampling (shapes, seeds), one-hot codes at inference, and clear errors for bad arguments."""
import numpy as np
import pytest

import aekit
from aekit.errors import ConfigError, DataError

FAMILIES = {
    "vae": {},
    "vq": {"n_codes": 2, "codebook_size": 8, "prior_epochs": 2},
    "binary": {},
    "onehot": {"style_dim": 1},
    "rbm-stack": {"pretrain_steps": 2},
}


def fitted(name, X, **kw):
    options = {"activation": "sigmoid", "tied": True} if name == "rbm-stack" else {}
    options.update({"model_kwargs": FAMILIES[name], **kw})
    return aekit.AutoEncoder(model=name, latent_dim=4, hidden=[8], epochs=2, batch_size=16, random_state=0,
                             **options).fit(X)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_save_load_round_trip(name, table, tmp_path):
    est = fitted(name, table)
    est.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    assert loaded.module_.registry_name == name
    np.testing.assert_array_equal(loaded.transform(table), est.transform(table))
    np.testing.assert_array_equal(loaded.reconstruct(table), est.reconstruct(table))
    if hasattr(est.module_, "sample"):
        np.testing.assert_array_equal(loaded.sample(4, random_state=1), est.sample(4, random_state=1))
    if name == "onehot":
        np.testing.assert_array_equal(loaded.predict_cluster(table), est.predict_cluster(table))


@pytest.mark.parametrize("name", ["vae", "vq"])
def test_sampling_shapes_and_seeds(name, table, images):
    for X in (table, images):
        est = fitted(name, X)
        drawn = est.sample(5, random_state=7)
        assert drawn.shape == (5, *X.shape[1:]) and np.isfinite(drawn).all()
        np.testing.assert_array_equal(drawn, est.sample(5, random_state=7))
        assert not np.array_equal(drawn, est.sample(5, random_state=8))


def test_vq_prior_is_fitted_on_the_training_codes(images):
    est = fitted("vq", images)
    assert len(est.prior_history_) == 2
    assert bool(est.module_.prior.fitted)
    unfitted = fitted("vq", images, model_kwargs={**FAMILIES["vq"], "prior_epochs": 0})
    assert not hasattr(unfitted, "prior_history_") or unfitted.prior_history_ == []
    with pytest.raises(ConfigError, match="prior is not fitted"):
        unfitted.sample(3)


def test_vq_indices_stay_in_the_codebook_and_usage_is_logged(images):
    import torch

    est = fitted("vq", images)
    for row in est.history_:
        assert {"train_usage", "train_perplexity", "train_dead", "val_usage"} <= set(row)
        assert 0 < row["train_usage"] <= 1 and 1 <= row["train_perplexity"] <= 8
    indices = est.module_.encode_indices(torch.from_numpy(est.scaler_.apply(images)))
    assert indices.shape == (len(images), 2) and 0 <= indices.min() and indices.max() < 8


def test_onehot_codes_are_exactly_one_hot_at_inference(images):
    est = fitted("onehot", images)
    codes = est.transform(images)
    one_hot = codes[:, :3]  # latent_dim 4 = 3 clusters + 1 style value
    assert set(np.unique(one_hot)) <= {0.0, 1.0}
    np.testing.assert_array_equal(one_hot.sum(axis=1), np.ones(len(images)))
    np.testing.assert_array_equal(one_hot.argmax(axis=1), est.predict_cluster(images))


def test_vq_codebook_larger_than_the_data(table):
    with pytest.raises(DataError, match="codebook_size=512 is larger than the data"):
        aekit.AutoEncoder(model="vq", latent_dim=2, epochs=1, model_kwargs={"codebook_size": 512}).fit(table)


@pytest.mark.parametrize("name, kwargs, pattern", [
    ("onehot", {"n_clusters": 1, "style_dim": 3}, "n_clusters must be an integer >= 2"),
    ("onehot", {"style_dim": 3}, "at least 2"),
    ("vae", {"beta": -0.5}, "beta"),
    ("vq", {"codebook_size": 0}, "codebook_size"),
])
def test_bad_arguments_get_clear_errors(name, kwargs, pattern, table):
    with pytest.raises(ConfigError, match=pattern):
        aekit.AutoEncoder(model=name, latent_dim=4, epochs=1, model_kwargs=kwargs).fit(table)
