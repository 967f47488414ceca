"""The variational auto-encoder: KL, warm-up, determinism, generation, likelihood, training."""
import math

import pytest
import torch

from aekit.errors import ConfigError, DataError
from aekit.registry import create_model
from aekit.train import Trainer


def vae(seed=0, input_shape=(6,), latent_dim=2, **kw):
    torch.manual_seed(seed)
    kw.setdefault("hidden", [16])
    return create_model("vae", input_shape=input_shape, latent_dim=latent_dim, **kw)


def tiny_table(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 2, generator=g)
    return z @ torch.randn(2, 6, generator=g) + 0.05 * torch.randn(n, 6, generator=g)


def test_kl_is_nonnegative_and_zero_at_the_prior():
    model = vae()
    torch.manual_seed(1)
    mu, logvar = 3 * torch.randn(50, 4), 3 * torch.randn(50, 4)
    kl = model.kl_divergence(mu, logvar)
    assert kl.shape == (50,) and (kl >= 0).all()
    assert torch.equal(model.kl_divergence(torch.zeros(5, 4), torch.zeros(5, 4)), torch.zeros(5))
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert torch.allclose(kl, torch.distributions.kl_divergence(q, p).sum(1), rtol=1e-4)


def test_kl_warmup_schedule_and_its_buffer_survives_a_round_trip():
    model = vae(beta=2.0, kl_warmup_steps=4)
    x = tiny_table(8)
    weights = []
    for _ in range(6):
        out = model(x)
        parts = model.loss(x, out)
        weights.append((parts["loss"] - parts["recon"]) / parts["kl"])
    assert weights[0].item() == 0.0  # step 0: reconstruction only
    assert [w.item() for w in weights] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.0], abs=1e-3)
    assert int(model.step) == 6

    model.eval()  # evaluation neither counts steps nor anneals: it reports the beta-ELBO
    parts = model.loss(x, model(x))
    assert int(model.step) == 6
    assert torch.allclose(parts["loss"], parts["recon"] + 2.0 * parts["kl"])

    twin = vae(seed=5, beta=2.0, kl_warmup_steps=4)
    twin.load_state_dict(model.state_dict())
    assert int(twin.step) == 6 and twin.kl_weight() == model.kl_weight() == 2.0
    fresh = vae(beta=2.0, kl_warmup_steps=4)
    assert fresh.kl_weight() == 0.0 and vae(beta=2.0).kl_weight() == 2.0


def test_eval_mode_is_deterministic():
    model = vae()
    x = tiny_table(10)
    model.eval()
    a, b = model(x), model(x)
    assert torch.equal(a["x_hat"], b["x_hat"]) and torch.equal(a["z"], a["mu"])
    assert torch.equal(model.score(x), model.score(x))
    assert torch.equal(model.encode(x), a["mu"])
    model.train()
    assert not torch.equal(model(x)["z"], model(x)["z"])  # reparameterised samples
    assert torch.equal(model.score(x), model.score(x))  # score always decodes mu


def test_score_is_the_negative_elbo_at_the_mean():
    model = vae(beta=3.0).eval()
    x = tiny_table(7)
    mu, logvar = model.posterior(x)
    expected = ((model.decode(mu) - x) ** 2).sum(1) + 3.0 * model.kl_divergence(mu, logvar)
    assert torch.allclose(model.score(x), expected, rtol=1e-5)


@pytest.mark.parametrize("shape", [(6,), (1, 10, 9)], ids=["table", "image"])
def test_sample_and_interpolate_shapes(shape):
    model = vae(input_shape=shape, hidden=[4, 8], output="sigmoid", recon_loss="bce").eval()
    samples = model.sample(5, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (5, *shape)
    assert torch.equal(samples, model.sample(5, generator=torch.Generator().manual_seed(0)))
    a, b = torch.rand(*shape), torch.rand(1, *shape)
    path = model.interpolate(a, b, steps=7)
    assert path.shape == (7, *shape)
    ends = model.decode(model.encode(torch.stack([a, b[0]])))
    assert torch.allclose(path[0], ends[0], atol=1e-5) and torch.allclose(path[-1], ends[1], atol=1e-5)
    with pytest.raises(DataError, match="one sample"):
        model.interpolate(torch.rand(2, *shape), b)
    with pytest.raises(ConfigError, match="steps"):
        model.interpolate(a, b, steps=1)


def test_iwae_estimate_is_finite_and_above_the_elbo():
    model = vae(latent_dim=2).eval()
    x = tiny_table(32)
    torch.manual_seed(0)
    iwae = model.log_likelihood(x, k=64)
    elbo = torch.stack([model.log_likelihood(x, k=1) for _ in range(20)]).mean(0)
    assert iwae.shape == (32,) and torch.isfinite(iwae).all()
    assert iwae.mean() > elbo.mean()


@pytest.mark.parametrize("recon_loss", ["mse", "l1"])
def test_likelihood_is_a_normalised_density_in_nats(recon_loss):
    # exp(IWAE) is an unbiased estimate of p(x): over a fine grid it must integrate to ~1.
    model = vae(input_shape=(1,), latent_dim=1, hidden=[4], recon_loss=recon_loss).eval()
    grid = torch.linspace(-25, 25, 2001).unsqueeze(1)
    torch.manual_seed(0)
    density = model.log_likelihood(grid, k=128).exp()
    assert abs(torch.trapezoid(density, grid[:, 0]).item() - 1.0) < 0.03


def test_a_few_hundred_steps_reduce_the_loss():
    model = vae(latent_dim=2)
    x = tiny_table(64)
    x = (x - x.mean(0)) / x.std(0)
    model.eval()
    before = model.score(x).mean().item()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(300):
        xb = x[torch.randint(len(x), (16,), generator=g)]
        parts = model.loss(xb, model(xb))
        opt.zero_grad()
        parts["loss"].backward()
        opt.step()
    model.eval()
    assert model.score(x).mean().item() < 0.5 * before


def test_resume_equals_uninterrupted(tmp_path):
    x = tiny_table(40)
    settings = dict(epochs=4, batch_size=8, seed=3, progress=False, patience=None)
    full = vae(kl_warmup_steps=10)
    Trainer(**settings).fit(full, x)

    class Stop:
        def __call__(self, trainer, metrics):
            if metrics["epoch"] == 2:
                raise KeyboardInterrupt

    interrupted = vae(kl_warmup_steps=10)
    with pytest.raises(KeyboardInterrupt):
        Trainer(**settings, checkpoint_dir=tmp_path, callbacks=[Stop()]).fit(interrupted, x)
    resumed = vae(seed=9, kl_warmup_steps=10)
    Trainer(**settings, checkpoint_dir=tmp_path).fit(resumed, x, resume=True)
    for key, value in full.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    assert int(resumed.step) == 4 * math.ceil(36 / 8)


@pytest.mark.parametrize("kw, pattern", [
    (dict(tied=True), "tied"),
    (dict(recon_loss="bce"), "sigmoid"),
    (dict(beta=-1.0), "beta"),
    (dict(kl_warmup_steps=-3), "kl_warmup_steps"),
    (dict(kl_warmup_steps=2.5), "kl_warmup_steps"),
])
def test_bad_arguments(kw, pattern):
    with pytest.raises(ConfigError, match=pattern):
        vae(**kw)
