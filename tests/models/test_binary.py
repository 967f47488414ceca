"""The binary (semantic hashing) auto-encoder and the Hamming retrieval helpers."""
import numpy as np
import pytest
import torch

from aekit.errors import ConfigError, DataError
from aekit.models.binary import hamming_neighbours, precision_at_k
from aekit.registry import create_model


def binary(seed=0, **kw):
    torch.manual_seed(seed)
    return create_model("binary", input_shape=(6,), latent_dim=4, hidden=[16], **kw)



@pytest.mark.parametrize("stochastic", [True, False])
def test_binary_codes_are_exactly_bits(stochastic):
    model = binary(stochastic=stochastic)
    x = torch.randn(32, 6)
    for mode in (model.train, model.eval):
        mode()
        out = model(x)
        assert set(out["z"].unique().tolist()) <= {0.0, 1.0}
        assert ((out["probs"] > 0) & (out["probs"] < 1)).all()
    codes = model.encode(x)
    assert codes.shape == (32, 4) and codes.dtype == torch.float32
    assert torch.equal(codes, (out["probs"] > 0.5).float())
    parts = model.loss(x, out)
    assert set(parts) == {"loss", "recon", "imbalance", "bit_balance"}
    assert torch.equal(parts["bit_balance"], codes.mean())


@pytest.mark.parametrize("stochastic", [True, False])
def test_binary_gradient_reaches_the_encoder(stochastic):
    model = binary(stochastic=stochastic)
    x = torch.randn(16, 6)
    model.loss(x, model(x))["loss"].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())


def test_binary_eval_is_deterministic_and_training_samples():
    model = binary(stochastic=True)
    x = torch.randn(64, 6)
    torch.manual_seed(1)
    a, b = model(x)["z"], model(x)["z"]  # training mode, stochastic: Bernoulli draws
    assert not torch.equal(a, b)
    model.eval()
    assert torch.equal(model(x)["z"], model(x)["z"])
    assert torch.equal(model(x)["z"], model.encode(x))
    assert torch.equal(model.score(x), model.score(x)) and model.score(x).shape == (64,)
    deterministic = binary(stochastic=False)  # same weights (same seed), thresholds even while training
    assert torch.equal(deterministic(x)["z"], model.encode(x))


def test_bit_balance_term():
    model = binary(balance=2.0)
    x = torch.randn(4, 6)
    half = {"x_hat": x, "z": torch.tensor([[1.0, 0, 1, 0]] * 2 + [[0.0, 1, 0, 1]] * 2),
            "probs": torch.tensor([[0.9, 0.1, 0.9, 0.1]] * 2 + [[0.1, 0.9, 0.1, 0.9]] * 2)}
    stuck = {"x_hat": x, "z": torch.ones(4, 4), "probs": torch.ones(4, 4)}
    assert float(model.loss(x, half)["imbalance"]) == pytest.approx(0.0, abs=1e-6)
    assert float(model.loss(x, stuck)["imbalance"]) == pytest.approx(1.0)
    assert float(model.loss(x, stuck)["loss"]) == pytest.approx(float(model.loss(x, stuck)["recon"]) + 2.0)
    with pytest.raises(ConfigError, match="balance"):
        binary(balance=-1.0)


def test_hamming_neighbours_hand_made():
    db = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0]])
    queries = np.array([[0, 0, 0, 0], [1, 1, 1, 0]])
    # distances: query 0 -> [0, 4, 1, 1, 2]; query 1 -> [3, 1, 2, 2, 1]; ties go to the smaller index
    assert hamming_neighbours(queries, db, 3).tolist() == [[0, 2, 3], [1, 4, 2]]
    assert hamming_neighbours(torch.tensor(queries).bool(), torch.tensor(db).float(), 5).tolist() == \
        [[0, 2, 3, 4, 1], [1, 4, 2, 3, 0]]
    labels = np.array(["a", "b", "a", "c", "a"])
    assert precision_at_k(queries, np.array(["a", "b"]), db, labels, 3) == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert precision_at_k(queries, np.array(["a", "b"]), db, labels, 1) == 1.0


def test_hamming_neighbours_match_brute_force_with_many_ties():
    rng = np.random.default_rng(0)
    db, queries = rng.integers(0, 2, (300, 5)), rng.integers(0, 2, (40, 5))
    dist = (queries[:, None, :] != db[None]).sum(2)
    expected = np.stack([np.lexsort((np.arange(len(db)), d))[:7] for d in dist])
    assert np.array_equal(hamming_neighbours(queries, db, 7), expected)


def test_hamming_bad_inputs():
    db = np.zeros((4, 3))
    with pytest.raises(ConfigError, match="k must be"):
        hamming_neighbours(db, db, 5)
    with pytest.raises(DataError, match="bits"):
        hamming_neighbours(np.zeros((2, 4)), db, 1)
    with pytest.raises(DataError, match="only 0 and 1"):
        hamming_neighbours(db + 0.5, db, 1)
    with pytest.raises(DataError, match="db_labels"):
        precision_at_k(db, np.zeros(4), db, np.zeros(3), 1)
