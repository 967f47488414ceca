"""`aekit anomaly fit|score|eval` end to end on tiny data."""
import json

import numpy as np
import pandas as pd
import pytest

from aekit.cli import main


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def normal_and_test(tmp_path):
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(2, 8))
    normal = rng.normal(size=(300, 2)) @ basis + 0.05 * rng.normal(size=(300, 8))
    odd = rng.normal(size=(20, 8)) * normal.std(0)
    test = np.r_[normal[:40], odd].astype(np.float32)
    np.save(tmp_path / "normal.npy", normal[40:].astype(np.float32))
    np.save(tmp_path / "test.npy", test)
    pd.DataFrame({"label": [0] * 40 + [1] * 20}).to_csv(tmp_path / "labels.csv", index=False)
    return tmp_path


def test_fit_score_eval(normal_and_test, capsys):
    d = normal_and_test
    assert run("anomaly", "fit", d / "normal.npy", "-o", d / "det", "--target-fpr", 0.05, "--epochs", 40,
               "--latent-dim", 2, "--hidden", "16", "--lr", 0.003) == 0
    assert json.loads((d / "det" / "config.json").read_text())["threshold"]["rule"] == "target_fpr"
    assert run("anomaly", "score", d / "det", d / "test.npy", "-o", d / "scores.csv") == 0
    scores = pd.read_csv(d / "scores.csv")
    assert list(scores.columns) == ["id", "score", "is_anomaly", "rank"]
    assert sorted(scores["rank"]) == list(range(1, 61))
    assert scores.sort_values("rank").id.iloc[:10].ge(40).all()  # the planted anomalies come first
    assert not (d / "scores_heatmaps").exists()  # tables get no heat maps
    capsys.readouterr()
    assert run("anomaly", "eval", d / "det", d / "test.npy", "--labels", d / "labels.csv",
               "-o", d / "metrics.json") == 0
    metrics = json.loads((d / "metrics.json").read_text())
    assert metrics["auroc"] > 0.9 and metrics["recall"] > 0.5
    assert "auroc" in capsys.readouterr().out


def test_image_heatmaps(tmp_path, images):
    from PIL import Image

    for i, img in enumerate(images):
        Image.fromarray((img[0] * 255).astype(np.uint8)).save(tmp_path / f"{i:02d}.png")
    assert run("anomaly", "fit", tmp_path, "-o", tmp_path.parent / "det", "--epochs", 3, "--latent-dim", 2,
               "--contamination", 0.1, "--force") == 0
    out = tmp_path.parent / "s.csv"
    assert run("anomaly", "score", tmp_path.parent / "det", tmp_path, "-o", out, "--heatmaps", 3, "--force") == 0
    maps = sorted(p.name for p in (tmp_path.parent / "s_heatmaps").iterdir())
    assert len(maps) == 3 and maps[0].startswith("rank001_")


def test_eval_with_the_datasets_own_labels(tmp_path, capsys):
    assert run("anomaly", "fit", "digits", "-o", tmp_path / "det", "--epochs", 1, "--latent-dim", 2) == 0
    assert run("anomaly", "eval", tmp_path / "det", "digits", "--split", "test", "--normal-label", 0) == 0
    assert "n_anomalies          324" in capsys.readouterr().out


def expect_error(capsys, args, pattern):
    assert run(*args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and pattern in err, err


@pytest.mark.parametrize("flag, value, pattern", [
    ("--contamination", 0.7, "contamination must be in (0, 0.5]"),
    ("--contamination", 0, "contamination must be in (0, 0.5]"),
    ("--target-fpr", 1.5, "target_fpr must be in (0, 1)"),
])
def test_bad_rates(normal_and_test, capsys, flag, value, pattern):
    d = normal_and_test
    expect_error(capsys, ["anomaly", "fit", d / "normal.npy", "-o", d / "det", flag, value], pattern)
    assert not (d / "det").exists()


def test_labels_not_matching_the_data(normal_and_test, capsys):
    d = normal_and_test
    assert run("anomaly", "fit", d / "normal.npy", "-o", d / "det", "--epochs", 1, "--latent-dim", 2) == 0
    (d / "short.csv").write_text("1\n0\n")
    expect_error(capsys, ["anomaly", "eval", d / "det", d / "test.npy", "--labels", d / "short.csv"],
                 "2 labels, but the data has 60 samples")
    (d / "words.csv").write_text("\n".join(["maybe"] * 60) + "\n")
    expect_error(capsys, ["anomaly", "eval", d / "det", d / "test.npy", "--labels", d / "words.csv"],
                 "labels must be 1/0")
    expect_error(capsys, ["anomaly", "eval", d / "det", d / "test.npy", "--normal-label", 1],
                 "has no labels of its own")


def test_scoring_bad_data(normal_and_test, capsys, tmp_path):
    d = normal_and_test
    assert run("anomaly", "fit", d / "normal.npy", "-o", d / "det", "--epochs", 1, "--latent-dim", 2) == 0
    bad = np.load(d / "test.npy")
    bad[3, 1] = np.nan
    np.save(d / "nan.npy", bad)
    expect_error(capsys, ["anomaly", "score", d / "det", d / "nan.npy", "-o", d / "s.csv"], "row(s) 3")
    np.save(d / "narrow.npy", np.load(d / "test.npy")[:, :5])
    expect_error(capsys, ["anomaly", "score", d / "det", d / "narrow.npy", "-o", d / "s.csv"], "expecting 8")
    np.save(d / "imgs.npy", np.zeros((4, 1, 5, 5), np.float32))
    expect_error(capsys, ["anomaly", "score", d / "det", d / "imgs.npy", "-o", d / "s.csv"], "fitted on a table")
    np.save(d / "empty.npy", np.zeros((0, 8), np.float32))
    expect_error(capsys, ["anomaly", "fit", d / "empty.npy", "-o", d / "det2"], "no samples")
    assert not (d / "s.csv").exists()


def test_score_choices_match_the_estimator():
    from aekit.cli.anomaly_cmd import SCORES
    from aekit.estimators.autoencoder import ANOMALY_SCORES

    assert SCORES == ANOMALY_SCORES
