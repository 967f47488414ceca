"""The text benchmark's bookkeeping: pretrained-vs-scratch rows, the target, the table."""
from bench_scripts import load_script

text = load_script("text")
tables = load_script("tables")


def _run(dataset, labels, init, score):
    metric = text.DATASETS[dataset][2]
    return {"kind": "finetune", "dataset": dataset, "labels": labels, "init": init, "test": {metric: score}}


def test_comparison_gives_gain_in_points_and_marks_missing_runs():
    runs = [_run("spam", "1000", "pretrained", 0.90), _run("spam", "1000", "scratch", 0.80),
            _run("reuters-cloze", "100", "pretrained", 0.30)]
    rows = {(r["dataset"], r["labels"]): r for r in text.comparison(runs)}
    assert len(rows) == len(text.DATASETS) * len(text.LABEL_COUNTS)
    assert abs(rows["spam", "1000"]["gain_points"] - 10.0) < 1e-9
    assert rows["reuters-cloze", "100"]["gain_points"] is None and rows["reuters-cloze", "100"]["pretrained"] == 0.30
    assert "scratch" not in rows["pd-pos", "all"]


def test_table_says_missed_when_a_measured_gain_is_below_five_points():
    runs = [_run("spam", "1000", "pretrained", 0.80), _run("spam", "1000", "scratch", 0.78)]
    rows = text.comparison(runs)
    results = {"machine": {"cpus": 2, "torch": "x"}, "comparison": rows, "pretraining": {},
               "finetune_settings": {}, "minilm_settings": {}, "caps": {"validation": 1, "test": 2},
               "target": {"what": "t", "gains_at_1000": [2.0], "met": False}}
    table = tables.text_table(results)
    assert "**missed**" in table and "| spam (cls, accuracy) | 1000 | 80.0 | 78.0 | +2.0 ✗ | — |" in table
    assert "not made yet" in table


def test_pretraining_summary_outlives_the_model_folder(tmp_path, monkeypatch):
    import json
    import shutil

    monkeypatch.setattr(text, "WORK", tmp_path / "work")
    monkeypatch.setattr(text, "RUNS", tmp_path / "runs")
    assert text.pretraining_record("mlm-zh") is None  # never pretrained here
    model = tmp_path / "work" / "mlm-zh"
    model.mkdir(parents=True)
    history = [{"train_loss": 5.0, "val_loss": 4.0, "seconds": 60.0}]
    config = {"corpus": "c", "model": "mlm", "blocks": {"train": 3}, "history": history, "config": {"d_model": 8}}
    (model / "config.json").write_text(json.dumps(config))
    first = text.pretraining_record("mlm-zh")
    assert first["epochs"] == 1 and first["final_val_loss"] == 4.0
    shutil.rmtree(model)  # a fresh clone: the model is git-ignored, its run file is not
    assert text.pretraining_record("mlm-zh") == first


def test_linear_baseline_picks_c_on_validation_and_scores_the_test_split(tmp_path, monkeypatch):
    import json
    import random

    from aekit.text.labelled import Example
    from aekit.text.tasks import TaskData

    rng = random.Random(0)
    words = {"pos": ["好", "棒", "great"], "neg": ["差", "烂", "awful"]}
    examples = []
    for i in range(300):
        label = "pos" if i % 2 else "neg"
        review = " ".join(rng.choice(words[label]) for _ in range(4)) + f" item {i}"
        examples.append(Example(doc_id=f"doc:{i}", text=review, label=label))
    data = TaskData("toy", "cls", examples)
    monkeypatch.setattr(text, "benchmark_task_data", lambda dataset: data)
    monkeypatch.setattr(text, "RUNS", tmp_path)
    record = text.linear_run("spam", 100, redo=False)
    assert record["init"] == "tfidf-lr" and record["train_examples"] == 100 and record["C"] in text.LINEAR_C
    assert record["test"]["accuracy"] == 1.0 and record["test"]["examples"] == len(data.split("test")) > 0
    assert json.loads((tmp_path / "linear-spam-100.json").read_text())["test"] == record["test"]
