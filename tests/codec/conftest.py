"""A tiny untrained codec (8 channels) so codec tests run in milliseconds."""
import pytest
import torch

from aekit.codec.model import CodecNet
from aekit.codec.weights import Codec, tabulate


@pytest.fixture(scope="session")
def tiny_codec():
    torch.manual_seed(0)
    net = CodecNet(channels=8, latent_channels=8, lambdas=(0.01, 0.05, 0.2))
    net.eval()
    return Codec(net, tabulate(net), model_id=0x1234ABCD)


@pytest.fixture
def use_tiny_codec(monkeypatch, tiny_codec):
    """Make the CLI and the default ``codec=None`` path use the tiny codec."""
    import aekit.codec.weights

    monkeypatch.setattr(aekit.codec.weights, "shipped_codec", lambda: tiny_codec)
    return tiny_codec
