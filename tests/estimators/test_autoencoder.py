"""aekit.AutoEncoder behaviour beyond scikit-learn's generic checks."""
import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

import aekit
from aekit import AutoEncoder
from aekit.errors import ConfigError, DataError, ModelFileError, OutputExistsError


def fast(**kw):
    params = dict(latent_dim=2, hidden=(16,), epochs=40, batch_size=16, lr=3e-3, random_state=0, device="cpu")
    return AutoEncoder(**{**params, **kw})


def test_table_round_trip_beats_the_mean(table):
    ae = fast().fit(table)
    codes = ae.transform(table)
    assert codes.shape == (60, 2) and codes.dtype == np.float32
    rebuilt = ae.inverse_transform(codes)
    assert rebuilt.shape == table.shape
    np.testing.assert_allclose(rebuilt, ae.reconstruct(table), rtol=1e-5, atol=1e-4)
    # The data is rank 2 plus noise: a 2-d code must do far better than predicting the mean.
    rel = ((rebuilt - table) ** 2).mean(0) / table.var(0)
    assert rel.mean() < 0.3


def test_images_use_a_conv_net_and_keep_their_shape(images):
    ae = fast(latent_dim=4, hidden=(8,), epochs=5).fit(images)
    assert type(ae.module_.encoder).__name__ == "ConvEncoder"
    assert ae.reconstruct(images).shape == images.shape
    assert ae.transform(images[:, 0]).shape == (40, 4)  # (N, H, W) works too


def test_outlier_api(table):
    ae = fast(contamination=0.1).fit(table)
    scores = ae.score_samples(table)
    np.testing.assert_allclose(ae.decision_function(table), scores - ae.offset_)
    assert set(np.unique(ae.predict(table))) == {-1, 1}
    assert (ae.predict(table) == -1).sum() == 6
    far = table[:3] * 8
    assert (ae.score_samples(far) < scores.min()).all()


def test_pipeline_and_grid_search():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    pipe = make_pipeline(fast(latent_dim=8, epochs=10), LogisticRegression(max_iter=500))
    search = GridSearchCV(pipe, {"autoencoder__latent_dim": [2, 8]}, cv=2).fit(X, y)
    assert search.best_params_["autoencoder__latent_dim"] == 8
    assert search.score(X, y) > 0.7


def test_clone_and_refit_starts_over(table):
    ae = fast(epochs=3).fit(table)
    first = ae.transform(table)
    assert clone(ae).get_params() == ae.get_params()
    again = ae.fit(table).transform(table)
    np.testing.assert_array_equal(first, again)  # same seed, fresh start


def test_feature_names_out(table):
    ae = fast(epochs=1).fit(table)
    assert list(ae.get_feature_names_out()) == ["autoencoder0", "autoencoder1"]


def test_save_load_round_trip(table, tmp_path):
    ae = fast(model="dae", model_kwargs={"noise": "gaussian", "noise_level": 0.1}).fit(table)
    ae.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["model"] == "dae" and config["input"]["shape"] == [6]
    loaded = aekit.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.transform(table), ae.transform(table))
    np.testing.assert_array_equal(loaded.predict(table), ae.predict(table))
    assert loaded.get_params() == ae.get_params()


