"""Masked language model: BERT as a denoising auto-encoder of text.

Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers for Language
Understanding" (NAACL): masking is the noise, the bidirectional Transformer encoder gives
the code (a vector per token), and a tied linear layer decodes the masked tokens. The
optional pair heads: next-sentence prediction (NSP, BERT) and sentence-order prediction
(SOP, Lan et al. 2020, "ALBERT", ICLR)::

    block (B, L) = [CLS] tokens ... [SEP]                        (pair_task None)
                 = [CLS] A (n) [SEP] B (n) [SEP]                 (pair_task "sop"/"nsp")
      │ pair_task: SOP swaps A and B (label 1); NSP puts another row's B in (label 1)
      │ bert_mask: 15% of ordinary tokens chosen -> 80% [MASK], 10% random, 10% kept
      ▼
    token + position (+ segment) embeddings ──> Transformer encoder ──> h (B, L, D)
      ├── h at the chosen tokens ──dense, GELU, LN──> tied embedding^T + bias
      │                          ──> logits (N chosen, vocab), cross-entropy
      └── h[:, 0] ([CLS]) ──dense, tanh──> linear ──> pair logits (B, 2)

    embed(ids, layer=k): the first k encoder layers, mean over the non-padding tokens.

Pair halves have a fixed size n = (max_len - 3) // 2 (short halves are padded inside the
block), so that swapping and replacing halves are plain tensor slices. NSP draws its
"random" B from the next row of the batch (in-batch negatives; a row from the same
document can occasionally be drawn, a little label noise).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError
from aekit.nn.transformer import TokenEmbedding, TransformerStack
from aekit.text.common import IGNORE, check_architecture, noise_generator, token_loss
from aekit.text.noise import bert_mask, check_rate
from aekit.text.registry import register_text_model
from aekit.text.tokenizer import CLS_ID, MASK_ID, N_SPECIAL, PAD_ID, SEP_ID

PAIR_TASKS = (None, "sop", "nsp")


@register_text_model("mlm")
class MaskedLanguageModel(nn.Module):
    """BERT-style encoder trained to rebuild masked tokens (see the module docstring).

    Args:
        vocab_size: tokenizer vocabulary size (special tokens at ids 0-6).
        max_len: longest block in tokens ([CLS] and [SEP] included).
        d_model, n_layers, n_heads, dropout: the encoder's size.
        mask_rate: share of ordinary tokens chosen for prediction (BERT: 0.15).
        pair_task: None, "sop" (sentence order) or "nsp" (next sentence).
        pair_weight: weight of the pair loss next to the masked-token loss.
    """

    def __init__(self, vocab_size: int, max_len: int = 128, d_model: int = 128, n_layers: int = 4,
                 n_heads: int = 4, dropout: float = 0.1, mask_rate: float = 0.15,
                 pair_task: str | None = None, pair_weight: float = 1.0):
        super().__init__()
        check_architecture(vocab_size, max_len, d_model, n_layers, n_heads, N_SPECIAL + 1)
        check_rate("mask_rate", mask_rate)
        if pair_task not in PAIR_TASKS:
            raise ConfigError(f"unknown pair_task {pair_task!r}; choose from none, sop, nsp")
        if pair_task and max_len < 5:
            raise ConfigError(f"pair_task needs max_len of at least 5, got {max_len}")
        self.config = dict(vocab_size=vocab_size, max_len=max_len, d_model=d_model, n_layers=n_layers,
                           n_heads=n_heads, dropout=dropout, mask_rate=mask_rate, pair_task=pair_task,
                           pair_weight=pair_weight)
        self.vocab_size, self.max_len, self.mask_rate = vocab_size, max_len, mask_rate
        self.pair_task, self.pair_weight = pair_task, pair_weight
        self.embedding = TokenEmbedding(vocab_size, d_model, max_len, dropout)
        self.segment = nn.Embedding(2, d_model) if pair_task else None
        self.encoder = TransformerStack(d_model, n_heads, n_layers, dropout=dropout)
        self.mlm_transform = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.LayerNorm(d_model))
        self.mlm_bias = nn.Parameter(torch.zeros(vocab_size))
        self.pair_head = (nn.Sequential(nn.Linear(d_model, d_model), nn.Tanh(), nn.Linear(d_model, 2))
                          if pair_task else None)

    # ------------------------------------------------------------- data layout
    @property
    def block_layout(self) -> str:
        """How pretraining cuts text for this model (see ``aekit.text.blocks``)."""
        return "pairs" if self.pair_task else "packed"

    @property
    def block_length(self) -> int:
        return 3 + 2 * self.half_length if self.pair_task else self.max_len

    @property
    def half_length(self) -> int:
        return (self.max_len - 3) // 2

    def wrap(self, ids: list[int]) -> list[int]:
        """Special tokens around a text's ids for inference; over-long texts are truncated."""
        return [CLS_ID] + list(ids)[: self.max_len - 2] + [SEP_ID]

    # ------------------------------------------------------------- encoder
    def encode(self, ids: torch.Tensor, layer: int | None = None) -> torch.Tensor:
        """Hidden states (B, L, D) after the first ``layer`` blocks (all when None)."""
        x = self.embedding(ids)
        if self.segment is not None:
            x = x + self.segment(self._segments(ids))
        return self.encoder(x, padding=ids == PAD_ID, layers=layer)

    @torch.no_grad()
    def embed(self, ids: torch.Tensor, layer: int | None = None, pool: str = "mean") -> torch.Tensor:
        """One vector per sequence (B, D): the mean over non-padding tokens, or [CLS]."""
        if pool not in ("mean", "cls"):
            raise ConfigError(f"pool must be 'mean' or 'cls', got {pool!r}")
        h = self.encode(ids, layer=layer)
        if pool == "cls":
            return h[:, 0]
        keep = (ids != PAD_ID).unsqueeze(-1).float()
        return (h * keep).sum(1) / keep.sum(1).clamp_min(1.0)

    def _segments(self, ids: torch.Tensor) -> torch.Tensor:
        """0 up to and including the first [SEP], 1 after it."""
        is_sep = (ids == SEP_ID).long()
        return ((is_sep.cumsum(1) - is_sep) > 0).long()

    # ------------------------------------------------------------- training
    def forward(self, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        generator = noise_generator(self)
        out = {}
        if self.pair_task:
            ids, out["pair_labels"] = self._make_pairs(ids, generator)
        maskable = ids >= N_SPECIAL
        corrupted, targets = bert_mask(ids, maskable, MASK_ID, N_SPECIAL, self.vocab_size,
                                       self.mask_rate, generator)
        h = self.encode(corrupted)  # (B, L, D)
        chosen = targets != IGNORE
        # Only the chosen tokens are decoded: with a small encoder the vocabulary
        # projection of every position would cost about as much as the encoder itself.
        logits = self.embedding.logits(self.mlm_transform(h[chosen]), self.mlm_bias)  # (N, vocab)
        out.update(corrupted=corrupted, targets=targets, hidden=h, logits=logits, chosen_targets=targets[chosen])
        if self.pair_task:
            out["pair_logits"] = self.pair_head(h[:, 0])  # (B, 2)
        return out

    def loss(self, ids: torch.Tensor, out: dict, target=None) -> dict[str, torch.Tensor]:
        targets = out["chosen_targets"]  # (N,)
        mlm = token_loss(out["logits"], targets)
        right = (out["logits"].argmax(-1) == targets).float()
        parts = {"mlm": mlm.detach(), "accuracy": (right.sum() / max(len(targets), 1)).detach()}
        loss = mlm
        if self.pair_task:
            pair = F.cross_entropy(out["pair_logits"].float(), out["pair_labels"])
            parts["pair"] = pair.detach()
            loss = loss + self.pair_weight * pair
        return {"loss": loss, **parts}

    def _make_pairs(self, ids: torch.Tensor, generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Apply SOP swaps or NSP replacements to half the rows; label 1 = changed."""
        n = self.half_length
        if ids.shape[1] != 3 + 2 * n:
            raise ConfigError(f"{self.pair_task} blocks must be {3 + 2 * n} tokens long, got {ids.shape[1]}")
        labels = (torch.rand(len(ids), generator=generator) < 0.5).long().to(ids.device)
        first, second = ids[:, 1:1 + n], ids[:, 2 + n:2 + 2 * n]
        if self.pair_task == "sop":
            first, second = (torch.where(labels[:, None].bool(), second, first),
                             torch.where(labels[:, None].bool(), first, second))
        else:
            second = torch.where(labels[:, None].bool(), second.roll(1, dims=0), second)
        cls, sep = ids[:, :1], ids[:, 1 + n:2 + n]
        return torch.cat([cls, first, sep, second, ids[:, -1:]], dim=1), labels
