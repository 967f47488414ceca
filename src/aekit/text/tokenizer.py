"""Tokenizers trained offline from an iterator of texts, with the ``tokenizers`` library.

Three kinds, each an ordinary ``tokenizer.json`` that any tool built on that library reads:

- ``"bpe"``: byte-level BPE (Sennrich et al. 2016; the byte alphabet of GPT-2, Radford et
  al. 2019): any text encodes without [UNK]; a Chinese character costs 1-3 tokens.
- ``"wordpiece"``: BERT's WordPiece (Wu et al. 2016; Devlin et al. 2019) with BERT's
  normaliser, which also splits off every CJK character as its own word.
- ``"char"``: one token per character (Chinese BERT-style character models); runs of
  white space become one "▁" token so that decoding restores the spaces. Characters seen
  fewer than ``min_frequency`` times, or beyond ``vocab_size``, become [UNK].

The special tokens always hold the first ids, in this order: [PAD]=0 [UNK]=1 [CLS]=2
[SEP]=3 [MASK]=4 [BOS]=5 [EOS]=6. ``encode`` adds none of them: each model adds the ones
its objective needs. ``fingerprint`` is a hash of the whole tokenizer; a model folder
stores it so that a model never runs with another model's tokenizer.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from aekit.errors import ConfigError, DataError, ModelFileError

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[BOS]", "[EOS]")
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID, BOS_ID, EOS_ID = range(len(SPECIAL_TOKENS))
N_SPECIAL = len(SPECIAL_TOKENS)  # ids below this are special; ordinary tokens follow
KINDS = ("bpe", "wordpiece", "char")
TOKENIZER_NAME = "tokenizer.json"
SPACE_MARK = "▁"
# Tokens that end a sentence (Latin and CJK punctuation), for sentence permutation.
SENTENCE_END_CHARS = ".!?。！？"


def _library():
    try:
        import tokenizers
    except ImportError:
        raise ConfigError("the text models need the 'tokenizers' package: pip install 'aekit[text]'") from None
    return tokenizers


def _backend(kind: str, lowercase: bool):
    """An untrained tokenizer of ``kind`` and the trainer class that fills its vocabulary."""
    tk = _library()
    from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers, trainers

    if kind == "bpe":
        tok = tk.Tokenizer(models.BPE(unk_token="[UNK]"))
        tok.normalizer = normalizers.Sequence([normalizers.NFC()] + ([normalizers.Lowercase()] if lowercase else []))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        extra = {"initial_alphabet": pre_tokenizers.ByteLevel.alphabet()}
        return tok, trainers.BpeTrainer, extra
    if kind == "wordpiece":
        tok = tk.Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=lowercase, handle_chinese_chars=True,
                                                    strip_accents=False)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece()
        return tok, trainers.WordPieceTrainer, {}
    if kind == "char":
        tok = tk.Tokenizer(models.WordLevel(unk_token="[UNK]"))
        steps = [normalizers.NFKC()] + ([normalizers.Lowercase()] if lowercase else [])
        tok.normalizer = normalizers.Sequence(steps + [normalizers.Replace(Regex(r"\s+"), SPACE_MARK)])
        tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
        tok.decoder = decoders.Sequence([decoders.Replace(SPACE_MARK, " "), decoders.Fuse()])
        return tok, trainers.WordLevelTrainer, {}
    raise ConfigError(f"unknown tokenizer kind {kind!r}; choose from {', '.join(KINDS)}")


class _Counted:
    """Passes texts through, counting the non-empty ones (the library gives no count)."""

    def __init__(self, texts: Iterable[str]):
        self.texts, self.count = texts, 0

    def __iter__(self) -> Iterator[str]:
        for text in self.texts:
            if text.strip():
                self.count += 1
                yield text


class TextTokenizer:
    """A trained tokenizer plus the ids of the special tokens; wraps ``tokenizers.Tokenizer``."""

    def __init__(self, backend):
        self.backend = backend
        missing = [t for t in SPECIAL_TOKENS if backend.token_to_id(t) != SPECIAL_TOKENS.index(t)]
        if missing:
            raise ModelFileError(f"not an aekit tokenizer: special tokens {', '.join(missing)} are missing "
                                 f"or not at ids 0-{len(SPECIAL_TOKENS) - 1}")
        self.pad_id, self.unk_id, self.cls_id, self.sep_id = PAD_ID, UNK_ID, CLS_ID, SEP_ID
        self.mask_id, self.bos_id, self.eos_id = MASK_ID, BOS_ID, EOS_ID

    # ------------------------------------------------------------- training
    @classmethod
    def train(cls, texts: Iterable[str], kind: str = "bpe", vocab_size: int = 8000,
              min_frequency: int = 2, lowercase: bool = False) -> TextTokenizer:
        """Learn a vocabulary of at most ``vocab_size`` tokens (special tokens included)."""
        if vocab_size < len(SPECIAL_TOKENS) + 1:
            raise ConfigError(f"vocab_size must be more than {len(SPECIAL_TOKENS)}, got {vocab_size}")
        if kind == "bpe" and vocab_size <= 256 + len(SPECIAL_TOKENS):
            raise ConfigError(f"a byte-level BPE starts from 256 byte tokens: vocab_size must be more than "
                              f"{256 + len(SPECIAL_TOKENS)} to learn any merge, got {vocab_size}")
        backend, trainer_class, extra = _backend(kind, lowercase)
        trainer = trainer_class(vocab_size=vocab_size, min_frequency=min_frequency,
                                special_tokens=list(SPECIAL_TOKENS), show_progress=False, **extra)
        counted = _Counted(texts)
        backend.train_from_iterator(counted, trainer=trainer)
        if counted.count == 0:
            raise DataError("no text to train the tokenizer on (the corpus is empty)")
        return cls(backend)

    # ------------------------------------------------------------- encoding
    @property
    def vocab_size(self) -> int:
        return self.backend.get_vocab_size()

    @property
    def special_ids(self) -> list[int]:
        return list(range(N_SPECIAL))

    def encode(self, text: str) -> list[int]:
        return self.backend.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.backend.encode_batch(list(texts), add_special_tokens=False)]

    def encode_with_offsets(self, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """(ids, character span of each token in its text) for each text; fine-tuning
        uses the spans to line tokens up with words, answers and labelled characters."""
        return [(e.ids, list(e.offsets)) for e in self.backend.encode_batch(list(texts), add_special_tokens=False)]

    def decode(self, ids: Iterable[int], skip_special: bool = True) -> str:
        return self.backend.decode([int(i) for i in ids], skip_special_tokens=skip_special)

    def tokens(self, text: str) -> list[str]:
        return self.backend.encode(text, add_special_tokens=False).tokens

    def sentence_end_ids(self) -> list[int]:
        """Ids of tokens whose text ends a sentence ("." "!" "?" and the CJK marks)."""
        special = set(self.special_ids)
        ends = []
        for token_id in range(self.vocab_size):
            if token_id in special:
                continue
            text = self.backend.decode([token_id]).strip()
            if text and text[-1] in SENTENCE_END_CHARS:
                ends.append(token_id)
        return ends

    # ---------------------------------------------------------- persistence
    def to_json(self) -> str:
        return self.backend.to_str()

    @property
    def fingerprint(self) -> str:
        """A hash of the whole tokenizer (vocabulary, merges, normaliser...): 16 hex digits."""
        canonical = json.dumps(json.loads(self.to_json()), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``tokenizer.json`` into folder ``path`` (created if needed); atomic."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / TOKENIZER_NAME
        tmp = folder / f".{TOKENIZER_NAME}.tmp"
        tmp.write_text(self.to_json(), encoding="utf-8")
        os.replace(tmp, target)
        return target

    @classmethod
    def from_json(cls, text: str, where: str = "tokenizer") -> TextTokenizer:
        tk = _library()
        try:
            backend = tk.Tokenizer.from_str(text)
        except Exception as exc:  # the library raises its own Exception subclass
            raise ModelFileError(f"{where}: not a readable tokenizer ({str(exc).splitlines()[0][:120]})") from None
        return cls(backend)

    @classmethod
    def load(cls, path: str | os.PathLike) -> TextTokenizer:
        """Read a tokenizer from a ``tokenizer.json`` file or from a folder holding one."""
        path = Path(path)
        file = path / TOKENIZER_NAME if path.is_dir() else path
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ModelFileError(f"{file}: missing") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelFileError(f"{file}: unreadable ({exc})") from None
        return cls.from_json(text, where=str(file))


def check_same_tokenizer(expected_fingerprint: str | None, tokenizer: TextTokenizer, where: str) -> None:
    """Refuse a tokenizer other than the one a model was trained with."""
    if expected_fingerprint is not None and expected_fingerprint != tokenizer.fingerprint:
        raise ModelFileError(f"{where}: tokenizer from another model (its fingerprint is "
                             f"{tokenizer.fingerprint}, the model was trained with {expected_fingerprint})")
