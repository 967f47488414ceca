"""The training loop. It knows nothing about models beyond ``model(x)`` and
``model.loss(x, out)`` (and, where a model defines them, ``prepare_training(train_x)``
before the first step and ``finish_training()`` after the last); every auto-encoder family
trains through it unchanged.

What it owns: the train/validation split, shuffling, the optimizer and LR schedule,
gradient clipping, NaN/inf detection, early stopping with the best weights restored,
full-state checkpoints that make a resumed run equal an uninterrupted one, metrics
(CSV, TensorBoard), a progress bar, seeds, DDP and mixed precision on CUDA.
"""
from __future__ import annotations

import copy
import hashlib
import math
import time
from typing import Callable

import numpy as np
import torch
from torch import nn

from aekit.errors import ConfigError, ModelFileError, TrainingError
from aekit.train import distributed as dist_utils
from aekit.train.checkpoint import load_checkpoint, save_checkpoint
from aekit.train.logging import MetricsLog, Progress

LR_SCHEDULES = ("plateau", "cosine", "none")
Callback = Callable[["Trainer", dict], None]


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The seeded train/validation split the Trainer uses (validation None when too small).

    Public so that callers can find the held-out samples again, e.g. to set an anomaly
    threshold on normal data the model never trained on.
    """
    n_val = int(round(n * val_fraction))
    if n_val == 0 or n - n_val < 1:
        return torch.arange(n), None
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:], order[:n_val]


def make_adamw(model: nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW, fused (one kernel for all parameters) where every parameter is a float tensor
    on the CPU or a CUDA GPU: the same update in less time. Measured on 2 CPU threads: an
    epoch of a 784-256-128-32 MLP AE on 6,000 images 18% faster, of a 30-64-32-4 one on
    214 rows 15-35% faster."""
    params = list(model.parameters())
    fused = bool(params) and all(p.dtype.is_floating_point and p.device.type in ("cpu", "cuda") for p in params)
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=fused or None)


def _as_samples(X) -> torch.Tensor:
    if torch.is_tensor(X) and X.dtype == torch.int64:
        return X
    return torch.as_tensor(np.asarray(X, dtype=np.float32)) if not torch.is_tensor(X) else X.float()


