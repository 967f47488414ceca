"""Shared fixtures: tiny seeded data so the whole suite stays fast."""
import os

import numpy as np
import pytest
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
