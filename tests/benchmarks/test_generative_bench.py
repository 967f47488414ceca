"""The generative / discrete-codes benchmark end to end on tiny digits: JSON structure,
PNG grids, --resume, the README table.
"""
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from bench_scripts import load_script

generative = load_script("generative")
tables = load_script("tables")

# Smaller still than --quick, so the whole file stays within a few seconds.
TINY = generative.Settings(
    vq_codebook=16, rbm_hidden=(32, 16), batch_size=64, iwae_k=4, iwae_images=40, kmeans_n_init=1,
    classifier_width=4, classifier_features=16, grid=4, train_size=300, test_size=120,
    small=generative.Budget(epochs=2, cluster_epochs=2, rbm_epochs=2, pretrain_steps=3, tau_anneal_steps=5,
                            classifier_epochs=2))


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(generative, "QUICK", TINY)


def run_benchmark(output: Path, *extra: str) -> dict:
    return generative.main(["--quick", "--datasets", "digits", "--output", str(output), *extra])


def test_quick_run_writes_complete_json_grids_and_table(tmp_path, tiny, monkeypatch):
    output = tmp_path / "generative.json"
    results = run_benchmark(output)
    assert json.loads(output.read_text()) == results

    keys = {(e["dataset"], e["part"], e["method"]) for e in results["entries"]}
    assert keys == {("digits", part, m) for part, methods in generative.METHODS.items() for m in methods}
    by = {(e["part"], e["method"]): e for e in results["entries"]}
    for method in generative.METHODS["clustering"]:
        assert 0 <= by["clustering", method]["accuracy"] <= 1 and 0 <= by["clustering", method]["nmi"] <= 1
    assert results["bits"] == 16  # 4 slots x log2(16)
    for method in generative.METHODS["vq"]:
        entry = by["vq", method]
        assert entry["test_mse"] > 0 and entry["bits"] == (16 if method != "ae-float" else 512)
    vq = by["vq", "vq-ema-restart"]
    assert 0 < vq["test_usage"] <= 1 and 1 <= vq["test_perplexity"] <= 16
    assert len(vq["per_epoch"]["train_usage"]) == vq["epochs"] == 2
    vae = by["vae", "vae"]
    assert vae["elbo"] < 0 and vae["iwae_k"] == 4 and vae["iwae_images"] == 40
    prior = by["vae", "vq-prior"]
    assert prior["prior_nll_test"] > 0 and prior["uniform_nll"] == pytest.approx(4 * np.log(16))
    assert all(e["torch_threads"] >= 1 for e in results["entries"])
    assert all(by["vae", m]["frechet"] >= 0 for m in generative.METHODS["vae"])
    assert by["rbm", "rbm-pretrained"]["pretrain_steps"] == 3 and by["rbm", "rbm-end-to-end"]["pretrain_steps"] == 0
    assert by["retrieval", "binary-ae"]["bits"] == by["retrieval", "pca-median"]["bits"] == 16
    assert 0 <= by["retrieval", "pca-median"]["precision_at_k"] <= 1
    assert results["datasets"]["digits"]["n_train"] == 300
    assert 0 <= results["datasets"]["digits"]["feature_classifier"]["test_accuracy"] <= 1
    assert results["quick"] is True and results["seed"] == 0 and results["wall_seconds"] > 0
    assert {"cpus", "torch_threads", "torch", "scikit-learn"} <= set(results["machine"])
    assert results["target"]["met"] is None  # Fashion-MNIST did not run

    grids = sorted(p.name for p in (tmp_path / "generative").iterdir())
    assert grids == ["digits-ae-gaussian-samples.png", "digits-test-images.png", "digits-vae-samples.png",
                     "digits-vq-prior-samples.png"]
    assert all((tmp_path / "generative" / g).stat().st_size < 50_000 for g in grids)

    text = tables.generative_table(results)
    for piece in ("Unsupervised classification", "| digits | onehot |", "VQ-VAE at equal bits", "| vq-plain |",
                  "IWAE", "FID-like", "RBM pretraining", "Hamming retrieval", "not measured in this run",
                  "Published reference points", "quick smoke run"):
        assert piece in text
    assert tables.TABLES["generative"] is tables.generative_table

    # --resume keeps every finished entry and recomputes none of them.
    before = json.loads(output.read_text())["entries"]
    monkeypatch.setattr(generative, "RUNNERS", {})
    again = run_benchmark(output, "--resume")
    assert again["entries"] == before


def test_table_reports_the_target(tmp_path, tiny):
    results = run_benchmark(tmp_path / "g.json", "--parts", "clustering")
    for accuracy, verdict in ((0.70, "**met**"), (0.50, "**not met**")):
        fashion = {"dataset": "fashion-mnist", "part": "clustering", "method": "onehot", "accuracy": accuracy,
                   "nmi": 0.6, "code_dim": 12, "clusters_used": 10, "fit_seconds": 1.0}
        trial = dict(results, entries=results["entries"] + [fashion])
        trial["target"] = generative.target_summary(trial["entries"])
        assert trial["target"]["met"] is (accuracy >= 0.65)
        assert verdict in tables.generative_table(trial)
    assert "VQ-VAE" not in tables.generative_table(results)  # parts that did not run are left out


