"""Data-parallel training with 2 processes (gloo on CPU), launched by torchrun."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent


def torchrun(args, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", *args]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_two_processes_end_with_identical_weights(tmp_path):
    result = torchrun([str(HERE / "ddp_worker.py"), str(tmp_path)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    w0, w1 = np.load(tmp_path / "weights-0.npy"), np.load(tmp_path / "weights-1.npy")
    # Each rank started from its own random weights; DDP broadcast and synchronised gradients.
    np.testing.assert_array_equal(w0, w1)
    assert np.load(tmp_path / "steps-0.npy").tolist() == [2, 3]


@pytest.mark.slow
def test_cli_fit_under_torchrun(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(200, 10)).astype(np.float32))
    result = torchrun(["-m", "aekit.cli", "fit", "x.npy", "-o", "model", "--epochs", "2",
                       "--latent-dim", "3"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "model" / "model.safetensors").exists()
    assert not (tmp_path / "model.partial").exists()
