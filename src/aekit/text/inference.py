"""Using a trained text model on raw text: embeddings and generation.

Texts longer than the model's context are truncated to their first tokens for
embedding (one vector per text; pretraining, by contrast, windows long documents).
A generation prompt longer than the context keeps its last tokens.
"""
from __future__ import annotations

import numpy as np
import torch

from aekit.errors import ConfigError, DataError
from aekit.text.common import pad_rows
from aekit.text.tokenizer import PAD_ID, TextTokenizer

EMBED_BATCH = 64


@torch.no_grad()
def embed_texts(model, tokenizer: TextTokenizer, texts: list[str], layer: int | None = None,
                pool: str = "mean") -> np.ndarray:
    """(N, d_model) float32: each text's hidden states after ``layer`` blocks, averaged over
    its tokens ("mean") or taken at the first position ("cls": [CLS] / [BOS])."""
    if pool not in ("mean", "cls"):
        raise ConfigError(f"pool must be 'mean' or 'cls', got {pool!r}")
    if not texts:
        raise DataError("no texts to embed")
    model.eval()
    device = next(model.parameters()).device
    vectors = []
    for start in range(0, len(texts), EMBED_BATCH):
        rows = [torch.tensor(model.wrap(ids)) for ids in tokenizer.encode_batch(texts[start:start + EMBED_BATCH])]
        ids = pad_rows(rows, PAD_ID).to(device)
        h = model.encode(ids, layer=layer)  # (B, L, D)
        if pool == "cls":
            vectors.append(h[:, 0])
        else:
            keep = (ids != PAD_ID).unsqueeze(-1).float()
            vectors.append((h * keep).sum(1) / keep.sum(1))
    return torch.cat(vectors).float().cpu().numpy()


def generate_text(model, tokenizer: TextTokenizer, prompt: str, max_tokens: int = 50, temperature: float = 1.0,
                  top_k: int | None = None, seed: int = 0) -> str:
    """gpt: the continuation of ``prompt``; bart: its greedy rewrite (e.g. [MASK]s filled in)."""
    ids = tokenizer.encode(prompt)
    if model.registry_name == "gpt":
        return tokenizer.decode(model.generate(ids, max_tokens, temperature, top_k, seed))
    if model.registry_name == "bart":
        return tokenizer.decode(model.generate(ids, max_tokens))
    raise ConfigError(f"a {model.registry_name} model does not generate text; use a gpt or bart model")
