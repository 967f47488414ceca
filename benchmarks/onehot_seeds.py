"""How much onehot's Fashion-MNIST clustering depends on the seed, epoch by epoch.

Trains the clustering part's "onehot" estimator of ``benchmarks/generative.py`` (the same
settings, model arguments and 15-epoch cosine schedule) once per seed, and scores the test
images after every epoch (cluster accuracy and NMI; the labels are used for scoring only).
``--stop E`` ends each run after E epochs: the clusters are settled early (the mean
confidence passes 0.9 in the second epoch), so short runs show the spread cheaply.

    python benchmarks/onehot_seeds.py --seeds 0 1 2 3 --stop 2     # about 3 min per seed
    python benchmarks/onehot_seeds.py --seeds 0 1 --lr 1e-3        # another learning rate
    python benchmarks/onehot_seeds.py --seeds 0 --style-dim 4       # a continuous style code too

Output: benchmarks/results/onehot-seeds.json; runs already in it (same seed, learning rate,
style code size and stop) are kept and skipped, so the script adds to it (two processes with
other seeds may add to it at once).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py and generative.py sit next to this file
from common import machine, save  # noqa: E402
from generative import DatasetRun, Settings, onehot_estimator  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "onehot-seeds.json"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    p.add_argument("--stop", type=int, default=2, help="epochs to run of the 15-epoch schedule")
    p.add_argument("--lr", type=float, default=Settings().lr)
    p.add_argument("--style-dim", type=int, default=Settings().style_dim,
                   help="size of the continuous style code next to the clusters")
    p.add_argument("--output", type=Path, default=RESULTS)
    return p.parse_args(argv)


def run_seed(run: DatasetRun, lr: float, stop: int) -> dict:
    """Train ``run``'s onehot estimator (seed ``run.seed``) for ``stop`` epochs; the test
    scores after each epoch."""
    import torch

    import aekit.train
    from aekit.eval.clustering import cluster_accuracy, nmi

    est, epochs, started = onehot_estimator(run, lr=lr), [], time.perf_counter()

    def score(trainer, metrics) -> None:  # a Trainer callback: after every epoch
        model = trainer.model.eval()
        with torch.no_grad():
            X = torch.from_numpy(est.scaler_.apply(run.X_test))
            pred = torch.cat([model.predict_cluster(X[i:i + 2000]) for i in range(0, len(X), 2000)]).numpy()
        model.train()
        epochs.append({"epoch": len(trainer.history), "accuracy": cluster_accuracy(run.y_test, pred),
                       "nmi": nmi(run.y_test, pred), "val_loss": metrics.get("val_loss"),
                       "train_confidence": metrics.get("train_confidence"),
                       "seconds": time.perf_counter() - started})
        print(f"seed {run.seed} lr {lr:g} epoch {epochs[-1]['epoch']}: accuracy {epochs[-1]['accuracy']:.3f}",
              flush=True)
        trainer.stop = len(trainer.history) >= stop

    class ScoredTrainer(aekit.train.Trainer):  # the estimator builds its Trainer from aekit.train
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.callbacks.append(score)

    plain, aekit.train.Trainer = aekit.train.Trainer, ScoredTrainer
    try:
        est.fit(run.X_train)
    finally:
        aekit.train.Trainer = plain
    return {"seed": run.seed, "lr": lr, "style_dim": est.model_kwargs["style_dim"], "stop": stop,
            "epochs": epochs}


def main(argv=None) -> dict:
    import torch

    args = parse_args(argv)
    torch.set_num_threads(1)
    results = read_results(args.output)
    for seed in args.seeds:
        # Runs recorded before --style-dim existed had no style code.
        if any((r["seed"], r["lr"], r.get("style_dim", 0), r["stop"]) == (seed, args.lr, args.style_dim, args.stop)
               for r in results["runs"]):
            continue
        settings = Settings(style_dim=args.style_dim)
        run = run_seed(DatasetRun("fashion-mnist", settings, seed, args.output.parent), args.lr, args.stop)
        results = read_results(args.output)  # again: another process may have added runs meanwhile
        results["runs"].append(run)
        save(results, args.output)
    return results


def read_results(path: Path) -> dict:
    results = json.loads(path.read_text()) if path.exists() else {"runs": []}
    results.update({"benchmark": "onehot-seeds", "dataset": "fashion-mnist",
                    "epochs_of_schedule": Settings().large.cluster_epochs, "machine": machine()})
    return results


if __name__ == "__main__":
    main()
