"""Every registered model, every input kind: the model contract holds."""
import json

import pytest
import torch

from aekit.errors import ConfigError
from aekit.registry import create_model, model_names

SHAPES = [(12,), (1, 10, 9), (3, 16, 16), (1, 1, 30), (2, 5, 4)]


@pytest.mark.parametrize("name", model_names())
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_model_contract(name, shape):
    torch.manual_seed(0)
    model = create_model(name, input_shape=shape, latent_dim=3)
    x = torch.rand(5, *shape)
    if hasattr(model, "prepare_training"):  # the optional hook the Trainer calls first
        model.prepare_training(x)
    out = model(x)
    assert isinstance(out, dict) and {"x_hat", "z"} <= set(out)
    assert out["x_hat"].shape == x.shape
    assert out["z"].shape == (5, 3)
    parts = model.loss(x, out)
    assert "loss" in parts and parts["loss"].ndim == 0
    parts["loss"].backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    model.eval()
    with torch.no_grad():
        z = model.encode(x)
        assert model.decode(z).shape == x.shape
        scores = model.score(x)
        features = model.encoder_features(x)  # what anomaly_score="features" models
    assert scores.shape == (5,) and torch.isfinite(scores).all() and (scores >= 0).all()
    assert features.ndim == 2 and len(features) == 5 and features.shape[1] >= 3


@pytest.mark.parametrize("name", model_names())
def test_config_rebuilds_the_same_model(name):
    model = create_model(name, input_shape=(1, 12, 12), latent_dim=4, hidden=[8, 16])
    config = json.loads(json.dumps(model.config))  # plain JSON
    twin = create_model(name, **config)
    assert {k: v.shape for k, v in model.state_dict().items()} == {k: v.shape for k, v in twin.state_dict().items()}


@pytest.mark.parametrize("name", model_names())
@pytest.mark.parametrize("latent_dim", [0, -1, 13])
def test_bad_latent_dim(name, latent_dim):
    with pytest.raises(ConfigError, match="latent_dim"):
        create_model(name, input_shape=(12,), latent_dim=latent_dim)


def test_unknown_model_lists_available():
    with pytest.raises(ConfigError, match="available: .*ae"):
        create_model("nope", input_shape=(4,))


def test_tied_decoder_shares_encoder_weights():
    model = create_model("ae", input_shape=(10,), latent_dim=2, hidden=[6], tied=True)
    untied = create_model("ae", input_shape=(10,), latent_dim=2, hidden=[6])
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert n(model) < n(untied)
    # Changing an encoder weight changes the decoder's output: the weights are the same tensor.
    z = torch.randn(3, 2)
    before = model.decode(z).detach().clone()
    with torch.no_grad():
        model.encoder.linears[0].weight.add_(1.0)
    assert not torch.allclose(before, model.decode(z))


def test_tied_needs_flat_input():
    with pytest.raises(ConfigError, match="tied"):
        create_model("ae", input_shape=(1, 8, 8), tied=True)


def test_denoising_corrupts_only_in_training():
    model = create_model("dae", input_shape=(20,), latent_dim=2, noise="mask", noise_level=0.5)
    x = torch.rand(4, 20)
    model.eval()
    assert torch.equal(model(x)["x_hat"], model(x)["x_hat"])
    model.train()
    torch.manual_seed(0)
    a = model(x)["x_hat"]
    b = model(x)["x_hat"]
    assert not torch.equal(a, b)


@pytest.mark.parametrize("noise", ["gaussian", "mask", "salt_pepper"])
def test_noises_change_a_fraction(noise):
    from aekit.noise import corrupt

    torch.manual_seed(0)
    x = torch.rand(200, 50)
    y = corrupt(x, noise, 0.3)
    changed = (y != x).float().mean().item()
    assert y.shape == x.shape
    assert (0.99 < changed) if noise == "gaussian" else (0.2 < changed < 0.4)


def test_unknown_noise():
    with pytest.raises(ConfigError, match="noise"):
        create_model("dae", input_shape=(4,), latent_dim=2, noise="pink")
