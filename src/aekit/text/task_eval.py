"""Evaluating a fine-tuned model on labelled examples (metrics: ``aekit.text.task_metrics``).

A QA prediction is the passage span (first token <= last token, at most
``MAX_ANSWER_TOKENS`` long) with the highest start + end score, turned back into the
passage's own characters through the token offsets.
"""
from __future__ import annotations

import torch

from aekit.text import task_metrics
from aekit.text.common import IGNORE
from aekit.text.labelled import Example
from aekit.text.task_encoding import EncodedSet, encode_examples
from aekit.text.tokenizer import TextTokenizer

EVAL_BATCH = 64
MAX_ANSWER_TOKENS = 30


@torch.no_grad()
def _outputs(model, rows: torch.Tensor):
    model.eval()
    device = next(model.parameters()).device
    for start in range(0, len(rows), EVAL_BATCH):
        batch = rows[start:start + EVAL_BATCH].to(device)
        yield model(batch)


def best_spans(start_logits: torch.Tensor, end_logits: torch.Tensor, max_tokens: int = MAX_ANSWER_TOKENS):
    """(starts, ends) (B,) maximising start + end score with start <= end < start + max_tokens."""
    scores = start_logits[:, :, None] + end_logits[:, None, :]  # (B, W, W)
    width = scores.shape[-1]
    allowed = torch.ones(width, width, dtype=torch.bool, device=scores.device).triu()
    allowed &= ~torch.ones_like(allowed).triu(diagonal=max_tokens)
    flat = scores.masked_fill(~allowed, -float("inf")).flatten(1).argmax(1)
    return flat // width, flat % width


def _label_metrics(model, encoded: EncodedSet) -> dict:
    predicted, gold = [], []
    for out in _outputs(model, encoded.rows):
        predicted += out["logits"].argmax(-1).flatten().tolist()
        gold += out["targets"].flatten().tolist()
    scored = sum(g != IGNORE for g in gold)
    metrics = {"accuracy": task_metrics.accuracy(predicted, gold), "macro_f1": task_metrics.macro_f1(predicted, gold)}
    if model.task == "tag":
        metrics.update(words_scored=scored, words_unaligned=encoded.unaligned_words)
    else:
        metrics["examples"] = scored
    return metrics


def predicted_answers(model, examples: list[Example], encoded: EncodedSet) -> list[str]:
    answers = []
    for out in _outputs(model, encoded.rows):
        starts, ends = best_spans(out["start_logits"], out["end_logits"])
        for s, e in zip(starts.tolist(), ends.tolist()):
            i = len(answers)
            b_start, offsets = encoded.passages[i]
            first, last = s - b_start, e - b_start
            ok = 0 <= first <= last < len(offsets)
            passage = examples[encoded.owners[i]].text_b
            answers.append(passage[offsets[first][0]:offsets[last][1]].strip() if ok else "")
    return answers


def _qa_metrics(model, examples: list[Example], encoded: EncodedSet) -> dict:
    answers = predicted_answers(model, examples, encoded)
    gold = [ex.answer_text for ex in examples]
    n = max(len(gold), 1)
    cut_off = int((encoded.rows[:, -1] == IGNORE).sum())
    return {"exact_match": sum(task_metrics.exact_match(p, g) for p, g in zip(answers, gold)) / n,
            "f1": sum(task_metrics.answer_f1(p, g) for p, g in zip(answers, gold)) / n,
            "examples": len(gold), "answers_cut_off": cut_off}


def evaluate(model, tokenizer: TextTokenizer, examples: list[Example], labels: list[str]) -> dict:
    """Metrics of ``model`` (a ``FineTunedEncoder``) on ``examples``; a label the model does
    not know is a ``DataError`` naming the example."""
    encoded = encode_examples(model.task, examples, tokenizer, model.max_len, labels)
    if model.task == "qa":
        return _qa_metrics(model, examples, encoded)
    return _label_metrics(model, encoded)
