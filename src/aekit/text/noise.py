"""Text corruptions for the denoising objectives: BERT masking, BART's five noises, MASS.

- ``bert_mask``: Devlin et al. 2019 (BERT): choose 15% of the tokens; of those 80% become
  [MASK], 10% a random token, 10% stay as they are; only the chosen ones are predicted.
  Special tokens ([CLS], [SEP], [PAD], ...) are never chosen.
- Lewis et al. 2020, "BART: Denoising Sequence-to-Sequence Pre-training" (ACL), section 2.2:
  ``mask_tokens`` (token masking), ``delete_tokens`` (deletion: the model must find where),
  ``infill_spans`` (spans with Poisson(3) lengths each become one [MASK]; a 0-length span
  inserts one), ``permute_sentences`` and ``rotate_document``.
- Song et al. 2019, "MASS: Masked Sequence to Sequence Pre-training" (ICML):
  ``mass_span`` picks one contiguous span (50% of the tokens) for the decoder to predict.

The BART noises work on one sequence at a time (a 1-D tensor of content ids, without
[BOS]/[EOS] or padding): easy to read and test, and fast enough at these sizes. All
random numbers are drawn on the CPU from ``generator`` (or torch's global generator
when None), the one the Trainer checkpoints, so a resumed run draws the same noise.
"""
from __future__ import annotations

import torch

from aekit.errors import ConfigError

BART_NOISES = ("mask", "delete", "infill", "permute", "rotate")
# The order in which selected noises are applied (fairseq's BART order: permute
# sentences, then mask/delete/infill words, then rotate).
NOISE_ORDER = ("permute", "mask", "delete", "infill", "rotate")
MAX_SPAN_DRAWS = 10_000  # stops a span sampler that a rate near 1 could keep busy


def check_rate(name: str, rate: float) -> None:
    if not 0 <= rate <= 1:
        raise ConfigError(f"{name} must be in [0, 1], got {rate}")


def _rand(shape, generator: torch.Generator | None) -> torch.Tensor:
    return torch.rand(shape, generator=generator)


def _randint(high: int, generator: torch.Generator | None) -> int:
    return int(torch.randint(high, (1,), generator=generator))


# --------------------------------------------------------------------- BERT
def bert_mask(ids: torch.Tensor, maskable: torch.Tensor, mask_id: int, first_normal_id: int, vocab_size: int,
              rate: float = 0.15, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's 80/10/10 rule on a batch. Returns (corrupted ids, targets), targets being
    the original id where a token was chosen and -100 (ignored by the loss) elsewhere.

    ``maskable`` (same shape, bool) is False at special tokens and padding; random
    replacements are drawn from the ordinary tokens ``first_normal_id .. vocab_size - 1``.
    """
    shape = ids.shape
    chosen = (_rand(shape, generator) < rate).to(ids.device) & maskable
    action = _rand(shape, generator).to(ids.device)
    random_ids = torch.randint(first_normal_id, vocab_size, shape, generator=generator).to(ids.device)
    corrupted = torch.where(chosen & (action < 0.8), torch.full_like(ids, mask_id), ids)
    corrupted = torch.where(chosen & (action >= 0.8) & (action < 0.9), random_ids, corrupted)
    targets = torch.where(chosen, ids, torch.full_like(ids, -100))
    return corrupted, targets


# --------------------------------------------------------------------- BART
def mask_tokens(ids: torch.Tensor, rate: float, mask_id: int, generator=None) -> torch.Tensor:
    """Each token becomes [MASK] with probability ``rate``."""
    return torch.where(_rand(ids.shape, generator) < rate, torch.full_like(ids, mask_id), ids)


def delete_tokens(ids: torch.Tensor, rate: float, generator=None) -> torch.Tensor:
    """Each token is dropped with probability ``rate``."""
    return ids[_rand(ids.shape, generator) >= rate]


def infill_spans(ids: torch.Tensor, rate: float, mask_id: int, poisson_lambda: float = 3.0,
                 generator=None) -> torch.Tensor:
    """Text infilling: spans covering about ``rate`` of the tokens become one [MASK] each.

    Span lengths are Poisson(``poisson_lambda``); a span starts at a uniformly drawn
    token. Spans that touch merge into one [MASK]; a 0-length span inserts a [MASK]
    before its start token.
    """
    n = len(ids)
    masked = torch.zeros(n, dtype=torch.bool)
    insert_before = torch.zeros(n + 1, dtype=torch.bool)
    budget = round(n * rate)
    rate_tensor = torch.tensor([float(poisson_lambda)])
    draws = 0
    while n and int(masked.sum()) < budget and draws < MAX_SPAN_DRAWS:
        draws += 1
        length = int(torch.poisson(rate_tensor, generator=generator))
        start = _randint(n, generator)
        if length == 0:
            insert_before[start] = True
        else:
            masked[start:start + length] = True
    return _collapse_spans(ids, masked, insert_before, mask_id)


def _collapse_spans(ids: torch.Tensor, masked: torch.Tensor, insert_before: torch.Tensor,
                    mask_id: int) -> torch.Tensor:
    """Replace each run of masked tokens (and each insertion point) by a single [MASK]."""
    out: list[int] = []
    in_span = False
    for i, token in enumerate(ids.tolist()):
        if (masked[i] or insert_before[i]) and not in_span:
            out.append(mask_id)
        in_span = bool(masked[i])
        if not in_span:
            out.append(token)
    if insert_before[len(ids)] and not in_span:
        out.append(mask_id)
    return torch.tensor(out, dtype=ids.dtype)


def permute_sentences(ids: torch.Tensor, sentence_end_ids, generator=None) -> torch.Tensor:
    """Cut after every sentence-ending token and shuffle the sentences."""
    ends = torch.isin(ids, torch.as_tensor(list(sentence_end_ids), dtype=ids.dtype))
    cut_points = (torch.nonzero(ends).flatten() + 1).tolist()
    bounds = [0] + [c for c in cut_points if c < len(ids)] + [len(ids)]
    sentences = [ids[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    if len(sentences) < 2:
        return ids.clone()
    order = torch.randperm(len(sentences), generator=generator).tolist()
    return torch.cat([sentences[i] for i in order])


def rotate_document(ids: torch.Tensor, generator=None) -> torch.Tensor:
    """Rotate so that the sequence starts at a uniformly chosen token."""
    if len(ids) < 2:
        return ids.clone()
    start = _randint(len(ids), generator)
    return torch.cat([ids[start:], ids[:start]])


def apply_bart_noise(ids: torch.Tensor, noises, *, mask_id: int, rate: float, poisson_lambda: float,
                     sentence_end_ids, generator=None) -> torch.Tensor:
    """Apply the selected ``noises`` (names from ``BART_NOISES``) in ``NOISE_ORDER``."""
    for name in NOISE_ORDER:
        if name not in noises:
            continue
        if name == "permute":
            ids = permute_sentences(ids, sentence_end_ids, generator)
        elif name == "mask":
            ids = mask_tokens(ids, rate, mask_id, generator)
        elif name == "delete":
            ids = delete_tokens(ids, rate, generator)
        elif name == "infill":
            ids = infill_spans(ids, rate, mask_id, poisson_lambda, generator)
        else:
            ids = rotate_document(ids, generator)
    return ids


# --------------------------------------------------------------------- MASS
def mass_span(length: int, rate: float = 0.5, generator=None) -> tuple[int, int]:
    """(start, end) of one contiguous span covering ``rate`` of ``length`` tokens (at least 1)."""
    if length < 1:
        return 0, 0
    span = min(length, max(1, round(length * rate)))
    start = _randint(length - span + 1, generator)
    return start, start + span
