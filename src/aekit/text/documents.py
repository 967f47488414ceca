"""Documents, the train/validation split by document, and the checks every text passes.

A corpus is a stream of ``Document``s read afresh on every pass (nothing is held in
memory). Its split is a pure function of the document id: a stable hash of the id maps
it to [0, 1), and ids below ``val_fraction`` are validation. So a document is in exactly
one split on every machine and in every run, and the windows cut from a long document
all land on the same side.

Bad text is skipped and counted, never fatal on its own: bytes that are not UTF-8
("undecodable"), text that looks binary (NUL bytes, or more than 10% control
characters: "binary"), blank documents ("empty") and exact repeats in a built-in corpus
("duplicate"). A corpus that yields no document at all raises ``DataError`` naming
what was skipped.
"""
from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aekit.errors import ConfigError, DataError

SPLITS = ("all", "train", "validation")
MAX_CONTROL_SHARE = 0.1
_ALLOWED_CONTROLS = set("\n\r\t\f\v")


@dataclass(frozen=True)
class Document:
    """One unit of text that is never cut across splits.

    ``fields`` holds what a corpus knows besides the text: ``label`` (spam/ham, pos/neg),
    ``headline`` and ``body`` (Reuters), ``words`` and ``tags`` (People's Daily), ...
    """

    id: str
    text: str
    fields: dict = field(default_factory=dict)


def content_id(prefix: str, text: str) -> str:
    """An id from the text itself, so exact repeats share an id (and a split)."""
    return f"{prefix}:{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"


def split_of(doc_id: str, val_fraction: float) -> str:
    """"train" or "validation", from a stable hash of the document id."""
    digest = hashlib.sha256(doc_id.encode("utf-8")).digest()
    position = int.from_bytes(digest[:8], "big") / 2.0 ** 64  # uniform in [0, 1)
    return "validation" if position < val_fraction else "train"


def bad_text_reason(text: str) -> str | None:
    """Why ``text`` should be skipped ("empty", "binary"), or None when it is fine."""
    if not text.strip():
        return "empty"
    if "\x00" in text or "\ufffd" in text:
        return "binary"
    controls = sum(1 for ch in text if ch < " " and ch not in _ALLOWED_CONTROLS)
    if controls > MAX_CONTROL_SHARE * len(text):
        return "binary"
    return None


def decode_bytes(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) for good UTF-8 text (a BOM is dropped), else (None, reason)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "undecodable"
    reason = bad_text_reason(text)
    return (None, reason) if reason else (text, None)


Reader = Callable[[Counter], Iterator[Document]]


class Corpus:
    """A named, re-readable stream of documents with a split by document id.

    Args:
        name: shown in messages (a built-in corpus name or the user's path).
        read: ``read(skipped)`` yields the documents, adding a count to ``skipped[reason]``
            for each one it drops.
        val_fraction: share of documents (by id hash) in the validation split.
        max_documents: stop after this many documents of the whole corpus (both splits
            together, in file order), for quick runs.
    """

    def __init__(self, name: str, read: Reader, val_fraction: float = 0.1, max_documents: int | None = None,
                 language: str = "en", description: str = ""):
        if not 0 <= val_fraction < 1:
            raise ConfigError(f"val_fraction must be in [0, 1), got {val_fraction}")
        if max_documents is not None and max_documents < 1:
            raise ConfigError(f"max_documents must be at least 1, got {max_documents}")
        self.name, self.read, self.val_fraction, self.max_documents = name, read, val_fraction, max_documents
        self.language, self.description = language, description
        self.skipped: Counter = Counter()

    def documents(self, split: str = "all") -> Iterator[Document]:
        """Stream the documents of ``split`` ("all", "train" or "validation")."""
        if split not in SPLITS:
            raise ConfigError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
        skipped: Counter = Counter()
        seen = 0
        for doc in self.read(skipped):
            seen += 1
            if split == "all" or split_of(doc.id, self.val_fraction) == split:
                yield doc
            if self.max_documents is not None and seen >= self.max_documents:
                break
        self.skipped = skipped
        if seen == 0:
            raise DataError(f"{self.name}: no text found{self.skipped_note()}")

    def texts(self, split: str = "all") -> Iterator[str]:
        return (doc.text for doc in self.documents(split))

    def skipped_note(self) -> str:
        """", skipped 3 undecodable, 1 binary" after a pass, or "" when nothing was skipped."""
        if not self.skipped:
            return ""
        return ", skipped " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))

    def report_skipped(self) -> None:
        """One line on stderr when the last pass skipped anything."""
        if self.skipped:
            print(f"aekit: {self.name}{self.skipped_note()} document(s)", file=sys.stderr)
