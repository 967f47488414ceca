"""Shared fixtures: tiny seeded data so the whole suite stays fast."""
import os

import numpy as np
import pytest
import soundfile
import torch

# Keep each test process to one thread: pytest-xdist already runs one process per core.
torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def table():
    """60 samples, 6 correlated features on mixed scales."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(60, 2))
    X = z @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(60, 6))
    return (X * np.array([1, 10, 100, 0.1, 1, 5])).astype(np.float32)


@pytest.fixture
def images():
    """40 tiny 1x10x9 images in [0, 1]: blurred blobs at random places."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:10, 0:9]
    centres = rng.uniform(2, 7, size=(40, 2))
    X = np.exp(-((yy[None] - centres[:, :1, None]) ** 2 + (xx[None] - centres[:, 1:, None]) ** 2) / 4)
    return X[:, None].astype(np.float32)


@pytest.fixture
def fake_espeak(tmp_path, monkeypatch):
    """A tiny built-in espeak corpus (4 + 2 speakers, 1 held out, 3 sentences each) in a fresh
    cache, with espeak-ng replaced by silence; returns what each speaker was made to say."""
    from aekit.voice import corpora

    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))
    for name, value in (("N_SPEAKERS", 4), ("HELD_OUT", 1), ("SENTENCES_PER_SPEAKER", 3), ("EXTRA_SPEAKERS", 2)):
        monkeypatch.setattr(corpora, name, value)
    monkeypatch.setattr(corpora.shutil, "which", lambda name: "/usr/bin/" + name)
    said = {}

    def fake_synthesize(speaker, text, wav):
        said.setdefault(speaker.name, []).append(text)
        soundfile.write(wav, np.zeros(100, np.float32), 22050)

    monkeypatch.setattr(corpora, "synthesize", fake_synthesize)
    return said
