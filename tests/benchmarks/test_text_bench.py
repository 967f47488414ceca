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
