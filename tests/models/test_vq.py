"""The vector quantizer and the VQ auto-encoder: gradients, assignment, EMA, k-means start,
dead-code restarts, codebook statistics, code layout, resume."""
import pytest
import torch

import aekit.nn.quantize as quantize
from aekit.errors import ConfigError, DataError
from aekit.nn.quantize import VectorQuantizer
from aekit.registry import create_model
from aekit.train import Trainer


def vq(seed=0, input_shape=(6,), latent_dim=2, **kw):
    torch.manual_seed(seed)
    kw.setdefault("hidden", [16])
    kw.setdefault("codebook_size", 16)
    return create_model("vq", input_shape=input_shape, latent_dim=latent_dim, **kw)


def clusters(n=64, k=4, dim=6, spread=0.1, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = 3 * torch.randn(k, dim, generator=g)
    return centres[torch.arange(n) % k] + spread * torch.randn(n, dim, generator=g), centres


def test_straight_through_gradient_reaches_the_encoder():
    model = vq(commitment=0.0)  # only the reconstruction can move the encoder
    x, _ = clusters()
    model(x)  # the first training batch initialises the codebook
    model.eval()  # no codebook update from here on
    out = model(x)
    assert torch.equal(out["z"], model.quantizer.codebook[out["indices"][:, 0]])  # z holds codes
    model.loss(x, out)["loss"].backward()
    grads = [p.grad for p in model.encoder.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in grads)


def test_indices_are_the_nearest_codes():
    torch.manual_seed(0)
    q = VectorQuantizer(10, 3, kmeans_init=False, restart_dead=False).eval()
    z = torch.randn(4, 7, 3)
    out = q(z)
    brute = torch.cdist(z.reshape(-1, 3), q.codebook).argmin(1).view(4, 7)
    assert out["indices"].shape == (4, 7) and torch.equal(out["indices"], brute)
    assert torch.allclose(out["z_q"], q.codebook[brute])


def test_ema_moves_codes_towards_their_assigned_vectors():
    torch.manual_seed(0)
    q = VectorQuantizer(4, 2, decay=0.9, kmeans_init=False, restart_dead=False)
    with torch.no_grad():
        q.codebook.copy_(torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [-10.0, 0.0]]))
        q.embed_sum.copy_(q.codebook)
    before = q.codebook.clone()
    z = torch.tensor([[1.0, 1.0]]) + 0.1 * torch.randn(20, 2)  # all nearest to code 0
    q(z)
    assert (q.codebook[0] - z.mean(0)).norm() < (before[0] - z.mean(0)).norm()
    # Closed form: e = (d * m + (1 - d) * sum) / (d * N + (1 - d) * n), starting from N = 1, m = e.
    expected = (0.9 * before[0] + 0.1 * z.sum(0)) / (0.9 + 0.1 * 20)
    assert torch.allclose(q.codebook[0], expected, atol=1e-4)
    assert torch.allclose(q.codebook[1:], before[1:], atol=1e-4)  # unassigned codes stay put


def test_kmeans_initialisation_happens_once(monkeypatch):
    calls = []
    real = quantize._kmeans
    monkeypatch.setattr(quantize, "_kmeans", lambda *a: calls.append(1) or real(*a))
    torch.manual_seed(0)
    x, centres = clusters(n=40, k=4, dim=2, seed=1)
    q = VectorQuantizer(4, 2)
    q.eval()(x)  # evaluation never initialises
    assert calls == [] and not q.initialized
    q.train()(x)
    assert calls == [1] and q.initialized
    assert torch.cdist(centres, q.codebook).min(1).values.max() < 0.2  # a code on every cluster
    q(x + 1.0)
    q(x)
    assert calls == [1]
    twin = VectorQuantizer(4, 2)
    twin.load_state_dict(q.state_dict())  # the flag is state: a resumed run does not redo it
    twin(x)
    assert calls == [1]


@pytest.mark.parametrize("ema", [True, False])
def test_a_dead_code_gets_restarted(ema):
    torch.manual_seed(0)
    x, _ = clusters(n=32, k=3, dim=2)
    q = VectorQuantizer(4, 2, ema=ema, decay=0.5, kmeans_init=False)
    with torch.no_grad():
        q.codebook.data.copy_(torch.cat([x[:3], torch.full((1, 2), 100.0)]))  # code 3: far from all data
        if ema:
            q.embed_sum.copy_(q.codebook)
    dead_seen = []
    for _ in range(6):
        q(x)
        dead_seen.append(bool(q.dead_codes()[3]))
    assert any(dead_seen)  # its usage EMA fell below the threshold ...
    assert torch.cdist(q.codebook[3:], x).min() < 0.5  # ... and it was moved onto the data
    assert q.stats(q(x)["indices"])["dead"] <= 1

    torch.manual_seed(0)
    stuck = VectorQuantizer(4, 2, ema=ema, decay=0.5, kmeans_init=False, restart_dead=False)
    with torch.no_grad():
        stuck.codebook.data.copy_(torch.cat([x[:3], torch.full((1, 2), 100.0)]))
        if ema:
            stuck.embed_sum.copy_(stuck.codebook)
    for _ in range(6):
        stuck(x)
    assert (stuck.codebook[3] - 100.0).abs().max() < 1.0  # stays far away (EMA smoothing aside)
    assert stuck.stats(stuck(x)["indices"])["dead"] == 1


