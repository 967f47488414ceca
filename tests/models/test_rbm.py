"""The RBM-pretrained deep auto-encoder: phase schedule, free energies, contrastive divergence,
tied weights, resume, and end-to-end training without pretraining."""
import itertools

import numpy as np
import pytest
import torch

from aekit.errors import ConfigError
from aekit.registry import create_model
from aekit.train import Trainer


def rbm(seed=0, input_shape=(6,), **kw):
    torch.manual_seed(seed)
    kw.setdefault("hidden", [5, 4])
    kw.setdefault("latent_dim", 2)
    return create_model("rbm-stack", input_shape=input_shape, **kw)


def layer_parameters(model, layer):
    return [model.weight(layer), model.hidden_bias(layer), model.visible_bias(layer)]


def test_phase_schedule_and_which_layer_learns():
    model = rbm(pretrain_steps=3)
    assert model.n_layers == 3
    x = torch.randn(8, 6)
    phases = []
    for step in range(12):
        model.zero_grad()
        parts = model.loss(x, model(x))
        parts["loss"].backward()
        phase = int(parts["phase"])
        phases.append(phase)
        assert phase == model.phase(step)
        assert all(p.grad is not None for p in model.parameters())  # zero gradients, never None
        for layer in range(model.n_layers):
            moved = [bool(p.grad.abs().sum() > 0) for p in layer_parameters(model, layer)]
            assert moved == [layer == phase or phase == model.n_layers] * 3, (step, layer)
        assert ("cd" in parts) == (phase < model.n_layers)
    assert phases == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert int(model.step) == 12


def test_pretraining_loss_shows_the_reconstruction_and_eval_loss_is_reconstruction():
    model = rbm(pretrain_steps=5)
    x = torch.randn(8, 6)
    parts = model.loss(x, model(x))
    assert torch.equal(parts["loss"].detach(), parts["recon"])  # value: recon; gradient: CD
    model.eval()
    parts = model.loss(x, model(x))
    assert torch.equal(parts["loss"], parts["recon"]) and "cd" not in parts
    assert int(model.step) == 1 and int(parts["phase"]) == 0  # evaluation counts no step


def test_free_energies_match_brute_force():
    model = rbm(hidden=[5, 3], output="sigmoid")
    v = torch.rand(4, 5)  # input of layer 1: Bernoulli visible, Bernoulli hidden (3 units)
    w, b, c = model.weight(1), model.hidden_bias(1), model.visible_bias(1)
    with torch.no_grad():
        c.normal_()
        states = torch.tensor(list(itertools.product([0.0, 1.0], repeat=3)))  # (8, 3)
        energy = -(v @ c)[:, None] - states @ b - (v @ w.t()) @ states.t()  # (4, 8)
        assert torch.allclose(model.free_energy(1, v), -torch.logsumexp(-energy, dim=1), atol=1e-5)
        # Top layer: Gaussian hidden units, F(v) = -c.v - |W v + b|^2 / 2.
        v2 = torch.rand(4, 3)
        pre = v2 @ model.weight(2).t() + model.hidden_bias(2)
        assert torch.allclose(model.free_energy(2, v2), -(v2 @ model.visible_bias(2)) - 0.5 * (pre ** 2).sum(1))
        # First layer with output="linear": Gaussian visible units.
        gauss = rbm(hidden=[5, 3])
        x = torch.randn(4, 6)
        pre = x @ gauss.weight(0).t() + gauss.hidden_bias(0)
        expected = 0.5 * ((x - gauss.visible_bias(0)) ** 2).sum(1) - torch.nn.functional.softplus(pre).sum(1)
        assert torch.allclose(gauss.free_energy(0, x), expected)


