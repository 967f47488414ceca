"""Fine-tuning: row layouts and tag alignment, each head's shapes and a few loss-reducing
steps, metrics on hand-made cases, fine-tune + save/load round trip, bad inputs."""
import re

import pytest
import torch
from text_fixtures import TINY

from aekit.errors import ConfigError, DataError, ModelFileError, OutputExistsError
from aekit.text import task_metrics
from aekit.text.common import IGNORE
from aekit.text.finetune import finetune, load_finetuned, save_finetuned
from aekit.text.heads import FineTunedEncoder, passage_mask
from aekit.text.labelled import Example
from aekit.text.mlm import MaskedLanguageModel
from aekit.text.saving import save_text_model
from aekit.text.task_encoding import answer_tokens, encode_examples, first_token_tags, pair_layout
from aekit.text.task_eval import best_spans, evaluate
from aekit.text.tasks import TaskData
from aekit.text.tokenizer import CLS_ID, SEP_ID, TextTokenizer

L = TINY["max_len"]


def _words(text):
    return tuple((m.start(), m.end()) for m in re.finditer(r"\S+", text))


def examples_for(task, texts):
    if task == "cls":
        return [Example(f"d{i}", t, label="grain" if "wheat" in t else "other") for i, t in enumerate(texts)]
    if task == "pair":
        return [Example(f"d{i}", texts[(i + i % 2) % len(texts)][:25], t, label="ab"[i % 2])
                for i, t in enumerate(texts)]
    if task == "tag":
        return [Example(f"d{i}", t, spans=_words(t), tags=tuple("C" if w[0].isupper() else "l" for w in t.split()))
                for i, t in enumerate(texts)]
    return [Example(f"d{i}", "[MASK] sold", t, answer=_words(t)[1]) for i, t in enumerate(texts)]


def labels_of(task, examples):
    if task == "tag":
        return sorted({t for e in examples for t in e.tags})
    return sorted({e.label for e in examples} - {""})


# ------------------------------------------------------------------ layouts


def test_pair_layout_cuts_b_first_then_a():
    ids, b_start, kept = pair_layout([10] * 5, [20] * 50, 16)
    assert ids == [CLS_ID] + [10] * 5 + [SEP_ID] + [20] * 8 + [SEP_ID] and (b_start, kept) == (7, 8)
    ids, _, kept = pair_layout([10] * 40, [20] * 40, 16)
    assert len(ids) == 16 and kept == 6 and ids.count(10) == 7  # B keeps half the room


def test_tags_go_to_each_words_first_token_only():
    # "ab cd": tokens a|b| cd -> word 0 starts at token 0; the space token belongs to word 1
    offsets = [(0, 1), (1, 2), (2, 5)]
    labels, missed = first_token_tags(offsets, ((0, 2), (3, 5)), ("X", "Y"), {"X": 0, "Y": 1}, Example("d", "ab cd"))
    assert labels == [0, IGNORE, 1] and missed == 0
    # one token spanning two words (a BPE merge with no space between them): the second is not scored
    labels, missed = first_token_tags([(0, 4)], ((0, 2), (2, 4)), ("X", "Y"), {"X": 0, "Y": 1}, Example("d", "abcd"))
    assert labels == [0] and missed == 1


def test_char_tokenizer_tags_every_chinese_word_and_long_paragraphs_are_windowed():
    tok = TextTokenizer.train(["迈向充满希望的新世纪"] * 3, kind="char", vocab_size=40, min_frequency=1)
    words = ["迈向", "充满", "希望", "的", "新", "世纪"] * 4
    ex = Example("d", "".join(words), spans=tuple(_span_list(words)), tags=("v", "v", "n", "u", "a", "n") * 4)
    enc = encode_examples("tag", [ex], tok, 16, ["a", "n", "u", "v"])
    assert enc.rows.shape == (3, 32) and enc.owners == [0, 0, 0] and enc.unaligned_words == 0
    targets = enc.rows[:, 16:]
    assert int((targets != IGNORE).sum()) == len(words)
    assert targets[0, :4].tolist() == [IGNORE, 3, IGNORE, 3]  # [CLS], 迈 (v), 向, 充 (v)


def _span_list(words):
    start = 0
    for w in words:
        yield start, start + len(w)
        start += len(w)


def test_answer_tokens_and_cut_off_answers(tokenizer):
    passage = "The farmer sold wheat in Chicago."
    ids, offsets = tokenizer.encode_with_offsets([passage])[0]
    first, last = answer_tokens(offsets, (16, 21))
    assert passage[offsets[first][0]:offsets[last][1]].strip() == "wheat"
    assert answer_tokens(offsets[:2], (16, 21)) is None
    long_passage = "grain " * 60 + "wheat"
    ex = Example("d", "[MASK]", long_passage, answer=(360, 365))
    enc = encode_examples("qa", [ex], tokenizer, L, [])
    assert enc.rows[0, -2:].tolist() == [IGNORE, IGNORE]


