import numpy as np
import pytest
import torch

from aekit import codec
from aekit.codec.model import CodecNet
from aekit.codec.photos import random_patches
from aekit.codec.train import learning_rate
from aekit.codec.weights import export_weights, read_codec
from aekit.errors import ModelFileError
from aekit.train.checkpoint import save_checkpoint


def test_export_then_read_gives_the_float16_network_and_a_working_codec(tmp_path):
    torch.manual_seed(0)
    net = CodecNet(channels=8, latent_channels=8, lambdas=(0.01, 0.05))
    config = {"channels": 8, "latent_channels": 8, "lambdas": [0.01, 0.05]}
    save_checkpoint({"model": net.state_dict(), "step": 3, "config": config}, tmp_path / "run")
    export_weights(tmp_path / "run", tmp_path / "w.safetensors")
    shipped = read_codec(tmp_path / "w.safetensors")
    assert shipped.levels == 2 and shipped.tables.freqs.shape[:2] == (2, 8)
    for name, value in shipped.net.state_dict().items():
        assert torch.equal(value, net.state_dict()[name].half().float()), name
    image = np.random.default_rng(0).integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    data = codec.compress(image, 2, codec=shipped)
    again = read_codec(tmp_path / "w.safetensors")  # same file, same model id
    assert codec.decompress(data, codec=again).shape == image.shape


def test_missing_checkpoint_or_weights(tmp_path):
    with pytest.raises(ModelFileError, match="no checkpoint"):
        export_weights(tmp_path, tmp_path / "w.safetensors")
    with pytest.raises(ModelFileError, match="not found"):
        read_codec(tmp_path / "w.safetensors")
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="unreadable"):
        read_codec(tmp_path / "bad.safetensors")


def test_random_patches():
    photos = [np.full((40, 50, 3), 255, np.uint8), np.zeros((130, 140, 3), np.uint8)]
    a = random_patches(photos, 64, 32, np.random.default_rng(1))
    b = random_patches(photos, 64, 32, np.random.default_rng(1))
    assert a.shape == (64, 3, 32, 32) and a.dtype == np.float32 and np.array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert 0 < a.mean() < 0.5  # both photos drawn, the larger one more often


def test_learning_rate_schedule():
    assert learning_rate(0, 100) == 1.0 and learning_rate(79, 100) == 1.0
    assert learning_rate(90, 100) == pytest.approx(0.525)
    assert learning_rate(100, 100) == pytest.approx(0.05)
