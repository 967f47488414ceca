"""Labelled examples for fine-tuning, built from the documents of the offline corpora.

Each rule is a pure function from ``Document``s to ``Example``s, so it is tested on
hand-made documents. Every example remembers the document it came from
(``doc_id``): that id alone decides its split (``aekit.text.tasks``), so no document
gives examples to two splits.

- ``review_examples`` (cls): a Chinese review and its pos/neg label, as the corpus has it.
- ``spam_examples`` (cls): an email (subject, blank line, body) and spam/ham.
- ``pos_tag_examples`` (tag): a People's Daily paragraph, the text being its words joined
  without spaces (as printed) and one POS tag per word (``n``, ``v``, ``nr``, ``w``...).
- ``headline_pair_examples`` (pair): for every Reuters article with a headline and a body,
  (headline, body) labelled ``match``, and (another article's headline, body) labelled
  ``mismatch``. The other headline is drawn, seeded by the article's id, from the
  articles of the *same split* whose headline text differs; so half the pairs are positive.
- ``headline_examples`` (seq2seq): a Reuters body and its headline, lower-cased.
- ``cloze_examples`` (qa): a question made from a Reuters headline by blanking one of its
  words, answered by a span of the article's opening (see ``cloze_question``).
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

BLANK = "[MASK]"  # the tokenizer's mask token: it stays one token in every tokenizer kind
PASSAGE_WORDS = 80  # the cloze passage: the body's first 80 words (fits a 128-token context)
MIN_ANSWER_LETTERS = 4
# Headline words too common to make a useful question (Reuters headlines are full of them).
CLOZE_STOPWORDS = frozenset("""says said with from that this will have been were into over after than
more they their year years sees seen back""".split())


@dataclass(frozen=True)
class Example:
    """One labelled example; which fields are used depends on the task.

    cls: ``text``, ``label``.  pair: ``text`` (A), ``text_b`` (B), ``label``.
    tag: ``text``, ``spans`` (character span of each word in ``text``), ``tags``.
    qa: ``text`` (the question), ``text_b`` (the passage), ``answer`` (its character
    span in the passage). ``where`` names the example in error messages.
    """

    doc_id: str
    text: str
    text_b: str = ""
    label: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    tags: tuple[str, ...] = ()
    answer: tuple[int, int] | None = None
    where: str = ""

    @property
    def answer_text(self) -> str:
        return self.text_b[self.answer[0]:self.answer[1]] if self.answer else ""


Rule = Callable[[Iterable], list[Example]]


# ------------------------------------------------------------------ classification
def review_examples(documents: Iterable) -> list[Example]:
    return [Example(d.id, d.text, label=d.fields["label"], where=d.id) for d in documents]


def spam_examples(documents: Iterable) -> list[Example]:
    return [Example(d.id, d.text, label=d.fields["label"], where=d.id) for d in documents]


# ------------------------------------------------------------------ tagging
def word_spans(words: list[str], separator: str = "") -> tuple[tuple[int, int], ...]:
    """Character spans of ``words`` in ``separator.join(words)``."""
    spans, start = [], 0
    for word in words:
        spans.append((start, start + len(word)))
        start += len(word) + len(separator)
    return tuple(spans)


def pos_tag_examples(documents: Iterable) -> list[Example]:
    return [Example(d.id, "".join(d.fields["words"]), spans=word_spans(d.fields["words"]),
                    tags=tuple(d.fields["tags"]), where=d.id) for d in documents]


# ------------------------------------------------------------------ Reuters pairs
def _articles(documents: Iterable, split_of: Callable[[str], str]) -> dict[str, list]:
    """Reuters articles with a headline and a body, grouped by split, in id order."""
    groups: dict[str, list] = {}
    for doc in documents:
        if doc.fields.get("headline") and doc.fields.get("body"):
            groups.setdefault(split_of(doc.id), []).append(doc)
    return {split: sorted(docs, key=lambda d: d.id) for split, docs in groups.items()}


def other_headline(docs: list, index: int) -> str | None:
    """A headline of another article of ``docs`` whose text differs from ``docs[index]``'s,
    drawn with a generator seeded by the article's id (None when every headline is the same)."""
    own = docs[index].fields["headline"]
    others = [d.fields["headline"] for d in docs if d.fields["headline"] != own]
    if not others:
        return None
    return random.Random(docs[index].id).choice(others)


def headline_pair_examples(documents: Iterable, split_of: Callable[[str], str]) -> list[Example]:
    examples = []
    for docs in _articles(documents, split_of).values():
        for i, doc in enumerate(docs):
            body = doc.fields["body"]
            examples.append(Example(doc.id, doc.fields["headline"], body, "match", where=doc.id))
            negative = other_headline(docs, i)
            if negative is not None:
                examples.append(Example(doc.id, negative, body, "mismatch", where=doc.id))
    return examples


def headline_examples(documents: Iterable) -> list[Example]:
    """seq2seq: every Reuters article with a headline and a body gives (``text`` = body,
    ``text_b`` = headline, lower-cased with its white space collapsed; why: ``aekit.text.tasks``).
    The split comes from the article's id, as for the other Reuters datasets."""
    return [Example(d.id, d.fields["body"], " ".join(d.fields["headline"].lower().split()), where=d.id)
            for d in documents if d.fields.get("headline", "").strip() and d.fields.get("body", "").strip()]


# ------------------------------------------------------------------ Reuters cloze
def opening_words(text: str, n_words: int = PASSAGE_WORDS) -> str:
    """``text`` up to the end of its ``n_words``-th word."""
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    return text[:ends[min(n_words, len(ends)) - 1]] if ends else ""


def _whole_word(word: str) -> re.Pattern:
    return re.compile(r"(?<![A-Za-z])" + re.escape(word) + r"(?![A-Za-z])", re.IGNORECASE)


def cloze_question(headline: str, passage: str) -> tuple[str, tuple[int, int]] | None:
    """(question, answer span in ``passage``) or None when no headline word qualifies.

    The rule: the candidates are the headline's words of letters only (an apostrophe or
    hyphen inside allowed) with at least 4 letters, not in ``CLOZE_STOPWORDS``, that also
    occur in the passage as a whole word, compared without case. The longest candidate
    is blanked (ties: the first in the headline); every occurrence of it in the headline
    becomes ``[MASK]``. The answer is its *first* occurrence in the passage, with the
    passage's own casing ("WHEAT" in the headline, "wheat" in the answer).
    """
    candidates = []
    for word in re.findall(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]", headline):
        if len(word) < MIN_ANSWER_LETTERS or word.lower() in CLOZE_STOPWORDS:
            continue
        found = _whole_word(word).search(passage)
        if found:
            candidates.append((-len(word), len(candidates), word, found.span()))
    if not candidates:
        return None
    _, _, word, span = min(candidates)
    return _whole_word(word).sub(BLANK, headline), span


def cloze_examples(documents: Iterable) -> list[Example]:
    """Questions for the articles where ``cloze_question`` finds a word; the passage is the
    body's first ``PASSAGE_WORDS`` words."""
    examples = []
    for doc in documents:
        headline, body = doc.fields.get("headline", ""), doc.fields.get("body", "")
        passage = opening_words(body)
        made = cloze_question(headline, passage) if headline and passage else None
        if made is not None:
            question, answer = made
            examples.append(Example(doc.id, question, passage, answer=answer, where=doc.id))
    return examples