def test_save_refuses_existing_folder(table, tmp_path):
    ae = fast(epochs=1).fit(table)
    ae.save(tmp_path / "m")
    with pytest.raises(OutputExistsError):
        ae.save(tmp_path / "m")
    ae.save(tmp_path / "m", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary folders left


@pytest.fixture
def saved(table, tmp_path):
    fast(epochs=1).fit(table).save(tmp_path / "m")
    return tmp_path / "m"


def test_missing_weights(saved):
    (saved / "model.safetensors").unlink()
    with pytest.raises(ModelFileError, match="model.safetensors: missing"):
        aekit.load(saved)


def test_truncated_weights(saved):
    data = (saved / "model.safetensors").read_bytes()
    (saved / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        aekit.load(saved)


def test_garbage_weights(saved):
    (saved / "model.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        aekit.load(saved)


def test_weights_of_another_model(saved, images, tmp_path):
    fast(epochs=1, latent_dim=3).fit(images).save(tmp_path / "other")
    (saved / "model.safetensors").write_bytes((tmp_path / "other" / "model.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match="do not match"):
        aekit.load(saved)


def test_config_from_a_newer_version(saved):
    config = json.loads((saved / "config.json").read_text())
    config["format_version"] = 99
    (saved / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="upgrade aekit"):
        aekit.load(saved)


def test_corrupt_config(saved):
    (saved / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="corrupt JSON"):
        aekit.load(saved)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelFileError, match="not a model folder"):
        aekit.load(tmp_path / "nothing")


# ---------------------------------------------------------------- bad input
def test_empty_data():
    with pytest.raises(DataError):
        fast().fit(np.zeros((0, 5)))


def test_one_sample():
    with pytest.raises(DataError, match="1 sample"):
        fast().fit(np.ones((1, 5)))


def test_nan_names_rows_and_columns(table):
    import pandas as pd

    frame = pd.DataFrame(table, columns=[f"f{i}" for i in range(6)])
    frame.iloc[3, 2] = np.nan
    frame.iloc[7, 4] = np.inf
    with pytest.raises(DataError, match=r"row\(s\) 3, 7.*'f2', 'f4'"):
        fast().fit(frame)


def test_nan_in_images_names_the_sample(images):
    images = images.copy()
    images[11, 0, 2, 2] = np.nan
    with pytest.raises(DataError, match="11"):
        fast().fit(images)


def test_wrong_feature_count_at_transform(table):
    ae = fast(epochs=1).fit(table)
    with pytest.raises(ValueError, match="4 features.*expecting 6"):
        ae.transform(table[:, :4])


def test_wrong_image_size_at_transform(images):
    ae = fast(epochs=1, latent_dim=2).fit(images)
    with pytest.raises(DataError, match=r"\(1, 8, 8\).*\(1, 10, 9\)"):
        ae.transform(np.zeros((2, 1, 8, 8), np.float32))


def test_table_model_given_images(table, images):
    ae = fast(epochs=1).fit(table)
    with pytest.raises(DataError, match="fitted on a table"):
        ae.transform(images)


@pytest.mark.parametrize("latent_dim", [0, 7])
def test_latent_dim_out_of_range(table, latent_dim):
    with pytest.raises(ConfigError, match="latent_dim"):
        fast(latent_dim=latent_dim).fit(table)


def test_contamination_out_of_range(table):
    with pytest.raises(ConfigError, match="contamination"):
        fast(contamination=0.7).fit(table)


def test_unknown_model(table):
    with pytest.raises(ConfigError, match="unknown model 'vae2'"):
        fast(model="vae2").fit(table)


def test_not_fitted(table):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        fast().transform(table)


def test_beats_pca_on_nonlinear_data():
    """Points on a curved 1-d manifold in 3-d: a 1-d AE code beats 1 PCA component."""
    rng = np.random.default_rng(0)
    t = rng.uniform(-2, 2, size=600)
    X = np.c_[t, t**2, np.sin(2 * t)] + 0.02 * rng.normal(size=(600, 3))
    ae = fast(latent_dim=1, hidden=(32, 32), epochs=150, lr=3e-3, scaling="none", patience=30).fit(X)
    pca = PCA(1).fit(X)
    ae_err = ((ae.reconstruct(X) - X) ** 2).mean()
    pca_err = ((pca.inverse_transform(pca.transform(X)) - X) ** 2).mean()
    assert ae_err < 0.5 * pca_err


def test_n_init_keeps_the_start_with_the_lowest_validation_loss(table):
    params = dict(latent_dim=2, epochs=3, random_state=5, device="cpu")
    best = AutoEncoder(n_init=3, **params).fit(table)
    assert len(best.init_losses_) == 3 and len(set(best.init_losses_)) == 3  # three different starts
    assert best.init_losses_[best.best_init_] == min(best.init_losses_)
    assert best.seed_ == 5 and min(v["val_loss"] for v in best.history_) == min(best.init_losses_)
    single = AutoEncoder(n_init=1, **params).fit(table)
    assert single.init_losses_ == best.init_losses_[:1]  # start 0 is exactly the plain run


@pytest.mark.parametrize("kw, pattern", [({"n_init": 0}, "n_init must be a positive integer"),
                                         ({"n_init": 1.5}, "n_init must be a positive integer"),
                                         ({"n_init": 2, "checkpoint_dir": "ck"}, "checkpoint_dir holds one run")])
def test_bad_n_init(table, kw, pattern):
    with pytest.raises(ConfigError, match=pattern):
        AutoEncoder(epochs=1, **kw).fit(table)
