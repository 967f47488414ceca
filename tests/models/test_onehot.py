"""The one-hot (Gumbel-softmax) auto-encoder: its code, the temperature schedule, the
cluster-balance and consistency terms and their partners."""
import numpy as np
import pytest
import torch

from aekit.errors import ConfigError
from aekit.registry import create_model
from aekit.train import Trainer


def onehot(seed=0, latent_dim=3, pairs="neighbour", **kw):
    """A small onehot model; batch neighbours by default, so that ``loss`` works without a
    pool (the Trainer prepares the "knn" pool; the tests of "knn" ask for it)."""
    torch.manual_seed(seed)
    return create_model("onehot", input_shape=(6,), latent_dim=latent_dim, hidden=[16], pairs=pairs, **kw)


def blobs(n=90, dim=6, seed=0):
    """Three well-separated clusters, labels 0, 1, 2 in turn."""
    g = torch.Generator().manual_seed(seed)
    centres = 4 * torch.randn(3, dim, generator=g)
    labels = torch.arange(n) % 3
    return centres[labels] + 0.3 * torch.randn(n, dim, generator=g), labels



def test_onehot_one_active_cluster_per_sample():
    model = onehot(latent_dim=4)
    x = torch.randn(50, 6)
    for mode in (model.train, model.eval):  # hard=True: exactly one-hot in training too
        mode()
        out = model(x)
        assert set(out["z"].unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(out["z"].sum(1), torch.ones(50))
        assert torch.equal(out["z"].argmax(1), out["cluster"])
    assert torch.equal(out["cluster"], out["logits"].argmax(1))  # eval: argmax, no noise
    assert torch.equal(model(x)["z"], model.encode(x))
    clusters = model.predict_cluster(x)
    assert clusters.shape == (50,) and clusters.dtype == torch.int64
    assert clusters.min() >= 0 and clusters.max() < 4
    parts = model.loss(x, out)
    assert set(parts) == {"loss", "recon", "entropy_reg", "disagreement", "tau", "confidence", "used_clusters"}
    assert parts["used_clusters"] == len(clusters.unique())
    assert 1 / 4 <= parts["confidence"] <= 1


def test_onehot_soft_code_while_training_when_not_hard():
    model = onehot(hard=False)
    out = model(torch.randn(10, 6))
    assert torch.allclose(out["z"].sum(1), torch.ones(10))
    assert ((out["z"] > 0) & (out["z"] < 1)).all()


def test_temperature_schedule_and_resume():
    model = onehot(tau_start=1.0, tau_end=0.1, tau_anneal_steps=10)
    assert model.temperature(0) == pytest.approx(1.0)
    assert model.temperature(5) == pytest.approx(0.1 ** 0.5)
    assert model.temperature(10) == pytest.approx(0.1)
    assert model.temperature(25) == pytest.approx(0.1)
    x = torch.randn(8, 6)
    taus = [float(model.loss(x, model(x))["tau"]) for _ in range(3)]  # training mode: one step each
    assert taus == pytest.approx([1.0, 0.1 ** 0.1, 0.1 ** 0.2])
    model.eval()
    model.loss(x, model(x))  # evaluation does not advance the schedule
    twin = onehot(seed=5, tau_start=1.0, tau_end=0.1, tau_anneal_steps=10)
    twin.load_state_dict(model.state_dict())
    assert int(twin.step) == 3 and twin.temperature() == pytest.approx(0.1 ** 0.3)
    assert onehot(tau_anneal_steps=0).temperature(0) == pytest.approx(0.1)


def test_style_code_next_to_the_clusters():
    model = onehot(latent_dim=5, style_dim=2).eval()
    assert (model.n_clusters, model.style_dim) == (3, 2)
    x = torch.randn(20, 6)
    z = model(x)["z"]
    assert z.shape == (20, 5)
    assert torch.equal(z[:, :3].sum(1), torch.ones(20))
    assert torch.equal(z[:, 3:], model.encoder(x)[:, 3:])  # continuous style, untouched
    assert len(z[:, 3:].unique()) > 20  # real values, not bits
    assert onehot(latent_dim=5, n_clusters=3, style_dim=2).config["n_clusters"] == 3


def test_cluster_layout_errors():
    with pytest.raises(ConfigError, match="n_clusters.*style_dim.*latent_dim"):
        onehot(latent_dim=5, n_clusters=4, style_dim=2)
    with pytest.raises(ConfigError, match="latent_dim - style_dim"):
        onehot(latent_dim=3, style_dim=2)
    with pytest.raises(ConfigError, match="style_dim"):
        onehot(style_dim=-1)
    with pytest.raises(ConfigError, match="tau_end"):
        onehot(tau_end=0)
    with pytest.raises(ConfigError, match="balance"):
        onehot(balance=-1.0)
    with pytest.raises(ConfigError, match="consistency"):
        onehot(consistency=-0.5)
    with pytest.raises(ConfigError, match="unknown pairs"):
        onehot(pairs="friends")
    with pytest.raises(ConfigError, match="neighbours"):
        onehot(neighbours=0)
    with pytest.raises(ConfigError, match="neighbour_dims"):
        onehot(neighbour_dims=2.5)


def test_balance_term_spreads_samples_over_the_clusters():
    X, labels = blobs()
    model = onehot(latent_dim=3, tau_anneal_steps=100)
    Trainer(epochs=20, batch_size=30, lr=1e-2, val_fraction=0, patience=None, progress=False,
            seed=0).fit(model, X)
    clusters = model.eval().predict_cluster(X)
    assert len(clusters.unique()) == 3
    purity = sum(torch.bincount(labels[clusters == k]).max().item() for k in clusters.unique()) / len(X)
    assert purity > 0.9


def test_entropy_term_is_zero_for_balanced_and_large_for_collapsed_batches():
    model = onehot(latent_dim=3, balance=1.0, pairs="neighbour")
    x = torch.randn(6, 6)
    balanced = {"x_hat": x, "logits": 20 * torch.eye(3).repeat(2, 1), "cluster": torch.arange(6) % 3}
    collapsed = {"x_hat": x, "logits": 20 * torch.eye(3)[[0] * 6], "cluster": torch.zeros(6, dtype=torch.long)}
    assert float(model.loss(x, balanced)["entropy_reg"]) == pytest.approx(0.0, abs=1e-6)
    assert float(model.loss(x, collapsed)["entropy_reg"]) == pytest.approx(np.log(3), abs=1e-6)
    assert float(model.loss(x, collapsed)["used_clusters"]) == 1.0


def test_disagreement_is_zero_for_agreeing_confident_pairs_and_log_k_when_undecided():
    model = onehot(latent_dim=3, balance=0.0, pairs="neighbour")
    x = torch.tensor([[0.0] * 6, [0.1] * 6, [5.0] * 6, [5.1] * 6])  # two pairs of near twins
    confident = {"x_hat": x, "logits": torch.tensor([[50.0, 0, 0], [50, 0, 0], [0, 50, 0], [0, 50, 0]]),
                 "cluster": torch.tensor([0, 0, 1, 1])}
    undecided = {"x_hat": x, "logits": torch.zeros(4, 3), "cluster": torch.zeros(4, dtype=torch.long)}
    split = {"x_hat": x, "logits": torch.tensor([[50.0, 0, 0], [0, 50, 0], [0, 0, 50], [50, 0, 0]]),
             "cluster": torch.tensor([0, 1, 2, 0])}
    assert float(model.loss(x, confident)["disagreement"]) == pytest.approx(0.0, abs=1e-6)
    assert float(model.loss(x, undecided)["disagreement"]) == pytest.approx(np.log(3), abs=1e-6)
    assert float(model.loss(x, split)["disagreement"]) > 10  # twins put into different clusters


def test_nearest_other_sample_of_the_batch():
    from aekit.models.onehot import _nearest_other

    x = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.5, 0.0], [9.0, 0.0]])
    assert _nearest_other(x).tolist() == [2, 3, 0, 1]  # never itself


