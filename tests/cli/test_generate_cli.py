"""`aekit sample`, `aekit interpolate`, `aekit cluster` and their estimator methods."""
import numpy as np
import pytest
from PIL import Image

import aekit
from aekit.cli import main
from aekit.errors import ConfigError


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def vae_dir(tmp_path, images):
    np.save(tmp_path / "imgs.npy", images)
    assert run("fit", tmp_path / "imgs.npy", "--model", "vae", "-o", tmp_path / "vae", "--epochs", 2,
               "--latent-dim", 2) == 0
    return tmp_path / "vae"


def test_sample_grid_and_arrays(vae_dir, tmp_path):
    assert run("sample", vae_dir, "-n", 6, "-o", tmp_path / "grid.png") == 0
    grid = Image.open(tmp_path / "grid.png")
    assert grid.size[0] > grid.size[1] > 0
    assert run("sample", vae_dir, "-n", 5, "-o", tmp_path / "s.npy", "--seed", 3) == 0
    first = np.load(tmp_path / "s.npy")
    assert first.shape == (5, 1, 10, 9)
    again = aekit.load(vae_dir).sample(5, random_state=3)
    np.testing.assert_allclose(first, again, rtol=1e-5, atol=1e-6)  # same seed, same draws


def test_interpolate_strip(vae_dir, tmp_path, images):
    for name, img in (("a.png", images[0]), ("b.png", images[1])):
        Image.fromarray((img[0] * 255).astype(np.uint8)).save(tmp_path / name)
    assert run("interpolate", vae_dir, tmp_path / "a.png", tmp_path / "b.png", "--steps", 5,
               "-o", tmp_path / "walk.npy") == 0
    walk = np.load(tmp_path / "walk.npy")
    est = aekit.load(vae_dir)
    ends = est.reconstruct(np.stack([images[0], images[1]]).round(2))
    assert walk.shape == (5, 1, 10, 9)
    np.testing.assert_allclose(walk[[0, -1]], ends, atol=0.02)  # the walk starts and ends at the rebuilt inputs


def test_non_generative_models_say_so(tmp_path, table, capsys):
    np.save(tmp_path / "t.npy", table)
    assert run("fit", tmp_path / "t.npy", "-o", tmp_path / "ae", "--epochs", 1, "--latent-dim", 2) == 0
    assert run("sample", tmp_path / "ae", "-o", tmp_path / "s.npy") == 2
    assert "cannot sample" in capsys.readouterr().err
    assert run("cluster", tmp_path / "ae", tmp_path / "t.npy", "-o", tmp_path / "c.csv") == 2
    assert "no categorical code" in capsys.readouterr().err
    assert run("sample", tmp_path / "ae", "-o", tmp_path / "s.png") == 2
    assert not (tmp_path / "s.npy").exists() and not (tmp_path / "c.csv").exists()


def test_interpolate_steps_checked(table):
    est = aekit.AutoEncoder(latent_dim=2, epochs=1, random_state=0).fit(table)
    with pytest.raises(ConfigError, match="steps"):
        est.interpolate(table[0], table[1], steps=1)
    assert est.interpolate(table[0], table[1], steps=np.int64(3)).shape == (3, 6)


def test_vq_samples_through_its_index_prior(tmp_path, images):
    np.save(tmp_path / "imgs.npy", images)
    assert run("fit", tmp_path / "imgs.npy", "--model", "vq", "--latent-dim", 4, "--model-arg", "n_codes=2",
               "--model-arg", "codebook_size=8", "--model-arg", "prior_epochs=2", "-o", tmp_path / "vq",
               "--epochs", 2) == 0
    assert run("sample", tmp_path / "vq", "-n", 6, "--seed", 4, "-o", tmp_path / "s.npy") == 0
    drawn = np.load(tmp_path / "s.npy")
    assert drawn.shape == (6, 1, 10, 9)
    np.testing.assert_array_equal(drawn, aekit.load(tmp_path / "vq").sample(6, random_state=4))
    assert run("sample", tmp_path / "vq", "-n", 4, "-o", tmp_path / "grid.png") == 0


def test_cluster_writes_one_cluster_per_sample(tmp_path, table):
    import pandas as pd

    np.save(tmp_path / "t.npy", table)
    assert run("fit", tmp_path / "t.npy", "--model", "onehot", "--latent-dim", 3, "-o", tmp_path / "oh",
               "--epochs", 2) == 0
    assert run("cluster", tmp_path / "oh", tmp_path / "t.npy", "-o", tmp_path / "c.csv") == 0
    frame = pd.read_csv(tmp_path / "c.csv")
    assert list(frame.columns) == ["id", "cluster"] and len(frame) == len(table)
    assert frame.cluster.between(0, 2).all()
    np.testing.assert_array_equal(frame.cluster, aekit.load(tmp_path / "oh").predict_cluster(table))
