"""Fine-tuning tasks and their labelled data: built-in datasets by name, or a user's CSV.

Four encoder task kinds (Devlin et al. 2019, BERT, section 3.2 and figure 4) and one
generation task (``aekit.text.seq2seq``):

=======  ===================================  ==========================================
task     input                                predicts
=======  ===================================  ==========================================
cls      ``[CLS] text [SEP]``                 a label, from the [CLS] vector
tag      ``[CLS] text [SEP]``                 a tag per word, at the word's first token
pair     ``[CLS] A [SEP] B [SEP]``            a label, from the [CLS] vector
qa       ``[CLS] question [SEP] passage [SEP]``  the answer's first and last passage token
seq2seq  ``[BOS] source [EOS]`` (encoder)     the target text, token by token (decoder)
=======  ===================================  ==========================================

Built-in datasets (rules in ``aekit.text.labelled``):

=================  =======  ===============  =====================================
name               task     corpus           examples
=================  =======  ===============  =====================================
reviews-sentiment  cls      chinese-reviews  review -> pos / neg
spam               cls      spam-assassin    email -> spam / ham
pd-pos             tag      people-daily     paragraph -> a POS tag per word
reuters-pair       pair     reuters          (headline, body) -> match / mismatch
reuters-cloze      qa       reuters          headline with a word blanked -> its span
reuters-headline   seq2seq  reuters          article body -> its headline, lower-cased
=================  =======  ===============  =====================================

``reuters-headline`` targets are lower-cased (``headline_examples``): Reuters headlines
are ALL CAPS, a case that body text (most of what the tokenizer and the pretrained models
read) rarely uses, so cased targets would be spelt in rare tokens of their own; lower case
shares the body's words and still reads as a headline. ROUGE ignores case anyway.

Splits come from a stable hash of the source document's id (``split_of``): ``test`` is
exactly the share of documents that pretraining holds out with its default
``--val-fraction 0.1``, so a model pretrained on the same corpus never read a test
document; ``validation`` (the next 10%) watches fine-tuning (early stopping, best
weights); the rest is ``train``. ``subset(n, seed)`` takes the first ``n`` training
examples of a seeded shuffle, so the 100-label set lies inside the 1,000-label set.

A user's file (cls or pair) is a ``.csv`` or ``.tsv`` of rows ``text,label`` or
``text_a,text_b,label`` (a first row with exactly those names is a header and skipped).
A row's split comes from a hash of its text(s), so repeated rows stay together.
"""
from __future__ import annotations

import csv
import io
import os
import random
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from aekit.errors import ConfigError, DataError
from aekit.text import labelled
from aekit.text.documents import content_id, split_of
from aekit.text.labelled import Example

TASKS = ("cls", "tag", "pair", "qa")  # the encoder tasks (aekit.text.heads)
SEQ2SEQ = "seq2seq"  # the generation task (aekit.text.seq2seq)
SPLITS = ("train", "validation", "test", "all")
TEST_FRACTION = 0.1  # the pretraining default --val-fraction: see the module docstring
VALIDATION_FRACTION = 0.1
USER_COLUMNS = {"cls": ("text", "label"), "pair": ("text_a", "text_b", "label")}


def task_split(doc_id: str) -> str:
    """"train", "validation" or "test" for a document id (see the module docstring)."""
    if split_of(doc_id, TEST_FRACTION) == "validation":
        return "test"
    if split_of(doc_id, TEST_FRACTION + VALIDATION_FRACTION) == "validation":
        return "validation"
    return "train"


@dataclass(frozen=True)
class BuiltinTask:
    task: str
    corpus: str
    rule: labelled.Rule
    description: str


DATASETS = {
    "reviews-sentiment": BuiltinTask("cls", "chinese-reviews", labelled.review_examples,
                                     "Chinese review sentiment, pos / neg"),
    "spam": BuiltinTask("cls", "spam-assassin", labelled.spam_examples, "SpamAssassin emails, spam / ham"),
    "pd-pos": BuiltinTask("tag", "people-daily", labelled.pos_tag_examples,
                          "People's Daily part-of-speech tag per word"),
    "reuters-pair": BuiltinTask("pair", "reuters", partial(labelled.headline_pair_examples, split_of=task_split),
                                "does this Reuters headline belong to this body? match / mismatch"),
    "reuters-cloze": BuiltinTask("qa", "reuters", labelled.cloze_examples,
                                 "Reuters headline with a word blanked; answer span in the body's opening"),
    "reuters-headline": BuiltinTask(SEQ2SEQ, "reuters", labelled.headline_examples,
                                    "Reuters article body -> its headline (lower-cased)"),
}


