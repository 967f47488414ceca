"""Small pre-LayerNorm Transformer blocks shared by the text models (mlm, gpt, bart).

Vaswani et al. 2017, "Attention Is All You Need" (NeurIPS); the LayerNorm is placed
before each sub-layer (Xiong et al. 2020, "On Layer Normalization in the Transformer
Architecture", ICML), which trains without a warm-up at these small sizes::

    ids (B, L) ──token emb + position emb──> x (B, L, D)
    each block:  x = x + SelfAttention(LN(x))      causal and/or key-padding mask
                 x = x + CrossAttention(LN(x), memory)   decoder blocks only
                 x = x + MLP(LN(x))                Linear(D, 4D) -> GELU -> Linear(4D, D)
    after the last block: LN(x)

Attention runs through ``torch.nn.functional.scaled_dot_product_attention``. Masks are
boolean with True meaning "may attend", the convention of that function.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError


def check_sizes(d_model: int, n_heads: int) -> None:
    if d_model < 1 or n_heads < 1 or d_model % n_heads:
        raise ConfigError(f"d_model ({d_model}) must be a positive multiple of n_heads ({n_heads})")


def attention_mask(q_len: int, key_padding: torch.Tensor | None, causal: bool,
                   device: torch.device) -> torch.Tensor | None:
    """A (B, 1, Lq, Lk) boolean mask, True = may attend, or None without padding.

    ``key_padding`` is (B, Lk) with True at padding positions (the same sense as
    ``ids == pad_id``). With padding the causal triangle is folded into the mask; without
    it None is returned and the attention takes ``causal=True`` on its fused path.
    """
    if key_padding is None:
        return None
    mask = ~key_padding[:, None, None, :]  # (B, 1, 1, Lk)
    if causal:
        mask = mask & torch.ones(q_len, q_len, dtype=torch.bool, device=device).tril()[None, None]
    # A query that may attend to nothing (a row after left padding) would give NaN; let
    # it see everything instead. Its output sits at a padding position and is never used.
    return mask | ~mask.any(dim=-1, keepdim=True)


class MultiHeadAttention(nn.Module):
    """Multi-head attention; self-attention when ``context`` is None, cross-attention otherwise."""

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0):
        super().__init__()
        check_sizes(d_model, n_heads)
        self.n_heads, self.dropout = n_heads, dropout
        self.query = nn.Linear(d_model, d_model)
        self.key_value = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, causal: bool = False) -> torch.Tensor:
        context = x if context is None else context
        q = self._heads(self.query(x))  # (B, H, Lq, D/H)
        k, v = (self._heads(t) for t in self.key_value(context).chunk(2, dim=-1))  # (B, H, Lk, D/H)
        dropout = self.dropout if self.training else 0.0
        # A given mask already holds the causal triangle (see attention_mask).
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout,
                                           is_causal=causal and mask is None)
        b, h, length, dh = y.shape
        return self.out(y.transpose(1, 2).reshape(b, length, h * dh))  # (B, Lq, D)

    def _heads(self, t: torch.Tensor) -> torch.Tensor:
        b, length, d = t.shape
        return t.view(b, length, self.n_heads, d // self.n_heads).transpose(1, 2)


class TransformerBlock(nn.Module):
    """One pre-LN block: self-attention, optional cross-attention, GELU MLP, each residual."""

    def __init__(self, d_model: int, n_heads: int, cross_attention: bool = False,
                 mlp_ratio: int = 4, dropout: float = 0.1):
        super().__init__()
        self.self_norm = nn.LayerNorm(d_model)
        self.self_attention = MultiHeadAttention(d_model, n_heads, dropout)
        self.cross_norm = nn.LayerNorm(d_model) if cross_attention else None
        self.cross_attention = MultiHeadAttention(d_model, n_heads, dropout) if cross_attention else None
        self.mlp_norm = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, mlp_ratio * d_model), nn.GELU(),
                                 nn.Linear(mlp_ratio * d_model, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, self_mask: torch.Tensor | None = None, causal: bool = False,
                memory: torch.Tensor | None = None, memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.drop(self.self_attention(self.self_norm(x), mask=self_mask, causal=causal))
        if self.cross_attention is not None:
            if memory is None:
                raise ValueError("a cross-attention block needs the encoder's memory")
            x = x + self.drop(self.cross_attention(self.cross_norm(x), context=memory, mask=memory_mask))
        return x + self.drop(self.mlp(self.mlp_norm(x)))


class TokenEmbedding(nn.Module):
    """Token embedding plus a learned position embedding (GPT-2 / BERT style)."""

    def __init__(self, vocab_size: int, d_model: int, max_len: int, dropout: float = 0.1):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(max_len, d_model)
        self.drop = nn.Dropout(dropout)
        self.max_len = max_len
        nn.init.normal_(self.token.weight, std=0.02)
        nn.init.normal_(self.position.weight, std=0.02)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        if length > self.max_len:
            raise ValueError(f"sequence of {length} tokens is longer than the model's context ({self.max_len})")
        positions = torch.arange(length, device=ids.device)
        return self.drop(self.token(ids) + self.position(positions)[None])  # (B, L, D)

    def logits(self, h: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """Tied output layer: scores against every token embedding (Press & Wolf 2017)."""
        return F.linear(h, self.token.weight, bias)  # (B, L, vocab)


class TransformerStack(nn.Module):
    """``n_layers`` blocks and a final LayerNorm; ``layers=k`` runs only the first k blocks."""

    def __init__(self, d_model: int, n_heads: int, n_layers: int, cross_attention: bool = False,
                 dropout: float = 0.1):
        super().__init__()
        if n_layers < 1:
            raise ConfigError(f"n_layers must be at least 1, got {n_layers}")
        self.blocks = nn.ModuleList(TransformerBlock(d_model, n_heads, cross_attention, dropout=dropout)
                                    for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, padding: torch.Tensor | None = None, causal: bool = False,
                memory: torch.Tensor | None = None, memory_padding: torch.Tensor | None = None,
                layers: int | None = None) -> torch.Tensor:
        """``padding``/``memory_padding``: (B, L) True at padding positions."""
        layers = len(self.blocks) if layers is None else layers
        if not 1 <= layers <= len(self.blocks):
            raise ConfigError(f"layer must be between 1 and {len(self.blocks)}, got {layers}")
        length = x.shape[1]
        self_mask = attention_mask(length, padding, causal, x.device)
        memory_mask = None
        if memory_padding is not None:
            memory_mask = attention_mask(length, memory_padding, False, x.device)
        for block in self.blocks[:layers]:
            x = block(x, self_mask=self_mask, causal=causal, memory=memory, memory_mask=memory_mask)
        return self.norm(x)
