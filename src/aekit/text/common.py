"""Pieces the text models share: padding masks, the token loss, noise generators."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError

IGNORE = -100  # target value that the loss skips (cross_entropy's ignore_index)
EVAL_NOISE_SEED = 0


def noise_generator(module: nn.Module) -> torch.Generator | None:
    """Training draws noise from torch's global generator (checkpointed by the Trainer);
    evaluation uses a fixed seed, so validation losses of different epochs compare."""
    return None if module.training else torch.Generator().manual_seed(EVAL_NOISE_SEED)


def token_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the targets that are not ``IGNORE`` (0 when there are none)."""
    flat_targets = targets.reshape(-1)
    if not bool((flat_targets != IGNORE).any()):
        return logits.sum() * 0.0  # keeps the graph; a batch with nothing to predict
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), flat_targets, ignore_index=IGNORE)


def pad_rows(rows: list[torch.Tensor], pad_id: int, length: int | None = None) -> torch.Tensor:
    """Stack 1-D id tensors into (B, length or longest), padding on the right."""
    length = max(len(r) for r in rows) if length is None else length
    out = torch.full((len(rows), length), pad_id, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row[:length]
    return out


def check_architecture(vocab_size: int, max_len: int, d_model: int, n_layers: int, n_heads: int,
                       min_vocab: int) -> None:
    if vocab_size < min_vocab:
        raise ConfigError(f"vocab_size must be at least {min_vocab} (the special tokens and one more), "
                          f"got {vocab_size}")
    if max_len < 4:
        raise ConfigError(f"max_len must be at least 4 tokens, got {max_len}")
    if n_layers < 1:
        raise ConfigError(f"n_layers must be at least 1, got {n_layers}")
    if d_model < 1 or n_heads < 1 or d_model % n_heads:
        raise ConfigError(f"d_model ({d_model}) must be a positive multiple of n_heads ({n_heads})")


def as_id_batch(ids) -> torch.Tensor:
    """A (B, L) long tensor from one list of ids, a list of lists (equal length) or a tensor."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    return ids[None] if ids.dim() == 1 else ids
