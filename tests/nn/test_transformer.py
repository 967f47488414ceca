"""Pre-LN Transformer blocks: causality, padding, cross-attention, layer counts, errors."""
import pytest
import torch

from aekit.errors import ConfigError
from aekit.nn.transformer import MultiHeadAttention, TokenEmbedding, TransformerStack, attention_mask


def stack(**kw):
    torch.manual_seed(0)
    return TransformerStack(d_model=32, n_heads=4, n_layers=2, dropout=0.0, **kw).eval()


def test_causal_attention_never_looks_ahead():
    net = stack()
    x = torch.randn(2, 10, 32)
    changed = x.clone()
    changed[:, 6] = torch.randn(2, 32)  # (a constant shift would vanish in the LayerNorms)
    a, b = net(x, causal=True), net(changed, causal=True)
    assert torch.allclose(a[:, :6], b[:, :6], atol=1e-6)
    assert not torch.allclose(a[:, 6:], b[:, 6:], atol=1e-4)


def test_causal_with_padding_mask_matches_without_it():
    net = stack()
    x = torch.randn(1, 8, 32)
    padding = torch.tensor([[False] * 6 + [True] * 2])
    assert torch.allclose(net(x, causal=True)[:, :6], net(x, padding=padding, causal=True)[:, :6], atol=1e-6)


def test_padding_is_invisible_to_real_tokens():
    net = stack()
    x = torch.randn(1, 5, 32)
    padded = torch.cat([x, torch.randn(1, 3, 32)], dim=1)
    padding = torch.tensor([[False] * 5 + [True] * 3])
    assert torch.allclose(net(x), net(padded, padding=padding)[:, :5], atol=1e-6)


def test_fully_masked_rows_give_no_nan():
    net = stack()
    padding = torch.ones(1, 4, dtype=torch.bool)
    assert torch.isfinite(net(torch.randn(1, 4, 32), padding=padding)).all()


def test_cross_attention_reads_the_memory():
    net = stack(cross_attention=True)
    x, memory = torch.randn(2, 5, 32), torch.randn(2, 7, 32)
    out = net(x, causal=True, memory=memory, memory_padding=torch.zeros(2, 7, dtype=torch.bool))
    assert out.shape == (2, 5, 32)
    assert not torch.allclose(out, net(x, causal=True, memory=torch.randn(2, 7, 32)), atol=1e-4)
    with pytest.raises(ValueError, match="memory"):
        net(x)


def test_first_k_layers():
    net = stack()
    x = torch.randn(1, 4, 32)
    manual = net.norm(net.blocks[0](x))
    assert torch.allclose(net(x, layers=1), manual, atol=1e-6)
    with pytest.raises(ConfigError, match="layer"):
        net(x, layers=3)


def test_attention_mask_shapes():
    assert attention_mask(3, None, causal=True, device=torch.device("cpu")) is None
    mask = attention_mask(3, torch.tensor([[False, False, True]]), causal=True, device=torch.device("cpu"))
    assert mask.shape == (1, 1, 3, 3)
    assert mask[0, 0].tolist() == [[True, False, False], [True, True, False], [True, True, False]]


def test_embedding_limits_and_tied_logits():
    emb = TokenEmbedding(vocab_size=50, d_model=16, max_len=8)
    ids = torch.randint(0, 50, (2, 8))
    h = emb(ids)
    assert h.shape == (2, 8, 16) and emb.logits(h).shape == (2, 8, 50)
    with pytest.raises(ValueError, match="longer than the model's context"):
        emb(torch.zeros(1, 9, dtype=torch.long))


def test_bad_sizes():
    with pytest.raises(ConfigError, match="multiple of n_heads"):
        MultiHeadAttention(30, 4)
    with pytest.raises(ConfigError, match="n_layers"):
        TransformerStack(32, 4, 0)
