"""Cutting tokenized documents into fixed-length blocks of ids for pretraining.

Over-long texts are windowed, never truncated: a document longer than a block goes into
consecutive windows, so no text is lost. Three layouts (a model's ``block_layout``):

- ``"packed"`` (gpt, mlm): documents are joined end to end and cut every ``length``
  tokens, so no block is wasted on padding (only the last one is padded).
  gpt: ``[BOS] doc [EOS] [BOS] doc [EOS] ...``; mlm: each block is
  ``[CLS] piece [SEP]``, the pieces cut from ``doc [SEP] doc [SEP] ...``.
- ``"windows"`` (bart): each block is one window of one document, ``[BOS] window [EOS]``,
  padded; a corruption such as rotation needs to see a whole (piece of a) document.
- ``"pairs"`` (mlm with SOP/NSP): windows of ``2n`` tokens of one document cut into two
  halves, ``[CLS] A [SEP] B [SEP]`` with each half padded to n tokens. A window of
  fewer than 2 tokens is dropped.

Blocks never mix the train and validation splits: they are built per split from the
corpus's document stream.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import torch

from aekit.errors import ConfigError, DataError
from aekit.text.tokenizer import BOS_ID, CLS_ID, EOS_ID, PAD_ID, SEP_ID, TextTokenizer

ENCODE_BATCH = 256  # documents per call into the (parallel) tokenizer
LAYOUTS = ("packed", "windows", "pairs")


def tokenized(tokenizer: TextTokenizer, texts: Iterable[str]) -> Iterator[list[int]]:
    """Token ids of each text, encoded a batch at a time; empty results are dropped."""
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == ENCODE_BATCH:
            yield from (ids for ids in tokenizer.encode_batch(batch) if ids)
            batch = []
    if batch:
        yield from (ids for ids in tokenizer.encode_batch(batch) if ids)


def _rows_to_tensor(rows: list[list[int]], length: int) -> torch.Tensor:
    out = torch.full((len(rows), length), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, :len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def packed_blocks(docs: Iterable[list[int]], length: int, objective: str) -> torch.Tensor:
    """``objective`` "gpt" or "mlm"; see the module docstring."""
    if objective == "gpt":
        prefix, suffix, before, after = [], [], [BOS_ID], [EOS_ID]
    else:
        prefix, suffix, before, after = [CLS_ID], [SEP_ID], [], [SEP_ID]
    piece = length - len(prefix) - len(suffix)
    rows, stream = [], []
    for ids in docs:
        stream.extend(before + ids + after)
        while len(stream) >= piece:
            rows.append(prefix + stream[:piece] + suffix)
            stream = stream[piece:]
    if stream:
        rows.append(prefix + stream + suffix)
    return _rows_to_tensor(rows, length)


def window_blocks(docs: Iterable[list[int]], length: int) -> torch.Tensor:
    piece = length - 2
    rows = [[BOS_ID] + ids[i:i + piece] + [EOS_ID] for ids in docs for i in range(0, len(ids), piece)]
    return _rows_to_tensor(rows, length)


def pair_blocks(docs: Iterable[list[int]], length: int) -> torch.Tensor:
    """Rows of exactly ``3 + 2n`` tokens with n = (length - 3) // 2."""
    half = (length - 3) // 2
    rows = []
    for ids in docs:
        for i in range(0, len(ids), 2 * half):
            window = ids[i:i + 2 * half]
            if len(window) < 2:
                continue
            cut = (len(window) + 1) // 2
            first, second = window[:cut], window[cut:]
            rows.append([CLS_ID] + _padded(first, half) + [SEP_ID] + _padded(second, half) + [SEP_ID])
    return _rows_to_tensor(rows, 3 + 2 * half)


def _padded(ids: list[int], size: int) -> list[int]:
    return ids + [PAD_ID] * (size - len(ids))


def make_blocks(tokenizer: TextTokenizer, texts: Iterable[str], layout: str, length: int,
                objective: str) -> torch.Tensor:
    """All blocks of ``texts`` as one (N, length) long tensor (N may be 0)."""
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown block layout {layout!r}")
    if length < 4:
        raise ConfigError(f"blocks must be at least 4 tokens long, got {length}")
    docs = tokenized(tokenizer, texts)
    if layout == "packed":
        return packed_blocks(docs, length, objective)
    if layout == "windows":
        return window_blocks(docs, length)
    return pair_blocks(docs, length)


def require_blocks(blocks: torch.Tensor, what: str) -> torch.Tensor:
    if len(blocks) == 0:
        raise DataError(f"{what}: no tokens to train on (every document was empty after tokenizing)")
    return blocks
