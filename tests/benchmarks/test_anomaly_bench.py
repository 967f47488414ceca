"""The anomaly benchmark end to end on tiny data: JSON structure, --resume, the README table."""
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from bench_scripts import load_script

anomaly = load_script("anomaly")  # puts benchmarks/ on sys.path for its own anomaly_data import
anomaly_data = sys.modules["anomaly_data"]
tables = load_script("tables")

# Smaller still than --quick, so the whole file stays well under 30 s.
TINY = anomaly.Settings(image_epochs=1, table_epochs=3, train_per_class=120, test_images=200, image_latent=8,
                        image_batch=32, image_channels=(4, 8), image_mlp_hidden=(32, 16), speed_image_epochs=1,
                        speed_table_epochs=2, speed_repeats=1)
HAVE_PYOD = anomaly.package_version("pyod") is not None


@pytest.fixture
def fashion_available():
    import aekit

    try:
        aekit.datasets.load("fashion-mnist", "test")
    except aekit.AekitError as exc:
        pytest.skip(f"Fashion-MNIST is not available here: {exc}")


def run_benchmark(output: Path, *extra: str) -> dict:
    argv = ["--quick", "--datasets", "fashion-mnist", "digits", "breast-cancer", "--classes", "0",
            "--output", str(output)]
    return anomaly.main([*argv, *extra])


def test_quick_run_writes_complete_json_and_renders(tmp_path, monkeypatch, fashion_available):
    monkeypatch.setattr(anomaly, "QUICK", TINY)
    output = tmp_path / "anomaly.json"
    run_benchmark(output)
    results = json.loads(output.read_text())

    methods = [m for m in anomaly.METHODS if HAVE_PYOD or m not in anomaly.PYOD_METHODS]
    keys = {(e["dataset"], e["class"], e["method"]) for e in results["entries"]}
    assert keys == ({("fashion-mnist", 0, m) for m in methods} | {("digits", 0, m) for m in methods}
                    | {("breast-cancer", None, m) for m in methods if m not in anomaly.IMAGE_ONLY})
    for entry in results["entries"]:
        assert 0 <= entry["auroc"] <= 1 and 0 < entry["aupr"] <= 1
        assert entry["fit_seconds"] >= 0 and entry["score_seconds"] >= 0
    assert results["quick"] is True and results["seed"] == 0 and results["wall_seconds"] > 0
    assert {"cpus", "torch_threads", "torch", "scikit-learn"} <= set(results["machine"])
    assert results["tables"]["breast-cancer"]["n_anomalies"] == 212
    assert results["summary"]["one_class_fashion_mnist"]["ae"]["count"] == 1
    assert results["summary"]["one_class_digits"]["ae-features"]["count"] == 1
    digits_ae = next(e for e in results["entries"] if e["dataset"] == "digits" and e["method"] == "ae")
    assert digits_ae["epochs"] == TINY.image_epochs * anomaly.EPOCH_FACTOR["digits"]  # same steps, smaller set
    assert len(results["published"]["results"]) == 6
    assert len(results["speed"]) == (2 if HAVE_PYOD else 0)

    text = tables.anomaly_table(results)
    assert "One-class Fashion-MNIST" in text and "One-class digits" in text
    assert "| ae |" in text and "| ae-features |" in text and "breast-cancer" in text
    assert "Published reference points" in text and "quick smoke run" in text
    if HAVE_PYOD:
        assert "aekit / PyOD" in text

    # --resume keeps every finished entry and recomputes none of them.
    before = output.read_text()
    again = run_benchmark(output, "--resume")
    assert again["entries"] == json.loads(before)["entries"]

    # --redo-speed keeps the scores but times the training again.
    timed = []
    measure = anomaly.speed_entry
    monkeypatch.setattr(anomaly, "speed_entry", lambda data, *rest: timed.append(data) or measure(data, *rest))
    redone = run_benchmark(output, "--resume", "--redo-speed")
    assert redone["entries"] == json.loads(before)["entries"]
    assert sorted(timed) == sorted(e["data"] for e in json.loads(before)["speed"])
    assert len(redone["speed"]) == len(json.loads(before)["speed"])


def test_resume_refuses_other_settings(tmp_path, monkeypatch):
    output = tmp_path / "anomaly.json"
    output.write_text(json.dumps({"settings": {"image_epochs": 99}, "seed": 0, "entries": []}))
    with pytest.raises(SystemExit, match="other settings"):
        anomaly.main(["--quick", "--datasets", "breast-cancer", "--methods", "pca", "--no-speed",
                      "--resume", "--output", str(output)])


@pytest.mark.parametrize("method, score", [("ae-latent", "latent"), ("ae-features", "features")])
def test_reused_network_equals_fitting_with_the_score(method, score):
    from aekit import AnomalyDetector

    table = anomaly_data.breast_cancer()
    task = anomaly.table_task(table, seed=0)
    run = anomaly.TaskRun(task, TINY, seed=0)
    shortcut = run.outcome(method)
    library = anomaly.our_detector(run, "ae").set_params(anomaly_score=score).fit(task.X_train)
    assert isinstance(library, AnomalyDetector)
    np.testing.assert_allclose(shortcut.anomaly_scores, -library.score_samples(task.X_test), rtol=1e-4, atol=1e-6)
    assert shortcut.info["n_gaussian_dims"] == (TINY.table_latent if score == "latent" else TINY.table_hidden[-1])


def test_one_class_split_keeps_anomalies_out_of_training():
    is_anomaly = np.array([False] * 10 + [True] * 4)
    train, test = anomaly_data.one_class_split(is_anomaly, seed=1)
    assert len(train) == 6 and not is_anomaly[train].any()
    assert set(train).isdisjoint(test) and is_anomaly[test].sum() == 4 and len(test) == 8


def test_mlbench_tables_load_with_the_documented_rules():
    pytest.importorskip("rdata")
    if shutil.which("dpkg") is None:
        pytest.skip("dpkg is not available to unpack r-cran-mlbench")
    try:
        loaded = {name: anomaly_data.load_table(name) for name in anomaly_data.MLBENCH_TABLES}
    except anomaly_data.DataUnavailable as exc:
        pytest.skip(f"r-cran-mlbench cannot be fetched here: {exc}")
    shapes = {name: (t.X.shape, int(t.is_anomaly.sum())) for name, t in loaded.items()}
    assert shapes == {"ionosphere": ((351, 33), 126), "pima": ((768, 8), 268), "glass": ((214, 9), 9)}
    for table in loaded.values():
        assert table.X.dtype == np.float32 and np.isfinite(table.X).all()
