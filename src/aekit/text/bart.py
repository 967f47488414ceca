"""Sequence-to-sequence denoising auto-encoder: BART, and MASS as an option.

Lewis et al. 2020, "BART: Denoising Sequence-to-Sequence Pre-training for Natural
Language Generation, Translation, and Comprehension" (ACL): corrupt the text, encode it
bidirectionally, and let an autoregressive decoder write the original back. Song et al.
2019, "MASS: Masked Sequence to Sequence Pre-training" (ICML): mask one contiguous span
in the encoder input and decode only that span::

    block (B, L) = [BOS] tokens [EOS] pad ...        (one window of one document)
      │ noise on the tokens, per row: any of permute / mask / delete / infill / rotate
      ▼
    corrupted ──emb──> encoder (bidirectional) ──> memory (B, L', D)
    block[:, :-1] ──emb──> decoder (causal self-attention + cross-attention to memory)
                  ──tied embedding^T──> logits;  loss = cross-entropy(logits, block[:, 1:])

    MASS: encoder input = block with span [s, e) -> [MASK] (length kept); the decoder sees
    only the span's own previous tokens (the rest is [MASK]) and is scored on the span.

Encoder, decoder and output layer share one token embedding. ``sentence_end_ids`` (from
``TextTokenizer.sentence_end_ids``) tell sentence permutation where sentences end.
"""
from __future__ import annotations

import torch
from torch import nn

from aekit.errors import ConfigError
from aekit.nn.transformer import TokenEmbedding, TransformerStack
from aekit.text.common import IGNORE, as_id_batch, check_architecture, noise_generator, pad_rows, token_loss
from aekit.text.noise import BART_NOISES, apply_bart_noise, check_rate, mass_span
from aekit.text.registry import register_text_model
from aekit.text.tokenizer import BOS_ID, EOS_ID, MASK_ID, N_SPECIAL, PAD_ID

NOISE_CHOICES = BART_NOISES + ("mass",)


