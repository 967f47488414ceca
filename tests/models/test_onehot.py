"""The one-hot (Gumbel-softmax) auto-encoder: its code, the temperature schedule, the
cluster-balance and consistency terms and their partners."""
import numpy as np
import pytest
import torch

from aekit.errors import ConfigError
from aekit.registry import create_model
from aekit.train import Trainer


def onehot(seed=0, latent_dim=3, **kw):
    torch.manual_seed(seed)
    return create_model("onehot", input_shape=(6,), latent_dim=latent_dim, hidden=[16], **kw)


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
    with pytest.raises(ConfigError, match="bank_size"):
        onehot(pairs="bank", bank_size=0)


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


def test_bank_partner_is_the_nearest_of_batch_and_bank_and_never_the_sample_itself():
    model = onehot(pairs="bank", bank_size=3)
    first = torch.tensor([[0.0] * 6, [10.0] * 6])
    assert torch.equal(model._bank_partners(first), first.flip(0))  # empty bank: the batch only
    assert model.bank.tolist() == first.tolist()
    second = torch.tensor([[9.5] * 6, [0.0] * 6])  # the second row is a copy of a bank entry
    partners = model._bank_partners(second)
    assert partners[0].tolist() == [10.0] * 6   # from the bank
    assert partners[1].tolist() == [9.5] * 6    # its copy in the bank is not its partner
    assert model.bank.tolist() == [second[0].tolist(), second[1].tolist(), first[0].tolist()]  # newest first, 3 kept


def test_bank_copies_of_a_sample_are_never_its_partner_with_rounding_in_the_distances():
    # A dataset smaller than the bank puts several copies of each sample in it; with batches
    # this size cdist takes its matrix-product path, which puts copies slightly apart.
    torch.manual_seed(0)
    data = torch.randn(100, 64) + 10  # copies up to 7e-4 |x| apart, distinct rows over 0.09 |x|
    model = create_model("onehot", input_shape=(64,), latent_dim=3, hidden=[16], pairs="bank", bank_size=400)
    for _ in range(4):
        model._bank_partners(data)
    partners = model._bank_partners(data[:40])
    assert not (partners == data[:40]).all(dim=1).any()
    nearest_other = torch.cdist(data[:40], data).fill_diagonal_(float("inf")).argmin(dim=1)
    assert torch.equal(partners, data[nearest_other])


def test_bank_is_read_but_not_filled_in_evaluation_and_not_saved():
    model = onehot(pairs="bank")
    model._bank_partners(torch.randn(5, 6))
    model.eval()
    model._bank_partners(torch.randn(4, 6))
    assert len(model.bank) == 5
    assert "bank" not in model.state_dict()


def test_validation_loss_has_the_training_terms():
    model = onehot(latent_dim=4)
    x = torch.randn(12, 6)
    train_keys = set(model.loss(x, model(x)))
    model.eval()
    assert set(model.loss(x, model(x))) == train_keys
    assert "disagreement" not in onehot(consistency=0.0).loss(x, model(x))


@pytest.mark.parametrize("pairs", ["neighbour", "bank", "view"])
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
