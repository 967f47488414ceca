"""The encoders' hidden features: the representation anomaly_score="features" models."""
import torch

from aekit.nn.conv import MAX_FEATURE_VALUES, ConvEncoder
from aekit.nn.mlp import MLP


def test_mlp_features_are_the_last_hidden_layer():
    torch.manual_seed(0)
    mlp = MLP([6, 5, 4, 2])
    x = torch.randn(3, 6)
    h = mlp.hidden_features(x)
    assert h.shape == (3, 4) and (h >= 0).all()  # after the ReLU
    torch.testing.assert_close(mlp.linears[-1](h), mlp(x))


def test_conv_features_are_the_map_the_code_layer_sees():
    torch.manual_seed(0)
    enc = ConvEncoder((1, 28, 28), [16, 32], latent_dim=4)
    x = torch.rand(2, 1, 28, 28)
    h = enc.hidden_features(x)
    assert h.shape == (2, 32 * 7 * 7)  # 1,568 values: under the limit, kept whole
    torch.testing.assert_close(enc.to_code(h), enc(x))


def test_large_conv_maps_are_pooled_under_the_limit():
    enc = ConvEncoder((3, 64, 48), [16, 32], latent_dim=4)  # 32 x 16 x 12 = 6,144 values
    h = enc.hidden_features(torch.rand(2, 3, 64, 48))
    assert h.shape == (2, 32 * 8 * 6) and h.shape[1] <= MAX_FEATURE_VALUES
    full = enc.features(torch.zeros(1, 3, 64, 48))
    pooled = enc.hidden_features(torch.zeros(1, 3, 64, 48))
    torch.testing.assert_close(pooled.view(1, 32, 8, 6).mean(), full.mean())  # averages, not samples