@register_text_model("bart")
class BART(nn.Module):
    """Encoder-decoder trained to undo text corruptions (see the module docstring).

    Args:
        vocab_size: tokenizer vocabulary size (special tokens at ids 0-6).
        max_len: longest block in tokens ([BOS] and [EOS] included).
        d_model, n_layers, n_heads, dropout: size of the encoder and of the decoder
            (each has ``n_layers`` blocks).
        noise: the corruptions, any of "mask", "delete", "infill", "permute", "rotate"
            (BART's best: infill + permute), or "mass" alone.
        noise_rate: share of tokens masked / deleted / covered by infilling spans (BART: 0.3).
        poisson_lambda: mean span length for infilling (BART: 3).
        mass_rate: share of tokens in the MASS span (MASS: 0.5).
        sentence_end_ids: token ids that end a sentence, for "permute".
    """

    def __init__(self, vocab_size: int, max_len: int = 128, d_model: int = 128, n_layers: int = 3,
                 n_heads: int = 4, dropout: float = 0.1, noise: tuple[str, ...] | list[str] = ("infill", "permute"),
                 noise_rate: float = 0.3, poisson_lambda: float = 3.0, mass_rate: float = 0.5,
                 sentence_end_ids: tuple[int, ...] | list[int] = ()):
        super().__init__()
        check_architecture(vocab_size, max_len, d_model, n_layers, n_heads, N_SPECIAL + 1)
        noise = tuple(noise)
        unknown = [n for n in noise if n not in NOISE_CHOICES]
        if unknown or not noise:
            raise ConfigError(f"unknown or no noise {unknown or list(noise)}; choose from {', '.join(NOISE_CHOICES)}")
        if "mass" in noise and len(noise) > 1:
            raise ConfigError("noise 'mass' is an objective of its own: it cannot be combined with others")
        check_rate("noise_rate", noise_rate)
        check_rate("mass_rate", mass_rate)
        if poisson_lambda <= 0:
            raise ConfigError(f"poisson_lambda must be positive, got {poisson_lambda}")
        self.config = dict(vocab_size=vocab_size, max_len=max_len, d_model=d_model, n_layers=n_layers,
                           n_heads=n_heads, dropout=dropout, noise=list(noise), noise_rate=noise_rate,
                           poisson_lambda=poisson_lambda, mass_rate=mass_rate,
                           sentence_end_ids=[int(i) for i in sentence_end_ids])
        self.vocab_size, self.max_len, self.noise = vocab_size, max_len, noise
        self.noise_rate, self.poisson_lambda, self.mass_rate = noise_rate, poisson_lambda, mass_rate
        self.sentence_end_ids = [int(i) for i in sentence_end_ids]
        self.embedding = TokenEmbedding(vocab_size, d_model, max_len, dropout)
        self.encoder = TransformerStack(d_model, n_heads, n_layers, dropout=dropout)
        self.decoder = TransformerStack(d_model, n_heads, n_layers, cross_attention=True, dropout=dropout)

    block_layout = "windows"

    @property
    def block_length(self) -> int:
        return self.max_len

    def wrap(self, ids: list[int]) -> list[int]:
        """[BOS] text [EOS] for inference; over-long texts are truncated."""
        return [BOS_ID] + list(ids)[: self.max_len - 2] + [EOS_ID]

    # ------------------------------------------------------------- the two halves
    def encode(self, ids: torch.Tensor, layer: int | None = None) -> torch.Tensor:
        """Encoder states (B, L, D) of (possibly corrupted) ``ids``."""
        return self.encoder(self.embedding(ids), padding=ids == PAD_ID, layers=layer)

    def decode(self, decoder_ids: torch.Tensor, memory: torch.Tensor, memory_ids: torch.Tensor) -> torch.Tensor:
        """Next-token logits (B, L, vocab) for every decoder position."""
        h = self.decoder(self.embedding(decoder_ids), causal=True, memory=memory,
                         memory_padding=memory_ids == PAD_ID)
        return self.embedding.logits(h)

    # ------------------------------------------------------------- training
    def forward(self, block: torch.Tensor) -> dict[str, torch.Tensor]:
        generator = noise_generator(self)
        if self.noise == ("mass",):
            corrupted, decoder_in, targets = self._mass_batch(block, generator)
        else:
            corrupted = self._corrupt_batch(block, generator).to(block.device)
            decoder_in = block[:, :-1]
            targets = block[:, 1:].masked_fill(block[:, 1:] == PAD_ID, IGNORE)
        memory = self.encode(corrupted)
        return {"corrupted": corrupted, "memory": memory, "targets": targets,
                "logits": self.decode(decoder_in, memory, corrupted)}

    def loss(self, block: torch.Tensor, out: dict, target=None) -> dict[str, torch.Tensor]:
        loss = token_loss(out["logits"], out["targets"])
        return {"loss": loss, "perplexity": loss.detach().exp()}

    def _corrupt_batch(self, block: torch.Tensor, generator) -> torch.Tensor:
        rows = []
        for row in block.cpu():
            content = _content(row)
            noisy = apply_bart_noise(content, self.noise, mask_id=MASK_ID, rate=self.noise_rate,
                                     poisson_lambda=self.poisson_lambda, sentence_end_ids=self.sentence_end_ids,
                                     generator=generator)[: self.max_len - 2]  # an insertion can lengthen it
            rows.append(torch.cat([torch.tensor([BOS_ID]), noisy, torch.tensor([EOS_ID])]))
        return pad_rows(rows, PAD_ID)

    def _mass_batch(self, block: torch.Tensor, generator):
        """Encoder input with one span masked; decoder input and targets for that span only."""
        corrupted, decoder_in = block.clone(), torch.full_like(block[:, :-1], MASK_ID)
        targets = torch.full_like(block[:, 1:], IGNORE)
        decoder_in[:, 0] = BOS_ID
        for i, row in enumerate(block.cpu()):
            start, end = mass_span(len(_content(row)), self.mass_rate, generator)
            start, end = start + 1, end + 1  # positions in the block ([BOS] comes first)
            corrupted[i, start:end] = MASK_ID
            targets[i, start - 1:end - 1] = block[i, start:end]  # target j predicts block[j + 1]
            decoder_in[i, start:end - 1] = block[i, start:end - 1]  # the span's earlier tokens
        return corrupted, decoder_in, targets

    # ------------------------------------------------------------- inference
    @torch.no_grad()
    def generate(self, source_ids, max_tokens: int = 64) -> list[int]:
        """Greedy decoding of the text the model reads in ``source_ids`` (content ids,
        without [BOS]/[EOS]; cut to ``max_len - 2``)."""
        was_training = self.training
        self.eval()
        device = self.embedding.token.weight.device
        try:
            source = as_id_batch(self.wrap(source_ids)).to(device)
            memory = self.encode(source)
            out = [BOS_ID]
            for _ in range(min(max_tokens, self.max_len - 1)):
                raw = self.decode(as_id_batch(out).to(device), memory, source)[0, -1].float()
                scores = raw.clone()
                scores[:N_SPECIAL] = -float("inf")  # no padding, [MASK], ... but [EOS] may end it
                scores[EOS_ID] = raw[EOS_ID]
                token = int(scores.argmax())
                if token == EOS_ID:
                    break
                out.append(token)
        finally:
            self.train(was_training)
        return out[1:]


def _content(row: torch.Tensor) -> torch.Tensor:
    """The tokens of a block row ``[BOS] tokens [EOS] pad...`` between [BOS] and [EOS]."""
    length = int((row != PAD_ID).sum())
    return row[1:max(1, length - 1)]
