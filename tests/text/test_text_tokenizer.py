"""Tokenizers: the three kinds, special ids, round trips, saving, fingerprints, bad input."""
import json

import pytest

from aekit.errors import ConfigError, DataError, ModelFileError
from aekit.text.tokenizer import KINDS, N_SPECIAL, SPECIAL_TOKENS, TOKENIZER_NAME, TextTokenizer, check_same_tokenizer

CHINESE = ["中华人民共和国成立了。", "你好，世界！新年讲话。", "我们 喜欢 中国 的 新年"] * 5


@pytest.mark.parametrize("kind", KINDS)
def test_special_tokens_hold_the_first_ids(kind, texts):
    tok = TextTokenizer.train(texts, kind=kind, vocab_size=320, min_frequency=1)
    assert [tok.backend.token_to_id(t) for t in SPECIAL_TOKENS] == list(range(N_SPECIAL))
    assert 20 < tok.vocab_size <= 320
    ids = tok.encode(texts[0])
    assert ids and min(ids) >= N_SPECIAL  # encode adds no special tokens


def test_bpe_round_trip_is_exact(tokenizer, texts):
    for text in texts[:5] + ["unseen words: Zürich, 42°C, naïve"]:
        assert tokenizer.decode(tokenizer.encode(text)) == text


def test_wordpiece_splits_words_and_cjk_characters(texts):
    tok = TextTokenizer.train(texts + CHINESE, kind="wordpiece", vocab_size=300, min_frequency=1, lowercase=True)
    assert tok.tokens("The farmer 你好") == ["the", "farmer", "你", "好"]


def test_char_level_chinese_one_token_per_character():
    tok = TextTokenizer.train(CHINESE, kind="char", vocab_size=100, min_frequency=1)
    assert tok.tokens("你好世界") == ["你", "好", "世", "界"]
    assert tok.decode(tok.encode("你好 世界")) == "你好 世界"  # spaces survive as ▁ tokens
    assert tok.encode("猫")[0] == tok.unk_id  # an unseen character


def test_save_load_round_trip(tmp_path, tokenizer, texts):
    tokenizer.save(tmp_path / "tok")
    again = TextTokenizer.load(tmp_path / "tok")
    assert again.fingerprint == tokenizer.fingerprint
    assert again.encode(texts[1]) == tokenizer.encode(texts[1])
    assert TextTokenizer.load(tmp_path / "tok" / TOKENIZER_NAME).fingerprint == tokenizer.fingerprint


def test_training_is_deterministic_and_the_fingerprint_follows_the_data(texts):
    a = TextTokenizer.train(texts, vocab_size=300, min_frequency=1)
    b = TextTokenizer.train(texts, vocab_size=300, min_frequency=1)
    c = TextTokenizer.train(texts[:3] + CHINESE, vocab_size=300, min_frequency=1)
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_tokenizer_from_another_model_is_refused(tokenizer, texts):
    other = TextTokenizer.train(texts[:3] + CHINESE, vocab_size=300, min_frequency=1)
    check_same_tokenizer(tokenizer.fingerprint, tokenizer, "m")
    with pytest.raises(ModelFileError, match="tokenizer from another model"):
        check_same_tokenizer(tokenizer.fingerprint, other, "m")


def test_sentence_end_ids(tokenizer):
    ends = tokenizer.sentence_end_ids()
    assert tokenizer.encode(".")[0] in ends
    assert all(tokenizer.decode([i]).strip()[-1] in ".!?。！？" for i in ends)


def test_empty_corpus():
    with pytest.raises(DataError, match="empty"):
        TextTokenizer.train(["", "   "], vocab_size=300)


def test_bad_settings(texts):
    with pytest.raises(ConfigError, match="unknown tokenizer kind"):
        TextTokenizer.train(texts, kind="sentencepiece")
    with pytest.raises(ConfigError, match="vocab_size"):
        TextTokenizer.train(texts, kind="wordpiece", vocab_size=5)
    with pytest.raises(ConfigError, match="256 byte tokens"):
        TextTokenizer.train(texts, kind="bpe", vocab_size=200)


def test_bad_files(tmp_path, tokenizer):
    with pytest.raises(ModelFileError, match="missing"):
        TextTokenizer.load(tmp_path)
    (tmp_path / TOKENIZER_NAME).write_text("{not json")
    with pytest.raises(ModelFileError, match="not a readable tokenizer"):
        TextTokenizer.load(tmp_path)
    data = json.loads(tokenizer.to_json())
    data["added_tokens"] = [t for t in data["added_tokens"] if t["content"] != "[MASK]"]
    del data["model"]["vocab"]["[MASK]"]
    (tmp_path / TOKENIZER_NAME).write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"\[MASK\]"):
        TextTokenizer.load(tmp_path)
