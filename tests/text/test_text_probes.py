"""Contextual similarity of one word across contexts, and in-context (few-shot) scoring."""
import numpy as np
import pytest
import torch
from text_fixtures import TINY

from aekit.errors import ConfigError, DataError
from aekit.text.fewshot import PromptLayout, fewshot_accuracy
from aekit.text.gpt import GPT
from aekit.text.labelled import Example
from aekit.text.mlm import MaskedLanguageModel
from aekit.text.similarity import cosine_matrix, find_word, save_heatmap, word_vectors

# ------------------------------------------------------------------ similarity


def test_find_word_is_whole_word_in_latin_text_and_substring_otherwise():
    assert find_word("apple", "A pineapple and an Apple phone") == (19, 24)
    assert find_word("apple", "pineapples") is None
    assert find_word("苹果", "我吃了一个苹果") == (5, 7)


def test_apple_vectors_differ_with_context_and_the_matrix_is_a_cosine_matrix(tokenizer):
    torch.manual_seed(0)
    model = MaskedLanguageModel(tokenizer.vocab_size, **TINY)
    texts = ["I ate an apple with lunch.", "Apple released a new phone.", "apple pie"]
    vectors = word_vectors(model, tokenizer, "apple", texts, layer=2)
    assert vectors.shape == (3, 32)
    matrix = cosine_matrix(vectors)
    assert np.allclose(np.diag(matrix), 1.0, atol=1e-5) and np.allclose(matrix, matrix.T)
    assert (matrix < 0.9999).sum() == 6  # the same word, three different vectors
    gpt_vectors = word_vectors(GPT(tokenizer.vocab_size, **TINY), tokenizer, "apple", texts)
    assert gpt_vectors.shape == (3, 32)


def test_similarity_errors(tokenizer):
    model = MaskedLanguageModel(tokenizer.vocab_size, **TINY)
    with pytest.raises(DataError, match="context 2 does not contain 'apple'"):
        word_vectors(model, tokenizer, "apple", ["an apple", "a pear"])
    with pytest.raises(DataError, match="at least two contexts"):
        word_vectors(model, tokenizer, "apple", ["an apple"])
    with pytest.raises(DataError, match="beyond the model's 32-token context"):
        word_vectors(model, tokenizer, "apple", ["an apple", "grain " * 40 + "apple"])


def test_heatmap_is_a_png(tmp_path):
    save_heatmap(np.eye(2), ["first context", "second"], tmp_path / "map.png", "apple")
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ few-shot


class _FavoursOneToken(torch.nn.Module):
    """A stand-in language model that always gives ``token`` the highest probability."""

    registry_name, max_len = "gpt", 32

    def __init__(self, vocab_size, token):
        super().__init__()
        self.vocab_size, self.token = vocab_size, token
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def logits(self, ids):
        out = torch.zeros(*ids.shape, self.vocab_size)
        out[..., self.token] = 5.0
        return out


def _examples(texts, labels):
    return [Example(f"d{i}", t, label=labels[i % len(labels)]) for i, t in enumerate(texts)]


def test_the_most_likely_label_wins_and_is_reported_next_to_chance(tokenizer, texts):
    examples = _examples(texts, ["spam", "ham", "ham"])
    favoured = tokenizer.encode(" => ham")[-1]
    model = _FavoursOneToken(tokenizer.vocab_size, favoured)
    result = fewshot_accuracy(model, tokenizer, examples[:20], examples[20:], ["ham", "spam"], shots=2,
                              separator=" =>")
    ham_share = sum(e.label == "ham" for e in examples[20:]) / 10
    assert result == {"accuracy": ham_share, "chance": 0.5, "majority": ham_share, "examples": 10, "shots": 2}


def test_prompts_fit_the_context_and_real_gpt_scores(tokenizer, texts):
    layout = PromptLayout(tokenizer, [" grain", " other"], " =>", shots=2, max_len=32)
    demos = [(tokenizer.encode(t), " grain") for t in texts[:2]]
    prompt = layout.prompt(demos, tokenizer.encode(texts[3]))
    assert len(prompt) + max(len(t) for t in layout.tails.values()) <= 32
    with pytest.raises(ConfigError, match="do not fit"):
        PromptLayout(tokenizer, [" grain", " other"], " =>", shots=30, max_len=32)
    model = GPT(tokenizer.vocab_size, **TINY)
    examples = _examples(texts, ["grain", "other"])
    result = fewshot_accuracy(model, tokenizer, examples[:20], examples[20:], ["grain", "other"], shots=2)
    assert 0 <= result["accuracy"] <= 1 and result["chance"] == 0.5
    with pytest.raises(ConfigError, match="needs a gpt model"):
        fewshot_accuracy(MaskedLanguageModel(tokenizer.vocab_size, **TINY), tokenizer, examples, examples,
                         ["grain", "other"])
