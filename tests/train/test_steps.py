import numpy as np
import pytest
import torch

from aekit.errors import ConfigError
from aekit.train.steps import run_steps


def tiny_run(out_dir, total_steps, stop_after=None):
    """Fit y = 3x + noise with fresh random batches each step (numpy and torch randomness)."""
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    seen = []

    def step_fn(step):
        x = torch.from_numpy(rng.normal(size=(8, 1)).astype(np.float32))
        y = 3 * x + 0.1 * torch.randn(8, 1)
        loss = torch.mean((model(x) - y) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen.append(step)
        if stop_after is not None and len(seen) == stop_after:
            raise KeyboardInterrupt  # a kill in the middle of the run

    try:
        reached = run_steps(model, optimizer, step_fn, out_dir, total_steps, rng, {"what": "test"},
                            lr_at=lambda step: 0.5 if step >= 10 else 1.0)
    except KeyboardInterrupt:
        reached = None
    return model, reached, seen


def test_resumed_run_equals_uninterrupted(tmp_path, monkeypatch):
    import aekit.train.steps as steps

    straight, reached, _ = tiny_run(tmp_path / "a", 20)
    assert reached == 20
    monkeypatch.setattr(steps, "CHECKPOINT_EVERY_S", -1.0)  # checkpoint after every step
    tiny_run(tmp_path / "b", 20, stop_after=13)
    resumed, reached, seen = tiny_run(tmp_path / "b", 20)
    assert reached == 20 and seen[0] == 12
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.equal(a, b)


def test_time_budget_stops_early_and_saves(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    reached = run_steps(model, optimizer, lambda step: None, tmp_path, 10 ** 9, np.random.default_rng(0), {},
                        max_minutes=0.002)
    assert 0 < reached < 10 ** 9
    assert torch.load(tmp_path / "last.pt", weights_only=True)["step"] == reached


def test_resume_with_other_settings_is_refused(tmp_path):
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    config = {"model": {"adversary_weight": 0.0, "channels": 8}}
    run_steps(model, optimizer, lambda step: None, tmp_path, 3, np.random.default_rng(0), config)
    other = {"model": {"adversary_weight": 0.1, "channels": 8}}
    with pytest.raises(ConfigError, match=r"model\.adversary_weight: 0\.0 -> 0\.1"):
        run_steps(model, optimizer, lambda step: None, tmp_path, 5, np.random.default_rng(0), other)
    assert run_steps(model, optimizer, lambda step: None, tmp_path, 5, np.random.default_rng(0), config) == 5
