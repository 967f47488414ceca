"""``aekit demo``: a convolutional auto-encoder on Fashion-MNIST, next to PCA.

Trains on the 60,000 training images (a couple of minutes on 2 CPU cores), then
measures on the 10,000 test images: reconstruction error against PCA with the same
code size, and how well a logistic regression does with only 10 or 100 labels per
class on AE codes, PCA codes and raw pixels. Writes pictures, ``results.json``, the
model and a self-contained ``report.html`` into the output folder.
"""
from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np

from aekit.eval.baselines import mse, pca_codes
from aekit.eval.downstream import few_label_accuracy
from aekit.persist import atomic_dir


def run_demo(out_dir: str | Path = "runs/demo", latent_dim: int = 16, epochs: int = 12,
             max_time: float | None = 120, seed: int = 0, quick: bool = False,
             progress: bool | str = "auto", log=print) -> dict:
    """Run the whole demo; returns the results dict also saved as ``results.json``.

    ``quick`` shrinks everything (3,000 training images, 10 epochs) for smoke tests.
    """
    from aekit import data

    out_dir = Path(out_dir)
    train, test = data.load("fashion-mnist", "train"), data.load("fashion-mnist", "test")
    if quick:
        train, test = _subsample(train, 3000, seed), _subsample(test, 1000, seed)
        epochs, max_time = 10, None
    log(f"Fashion-MNIST: {len(train)} training and {len(test)} test images of {train.X.shape[1:]}")
    with atomic_dir(out_dir, force=True) as tmp:  # the demo replaces its previous run
        results = _experiment(train, test, latent_dim, epochs, max_time, seed, quick, progress, tmp, log)
        _write_outputs(results, tmp)
    log(summary_text(results))
    log(f"\nreport: {out_dir / 'report.html'}")
    return results


def _subsample(dataset, n: int, seed: int):
    from dataclasses import replace

    idx = np.sort(np.random.default_rng(seed).choice(len(dataset), size=n, replace=False))
    return replace(dataset, X=dataset.X[idx], y=dataset.y[idx], ids=None)


def _experiment(train, test, latent_dim, epochs, max_time, seed, quick, progress, out: Path, log) -> dict:
    from aekit.estimators import AutoEncoder

    ae = AutoEncoder(latent_dim=latent_dim, epochs=epochs, batch_size=128, lr=2e-3,
                     lr_schedule="cosine", val_fraction=0.05, patience=None, max_time=max_time,
                     random_state=seed, verbose=progress)
    log(f"training a convolutional auto-encoder (code size {latent_dim}, up to {epochs} epochs"
        + (f", at most ~{max_time:.0f} s" if max_time else "") + ")")
    tic = time.perf_counter()
    ae.fit(train.X)
    train_seconds = time.perf_counter() - tic
    ae.save(out / "model")
    recon = ae.reconstruct(test.X)
    train_codes, test_codes = ae.transform(train.X), ae.transform(test.X)
    tic = time.perf_counter()
    pca = pca_codes(train.X, test.X, latent_dim, seed)
    pca_seconds = time.perf_counter() - tic
    log("fitting logistic regressions on 10 and 100 labels per class")
    repeats = 1 if quick else 5
    features = {"autoencoder": (train_codes, test_codes), "pca": (pca["train_codes"], pca["test_codes"]),
                "pixels": (train.X.reshape(len(train), -1), test.X.reshape(len(test), -1))}
    few = {str(k): {name: few_label_accuracy(tr, train.y, te, test.y, k, repeats, seed)
                    for name, (tr, te) in features.items()} for k in (10, 100)}
    _figures(ae, test, recon, pca, test_codes, seed, quick, out)
    return {
        "dataset": "fashion-mnist", "n_train": len(train), "n_test": len(test), "latent_dim": latent_dim,
        "epochs_run": len(ae.history_), "train_seconds": round(train_seconds, 1),
        "pca_seconds": round(pca_seconds, 1), "seed": seed, "quick": quick,
        "test_mse": {"autoencoder": mse(recon, test.X), "pca": mse(pca["test_recon"], test.X)},
        "few_labels": few, "history": ae.history_, "machine": machine_info(),
    }


