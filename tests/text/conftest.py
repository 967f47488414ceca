"""Tiny text fixtures: a few hundred tokens of English, a byte-level BPE of 300 tokens, small sizes."""
import pytest
from text_fixtures import documents

try:
    import tokenizers  # noqa: F401  (the text extra: pip install 'aekit[text]')
except ImportError:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def texts():
    return documents()


@pytest.fixture
def tokenizer(texts):
    from aekit.text.tokenizer import TextTokenizer

    return TextTokenizer.train(texts, kind="bpe", vocab_size=300, min_frequency=1)


@pytest.fixture
def corpus_file(tmp_path, texts):
    """A .txt corpus: one document per blank-line-separated block."""
    path = tmp_path / "corpus.txt"
    path.write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    return path

