"""In-context learning: a pretrained ``gpt`` classifies texts from a few examples in its
prompt, with no gradient step (Brown et al. 2020, "Language Models are Few-Shot
Learners", NeurIPS; the scoring by candidate likelihood of their section 2.4).

For each test text, ``shots`` labelled training texts are drawn (seeded, a new draw per
test text) and laid out as::

    [BOS] text_1 SEP label_1 \\n text_2 SEP label_2 \\n ... text_q SEP ?

Every candidate label is appended in turn and scored by the model's log-probability of
its tokens (the sum: the probability of the label string; the tokens all candidates
share at the start, such as the separator's, are left out since they score alike). The
most likely label is the prediction. Every text is cut to the same number of first
tokens so that the whole prompt fits the model's context. The accuracy is reported next
to chance (1 / number of labels) and to always answering the most common test label:
a model this small, pretrained on a few megabytes, may well sit at chance, and the
report says so rather than hiding it.
"""
from __future__ import annotations

import random
from collections import Counter

import torch

from aekit.errors import ConfigError, DataError
from aekit.text.common import pad_rows
from aekit.text.labelled import Example
from aekit.text.tokenizer import BOS_ID, PAD_ID, TextTokenizer

DEMO_END = "\n"


def _common_prefix(rows: list[list[int]]) -> int:
    n = 0
    while all(len(r) > n for r in rows) and len({r[n] for r in rows}) == 1:
        n += 1
    return n


class PromptLayout:
    """Token pieces of the prompt: each label's tail (separator + label) and the text budget."""

    def __init__(self, tokenizer: TextTokenizer, labels: list[str], separator: str, shots: int, max_len: int):
        self.tails = {label: tokenizer.encode(separator + label) for label in labels}
        self.shared = _common_prefix(list(self.tails.values()))
        self.demo_end = tokenizer.encode(DEMO_END)
        longest_tail = max(len(t) for t in self.tails.values())
        room = max_len - 1 - (shots + 1) * longest_tail - shots * len(self.demo_end)
        self.text_tokens = room // (shots + 1)
        if self.text_tokens < 1:
            raise ConfigError(f"{shots} shots do not fit the model's {max_len}-token context; use fewer")

    def prompt(self, demos: list[tuple[list[int], str]], query: list[int]) -> list[int]:
        ids = [BOS_ID]
        for text_ids, label in demos:
            ids += text_ids[:self.text_tokens] + self.tails[label] + self.demo_end
        return ids + query[:self.text_tokens]


@torch.no_grad()
def label_scores(model, prompt: list[int], layout: PromptLayout) -> dict[str, float]:
    """Log-probability of each label's own tokens after ``prompt``."""
    labels = list(layout.tails)
    rows = [torch.tensor(prompt + layout.tails[label]) for label in labels]
    ids = pad_rows(rows, PAD_ID).to(next(model.parameters()).device)
    logprobs = torch.log_softmax(model.logits(ids).float(), dim=-1)  # (C, L, vocab)
    scores = {}
    for c, label in enumerate(labels):
        tail = layout.tails[label]
        positions = range(len(prompt) + layout.shared, len(prompt) + len(tail))
        scores[label] = float(sum(logprobs[c, p - 1, tail[p - len(prompt)]] for p in positions))
    return scores


def fewshot_accuracy(model, tokenizer: TextTokenizer, train: list[Example], test: list[Example], labels: list[str],
                     shots: int = 4, separator: str = " =>", max_examples: int | None = 200, seed: int = 0) -> dict:
    """Accuracy of in-context classification (see the module docstring), with chance and
    the majority-label rate. ``max_examples`` test texts are scored (a seeded choice)."""
    if model.registry_name != "gpt":
        raise ConfigError(f"in-context learning needs a gpt model; this is a {model.registry_name} model")
    if shots < 0:
        raise ConfigError(f"shots must be 0 or more, got {shots}")
    if len(train) < shots or not test:
        raise DataError(f"need at least {shots} training and 1 test example, got {len(train)} and {len(test)}")
    model.eval()
    rng = random.Random(seed)
    test = rng.sample(test, min(max_examples or len(test), len(test)))
    layout = PromptLayout(tokenizer, [f" {label}" for label in labels], separator, shots, model.max_len)
    train_ids = tokenizer.encode_batch([ex.text for ex in train])
    right = 0
    for ex, query in zip(test, tokenizer.encode_batch([ex.text for ex in test])):
        picks = rng.sample(range(len(train)), shots)
        demos = [(train_ids[i], f" {train[i].label}") for i in picks]
        scores = label_scores(model, layout.prompt(demos, query), layout)
        right += max(scores, key=scores.get) == f" {ex.label}"
    majority = Counter(ex.label for ex in test).most_common(1)[0][1] / len(test)
    return {"accuracy": right / len(test), "chance": 1 / len(labels), "majority": majority,
            "examples": len(test), "shots": shots}