class Trainer:
    """Trains any model that follows the aekit model contract.

    Args:
        epochs: maximum number of passes over the training data.
        batch_size: samples per step (per process under DDP).
        lr, weight_decay: AdamW settings.
        val_fraction: share of the data held out for validation (0 = none; then
            early stopping and the plateau schedule watch the training loss).
        patience: epochs without improvement before stopping (None = never stop early).
        min_delta: smallest decrease of the monitored loss that counts as improvement.
        lr_schedule: "plateau" (halve on a plateau), "cosine" or "none".
        grad_clip: max gradient norm (None = no clipping).
        seed: seeds the split, the shuffling and torch's generator (noise, init).
        checkpoint_dir: where ``last.pt`` is written after every epoch (None = no checkpoints).
        log_dir: where ``metrics.csv`` (and TensorBoard files) go.
        progress: True, False or "auto" (a bar when stderr is a terminal).
        device: "auto", "cpu", "cuda", ...
        max_time: stop after the epoch during which this many seconds have passed.
        callbacks: functions called as ``cb(trainer, metrics)`` after every epoch;
            setting ``trainer.stop = True`` ends training after that epoch.
    """

    def __init__(self, epochs: int = 50, batch_size: int = 128, lr: float = 1e-3,
                 weight_decay: float = 0.0, val_fraction: float = 0.1, patience: int | None = 10,
                 min_delta: float = 0.0, lr_schedule: str = "plateau", grad_clip: float | None = 1.0,
                 seed: int = 0, checkpoint_dir=None, log_dir=None, progress: bool | str = "auto",
                 device: str = "auto", max_time: float | None = None,
                 callbacks: tuple[Callback, ...] | list[Callback] = ()):
        if lr_schedule not in LR_SCHEDULES:
            raise ConfigError(f"unknown lr_schedule {lr_schedule!r}; choose from {', '.join(LR_SCHEDULES)}")
        if not 0 <= val_fraction < 1:
            raise ConfigError(f"val_fraction must be in [0, 1), got {val_fraction}")
        if epochs < 1 or batch_size < 1:
            raise ConfigError(f"epochs and batch_size must be positive, got {epochs} and {batch_size}")
        self.epochs, self.batch_size, self.lr, self.weight_decay = epochs, batch_size, lr, weight_decay
        self.val_fraction, self.patience, self.min_delta = val_fraction, patience, min_delta
        self.lr_schedule, self.grad_clip, self.seed = lr_schedule, grad_clip, seed
        self.checkpoint_dir, self.log_dir, self.progress = checkpoint_dir, log_dir, progress
        self.device_name, self.max_time, self.callbacks = device, max_time, list(callbacks)
        self.stop = False
        self.history: list[dict] = []

    # ----------------------------------------------------------------- public
    def fit(self, model: nn.Module, X, resume: bool = False, validation=None) -> list[dict]:
        """Train ``model`` on ``X`` (array or tensor of samples); returns the per-epoch history.

        With ``resume=True`` and a checkpoint in ``checkpoint_dir``, training continues
        from it and ends with the same weights as a run that was never interrupted.
        ``validation`` replaces the seeded split by the caller's own held-out samples (text
        blocks are split by document, which a split by sample cannot know). An int64 tensor
        (token ids) stays integer; everything else becomes float32.
        """
        self.device = dist_utils.local_device(self.device_name)
        self.rank, self.world = dist_utils.setup(self.device)
        torch.manual_seed(self.seed + self.rank)  # per-rank noise; identical init comes from DDP's broadcast
        X = _as_samples(X)
        if validation is None:
            train_x, val_x = self._split(X)
        else:  # an empty validation set means none (the training loss is watched instead)
            train_x, val_x = X, (_as_samples(validation) if len(validation) else None)
        # A resumed run must see what the interrupted one saw, or it would silently mix two.
        # Only checkpoints carry the digest, so runs without them skip the hashing.
        self.data_digest = (data_digest(train_x, val_x, self.batch_size, self.seed)
                            if self.checkpoint_dir is not None else None)
        model.to(self.device)
        if hasattr(model, "prepare_training"):  # a model that reads the training set first (onehot's knn pool)
            model.prepare_training(train_x)
        self.model = model
        self.net = self._wrap(model)
        self.optimizer = make_adamw(model, self.lr, self.weight_decay)
        self.scheduler = self._make_scheduler()
        self.shuffle_gen = torch.Generator().manual_seed(self.seed)
        self._reset_tracking(model)
        if resume and self.checkpoint_dir is not None:
            self._restore(load_checkpoint(self.checkpoint_dir))
        log = MetricsLog(self.log_dir if self.rank == 0 else None)
        steps = self._steps_per_epoch(len(train_x))
        bar = Progress(self.progress if self.rank == 0 else False,
                       total_steps=steps * (self.epochs - self.start_epoch))
        started = time.monotonic()
        try:
            for epoch in range(self.start_epoch, self.epochs):
                metrics = self._run_epoch(epoch, train_x, val_x, bar)
                self._after_epoch(epoch, metrics, log)
                if self.stop or (self.max_time and time.monotonic() - started > self.max_time):
                    break
        finally:
            bar.close()
            log.close()
            if hasattr(model, "finish_training"):
                model.finish_training()
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
        return self.history

    # ------------------------------------------------------------ set-up parts
    def _split(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        train_idx, val_idx = split_indices(len(X), self.val_fraction, self.seed)
        return (X, None) if val_idx is None else (X[train_idx], X[val_idx])

    def _wrap(self, model: nn.Module) -> nn.Module:
        if self.world == 1:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def _make_scheduler(self):
        if self.lr_schedule == "plateau":
            return torch.optim.lr_scheduler.ReduceLROnPlateau(
                self.optimizer, factor=0.5, patience=max(1, (self.patience or 9) // 3))
        if self.lr_schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=self.epochs)
        return None

    def _reset_tracking(self, model: nn.Module) -> None:
        self.history, self.start_epoch, self.stop = [], 0, False
        self.best_value, self.best_epoch, self.bad_epochs = math.inf, -1, 0
        self.best_state: dict | None = None

    def _steps_per_epoch(self, n_train: int) -> int:
        per_rank = n_train // self.world if self.world > 1 else n_train
        return max(1, math.ceil(per_rank / self.batch_size))

    # ------------------------------------------------------------- the epoch
    def _run_epoch(self, epoch: int, train_x: torch.Tensor, val_x, bar: Progress) -> dict:
        tic = time.monotonic()
        train_parts = self._train_pass(epoch, train_x, bar)
        metrics = {"epoch": epoch + 1, **{f"train_{k}": v for k, v in train_parts.items()}}
        if val_x is not None:
            metrics.update({f"val_{k}": v for k, v in self._evaluate(val_x).items()})
        metrics["lr"] = self.optimizer.param_groups[0]["lr"]
        metrics["seconds"] = round(time.monotonic() - tic, 3)
        return metrics

    def _train_pass(self, epoch: int, train_x: torch.Tensor, bar: Progress) -> dict[str, float]:
        self.net.train()
        order = torch.randperm(len(train_x), generator=self.shuffle_gen)
        if self.world > 1:  # every rank takes an equal share so all do the same number of steps
            order = order[: len(order) - len(order) % self.world][self.rank::self.world]
        sums: dict[str, float] = {}
        count = 0
        for step, start in enumerate(range(0, max(len(order), 1), self.batch_size)):
            xb = train_x[order[start:start + self.batch_size]].to(self.device, non_blocking=True)
            if len(xb) == 0:
                break
            parts = self._train_step(xb, epoch, step)
            for key, value in parts.items():
                sums[key] = sums.get(key, 0.0) + value * len(xb)
            count += len(xb)
            bar.advance(status=f"epoch {epoch + 1}/{self.epochs} loss {parts['loss']:.4g}")
        keys = sorted(sums)
        totals = dist_utils.all_reduce_sum([sums[k] for k in keys] + [count], self.device)
        return {k: totals[i] / max(totals[-1], 1) for i, k in enumerate(keys)}

    def _train_step(self, xb: torch.Tensor, epoch: int, step: int) -> dict[str, float]:
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            out = self.net(xb)
            parts = self.model.loss(xb, out)
        loss = parts["loss"]
        if not torch.isfinite(loss):
            raise TrainingError(f"loss became {loss.item()} at epoch {epoch + 1}, step {step + 1}; "
                                "lower the learning rate or check the input scaling")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.optimizer.step()
        return {k: float(v.detach()) for k, v in parts.items()}

    @torch.no_grad()
    def _evaluate(self, val_x: torch.Tensor) -> dict[str, float]:
        """Loss parts on the whole validation set (the same on every rank)."""
        self.net.eval()
        sums: dict[str, float] = {}
        for start in range(0, len(val_x), self.batch_size):
            xb = val_x[start:start + self.batch_size].to(self.device)
            parts = self.model.loss(xb, self.model(xb))
            for key, value in parts.items():
                sums[key] = sums.get(key, 0.0) + float(value) * len(xb)
        return {k: v / len(val_x) for k, v in sums.items()}

    def _after_epoch(self, epoch: int, metrics: dict, log: MetricsLog) -> None:
        monitored = metrics.get("val_loss", metrics["train_loss"])
        if not math.isfinite(monitored):
            raise TrainingError(f"validation loss became {monitored} at epoch {epoch + 1}")
        if monitored < self.best_value - self.min_delta:
            self.best_value, self.best_epoch, self.bad_epochs = monitored, epoch, 0
            self.best_state = copy.deepcopy(self.model.state_dict())
        else:
            self.bad_epochs += 1
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(monitored)
        elif self.scheduler is not None:
            self.scheduler.step()
        self.history.append(metrics)
        if self.patience is not None and self.bad_epochs >= self.patience:
            self.stop = True
        if self.rank == 0:
            log.write(self.history)
            if self.checkpoint_dir is not None:
                save_checkpoint(self._state(epoch), self.checkpoint_dir)
        dist_utils.barrier()
        for callback in self.callbacks:
            callback(self, metrics)

    # ------------------------------------------------------ checkpoint state
    def _state(self, epoch: int) -> dict:
        return {
            "epoch": epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else {},
            "history": self.history,
            "best": {"value": self.best_value, "epoch": self.best_epoch,
                     "bad_epochs": self.bad_epochs, "state": self.best_state or {}},
            "stop": self.stop,
            "rng": {"torch": torch.get_rng_state(), "shuffle": self.shuffle_gen.get_state()},
            "data": self.data_digest,
        }

    def _restore(self, state: dict | None) -> None:
        if state is None:
            return
        if state.get("data", self.data_digest) != self.data_digest:
            raise ConfigError(f"the checkpoint in {self.checkpoint_dir} was written while training on other "
                              "data (other samples, labels, split, batch size or seed); resume with the same "
                              "inputs, or start over without resuming")
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None and state["scheduler"]:
                self.scheduler.load_state_dict(state["scheduler"])
        except (KeyError, RuntimeError, ValueError) as exc:
            raise ModelFileError(f"checkpoint in {self.checkpoint_dir} does not match this model "
                                 f"({str(exc).splitlines()[0]})") from None
        self.start_epoch = state["epoch"] + 1
        self.history = list(state["history"])
        best = state["best"]
        self.best_value, self.best_epoch, self.bad_epochs = best["value"], best["epoch"], best["bad_epochs"]
        self.best_state = best["state"] or None
        self.stop = state["stop"]
        torch.set_rng_state(state["rng"]["torch"])
        self.shuffle_gen.set_state(state["rng"]["shuffle"])
        if self.stop:  # the interrupted run had already decided to stop
            self.start_epoch = self.epochs


def data_digest(train_x: torch.Tensor, val_x: torch.Tensor | None, batch_size: int, seed: int) -> str:
    """SHA-256 of the training and validation samples (shapes, types, bytes), batch size and seed."""
    digest = hashlib.sha256(f"{batch_size}:{seed}".encode())
    for part in (train_x, val_x):
        if part is None:
            digest.update(b"none")
            continue
        flat = part.detach().cpu().contiguous().view(-1)
        digest.update(f"{tuple(part.shape)}:{part.dtype}".encode())
        digest.update(flat.view(torch.uint8).numpy())
    return digest.hexdigest()