def test_qa_row_points_at_the_answer_inside_the_passage(tokenizer):
    ex = Example("d", "who [MASK] wheat", "The farmer sold wheat in Chicago.", answer=(4, 10))
    enc = encode_examples("qa", [ex], tokenizer, L, [])
    ids, (start, end) = enc.rows[0, :L], enc.rows[0, L:].tolist()
    assert passage_mask(ids[None])[0, start] and tokenizer.decode(ids[start:end + 1]).strip() == "farmer"
    assert 4 in ids.tolist()  # [MASK] stays one token


def test_unknown_label_names_the_example(tokenizer):
    ex = Example("d", "text", label="maybe", where="mine.csv row 4")
    with pytest.raises(DataError, match="mine.csv row 4: label 'maybe' is not one of the model's labels"):
        encode_examples("cls", [ex], tokenizer, L, ["neg", "pos"])


# ------------------------------------------------------------------ heads


@pytest.mark.parametrize("task", ["cls", "tag", "pair", "qa"])
def test_each_head_has_the_right_shapes_and_a_few_steps_reduce_the_loss(task, tokenizer, texts):
    torch.manual_seed(0)
    mlm = MaskedLanguageModel(tokenizer.vocab_size, **TINY)
    examples = examples_for(task, texts)
    labels = labels_of(task, examples)
    rows = encode_examples(task, examples, tokenizer, L, labels).rows
    model = FineTunedEncoder.from_pretrained(mlm, task, len(labels))
    out = model(rows)
    width = int((rows[:, :L] != 0).sum(1).max())
    if task in ("cls", "pair"):
        assert out["logits"].shape == (len(rows), len(labels))
    elif task == "tag":
        assert out["logits"].shape == (len(rows), width, len(labels))
    else:
        assert out["start_logits"].shape == out["end_logits"].shape == (len(rows), width)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(15):
        parts = model.loss(rows, model(rows))
        optimizer.zero_grad()
        parts["loss"].backward()
        optimizer.step()
        losses.append(float(parts["loss"].detach()))
    assert losses[-1] < 0.75 * losses[0] and set(parts) == {"loss", "accuracy"}


def test_pretrained_weights_are_copied_and_new_segments_start_at_zero(tokenizer):
    mlm = MaskedLanguageModel(tokenizer.vocab_size, **TINY)
    model = FineTunedEncoder.from_pretrained(mlm, "pair", 2)
    assert torch.equal(model.backbone.embedding.token.weight, mlm.embedding.token.weight)
    assert torch.count_nonzero(model.backbone.segment.weight) == 0
    with pytest.raises(ConfigError, match="unknown task"):
        FineTunedEncoder("ner", 2, mlm.config)
    with pytest.raises(ConfigError, match="at least 2 labels"):
        FineTunedEncoder("cls", 1, mlm.config)


# ------------------------------------------------------------------ metrics