def _figures(ae, test, recon, pca, test_codes, seed, quick, out: Path) -> None:
    from sklearn.manifold import TSNE

    from aekit.report.plots import loss_curves, reconstruction_grid, scatter_maps

    first_of_class = [int(np.flatnonzero(test.y == k)[0]) for k in range(10)]
    reconstruction_grid({"original": test.X[first_of_class], "auto-encoder": recon[first_of_class],
                         "PCA": pca["test_recon"][first_of_class]}, out / "reconstructions.png",
                        titles=[test.classes[k] for k in range(10)])
    n_map = 300 if quick else 2000
    idx = np.random.default_rng(seed).choice(len(test), size=n_map, replace=False)
    maps = {}
    for name, codes in (("auto-encoder codes", test_codes), ("PCA codes", pca["test_codes"])):
        tsne = TSNE(n_components=2, perplexity=30, init="pca", random_state=seed)
        maps[f"t-SNE of {name} ({codes.shape[1]}-d)"] = tsne.fit_transform(codes[idx])
    scatter_maps(maps, test.y[idx], test.classes, out / "code_maps.png")
    loss_curves(ae.history_, out / "loss.png")


def machine_info() -> dict:
    import os

    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "platform": platform.platform()}


def summary_rows(results: dict) -> list[list]:
    mse_ae, mse_pca = results["test_mse"]["autoencoder"], results["test_mse"]["pca"]
    rows = [["test reconstruction MSE", mse_ae, mse_pca, "-"]]
    for k in ("10", "100"):
        few = results["few_labels"][k]
        rows.append([f"accuracy, {k} labels/class"] + [few[n]["mean"] for n in ("autoencoder", "pca", "pixels")])
    return rows


def summary_text(results: dict) -> str:
    lines = [f"\n{'':28s} {'auto-encoder':>13s} {'PCA':>8s} {'pixels':>8s}   (code size {results['latent_dim']})"]
    for name, *values in summary_rows(results):
        lines.append(f"{name:28s} " + " ".join(f"{v:>{w}.4f}" if isinstance(v, float) else f"{v:>{w}s}"
                                               for v, w in zip(values, (13, 8, 8))))
    lines.append(f"auto-encoder MSE / PCA MSE = {results['test_mse']['autoencoder'] / results['test_mse']['pca']:.3f}"
                 f"; trained {results['epochs_run']} epochs in {results['train_seconds']:.0f} s")
    return "\n".join(lines)


def _write_outputs(results: dict, out: Path) -> None:
    from aekit.report import html

    (out / "results.json").write_text(json.dumps(results, indent=2))
    header = ["", "auto-encoder", f"PCA ({results['latent_dim']} components)", "raw pixels (784)"]
    note = (f"<p class='note'>Fashion-MNIST, {results['n_train']} training / {results['n_test']} test images; "
            f"code size {results['latent_dim']}; {results['epochs_run']} epochs in {results['train_seconds']:.0f} s "
            f"on {results['machine']['cpus']} CPU(s). Accuracies are means over "
            f"{results['few_labels']['10']['autoencoder']['repeats']} random draws of the labelled samples; "
            "a logistic regression is trained on the labelled codes and scored on the whole test set. "
            "MSE is on pixels in [0, 1].</p>")
    sections = [
        ("Results", html.table(header, summary_rows(results)) + note),
        ("Test images: originals and reconstructions", html.image(out / "reconstructions.png", "reconstructions")),
        ("2-D maps of the test codes, coloured by class", html.image(out / "code_maps.png", "code maps")),
        ("Training", html.image(out / "loss.png", "loss curves")),
    ]
    (out / "report.html").write_text(html.page("aekit demo: a convolutional auto-encoder on Fashion-MNIST",
                                               sections))
