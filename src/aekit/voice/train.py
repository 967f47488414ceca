"""Training the voice converter on random segments of a multi-speaker corpus.

Every step takes ``batch`` random utterances, a random ``SEGMENT``-frame window of each,
and, as the speaker reference, a random window of *another* utterance by the same speaker.
Runs through aekit.train.steps: checkpoints every few minutes, resume after a kill, and a
wall-clock budget.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from aekit.errors import DataError
from aekit.train.steps import run_steps
from aekit.voice import ADVERSARY_WEIGHT
from aekit.voice.audio import load_audio
from aekit.voice.corpora import Utterance
from aekit.voice.features import log_mel
from aekit.voice.model import VoiceConverter

SEGMENT = 128  # frames: about 2 s


def mel_bank(utterances: list[Utterance]) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """Log-mels (n_mels, T) of every utterance, their speaker index, and the speaker names."""
    names = sorted({u.speaker for u in utterances})
    index = {name: i for i, name in enumerate(names)}
    mels = [log_mel(load_audio(u.path)) for u in utterances]
    return mels, np.array([index[u.speaker] for u in utterances]), names


def window(mel: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``length``-frame window; shorter utterances are repeated to fill it."""
    if mel.shape[1] < length:
        mel = np.tile(mel, (1, -(-length // mel.shape[1])))
    start = rng.integers(0, mel.shape[1] - length + 1)
    return mel[:, start:start + length]


class SegmentSampler:
    def __init__(self, mels: list[np.ndarray], speakers: np.ndarray, batch: int, rng: np.random.Generator):
        self.mels, self.speakers, self.batch, self.rng = mels, speakers, batch, rng
        self.by_speaker = {s: np.flatnonzero(speakers == s) for s in np.unique(speakers)}

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Source windows, same-speaker reference windows, and the speaker ids."""
        picks = self.rng.integers(0, len(self.mels), size=self.batch)
        source, reference = [], []
        for i in picks:
            same = self.by_speaker[self.speakers[i]]
            other = same[same != i] if len(same) > 1 else same
            source.append(window(self.mels[i], SEGMENT, self.rng))
            reference.append(window(self.mels[self.rng.choice(other)], SEGMENT, self.rng))
        speakers = torch.from_numpy(self.speakers[picks]).long()
        return torch.from_numpy(np.stack(source)), torch.from_numpy(np.stack(reference)), speakers


def train(utterances: list[Utterance], work_dir: Path, steps: int = 20000, batch: int = 16, lr: float = 5e-4,
          seed: int = 0, max_minutes: float | None = None, log_every: int = 100,
          adversary_weight: float = ADVERSARY_WEIGHT,
          **model_kwargs) -> tuple[VoiceConverter, list[str], list[np.ndarray], np.ndarray, int]:
    """Train (or resume in ``work_dir``); returns the model, speaker names, mels, speaker ids, steps done."""
    if len({u.speaker for u in utterances}) < 2:
        raise DataError("voice training needs at least two speakers")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mels, speakers, names = mel_bank(utterances)
    if adversary_weight > 0:
        model_kwargs["n_speakers"] = len(names)
    model = VoiceConverter(adversary_weight=adversary_weight, **model_kwargs)
    frames = np.concatenate(mels, axis=1)
    model.mel_mean.copy_(torch.from_numpy(frames.mean(axis=1)))
    model.mel_std.copy_(torch.from_numpy(frames.std(axis=1) + 1e-3))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    sample = SegmentSampler(mels, speakers, batch, rng)
    running: list[dict] = []

    def step_fn(step: int) -> None:
        source, reference, speaker_ids = sample()
        source, reference = model.normalise(source), model.normalise(reference)
        parts = model.loss(source, model(source, reference), speaker_ids)
        optimizer.zero_grad(set_to_none=True)
        parts["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running.append({k: float(v.detach()) for k, v in parts.items()})
        if (step + 1) % log_every == 0:
            means = {k: np.mean([r[k] for r in running]) for k in running[0]}
            print(f"step {step + 1} " + " ".join(f"{k} {v:.4f}" for k, v in means.items()), flush=True)
            running.clear()

    done = run_steps(model, optimizer, step_fn, work_dir, steps, rng, {"model": model.config},
                     lr_at=lambda step: 0.1 if step >= 0.9 * steps else 1.0, max_minutes=max_minutes)
    model.eval()
    return model, names, mels, speakers, done