def test_knn_partners_are_among_the_k_nearest_training_inputs_and_never_copies():
    torch.manual_seed(0)
    pool = torch.randn(200, 6) + 3
    pool[1] = pool[0]  # a duplicate in the training set
    model = onehot(pairs="knn", neighbours=3, neighbour_dims=6)  # all axes: the search space keeps cosine order
    model.prepare_training(pool)
    assert model.pool_points.shape == (200, 6) and model.axes.shape == (6, 6)
    unit = pool / pool.norm(dim=1, keepdim=True)
    cosine = torch.cdist(unit[:20], unit).fill_diagonal_(float("inf"))
    cosine[0, 1] = cosine[1, 0] = float("inf")  # copies of each other
    allowed = cosine.topk(3, dim=1, largest=False).indices  # (20, 3)
    drawn = set()
    for _ in range(30):
        partners = model._knn_partners(pool[:20])
        rows = torch.cdist(partners, pool).argmin(dim=1)
        assert (rows[:, None] == allowed).any(dim=1).all()
        drawn.update(rows[:5].tolist())
    assert len(drawn) > 5  # drawn at random among the k, not always the nearest


def test_knn_pool_is_set_and_released_by_the_trainer_and_not_saved():
    X, _ = blobs(n=60)
    model = onehot(pairs="knn", tau_anneal_steps=10)
    seen = []
    original = model._knn_partners
    model._knn_partners = lambda x: seen.append(len(model.pool)) or original(x)
    Trainer(epochs=1, batch_size=20, lr=1e-2, val_fraction=0.25, patience=None, progress=False, seed=0).fit(model, X)
    assert seen and set(seen) == {45}  # the training part of the split, in training and validation
    assert len(model.pool) == 0 and "pool" not in model.state_dict()
    with pytest.raises(ConfigError, match="prepare_training"):
        model.train().loss(X[:4], model(X[:4]))
    model.eval()
    assert "disagreement" in model.loss(X[:4], model(X[:4]))  # evaluated without a pool: batch neighbours


def test_validation_loss_has_the_training_terms():
    model = onehot(latent_dim=4)
    x = torch.randn(12, 6)
    train_keys = set(model.loss(x, model(x)))
    model.eval()
    assert set(model.loss(x, model(x))) == train_keys
    assert "disagreement" not in onehot(consistency=0.0).loss(x, model(x))


@pytest.mark.parametrize("pairs", ["knn", "neighbour", "view"])
def test_clusters_are_confident_and_pure_next_to_a_style_code(pairs):
    # Reconstruction and balance alone let every sample sit at p = 1/K while a style code does
    # the reconstructing; the consistency term makes the categorical code decide.
    X, labels = blobs(n=120)
    model = onehot(latent_dim=5, style_dim=2, tau_anneal_steps=100, balance=2.0, pairs=pairs)
    Trainer(epochs=30, batch_size=40, lr=1e-2, val_fraction=0, patience=None, progress=False,
            seed=0).fit(model, X)
    model.eval()
    clusters = model.predict_cluster(X)
    confidence = torch.softmax(model._split(X)[0], dim=1).max(dim=1).values.mean()
    purity = sum(torch.bincount(labels[clusters == k]).max().item() for k in clusters.unique()) / len(X)
    assert len(clusters.unique()) == 3 and purity > 0.9 and confidence > 0.9
