"""Tiny synthetic 'speakers' (harmonic tones with their own pitch and timbre) and a tiny
model size, so voice tests need no corpus and run in seconds."""
import numpy as np

RATE = 16000
TINY = {"steps": 6, "batch": 4, "channels": 16, "blocks": 1, "content_dim": 4, "speaker_dim": 8, "log_every": 3}


def voice(f0: float, brightness: float, seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    wav = sum(np.sin(2 * np.pi * f0 * k * t) * brightness ** k for k in range(1, 8))
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(2, 5) * t + rng.uniform(0, 6))  # the "words"
    return (0.3 * wav * syllables / np.abs(wav).max()).astype(np.float32)
