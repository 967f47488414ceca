"""The autoregressive prior over VQ code indices: likelihood, fitting, sampling, persistence."""
import math

import pytest
import torch

from aekit.errors import ConfigError
from aekit.models.vq_prior import IndexPrior, fit_index_prior
from aekit.registry import create_model


def prior(seed=0, codebook_size=6, n_codes=3, width=16):
    torch.manual_seed(seed)
    return IndexPrior(codebook_size, n_codes, width)


def test_logits_depend_only_on_earlier_positions():
    model = prior()
    a = torch.tensor([[1, 2, 3]])
    b = torch.tensor([[1, 2, 5]])  # differs only in the last position
    c = torch.tensor([[4, 2, 3]])  # differs in the first
    la, lb, lc = model(a), model(b), model(c)
    assert la.shape == (1, 3, 6)
    assert torch.equal(la, lb)  # the last index is never an input
    assert torch.equal(la[:, 0], lc[:, 0]) and not torch.equal(la[:, 1:], lc[:, 1:])


def test_nll_is_a_normalised_distribution_over_all_tuples():
    model = prior(codebook_size=3, n_codes=2)
    every = torch.cartesian_prod(torch.arange(3), torch.arange(3))  # all 9 tuples
    total = torch.exp(-model.nll(every)).sum()
    assert total.item() == pytest.approx(1.0, abs=1e-5)


def test_frozen_outside_fitting_and_fitting_learns_the_tuples():
    model = prior()
    assert not any(p.requires_grad for p in model.parameters())
    data = torch.tensor([[0, 1, 2], [3, 4, 5]]).repeat(600, 1)  # two tuples, equally often
    before = model.nll(data).mean().item()
    history = fit_index_prior(model, data, epochs=60, seed=0)
    assert len(history) == 60 and history[-1] < history[0]
    assert not any(p.requires_grad for p in model.parameters()) and not model.training
    after = model.nll(data).mean().item()
    assert after < before and after == pytest.approx(math.log(2), abs=0.1)  # one bit per tuple
    drawn = model.sample(200, generator=torch.Generator().manual_seed(0))
    assert drawn.shape == (200, 3) and drawn.dtype == torch.int64
    rows = [tuple(row) for row in drawn.tolist()]
    assert 0.3 < rows.count((0, 1, 2)) / 200 < 0.7 and rows.count((0, 1, 2)) + rows.count((3, 4, 5)) >= 170


def test_sampling_needs_a_fitted_prior_and_is_seeded():
    model = prior()
    with pytest.raises(ConfigError, match="not fitted"):
        model.sample(4)
    fit_index_prior(model, torch.randint(6, (40, 3)), epochs=1, seed=0)
    one = model.sample(8, generator=torch.Generator().manual_seed(3))
    two = model.sample(8, generator=torch.Generator().manual_seed(3))
    assert torch.equal(one, two)
    assert one.min() >= 0 and one.max() < 6
    with pytest.raises(ConfigError, match="shape"):
        fit_index_prior(model, torch.zeros(5, 2, dtype=torch.long), epochs=1, seed=0)


def test_vq_model_samples_through_its_prior_and_keeps_it_in_its_state():
    torch.manual_seed(0)
    model = create_model("vq", input_shape=(1, 8, 8), latent_dim=4, n_codes=2, codebook_size=8,
                         hidden=[4], prior_width=8, prior_epochs=3)
    x = torch.rand(32, 1, 8, 8)
    model(x)  # one training batch: the k-means start of the codebook
    history = model.fit_prior(x, seed=0)
    assert len(history) == 3 and model.training  # the mode it was in
    model.eval()
    images = model.sample(5, generator=torch.Generator().manual_seed(1))
    assert images.shape == (5, 1, 8, 8)
    assert torch.equal(images, model.sample(5, generator=torch.Generator().manual_seed(1)))
    assert model.prior_nll(x).shape == (32,)
    twin = create_model("vq", **model.config)
    twin.load_state_dict(model.state_dict())
    assert torch.equal(twin.eval().sample(5, generator=torch.Generator().manual_seed(1)), images)
    with pytest.raises(ConfigError, match="n must be"):
        model.sample(0)


@pytest.mark.parametrize("kw, pattern", [({"prior_width": 0}, "prior_width"), ({"prior_epochs": -1}, "prior_epochs")])
def test_bad_prior_arguments(kw, pattern):
    with pytest.raises(ConfigError, match=pattern):
        create_model("vq", input_shape=(6,), latent_dim=2, **kw)
