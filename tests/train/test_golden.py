"""Golden numbers: a tiny seeded training run must keep giving the same losses.

If a change to the models, the noise, the trainer or the seeding alters these numbers,
the change altered training: check it was meant, then update the numbers (print them
with ``pytest -s``). The tolerance allows for floating-point differences between CPUs.
"""
import numpy as np
import pytest
import torch

from aekit.registry import create_model
from aekit.train import Trainer

GOLDEN = {
    "ae": [0.63335, 0.37417],   # first epoch's training loss, last epoch's validation loss
    "dae": [0.63388, 0.35976],
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_losses(name):
    rng = np.random.default_rng(1234)
    X = np.tanh(rng.normal(size=(128, 4)) @ rng.normal(size=(4, 10))).astype(np.float32)
    torch.manual_seed(0)
    model = create_model(name, input_shape=(10,), latent_dim=3, hidden=[12])
    history = Trainer(epochs=5, batch_size=32, lr=1e-2, seed=0, progress=False, patience=None,
                      lr_schedule="none").fit(model, X)
    got = [history[0]["train_loss"], history[-1]["val_loss"]]
    print(name, got)
    np.testing.assert_allclose(got, GOLDEN[name], rtol=1e-3)