def test_contrastive_divergence_lowers_the_free_energy_of_the_data():
    torch.manual_seed(0)
    patterns = torch.tensor([[1, 1, 1, 0, 0, 0, 1, 0], [0, 0, 0, 1, 1, 1, 0, 1]], dtype=torch.float32)
    data = patterns[torch.arange(64) % 2]
    noise = torch.bernoulli(torch.full((64, 8), 0.5))
    model = rbm(input_shape=(8,), hidden=[6], output="sigmoid", pretrain_steps=1000, cd_steps=1)

    def gap():  # free energy of the data relative to random binary inputs: lower = more probable
        with torch.no_grad():
            return float(model.free_energy(0, data).mean() - model.free_energy(0, noise).mean())

    before = gap()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(100):
        optimizer.zero_grad()
        parts = model.loss(data, model(data))
        assert int(parts["phase"]) == 0
        parts["loss"].backward()
        optimizer.step()
    assert gap() < before - 2.0


def test_decoder_uses_the_encoder_weights_transposed():
    model = rbm(output="sigmoid")
    assert not any("weight" in name for name, _ in model.decoder.named_parameters())  # only biases
    assert sum("weight" in key for key in model.state_dict()) == model.n_layers  # stored once
    z = torch.randn(3, 2)
    h = z
    for layer in reversed(range(model.n_layers)):
        h = torch.sigmoid(h @ model.weight(layer) + model.visible_bias(layer))
    assert torch.allclose(model.decode(z), h)
    with torch.no_grad():
        model.weight(0).add_(1.0)  # the same tensor: the decoder changes with it
    assert not torch.allclose(model.decode(z), h)


def test_images_are_flattened_inside():
    model = rbm(input_shape=(2, 3, 4), hidden=[8])
    x = torch.rand(5, 2, 3, 4)
    out = model(x)
    assert out["x_hat"].shape == x.shape and out["z"].shape == (5, 2)
    assert model.weight(0).shape == (8, 24)


def test_no_pretraining_trains_end_to_end_from_the_start():
    model = rbm(pretrain_steps=0)
    x = torch.randn(8, 6)
    parts = model.loss(x, model(x))
    assert int(parts["phase"]) == model.n_layers and "cd" not in parts
    assert torch.equal(parts["loss"].detach(), parts["recon"])
    parts["loss"].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def weights(model):
    return torch.cat([t.detach().float().flatten() for t in model.state_dict().values()])


class StopAfter:
    def __init__(self, n):
        self.n = n

    def __call__(self, trainer, metrics):
        if metrics["epoch"] == self.n:
            raise KeyboardInterrupt


def test_resume_equals_uninterrupted(table, tmp_path):
    X = (table - table.mean(0)) / table.std(0)
    # 54 training samples, batch 8: 7 steps an epoch; the phases change at steps 5, 10 and 15,
    # during the first, second and third epochs, across the interruption after epoch 1.
    settings = dict(epochs=3, batch_size=8, seed=3, progress=False, patience=None)
    full = rbm(pretrain_steps=5)
    full_history = Trainer(**settings).fit(full, X)
    interrupted = rbm(pretrain_steps=5)
    with pytest.raises(KeyboardInterrupt):
        Trainer(**settings, checkpoint_dir=tmp_path, callbacks=[StopAfter(1)]).fit(interrupted, X)
    resumed = rbm(seed=99, pretrain_steps=5)
    history = Trainer(**settings, checkpoint_dir=tmp_path).fit(resumed, X, resume=True)
    assert int(resumed.step) == int(full.step) == 21
    assert torch.equal(weights(full), weights(resumed))
    assert [h["train_loss"] for h in history] == [h["train_loss"] for h in full_history]
    # Per-epoch means weighted by batch size (batches of 8, 8, 8, 8, 8, 8 and 6 samples).
    assert [h["train_phase"] for h in history] == pytest.approx([(2 * 8 - 2) / 54, (3 * 8 + 4 * 16 - 4) / 54,
                                                                 (8 * 2 + 6 * 24 - 6) / 54])
    assert all(np.isfinite(h["val_loss"]) for h in history)


@pytest.mark.parametrize("kwargs, match", [
    (dict(tied=False), "tied"),
    (dict(activation="relu"), "activation"),
    (dict(recon_loss="bce"), "bce"),
    (dict(output="tanh"), "output"),
    (dict(pretrain_steps=-1), "pretrain_steps"),
    (dict(cd_steps=0), "cd_steps"),
    (dict(hidden=[4, 0]), "hidden"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        rbm(**kwargs)