def test_usage_perplexity_and_dead_are_in_range():
    q = VectorQuantizer(4, 2, kmeans_init=False)
    stats = q.stats(torch.tensor([[0, 0], [1, 1]]))
    assert stats["usage"].item() == 0.5 and stats["perplexity"].item() == pytest.approx(2.0)
    assert q.stats(torch.tensor([2, 2, 2]))["perplexity"].item() == pytest.approx(1.0)
    assert q.stats(torch.arange(4))["perplexity"].item() == pytest.approx(4.0)

    model = vq(codebook_size=8)
    x, _ = clusters()
    parts = model.loss(x, model(x))
    assert {"loss", "recon", "commit", "usage", "perplexity", "dead"} == set(parts)
    assert 0 < parts["usage"] <= 1 and 1 <= parts["perplexity"] <= 8 and 0 <= parts["dead"] <= 8
    assert all(not v.requires_grad for k, v in parts.items() if k != "loss")


def train_usage(restart_dead, steps=100):
    model = vq(seed=0, codebook_size=16, kmeans_init=False, restart_dead=restart_dead, decay=0.9)
    with torch.no_grad():
        model.quantizer.codebook.mul_(5)  # a poor start: most codes far from the encoder outputs
    x, _ = clusters(n=256, k=8)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        xb = x[torch.randint(len(x), (32,), generator=g)]
        parts = model.loss(xb, model(xb))
        opt.zero_grad()
        parts["loss"].backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return model.loss(x, model(x))


def test_restarts_raise_codebook_usage():
    without, with_restarts = train_usage(False), train_usage(True)
    assert with_restarts["usage"] > without["usage"]
    assert with_restarts["dead"] < without["dead"]


def test_codes_and_indices_round_trip_tables_and_images():
    for shape in [(6,), (1, 10, 9)]:
        model = vq(input_shape=shape, latent_dim=4, n_codes=2, hidden=[4, 8]).eval()
        x = torch.rand(5, *shape)
        idx = model.encode_indices(x)
        assert idx.shape == (5, 2) and idx.dtype == torch.int64
        z = model.encode(x)
        assert z.shape == (5, 4)
        assert torch.equal(model.decode_indices(idx), model.decode(z))
        assert torch.equal(model.score(x), ((model(x)["x_hat"] - x) ** 2).flatten(1).mean(1))
    with pytest.raises(DataError, match="indices"):
        model.decode_indices(torch.tensor([[0, 99]]))
    with pytest.raises(DataError, match="n_codes"):
        model.decode_indices(torch.tensor([[0]]))


def test_scoring_and_encoding_never_change_the_codebook():
    model = vq()
    x, _ = clusters()
    model(x)  # training: initialises
    state = {k: v.clone() for k, v in model.quantizer.state_dict().items()}
    model.score(x + 5)
    model.encode(x - 5)
    model.eval()(x * 3)
    assert all(torch.equal(v, model.quantizer.state_dict()[k]) for k, v in state.items())


def test_without_ema_the_codebook_learns_by_its_loss():
    model = vq(ema=False)
    assert isinstance(model.quantizer.codebook, torch.nn.Parameter)
    assert "quantizer.cluster_size" not in model.state_dict()
    x, _ = clusters()
    out = model(x)
    model.loss(x, out)["loss"].backward()
    assert model.quantizer.codebook.grad[out["indices"].unique()].abs().sum() > 0


def test_resume_equals_uninterrupted(tmp_path):
    x, _ = clusters(n=40)
    settings = dict(epochs=4, batch_size=8, seed=3, progress=False, patience=None)
    kw = dict(codebook_size=8, decay=0.5)
    full = vq(**kw)
    Trainer(**settings).fit(full, x)

    class Stop:
        def __call__(self, trainer, metrics):
            if metrics["epoch"] == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Trainer(**settings, checkpoint_dir=tmp_path, callbacks=[Stop()]).fit(vq(**kw), x)
    resumed = vq(seed=9, **kw)
    Trainer(**settings, checkpoint_dir=tmp_path).fit(resumed, x, resume=True)
    for key, value in full.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key


def test_default_code_layout():
    model = vq(latent_dim=3, codebook_size=512)
    assert (model.n_codes, model.code_dim) == (1, 3)
    assert vq(latent_dim=6, n_codes=3).code_dim == 2


@pytest.mark.parametrize("kw, pattern", [
    (dict(latent_dim=3, n_codes=2), "latent_dim=3 is not divisible by n_codes=2"),
    (dict(latent_dim=4, n_codes=2, code_dim=3), "n_codes \\* code_dim"),
    (dict(n_codes=0), "n_codes"),
    (dict(codebook_size=0), "codebook_size"),
    (dict(decay=1.0), "decay"),
    (dict(commitment=-1.0), "commitment"),
    (dict(dead_threshold=2.0), "dead_threshold"),
    (dict(input_shape=(1, 8, 8), tied=True), "tied"),
])
def test_bad_arguments(kw, pattern):
    with pytest.raises(ConfigError, match=pattern):
        vq(**kw)
