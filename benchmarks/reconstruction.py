"""Benchmark: auto-encoders (AE, DAE) against PCA at code sizes 2-32.

On Fashion-MNIST (60,000 train / 10,000 test) and scikit-learn's digits (80/20 split),
every method runs in this one process on the same data:
  - test reconstruction MSE (pixels in [0, 1]), fit time, encode throughput;
  - downstream logistic regression with 10 and 100 labels per class on the codes,
    next to raw pixels (mean over 5 random draws of the labelled samples).

Writes benchmarks/results/reconstruction.json after every finished entry, so an
interrupted run continues with --resume. Tables: python benchmarks/tables.py.

    python benchmarks/reconstruction.py                 # the full run (about an hour on 2 cores)
    python benchmarks/reconstruction.py --quick         # a smoke test in about a minute
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from aekit import AutoEncoder, data
from aekit.eval.baselines import mse, pca_codes
from aekit.eval.downstream import few_label_accuracy

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py sits next to this file
from common import machine, save  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "reconstruction.json"
SIZES = (2, 4, 8, 16, 32)
LABELS_PER_CLASS = (10, 100)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", nargs="+", default=["fashion-mnist", "digits"])
    p.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    p.add_argument("--models", nargs="+", default=["ae", "dae"])
    p.add_argument("--epochs", type=int, default=12, help="training epochs per model (default 12)")
    p.add_argument("--small-epochs", type=int, default=150,
                   help="epochs on digits (1,437 training images, so many more passes; default 150)")
    p.add_argument("--target-epochs", type=int, default=30,
                   help="epochs for the target entry: AE, code 16, Fashion-MNIST (default 30)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="tiny subsets and budgets, for a smoke test")
    p.add_argument("--resume", action="store_true", help="keep finished entries of an earlier run")
    p.add_argument("--output", type=Path, default=RESULTS)
    return p.parse_args()


def load_split(name: str, quick: bool, seed: int):
    train, test = data.load(name, "train"), data.load(name, "test")
    if quick:
        rng = np.random.default_rng(seed)
        keep_train = np.sort(rng.choice(len(train), size=min(len(train), 1500), replace=False))
        keep_test = np.sort(rng.choice(len(test), size=min(len(test), 500), replace=False))
        train = type(train)(X=train.X[keep_train], y=train.y[keep_train], kind=train.kind, name=train.name)
        test = type(test)(X=test.X[keep_test], y=test.y[keep_test], kind=test.kind, name=test.name)
    return train, test


def downstream(train_codes, y_train, test_codes, y_test, seed: int, repeats: int) -> dict:
    return {str(k): few_label_accuracy(train_codes, y_train, test_codes, y_test, k, repeats, seed)["mean"]
            for k in LABELS_PER_CLASS}


def throughput(fn, X: np.ndarray) -> float:
    tic = time.perf_counter()
    fn(X)
    return len(X) / (time.perf_counter() - tic)


def run_pca(train, test, k: int, seed: int, repeats: int) -> dict:
    tic = time.perf_counter()
    pca = pca_codes(train.X, test.X, k, seed)
    fit_seconds = time.perf_counter() - tic
    flat = test.X.reshape(len(test.X), -1)
    return {"method": "pca", "code_size": k, "test_mse": mse(pca["test_recon"], test.X),
            "fit_seconds": fit_seconds, "encode_per_second": throughput(pca["model"].transform, flat),
            "accuracy": downstream(pca["train_codes"], train.y, pca["test_codes"], test.y, seed, repeats)}


def run_autoencoder(model: str, train, test, k: int, epochs: int, seed: int, repeats: int) -> dict:
    kwargs = {"noise": "mask", "noise_level": 0.25} if model == "dae" else None
    ae = AutoEncoder(model=model, latent_dim=k, model_kwargs=kwargs, epochs=epochs, batch_size=128, lr=2e-3,
                     lr_schedule="cosine", val_fraction=0.05, patience=None,
                     random_state=seed, device="cpu")
    tic = time.perf_counter()
    ae.fit(train.X)
    fit_seconds = time.perf_counter() - tic
    recon = ae.reconstruct(test.X)
    codes_train, codes_test = ae.transform(train.X), ae.transform(test.X)
    return {"method": model, "code_size": k, "test_mse": mse(recon, test.X), "fit_seconds": fit_seconds,
            "epochs": len(ae.history_), "noise": kwargs,
            "encode_per_second": throughput(ae.transform, test.X),
            "accuracy": downstream(codes_train, train.y, codes_test, test.y, seed, repeats)}


def main() -> None:
    args = parse_args()
    if args.quick:
        args.epochs, args.target_epochs, args.small_epochs = 2, 2, 5
    repeats = 1 if args.quick else 5
    results = json.loads(args.output.read_text()) if args.resume and args.output.exists() else {}
    results.update({"benchmark": "reconstruction", "quick": args.quick, "seed": args.seed,
                    "epochs": args.epochs, "target_epochs": args.target_epochs, "small_epochs": args.small_epochs,
                    "machine": machine()})
    entries = results.setdefault("entries", [])
    done = {(e["dataset"], e["method"], e["code_size"]) for e in entries}
    started = time.perf_counter()
    for name in args.datasets:
        train, test = load_split(name, args.quick, args.seed)
        if (name, "pixels", 0) not in done:
            acc = downstream(train.X.reshape(len(train.X), -1), train.y, test.X.reshape(len(test.X), -1),
                             test.y, args.seed, repeats)
            entries.append({"dataset": name, "method": "pixels", "code_size": 0, "accuracy": acc})
            save(results, args.output)
        for k in args.sizes:
            for method in ["pca", *args.models]:
                if (name, method, k) in done:
                    continue
                if method == "pca":
                    entry = run_pca(train, test, k, args.seed, repeats)
                else:
                    target = name == "fashion-mnist" and method == "ae" and k == 16
                    epochs = args.target_epochs if target else args.epochs if name == "fashion-mnist" \
                        else args.small_epochs
                    entry = run_autoencoder(method, train, test, k, epochs, args.seed, repeats)
                entry["dataset"] = name
                entries.append(entry)
                save(results, args.output)
                print(f"{name:14s} {method:4s} k={k:2d}  mse={entry['test_mse']:.5f}  "
                      f"acc@100={entry['accuracy']['100']:.3f}  fit={entry['fit_seconds']:.0f}s", flush=True)
    results["wall_seconds"] = results.get("wall_seconds", 0) + time.perf_counter() - started
    save(results, args.output)


if __name__ == "__main__":
    main()
