"""A step-based training loop for models fed by a sampler rather than a fixed dataset.

The epoch-based :class:`~aekit.train.trainer.Trainer` suits arrays that fit in memory. The
image codec (random photo patches) and the voice model (random speech segments) draw fresh
samples every step instead; this loop gives them the same guarantees: full-state atomic
checkpoints (model, optimiser, step, numpy and torch random states) every few minutes and
at the end, resume from the last one, a wall-clock budget, and a learning-rate schedule.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from aekit.errors import ConfigError
from aekit.train.checkpoint import load_checkpoint, save_checkpoint

CHECKPOINT_EVERY_S = 300.0


def run_steps(model: torch.nn.Module, optimizer: torch.optim.Optimizer, step_fn: Callable[[int], None],
              out_dir: Path, total_steps: int, rng: np.random.Generator, config: dict,
              lr_at: Callable[[int], float] | None = None, max_minutes: float | None = None) -> int:
    """Call ``step_fn(step)`` until ``total_steps`` or the time budget; returns the step reached.

    ``step_fn`` does one optimisation step and draws its randomness from ``rng`` and torch's
    global generator, which are checkpointed, so a resumed run continues the same sequence.
    ``lr_at(step)`` multiplies each parameter group's base ``initial_lr``.
    """
    step = _resume(model, optimizer, out_dir, rng, config)
    for group in optimizer.param_groups:  # kept in checkpoints; set here on a fresh start
        group.setdefault("initial_lr", group["lr"])
    deadline = time.monotonic() + max_minutes * 60 if max_minutes else math.inf
    last_save = time.monotonic()
    while step < total_steps and time.monotonic() < deadline:
        if lr_at is not None:
            for group in optimizer.param_groups:
                group["lr"] = group["initial_lr"] * lr_at(step)
        step_fn(step)
        step += 1
        if time.monotonic() - last_save > CHECKPOINT_EVERY_S:
            _save(model, optimizer, out_dir, step, rng, config)
            last_save = time.monotonic()
    _save(model, optimizer, out_dir, step, rng, config)
    return step


def _resume(model, optimizer, out_dir: Path, rng: np.random.Generator, config: dict) -> int:
    state = load_checkpoint(out_dir)
    if state is None:
        return 0
    if state.get("config", config) != config:  # e.g. resumed with another option than it started with
        raise ConfigError(f"{out_dir} holds a run started with other settings ({_differences(state['config'], config)}); "
                          "resume with the same options, or start over without resuming")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    rng.bit_generator.state = state["numpy_rng"]
    torch.set_rng_state(state["torch_rng"])
    print(f"resumed at step {state['step']}", flush=True)
    return int(state["step"])


def _differences(old: dict, new: dict, prefix: str = "") -> str:
    """'key: old -> new' for every differing entry of two (nested) config dicts."""
    out = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.append(_differences(a, b, f"{prefix}{key}."))
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return ", ".join(item for item in out if item)


def _save(model, optimizer, out_dir: Path, step: int, rng: np.random.Generator, config: dict) -> None:
    save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                     "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                     "config": config}, out_dir)
