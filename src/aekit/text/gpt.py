"""Decoder-only language model trained by next-token prediction.

Radford et al. 2018, "Improving Language Understanding by Generative Pre-Training" (GPT)
and 2019, "Language Models are Unsupervised Multitask Learners" (GPT-2: pre-LN blocks,
learned positions, tied input/output embeddings)::

    block (B, L + 1) = [BOS] doc [EOS] [BOS] doc ...   (documents packed end to end)
      inputs  = block[:, :-1]   targets = block[:, 1:]
      inputs ──token + position emb──> causal Transformer ──> h (B, L, D)
             ──tied embedding^T──> logits (B, L, vocab);  loss = cross-entropy(logits, targets)

    generate(prompt): repeat { logits of the last position / temperature, keep the top k,
                               sample (greedy when temperature is 0), append }

A prompt longer than the context keeps its last ``max_len - 1`` tokens (a sliding window),
so generation can go on past ``max_len``.
"""
from __future__ import annotations

import torch
from torch import nn

from aekit.errors import ConfigError
from aekit.nn.transformer import TokenEmbedding, TransformerStack
from aekit.text.common import IGNORE, as_id_batch, check_architecture, token_loss
from aekit.text.registry import register_text_model
from aekit.text.tokenizer import BOS_ID, EOS_ID, N_SPECIAL, PAD_ID


@register_text_model("gpt")
class GPT(nn.Module):
    """Causal Transformer language model (see the module docstring).

    Args:
        vocab_size: tokenizer vocabulary size (special tokens at ids 0-6).
        max_len: context length in tokens.
        d_model, n_layers, n_heads, dropout: the decoder's size.
    """

    def __init__(self, vocab_size: int, max_len: int = 128, d_model: int = 128, n_layers: int = 4,
                 n_heads: int = 4, dropout: float = 0.1):
        super().__init__()
        check_architecture(vocab_size, max_len, d_model, n_layers, n_heads, N_SPECIAL + 1)
        self.config = dict(vocab_size=vocab_size, max_len=max_len, d_model=d_model, n_layers=n_layers,
                           n_heads=n_heads, dropout=dropout)
        self.vocab_size, self.max_len = vocab_size, max_len
        self.embedding = TokenEmbedding(vocab_size, d_model, max_len, dropout)
        self.decoder = TransformerStack(d_model, n_heads, n_layers, dropout=dropout)

    block_layout = "packed"

    @property
    def block_length(self) -> int:
        return self.max_len + 1  # inputs and targets are the block shifted by one

    def wrap(self, ids: list[int]) -> list[int]:
        """[BOS] before a text's ids for inference; an over-long text keeps its first tokens."""
        return [BOS_ID] + list(ids)[: self.max_len - 1]

    def encode(self, ids: torch.Tensor, layer: int | None = None) -> torch.Tensor:
        """Hidden states (B, L, D); position i sees tokens 0..i only."""
        # Padding only ever follows the text (right padding), where the causal mask already
        # hides it from every real token, so no padding mask is needed.
        return self.decoder(self.embedding(ids), causal=True, layers=layer)

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embedding.logits(self.encode(ids))  # (B, L, vocab)

    def forward(self, block: torch.Tensor) -> dict[str, torch.Tensor]:
        inputs, targets = block[:, :-1], block[:, 1:]
        targets = targets.masked_fill(targets == PAD_ID, IGNORE)
        return {"logits": self.logits(inputs), "targets": targets}

    def loss(self, block: torch.Tensor, out: dict, target=None) -> dict[str, torch.Tensor]:
        loss = token_loss(out["logits"], out["targets"])
        return {"loss": loss, "perplexity": loss.detach().exp()}

    @torch.no_grad()
    def generate(self, prompt_ids, max_tokens: int = 50, temperature: float = 1.0, top_k: int | None = None,
                 seed: int = 0, stop_at_eos: bool = True) -> list[int]:
        """New token ids continuing ``prompt_ids`` (a list of ids; [BOS] is put in front).

        ``temperature`` 0 picks the most likely token (greedy); ``top_k`` keeps only the k
        most likely tokens before sampling. The same ``seed`` gives the same tokens.
        """
        if max_tokens < 0 or temperature < 0 or (top_k is not None and top_k < 1):
            raise ConfigError("max_tokens and temperature must be >= 0 and top_k >= 1")
        was_training = self.training
        self.eval()
        device = self.embedding.token.weight.device
        generator = torch.Generator().manual_seed(seed)
        tokens = [BOS_ID] + [int(t) for t in prompt_ids]
        new: list[int] = []
        try:
            for _ in range(max_tokens):
                context = as_id_batch(tokens[-self.max_len:]).to(device)
                raw = self.logits(context)[0, -1].float().cpu()  # (vocab,)
                scores = raw.clone()
                scores[:N_SPECIAL] = -float("inf")  # never emit padding, [MASK], [BOS], ...
                if stop_at_eos:
                    scores[EOS_ID] = raw[EOS_ID]  # ... except [EOS], which ends the text
                token = pick_token(scores, temperature, top_k, generator)
                if token == EOS_ID:
                    break
                tokens.append(token)
                new.append(token)
        finally:
            self.train(was_training)
        return new


def pick_token(scores: torch.Tensor, temperature: float, top_k: int | None, generator: torch.Generator) -> int:
    """Sample one id from ``scores`` (1-D logits) with temperature and top-k."""
    if temperature == 0:
        return int(scores.argmax())
    if top_k is not None and top_k < len(scores):
        threshold = scores.topk(top_k).values[-1]
        scores = scores.masked_fill(scores < threshold, -float("inf"))
    probs = torch.softmax(scores / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))
