"""Contextual embeddings: how one word's vector changes with its context.

A static word vector (word2vec, GloVe) is the same in "I ate an apple" and "Apple
released a phone"; a Transformer's hidden state is not (Peters et al. 2018, "Deep
Contextualized Word Representations", NAACL; Ethayarajh 2019, "How Contextual are
Contextualized Word Representations?", EMNLP). For each context, the word's vector is
the mean of the hidden states (after ``layer`` blocks) of the tokens covering its first
occurrence; the result is the cosine-similarity matrix of those vectors::

    texts ──tokenize (with character offsets), wrap──> model.encode ──> h (N, L, D)
          ──mean over the word's tokens──> v (N, D) ──cosine──> S (N, N)

The word is found without regard to case; in Latin-script text as a whole word ("apple"
does not match "pineapple"), in other scripts as a substring. A context longer than the
model's context keeps its first tokens; the word must lie within them.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from aekit.errors import ConfigError, DataError
from aekit.text.common import pad_rows
from aekit.text.tokenizer import PAD_ID, TextTokenizer


def find_word(word: str, text: str) -> tuple[int, int] | None:
    """Character span of the first occurrence of ``word`` in ``text`` (see module doc)."""
    pattern = re.escape(word)
    if re.fullmatch(r"[A-Za-z0-9'\-]+", word):
        pattern = r"(?<![A-Za-z0-9])" + pattern + r"(?![A-Za-z0-9])"
    found = re.search(pattern, text, re.IGNORECASE)
    return found.span() if found else None


def _token_positions(offsets: list[tuple[int, int]], span: tuple[int, int]) -> list[int]:
    return [k for k, (s, e) in enumerate(offsets) if s < span[1] and e > span[0]]


@torch.no_grad()
def word_vectors(model, tokenizer: TextTokenizer, word: str, texts: list[str], layer: int | None = None) -> np.ndarray:
    """(N, D) float32: the vector of ``word`` in each of ``texts``."""
    if not word.strip():
        raise ConfigError("the word to compare is empty")
    if len(texts) < 2:
        raise DataError("give at least two contexts to compare")
    first_text_token = model.wrap([-1]).index(-1)  # [CLS] / [BOS] come before the text
    rows, positions = [], []
    for i, (text, (ids, offsets)) in enumerate(zip(texts, tokenizer.encode_with_offsets(texts))):
        span = find_word(word, text)
        if span is None:
            raise DataError(f"context {i + 1} does not contain {word!r}: {text[:60]!r}")
        wrapped = model.wrap(ids)
        kept = _token_positions(offsets, span)
        kept = [first_text_token + k for k in kept if first_text_token + k < len(wrapped)]
        if not kept:
            raise DataError(f"context {i + 1}: {word!r} lies beyond the model's {model.max_len}-token context")
        rows.append(torch.tensor(wrapped))
        positions.append(kept)
    model.eval()
    h = model.encode(pad_rows(rows, PAD_ID).to(next(model.parameters()).device), layer=layer)  # (N, L, D)
    return torch.stack([h[i, p].mean(0) for i, p in enumerate(positions)]).float().cpu().numpy()


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return np.clip(unit @ unit.T, -1.0, 1.0)


CJK_FONT_HINTS = ("CJK", "WenQuanYi", "Droid Sans Fallback", "Noto Sans SC", "SimHei", "PingFang", "Heiti")


def _cjk_font() -> str | None:
    """An installed font that draws Chinese characters, or None (matplotlib's default
    DejaVu Sans has none)."""
    from matplotlib import font_manager

    return next((f.name for f in font_manager.fontManager.ttflist if any(h in f.name for h in CJK_FONT_HINTS)), None)


def _tick_labels(labels: list[str]) -> tuple[list[str], str | None]:
    """Row labels "1. text..." and the font to draw them in; numbers only when the texts
    need a font that is not installed (the printed matrix keeps the texts' order)."""
    font = None
    if any(ord(ch) > 0x2E7F for label in labels for ch in label):
        font = _cjk_font()
        if font is None:
            return [f"context {i + 1}" for i in range(len(labels))], None
    short = [label if len(label) <= 40 else label[:37] + "..." for label in labels]
    return [f"{i + 1}. {s}" for i, s in enumerate(short)], font


def save_heatmap(matrix: np.ndarray, labels: list[str], path: str | Path, title: str = "") -> None:
    """A heat map PNG of ``matrix`` with each cell's value written in it. The colours span
    the matrix's own range up to 1: hidden states of a Transformer tend to share one
    direction (Ethayarajh 2019), so raw cosines often all sit near 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(labels)
    ticks, font = _tick_labels(labels)
    with matplotlib.rc_context({"font.family": font} if font else {}):
        fig, ax = plt.subplots(figsize=(3 + 0.8 * n, 2 + 0.6 * n))
        low = min(float(matrix.min()), 0.999)
        image = ax.imshow(matrix, vmin=low, vmax=1, cmap="viridis")
        ax.set_xticks(range(n), [str(i + 1) for i in range(n)])
        ax.set_yticks(range(n), ticks)
        for i in range(n):
            for j in range(n):
                dark = (matrix[i, j] - low) / (1 - low) < 0.6  # viridis is dark at the low end
                ax.text(j, i, f"{matrix[i, j]:.3f}", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
        ax.set_title(title if font or not any(ord(ch) > 0x2E7F for ch in title) else "")
        fig.colorbar(image, ax=ax, shrink=0.8)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=120)
        plt.close(fig)
