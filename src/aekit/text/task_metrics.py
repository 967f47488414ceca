"""Scores for the fine-tuning tasks.

- accuracy and macro-F1 (the unweighted mean of each class's F1, so a rare class such as
  spam counts as much as a common one) for cls and pair, over the examples;
- token accuracy and macro-F1 for tag, over the words' first tokens only (the other
  sub-tokens carry no label: ``IGNORE``);
- exact match and token F1 for qa, SQuAD's v1.1 evaluation (Rajpurkar et al. 2016,
  "SQuAD: 100,000+ Questions for Machine Comprehension of Text", EMNLP): answers are
  compared after lower-casing and removing punctuation, the articles a/an/the and extra
  white space; F1 is over the bag of words of the two answers.
"""
from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

from aekit.text.common import IGNORE


def accuracy(predicted: Sequence[int], gold: Sequence[int]) -> float:
    pairs = [(p, g) for p, g in zip(predicted, gold) if g != IGNORE]
    return sum(p == g for p, g in pairs) / len(pairs) if pairs else 0.0


def macro_f1(predicted: Sequence[int], gold: Sequence[int]) -> float:
    """Mean F1 over the classes that occur in ``gold`` or in the predictions."""
    pairs = [(p, g) for p, g in zip(predicted, gold) if g != IGNORE]
    classes = {g for _, g in pairs} | {p for p, _ in pairs}
    if not classes:
        return 0.0
    scores = []
    for c in classes:
        tp = sum(p == c and g == c for p, g in pairs)
        fp = sum(p == c and g != c for p, g in pairs)
        fn = sum(p != c and g == c for p, g in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def normalize_answer(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def exact_match(predicted: str, gold: str) -> float:
    return float(normalize_answer(predicted) == normalize_answer(gold))


def answer_f1(predicted: str, gold: str) -> float:
    pred_words, gold_words = normalize_answer(predicted).split(), normalize_answer(gold).split()
    if not pred_words or not gold_words:
        return float(pred_words == gold_words)
    common = sum((Counter(pred_words) & Counter(gold_words)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_words), common / len(gold_words)
    return 2 * precision * recall / (precision + recall)