def test_resume_refuses_other_settings(tmp_path, tiny):
    output = tmp_path / "generative.json"
    output.write_text(json.dumps({"settings": {"latent_dim": 99}, "seed": 0, "entries": []}))
    with pytest.raises(SystemExit, match="written with another .*latent_dim"):
        run_benchmark(output, "--resume")
    with pytest.raises(SystemExit, match="only makes sense with --resume"):
        run_benchmark(output, "--redo", "clustering/onehot")


def test_redo_reruns_one_entry_and_accepts_its_own_settings(tmp_path, tiny, monkeypatch):
    output = tmp_path / "generative.json"
    first = run_benchmark(output, "--parts", "clustering")
    earlier = json.loads(output.read_text())
    earlier["settings"]["balance"] = 1.0  # as if the onehot entry had run with another balance
    output.write_text(json.dumps(earlier))
    with pytest.raises(SystemExit, match="another balance"):
        run_benchmark(output, "--resume", "--parts", "clustering")
    calls = []
    monkeypatch.setitem(generative.RUNNERS, ("clustering", "onehot"),
                        lambda run: calls.append(run.name) or {"method": "onehot", "accuracy": 0.5, "nmi": 0.5})
    again = run_benchmark(output, "--resume", "--parts", "clustering", "--redo", "clustering/onehot")
    assert calls == ["digits"]
    kept = [e for e in again["entries"] if e["method"] != "onehot"]
    assert kept == [e for e in first["entries"] if e["method"] != "onehot"]
    assert [e["accuracy"] for e in again["entries"] if e["method"] == "onehot"] == [0.5]


def test_epochs_scale_scales_every_budget():
    args = generative.parse_args(["--epochs-scale", "0.5"])
    settings = generative.choose_settings(args)
    assert settings.large == dataclasses.replace(
        generative.Settings().large, epochs=3, cluster_epochs=8, rbm_epochs=10, pretrain_steps=225,
        tau_anneal_steps=1500, classifier_epochs=1)


def test_scalar_quantiser_uses_the_levels_it_is_given():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(1000, 3)) * [1, 10, 0.1]
    quantise = generative.scalar_quantiser(codes, levels=4)
    out = quantise(codes)
    assert out.shape == codes.shape
    assert all(len(np.unique(out[:, d])) == 4 for d in range(3))
    # Quantile bins: each level takes about a quarter of the training codes, in order.
    order = np.argsort(codes[:, 1])
    assert np.all(np.diff(out[order, 1]) >= 0)
    assert np.mean((out - codes) ** 2, axis=0)[1] < np.var(codes[:, 1]) * 0.2


def test_table_averages_the_target_over_every_full_run(tmp_path, tiny, monkeypatch):
    def entry(accuracy):
        return {"dataset": "fashion-mnist", "part": "clustering", "method": "onehot", "accuracy": accuracy,
                "nmi": 0.6, "code_dim": 10, "clusters_used": 10, "fit_seconds": 1.0}

    settings = {"lr": 0.002, "style_dim": 0}  # the entries below record no style code
    runs = {"generative.json": (0, 0.70), "generative-seed1.json": (1, 0.56)}
    for name, (seed, accuracy) in runs.items():
        (tmp_path / name).write_text(json.dumps({"seed": seed, "settings": settings, "entries": [entry(accuracy)]}))
    epochs = [{"accuracy": a, "val_loss": v} for a, v in ((0.5, 0.4), (0.61, 0.2), (0.9, 0.3))]
    (tmp_path / "onehot-seeds.json").write_text(json.dumps({"epochs_of_schedule": 3, "runs": [
        {"seed": 2, "lr": 0.002, "epochs": epochs},           # kept: epoch 2, the lowest validation loss
        {"seed": 3, "lr": 0.002, "epochs": epochs[:2]},       # stopped early: not a full run
        {"seed": 4, "lr": 0.001, "epochs": epochs},           # another learning rate
        {"seed": 5, "lr": 0.002, "style_dim": 4, "epochs": epochs}]}))  # another style code
    monkeypatch.setattr(tables, "RESULTS", tmp_path)
    assert sorted(a for _, a in tables.onehot_runs(0.002)) == [0.56, 0.61, 0.70]
    assert [a for _, a in tables.onehot_runs(0.002, style_dim=4)] == [0.61]
    results = run_benchmark(tmp_path / "run" / "g.json", "--parts", "clustering")
    results = dict(results, quick=False, settings=dict(results["settings"], **settings),
                   entries=results["entries"] + [entry(0.70)])
    results["target"] = generative.target_summary(results["entries"])
    text = tables.generative_table(results)
    assert "**met** (0.700) in this run" in text
    assert "mean 0.623" in text and "**not met** on average" in text