def test_label_and_token_metrics_skip_ignored_positions():
    assert task_metrics.accuracy([1, 0, 5, 1], [1, 1, IGNORE, 1]) == pytest.approx(2 / 3)
    assert task_metrics.macro_f1([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx((2 / 3 + 0.8) / 2)
    assert task_metrics.accuracy([], []) == 0.0


def test_qa_exact_match_and_f1_on_hand_made_answers():
    assert task_metrics.exact_match("The Wheat.", "wheat") == 1.0
    assert task_metrics.exact_match("wheat prices", "wheat") == 0.0
    assert task_metrics.answer_f1("wheat prices", "wheat") == pytest.approx(2 / 3)
    assert task_metrics.answer_f1("corn", "wheat") == 0.0
    assert task_metrics.answer_f1("", "") == 1.0


def test_best_span_keeps_start_before_end_and_a_maximum_length():
    start = torch.tensor([[-10.0, 5.0, 0.0, 0.0]])
    end = torch.tensor([[9.0, 0.0, 0.0, 1.0]])  # end 0 would come before start 1
    s, e = best_spans(start, end, max_tokens=4)
    assert (s.item(), e.item()) == (1, 3)
    s, e = best_spans(start, end, max_tokens=2)
    assert (s.item(), e.item()) in {(1, 1), (1, 2)}


# ------------------------------------------------------------------ fine-tune, save, load

FAST = dict(epochs=2, batch_size=8, progress=False, patience=None, seed=0)


@pytest.fixture
def mlm_dir(tmp_path, tokenizer):
    torch.manual_seed(0)
    path = tmp_path / "mlm"
    save_text_model(path, MaskedLanguageModel(tokenizer.vocab_size, **TINY), tokenizer)
    return path


def _toy_data(task, texts, copies=6):
    texts = [f"{t} ({i})" for i in range(copies) for t in texts]  # enough documents for every split
    return TaskData("toy", task, examples_for(task, texts))


@pytest.mark.parametrize("task", ["cls", "qa"])
def test_finetune_saves_a_folder_that_loads_and_evaluates_the_same(task, mlm_dir, tmp_path, texts):
    data = _toy_data(task, texts)
    model, history, metrics = finetune(mlm_dir, data, tmp_path / "ft", n_labels=50, trainer_args=FAST)
    assert len(history) == 2 and "val_loss" in history[0]
    assert {"accuracy", "examples"} <= set(metrics) if task == "cls" else {"exact_match", "f1"} <= set(metrics)
    assert sorted(p.name for p in (tmp_path / "ft").iterdir()) == ["config.json", "metrics.csv", "model.safetensors",
                                                                   "tokenizer.json"]
    loaded, tokenizer, config = load_finetuned(tmp_path / "ft")
    assert config["labels"] == data.labels and config["train_examples"] == 50
    assert evaluate(loaded, tokenizer, data.split("test"), config["labels"]) == metrics
    assert not (tmp_path / "ft.partial").exists()


def test_scratch_model_has_the_same_shape_but_other_weights(mlm_dir, tmp_path, texts):
    data = _toy_data("cls", texts)
    pre, _, _ = finetune(mlm_dir, data, tmp_path / "pre", trainer_args={**FAST, "epochs": 1, "lr": 1e-9})
    new, _, _ = finetune(mlm_dir, data, tmp_path / "new", scratch=True, trainer_args={**FAST, "epochs": 1})
    assert load_finetuned(tmp_path / "new")[2]["pretrained"] is None
    pretrained_token = load_finetuned(tmp_path / "pre")[0].backbone.embedding.token.weight
    assert pre.backbone.embedding.token.weight.shape == new.backbone.embedding.token.weight.shape
    assert not torch.allclose(pretrained_token, new.backbone.embedding.token.weight)


def test_resume_after_a_kill_ends_like_an_uninterrupted_run(mlm_dir, tmp_path, texts):
    data = _toy_data("cls", texts)
    args = {**FAST, "epochs": 3, "lr_schedule": "none"}
    straight, _, _ = finetune(mlm_dir, data, tmp_path / "a", n_labels=40, trainer_args=args)

    def killed(trainer, metrics):
        if metrics["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        finetune(mlm_dir, data, tmp_path / "b", n_labels=40, trainer_args={**args, "callbacks": [killed]})
    assert (tmp_path / "b.partial" / "last.pt").exists() and not (tmp_path / "b").exists()
    with pytest.raises(ConfigError, match="other data"):  # another --labels than the killed run's
        finetune(mlm_dir, data, tmp_path / "b", n_labels=30, trainer_args=args, resume=True)
    resumed, history, _ = finetune(mlm_dir, data, tmp_path / "b", n_labels=40, trainer_args=args, resume=True)
    assert len(history) == 3
    for key, value in straight.state_dict().items():
        assert torch.allclose(value, resumed.state_dict()[key], atol=1e-6), key


def test_bad_model_folders_and_tokenizers(mlm_dir, tmp_path, texts, tokenizer):
    data = _toy_data("cls", texts)
    with pytest.raises(ModelFileError, match="not a fine-tuned text model .a pretrained model"):
        load_finetuned(mlm_dir)
    finetune(mlm_dir, data, tmp_path / "ft", trainer_args={**FAST, "epochs": 1})
    with pytest.raises(OutputExistsError):
        finetune(mlm_dir, data, tmp_path / "ft", trainer_args=FAST)
    other = TextTokenizer.train(["completely different words here"] * 5, kind="bpe", vocab_size=270, min_frequency=1)
    with pytest.raises(ModelFileError, match="tokenizer from another model"):
        load_finetuned(tmp_path / "ft", tokenizer=other)
    from aekit.text.gpt import GPT

    save_text_model(tmp_path / "gpt", GPT(tokenizer.vocab_size, **TINY), tokenizer)
    with pytest.raises(ConfigError, match="needs an mlm"):
        finetune(tmp_path / "gpt", data, tmp_path / "ft2", trainer_args=FAST)
    model = FineTunedEncoder("cls", 2, MaskedLanguageModel(tokenizer.vocab_size, **TINY).config)
    with pytest.raises(ConfigError, match="label names"):
        save_finetuned(tmp_path / "x", model, tokenizer, info={})
