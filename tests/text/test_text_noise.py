"""Text corruptions: BERT's 80/10/10 statistics and each of the BART / MASS noises."""
import itertools

import pytest
import torch

from aekit.errors import ConfigError
from aekit.text import noise
from aekit.text.tokenizer import CLS_ID, MASK_ID, N_SPECIAL, PAD_ID, SEP_ID

VOCAB = 200
DOT = 50  # a token id that plays the sentence end


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_bert_masking_statistics():
    ids = torch.randint(N_SPECIAL, VOCAB, (400, 128), generator=gen(1))
    ids[:, 0], ids[:, -1], ids[:, 60:64] = CLS_ID, SEP_ID, PAD_ID
    maskable = ids >= N_SPECIAL
    corrupted, targets = noise.bert_mask(ids, maskable, MASK_ID, N_SPECIAL, VOCAB, 0.15, gen(2))
    chosen = targets != -100
    assert abs(chosen.sum() / maskable.sum() - 0.15) < 0.005
    assert not chosen[~maskable].any()  # special tokens and padding are never chosen
    assert torch.equal(corrupted[~chosen], ids[~chosen])
    assert torch.equal(targets[chosen], ids[chosen])
    masked = (corrupted == MASK_ID) & chosen
    kept = (corrupted == ids) & chosen
    replaced = chosen & ~masked & ~kept
    n = chosen.sum()
    assert abs(masked.sum() / n - 0.8) < 0.015
    assert abs(replaced.sum() / n - 0.1 * (1 - 1 / (VOCAB - N_SPECIAL))) < 0.01
    assert abs(kept.sum() / n - 0.1) < 0.01
    assert corrupted[replaced].min() >= N_SPECIAL  # random replacements are ordinary tokens


def test_bert_masking_is_seeded():
    ids = torch.randint(N_SPECIAL, VOCAB, (4, 32), generator=gen(1))
    a = noise.bert_mask(ids, ids >= N_SPECIAL, MASK_ID, N_SPECIAL, VOCAB, 0.15, gen(5))
    b = noise.bert_mask(ids, ids >= N_SPECIAL, MASK_ID, N_SPECIAL, VOCAB, 0.15, gen(5))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def sequence(n=2000):
    return torch.arange(n) % (VOCAB - N_SPECIAL - 1) + N_SPECIAL + 1  # no MASK, no DOT collisions below


def test_token_masking_and_deletion_rates():
    ids = sequence()
    masked = noise.mask_tokens(ids, 0.3, MASK_ID, gen())
    assert len(masked) == len(ids) and abs((masked == MASK_ID).float().mean() - 0.3) < 0.04
    kept = noise.delete_tokens(ids, 0.3, gen())
    assert abs(len(kept) / len(ids) - 0.7) < 0.04
    assert _is_subsequence(kept.tolist(), ids.tolist())


def _is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def test_span_infilling():
    ids = torch.arange(N_SPECIAL, N_SPECIAL + 1000)  # distinct tokens, so order is checkable
    out = noise.infill_spans(ids, 0.3, MASK_ID, poisson_lambda=3.0, generator=gen(3))
    tokens = out.tolist()
    survivors = [t for t in tokens if t != MASK_ID]
    assert _is_subsequence(survivors, ids.tolist())
    hidden = len(ids) - len(survivors)
    assert 0.28 <= hidden / len(ids) <= 0.40  # at least the budget; a last span may overshoot
    assert not any(a == b == MASK_ID for a, b in zip(tokens, tokens[1:]))  # one [MASK] per span
    n_spans = tokens.count(MASK_ID)
    assert 2.0 < hidden / n_spans < 4.5  # Poisson(3) lengths; 0-length insertions lower the mean


def test_span_infilling_zero_length_span_inserts_a_mask():
    masked = torch.zeros(3, dtype=torch.bool)
    insert = torch.tensor([False, True, False, False])
    out = noise._collapse_spans(torch.tensor([10, 11, 12]), masked, insert, MASK_ID)
    assert out.tolist() == [10, MASK_ID, 11, 12]


def test_sentence_permutation_keeps_sentences_whole():
    sentences = [(10, 11, DOT), (20, DOT), (30, 31, 32, DOT), (40,)]  # the last one has no end mark
    ids = torch.tensor([t for s in sentences for t in s])
    orders = {sum((sentences[i] for i in order), ()) for order in itertools.permutations(range(4))}
    outs = {tuple(noise.permute_sentences(ids, [DOT], gen(s)).tolist()) for s in range(20)}
    assert len(outs) > 1 and outs <= orders


def test_document_rotation():
    ids = torch.arange(10, 20)
    out = noise.rotate_document(ids, gen(4)).tolist()
    start = out.index(10)
    assert out[start:] + out[:start] == ids.tolist()
    assert noise.rotate_document(torch.tensor([7]), gen()).tolist() == [7]


def test_mass_span():
    for length in (1, 2, 9, 100):
        start, end = noise.mass_span(length, 0.5, gen(length))
        assert 0 <= start < end <= length and end - start == max(1, round(length * 0.5))
    assert noise.mass_span(0) == (0, 0)


def test_noises_in_order_and_seeded():
    ids = torch.tensor([10, 11, DOT, 20, DOT, 30, 31, 32, DOT, 40] * 5)
    kwargs = dict(mask_id=MASK_ID, rate=0.3, poisson_lambda=3.0, sentence_end_ids=[DOT])
    a = noise.apply_bart_noise(ids, ("infill", "permute", "rotate"), generator=gen(9), **kwargs)
    b = noise.apply_bart_noise(ids, ("infill", "permute", "rotate"), generator=gen(9), **kwargs)
    assert torch.equal(a, b) and not torch.equal(a, ids)
    assert torch.equal(noise.apply_bart_noise(ids, (), generator=gen(), **kwargs), ids)


def test_rates_are_checked():
    with pytest.raises(ConfigError, match="noise_rate"):
        noise.check_rate("noise_rate", 1.5)
