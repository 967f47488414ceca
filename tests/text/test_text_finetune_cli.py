"""``aekit text finetune | eval | similarity | fewshot`` end to end on tiny data: a user's
CSV, and the built-in Reuters tasks read from a fixture cache (no network)."""
import json

import pytest
from text_fixtures import OBJECTS, sentences

from aekit.cli import main

TINY_ARGS = ["--vocab-size", "300", "--max-len", "32", "--d-model", "32", "--layers", "2", "--heads", "2",
             "--epochs", "1", "--batch-size", "8"]
FAST = ["--epochs", "1", "--batch-size", "8"]


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def mlm_dir(corpus_file, tmp_path):
    assert run("text", "pretrain", corpus_file, "--objective", "mlm", "-o", tmp_path / "mlm", *TINY_ARGS) == 0
    return tmp_path / "mlm"


@pytest.fixture
def cls_csv(tmp_path):
    rows = ["text,label"] + [f'"{s}",{"grain" if "wheat" in s or "corn" in s else "other"}' for s in sentences(150)]
    path = tmp_path / "grain.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_finetune_then_eval_a_user_csv(mlm_dir, cls_csv, tmp_path, capsys):
    capsys.readouterr()
    assert run("text", "finetune", mlm_dir, cls_csv, "--task", "cls", "-o", tmp_path / "ft", "--labels", "60",
               *FAST) == 0
    out = capsys.readouterr().out
    assert "saved cls model" in out and "accuracy" in out
    config = json.loads((tmp_path / "ft" / "config.json").read_text())
    assert config["labels"] == ["grain", "other"] and config["train_examples"] == 60
    assert run("text", "eval", tmp_path / "ft", cls_csv, "--split", "all") == 0
    lines = dict(line.split() for line in capsys.readouterr().out.strip().splitlines())
    assert set(lines) == {"accuracy", "macro_f1", "examples"} and lines["examples"] == "150"


def test_scratch_finetune(mlm_dir, cls_csv, tmp_path, capsys):
    assert run("text", "finetune", mlm_dir, cls_csv, "--task", "cls", "--scratch", "-o", tmp_path / "s", *FAST) == 0
    assert "from scratch" in capsys.readouterr().out


def test_finetune_and_eval_errors_are_one_line_and_leave_nothing(mlm_dir, cls_csv, tmp_path, capsys):
    out = tmp_path / "ft"
    assert run("text", "finetune", mlm_dir, cls_csv, "--task", "ner", "-o", out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown task 'ner'" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("good text,pos\na text without its label\n")
    assert run("text", "finetune", mlm_dir, bad, "--task", "cls", "-o", out) == 2
    assert "bad.csv row 2: expected 2 fields" in capsys.readouterr().err
    assert run("text", "finetune", mlm_dir, cls_csv, "--task", "cls", "--labels", "100000", "-o", out) == 2
    assert "--labels must be between" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "ft.partial").exists()
    assert run("text", "eval", mlm_dir, cls_csv) == 2
    assert "not a fine-tuned text model" in capsys.readouterr().err
    assert run("text", "finetune", mlm_dir, cls_csv, "--task", "cls", "-o", out, *FAST) == 0
    other = tmp_path / "other.csv"
    other.write_text("some text,grain\nmore text,maybe\n")
    assert run("text", "eval", out, other, "--split", "all") == 2
    assert "other.csv row 2: label 'maybe' is not one of the model's labels (grain, other)" in capsys.readouterr().err


# ------------------------------------------------------------------ built-in Reuters tasks, fixture cache


def _reuters_arff(n):
    rows = []
    for i in range(n):
        body = " ".join(sentences(3, seed=i))
        headline = f"{OBJECTS[i % len(OBJECTS)].upper()} MARKET REPORT NUMBER {i}"
        rows.append(f"'{headline} {body} The {OBJECTS[i % len(OBJECTS)]} market was calm.\\n Reuter\\n&#3;',1")
    return "@relation 'grain'\n\n@attribute Text string\n@attribute class {0,1}\n\n@data\n\n" + "\n".join(rows) + "\n"


@pytest.fixture
def reuters_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache" / "text" / "weka"
    folder.mkdir(parents=True)
    (folder / "train.arff").write_text(_reuters_arff(80))
    (folder / "test.arff").write_text(_reuters_arff(0))
    (folder / "source.json").write_text("{}")
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))


@pytest.mark.parametrize("task,dataset,metric", [("qa", "reuters-cloze", "exact_match"),
                                                  ("pair", "reuters-pair", "accuracy")])
def test_builtin_reuters_tasks(task, dataset, metric, reuters_cache, mlm_dir, tmp_path, capsys):
    assert run("text", "finetune", mlm_dir, dataset, "--task", task, "-o", tmp_path / task, *FAST) == 0
    assert metric in capsys.readouterr().out
    assert run("text", "eval", tmp_path / task, dataset, "--split", "validation") == 0
    assert metric in capsys.readouterr().out
    assert run("text", "finetune", mlm_dir, dataset, "--task", "cls", "-o", tmp_path / "x") == 2
    assert f"{dataset} is a {task} dataset, not cls" in capsys.readouterr().err


# ------------------------------------------------------------------ probes


def test_similarity_prints_the_matrix_and_writes_a_heat_map(mlm_dir, tmp_path, capsys):
    png = tmp_path / "apple.png"
    assert run("text", "similarity", mlm_dir, "wheat", "The farmer sold wheat.", "Wheat prices rose.",
               "A bank bought wheat futures.", "-o", png) == 0
    rows = [r.split(",") for r in capsys.readouterr().out.strip().splitlines()]
    assert len(rows) == 3 and all(len(r) == 3 for r in rows) and float(rows[0][0]) == pytest.approx(1.0)
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert run("text", "similarity", mlm_dir, "apple", "an apple", "a pear", "-o", tmp_path / "b.png") == 2
    assert "context 2 does not contain 'apple'" in capsys.readouterr().err
    assert not (tmp_path / "b.png").exists()


def test_fewshot_reports_accuracy_next_to_chance(corpus_file, cls_csv, mlm_dir, tmp_path, capsys):
    assert run("text", "pretrain", corpus_file, "--objective", "gpt", "-o", tmp_path / "gpt", *TINY_ARGS) == 0
    capsys.readouterr()
    assert run("text", "fewshot", tmp_path / "gpt", cls_csv, "--shots", "2", "--max-examples", "8") == 0
    lines = dict(line.split() for line in capsys.readouterr().out.strip().splitlines())
    assert lines["chance"] == "0.5000" and 0 <= float(lines["accuracy"]) <= 1
    assert run("text", "fewshot", mlm_dir, cls_csv) == 2
    assert "needs a gpt model" in capsys.readouterr().err