class TaskData:
    """The labelled examples of one dataset and its label names (sorted; for ``tag``, the
    tags), with the split of each example fixed by its document."""

    def __init__(self, name: str, task: str, examples: list[Example]):
        if not examples:
            raise DataError(f"{name}: no labelled examples")
        self.name, self.task, self.examples = name, task, examples
        values = {t for ex in examples for t in ex.tags} if task == "tag" else {ex.label for ex in examples}
        self.labels = sorted(values - {""})

    def split(self, name: str) -> list[Example]:
        if name not in SPLITS:
            raise ConfigError(f"unknown split {name!r}; choose from {', '.join(SPLITS)}")
        if name == "all":
            return list(self.examples)
        return [ex for ex in self.examples if task_split(ex.doc_id) == name]

    def subset(self, n: int | None, seed: int = 0) -> list[Example]:
        """The first ``n`` training examples of a seeded shuffle (all of them when None)."""
        train = self.split("train")
        if n is None:
            return train
        if n < 1 or n > len(train):
            raise ConfigError(f"{self.name}: --labels must be between 1 and the {len(train)} training "
                              f"examples, got {n}")
        random.Random(seed).shuffle(train)
        return train[:n]


def check_task(task: str) -> str:
    if task not in TASKS + (SEQ2SEQ,):
        raise ConfigError(f"unknown task {task!r}; choose from {', '.join(TASKS + (SEQ2SEQ,))}")
    return task


def dataset_names() -> list[str]:
    return sorted(DATASETS)


def load_task_data(data: str | os.PathLike, task: str, max_documents: int | None = None) -> TaskData:
    """A built-in dataset by name (its corpus is fetched on first use) or a user's file."""
    check_task(task)
    key = str(data)
    if key in DATASETS:
        spec = DATASETS[key]
        if spec.task != task:
            raise ConfigError(f"{key} is a {spec.task} dataset, not {task}")
        from aekit.text.corpora import load_corpus

        corpus = load_corpus(spec.corpus, max_documents=max_documents)
        examples = spec.rule(corpus.documents())
        corpus.report_skipped()
        return TaskData(key, task, examples)
    path = Path(data)
    if not path.is_file():
        raise DataError(f"unknown dataset {key!r}: not a built-in dataset ({', '.join(dataset_names())}) "
                        "and no such file")
    if task not in USER_COLUMNS:
        raise ConfigError(f"a {task} task needs a built-in dataset; own files are for "
                          f"{' and '.join(USER_COLUMNS)}")
    return TaskData(str(path), task, read_user_file(path, task))


# ------------------------------------------------------------------ user files
def read_user_file(path: Path, task: str) -> list[Example]:
    """Rows of a ``.csv`` / ``.tsv`` file as examples; a bad row is an error naming it."""
    if path.suffix.lower() not in (".csv", ".tsv"):
        raise DataError(f"{path}: labelled data must be a .csv or .tsv file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    columns = USER_COLUMNS[task]
    rows = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    examples = []
    for number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if number == 1 and [c.strip().lower() for c in row] == list(columns):
            continue
        examples.append(_user_example(path, number, row, columns))
    if not examples:
        raise DataError(f"{path}: no labelled rows")
    return examples


def _user_example(path: Path, number: int, row: list[str], columns: tuple[str, ...]) -> Example:
    where = f"{path.name} row {number}"
    if len(row) != len(columns):
        raise DataError(f"{where}: expected {len(columns)} fields ({','.join(columns)}), got {len(row)}")
    cells = [c.strip() for c in row]
    if not all(cells):
        raise DataError(f"{where}: empty {columns[cells.index('')]}")
    texts, label = cells[:-1], cells[-1]
    doc_id = content_id("user", "\t".join(texts))  # not the file name: a text keeps its split
    return Example(doc_id, texts[0], texts[1] if len(texts) == 2 else "", label, where=where)
