"""Tiny synthetic 'speakers' (harmonic tones with their own pitch and timbre) so voice tests
need no corpus and run in seconds."""
import numpy as np
import pytest
import soundfile

RATE = 16000


def voice(f0: float, brightness: float, seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    wav = sum(np.sin(2 * np.pi * f0 * k * t) * brightness ** k for k in range(1, 8))
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(2, 5) * t + rng.uniform(0, 6))  # the "words"
    return (0.3 * wav * syllables / np.abs(wav).max()).astype(np.float32)


@pytest.fixture(scope="session")
def speech_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("speech")
    for name, f0, brightness in (("low", 110.0, 0.8), ("high", 260.0, 0.5), ("mid", 180.0, 0.65)):
        (root / name).mkdir()
        for i in range(3):
            soundfile.write(root / name / f"{i}.wav", voice(f0, brightness, 1.5, seed=i), RATE)
    return root


TINY = {"steps": 6, "batch": 4, "channels": 16, "blocks": 1, "content_dim": 4, "speaker_dim": 8, "log_every": 3}
