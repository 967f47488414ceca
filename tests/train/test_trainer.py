"""The training loop: learning, determinism, resume, checkpoints, failures."""
import csv

import numpy as np
import pytest
import torch

from aekit.errors import ConfigError, ModelFileError, TrainingError
from aekit.registry import create_model
from aekit.train import Trainer
from aekit.train.checkpoint import CHECKPOINT_NAME, load_checkpoint


def small_model(seed=0, name="ae", **kw):
    torch.manual_seed(seed)
    return create_model(name, input_shape=(6,), latent_dim=2, hidden=[16], **kw)


def scaled(table):
    return (table - table.mean(0)) / table.std(0)


def weights(model):
    return torch.cat([p.detach().flatten() for p in model.state_dict().values()])


def test_training_reduces_the_loss(table):
    history = Trainer(epochs=30, batch_size=16, lr=3e-3, progress=False).fit(small_model(), scaled(table))
    assert history[-1]["train_loss"] < 0.5 * history[0]["train_loss"]
    assert {"epoch", "train_loss", "val_loss", "lr", "seconds"} <= set(history[0])


def test_same_seed_same_weights(table):
    a, b = small_model(), small_model()
    Trainer(epochs=3, seed=7, progress=False).fit(a, scaled(table))
    Trainer(epochs=3, seed=7, progress=False).fit(b, scaled(table))
    assert torch.equal(weights(a), weights(b))


class StopAfter:
    """A callback that simulates a kill after ``n`` epochs (the checkpoint is already written)."""

    def __init__(self, n):
        self.n = n

    def __call__(self, trainer, metrics):
        if metrics["epoch"] == self.n:
            raise KeyboardInterrupt


@pytest.mark.parametrize("schedule", ["plateau", "cosine"])
@pytest.mark.parametrize("name", ["ae", "dae"])
def test_resume_equals_uninterrupted(table, tmp_path, schedule, name):
    X = scaled(table)
    settings = dict(epochs=6, batch_size=8, lr_schedule=schedule, seed=3, progress=False, patience=None)
    full = small_model(name=name)
    full_history = Trainer(**settings).fit(full, X)

    interrupted = small_model(name=name)
    with pytest.raises(KeyboardInterrupt):
        Trainer(**settings, checkpoint_dir=tmp_path, callbacks=[StopAfter(2)]).fit(interrupted, X)
    resumed = small_model(seed=99, name=name)  # a fresh process would build it with other random weights
    history = Trainer(**settings, checkpoint_dir=tmp_path).fit(resumed, X, resume=True)

    assert torch.equal(weights(full), weights(resumed))
    assert [h["train_loss"] for h in history] == [h["train_loss"] for h in full_history]


def test_early_stopping_restores_best_weights(table):
    X = scaled(table)
    trainer = Trainer(epochs=200, patience=3, lr=0.05, lr_schedule="none", progress=False)
    history = trainer.fit(small_model(), X)
    assert len(history) < 200
    best = min(h["val_loss"] for h in history)
    assert trainer.best_value == best


def test_nan_loss_stops_with_a_clear_error(table):
    X = scaled(table)
    X[5, 2] = np.nan
    with pytest.raises(TrainingError, match=r"loss became nan at epoch 1, step \d+"):
        Trainer(epochs=2, val_fraction=0, progress=False).fit(small_model(), X)


def test_metrics_csv_written(table, tmp_path):
    Trainer(epochs=3, progress=False, log_dir=tmp_path).fit(small_model(), scaled(table))
    rows = list(csv.DictReader(open(tmp_path / "metrics.csv")))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert float(rows[-1]["val_loss"]) > 0


def test_killed_checkpoint_write_keeps_previous(table, tmp_path, monkeypatch):
    X = scaled(table)
    Trainer(epochs=2, checkpoint_dir=tmp_path, progress=False).fit(small_model(), X)
    assert load_checkpoint(tmp_path)["epoch"] == 1

    def dying_save(state, f):
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # the process is killed mid-write

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        Trainer(epochs=5, checkpoint_dir=tmp_path, progress=False).fit(small_model(), X, resume=True)
    monkeypatch.undo()
    assert load_checkpoint(tmp_path)["epoch"] == 1  # still the old, whole checkpoint
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_NAME]  # no temporary file left


def test_resume_on_other_data_is_refused(table, tmp_path):
    X = scaled(table)
    Trainer(epochs=1, checkpoint_dir=tmp_path, progress=False).fit(small_model(), X)
    other = X.copy()
    other[3, 0] += 1.0  # one value changed: another data set all the same
    for data, settings in ((other, {}), (X[:-1], {}), (X, {"batch_size": 7}), (X, {"seed": 1})):
        with pytest.raises(ConfigError, match="other data"):
            Trainer(epochs=2, checkpoint_dir=tmp_path, progress=False, **settings).fit(small_model(), data, resume=True)
    history = Trainer(epochs=2, checkpoint_dir=tmp_path, progress=False).fit(small_model(), X, resume=True)
    assert len(history) == 2  # the same data resumes


def test_corrupt_checkpoint_is_a_clear_error(table, tmp_path):
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        Trainer(epochs=1, checkpoint_dir=tmp_path, progress=False).fit(small_model(), scaled(table), resume=True)


def test_checkpoint_of_another_model_is_refused(table, tmp_path):
    Trainer(epochs=1, checkpoint_dir=tmp_path, progress=False).fit(small_model(), scaled(table))
    other = create_model("ae", input_shape=(6,), latent_dim=3)
    with pytest.raises(ModelFileError, match="does not match"):
        Trainer(epochs=2, checkpoint_dir=tmp_path, progress=False).fit(other, scaled(table), resume=True)


def test_bad_trainer_arguments():
    with pytest.raises(ConfigError, match="lr_schedule"):
        Trainer(lr_schedule="wiggly")
    with pytest.raises(ConfigError, match="val_fraction"):
        Trainer(val_fraction=1.5)


def test_max_time_stops_early(table):
    history = Trainer(epochs=1000, max_time=0.0001, progress=False, patience=None).fit(small_model(), scaled(table))
    assert len(history) == 1


def test_tensorboard_logs_when_installed(table, tmp_path):
    pytest.importorskip("tensorboard")
    Trainer(epochs=1, progress=False, log_dir=tmp_path).fit(small_model(), scaled(table))
    assert list((tmp_path / "tensorboard").iterdir())


def test_adamw_is_fused_for_float_cpu_parameters_and_steps_like_the_plain_one():
    from aekit.train.trainer import make_adamw

    torch.manual_seed(0)
    a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    fused = make_adamw(a, 1e-2, 0.01)
    plain = torch.optim.AdamW(b.parameters(), lr=1e-2, weight_decay=0.01)
    assert fused.defaults["fused"] is True
    x = torch.randn(8, 4)
    for model, opt in ((a, fused), (b, plain)):
        for _ in range(3):
            opt.zero_grad()
            model(x).square().mean().backward()
            opt.step()
    assert torch.allclose(a.weight, b.weight, atol=1e-6)
