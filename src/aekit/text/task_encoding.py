"""Labelled examples -> rows of token ids with their targets, one int64 tensor per set.

A row packs the model input and its targets side by side, so the Trainer (which only
shuffles and slices a tensor of samples) keeps them together::

    cls, pair:  ids (L) | label            width L + 1
    tag:        ids (L) | tag per token (L)  width 2L
    qa:         ids (L) | start | end      width L + 2   (positions in the row)

``L`` is the encoder's ``max_len``. Texts too long for it:

- cls: ``[CLS] text [SEP]`` keeps the text's first tokens.
- pair, qa: ``[CLS] A [SEP] B [SEP]``; B (the body, the passage) is cut first, down to half
  the room, then A. A cloze answer cut off this way keeps no target (IGNORE: left out of
  the loss) and counts as a miss in evaluation.
- tag: a long paragraph is cut into consecutive windows of ``L - 2`` tokens (nothing lost).

Tags line up with tokens by character offsets: each token belongs to the word holding its
first character (a leading space belongs to no word and is passed over); the word's
*first* token carries its tag, the word's other tokens are IGNORE. A word that gets no
token of its own (a byte-level BPE merge across a word boundary, possible in Chinese,
which has no spaces) is not scored; the char tokenizer aligns every word.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from aekit.errors import DataError
from aekit.text.common import IGNORE
from aekit.text.labelled import Example
from aekit.text.tokenizer import CLS_ID, PAD_ID, SEP_ID, TextTokenizer

ENCODE_CHUNK = 1024  # texts per call into the tokenizer


@dataclass
class EncodedSet:
    """``rows`` (N, width) plus, per row, the index of its example; for qa also where the
    passage starts in the row and the character spans of its kept tokens."""

    rows: torch.Tensor
    owners: list[int]
    passages: list[tuple[int, list[tuple[int, int]]]] = field(default_factory=list)
    unaligned_words: int = 0


def _with_offsets(tokenizer: TextTokenizer, texts: list[str]):
    out = []
    for start in range(0, len(texts), ENCODE_CHUNK):
        out.extend(tokenizer.encode_with_offsets(texts[start:start + ENCODE_CHUNK]))
    return out


def _padded(ids: list[int], length: int) -> list[int]:
    return ids + [PAD_ID] * (length - len(ids))


def _label_id(example: Example, label: str, index: dict[str, int]) -> int:
    if label not in index:
        raise DataError(f"{example.where}: label {label!r} is not one of the model's labels "
                        f"({', '.join(sorted(index))})")
    return index[label]


def pair_layout(a: list[int], b: list[int], length: int) -> tuple[list[int], int, int]:
    """(``[CLS] A [SEP] B [SEP]`` ids, B's first position, B tokens kept)."""
    room = length - 3
    if len(a) + len(b) > room:
        b = b[:max(room - len(a), room // 2)]
        a = a[:room - len(b)]
    return [CLS_ID] + a + [SEP_ID] + b + [SEP_ID], 2 + len(a), len(b)


# ------------------------------------------------------------------ per task
def encode_cls(examples: list[Example], tokenizer: TextTokenizer, length: int, index: dict) -> EncodedSet:
    rows = []
    for ex, ids in zip(examples, tokenizer.encode_batch([ex.text for ex in examples])):
        rows.append(_padded([CLS_ID] + ids[:length - 2] + [SEP_ID], length) + [_label_id(ex, ex.label, index)])
    return EncodedSet(_tensor(rows, length + 1), list(range(len(examples))))


def encode_pair(examples: list[Example], tokenizer: TextTokenizer, length: int, index: dict) -> EncodedSet:
    first = tokenizer.encode_batch([ex.text for ex in examples])
    second = tokenizer.encode_batch([ex.text_b for ex in examples])
    rows = []
    for ex, a, b in zip(examples, first, second):
        ids, _, _ = pair_layout(a, b, length)
        rows.append(_padded(ids, length) + [_label_id(ex, ex.label, index)])
    return EncodedSet(_tensor(rows, length + 1), list(range(len(examples))))


def answer_tokens(offsets: list[tuple[int, int]], answer: tuple[int, int]) -> tuple[int, int] | None:
    """First and last token (indexes into ``offsets``) covering the character span
    ``answer``; None when the kept tokens do not reach its end."""
    start_char, end_char = answer
    inside = [k for k, (s, e) in enumerate(offsets) if e > start_char and s < end_char]
    if not inside or offsets[inside[-1]][1] < end_char:
        return None
    return inside[0], inside[-1]


def encode_qa(examples: list[Example], tokenizer: TextTokenizer, length: int, index: dict | None = None) -> EncodedSet:
    questions = tokenizer.encode_batch([ex.text for ex in examples])
    passages = _with_offsets(tokenizer, [ex.text_b for ex in examples])
    rows, kept = [], []
    for ex, q, (p, offsets) in zip(examples, questions, passages):
        ids, b_start, n_kept = pair_layout(q, p, length)
        span = answer_tokens(offsets[:n_kept], ex.answer)
        targets = [IGNORE, IGNORE] if span is None else [b_start + span[0], b_start + span[1]]
        rows.append(_padded(ids, length) + targets)
        kept.append((b_start, offsets[:n_kept]))
    return EncodedSet(_tensor(rows, length + 2), list(range(len(examples))), passages=kept)


def first_token_tags(offsets: list[tuple[int, int]], spans: tuple, tags: tuple, index: dict,
                     example: Example) -> tuple[list[int], int]:
    """A tag id at each word's first token, IGNORE elsewhere; and how many words got none."""
    word_of_char = {}
    for w, (s, e) in enumerate(spans):
        for c in range(s, e):
            word_of_char[c] = w
    labels, tagged = [], set()
    for s, e in offsets:
        word = next((word_of_char[c] for c in range(s, e) if c in word_of_char), None)
        if word is None or word in tagged:
            labels.append(IGNORE)
            continue
        tagged.add(word)
        labels.append(_label_id(example, tags[word], index))
    return labels, len(spans) - len(tagged)


def encode_tag(examples: list[Example], tokenizer: TextTokenizer, length: int, index: dict) -> EncodedSet:
    rows, owners, unaligned = [], [], 0
    piece = length - 2
    for i, (ex, (ids, offsets)) in enumerate(zip(examples, _with_offsets(tokenizer, [ex.text for ex in examples]))):
        labels, missed = first_token_tags(offsets, ex.spans, ex.tags, index, ex)
        unaligned += missed
        for start in range(0, len(ids), piece):
            window = [CLS_ID] + ids[start:start + piece] + [SEP_ID]
            targets = [IGNORE] + labels[start:start + piece] + [IGNORE]
            rows.append(_padded(window, length) + targets + [IGNORE] * (length - len(targets)))
            owners.append(i)
    return EncodedSet(_tensor(rows, 2 * length), owners, unaligned_words=unaligned)


ENCODERS = {"cls": encode_cls, "pair": encode_pair, "qa": encode_qa, "tag": encode_tag}


def encode_examples(task: str, examples: list[Example], tokenizer: TextTokenizer, length: int,
                    labels: list[str]) -> EncodedSet:
    """The rows of ``examples`` for ``task`` with the label names ``labels`` (ids by position)."""
    return ENCODERS[task](examples, tokenizer, length, {name: i for i, name in enumerate(labels)})


def _tensor(rows: list[list[int]], width: int) -> torch.Tensor:
    if not rows:
        return torch.empty(0, width, dtype=torch.long)
    return torch.tensor(rows, dtype=torch.long)
