"""``aekit anomaly fit|score|eval``: one-class anomaly detection from the command line.

    aekit anomaly fit NORMAL_DATA -o DIR [--target-fpr 0.05 | --contamination C]
    aekit anomaly score DIR DATA -o scores.csv        (+ heat maps of the top anomalies for images)
    aekit anomaly eval DIR DATA --labels FILE         (or --normal-label K for labelled datasets)
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from aekit.cli.common import add_data_arguments, add_output_arguments, check_output, load_data, \
    sample_ids, write_file_atomically
from aekit.cli.fit_cmd import add_training_arguments, fit_and_save
from aekit.errors import ConfigError

# aekit.estimators.autoencoder.ANOMALY_SCORES, spelled out so --help needs no scikit-learn import
SCORES = ("recon", "mse", "l1", "latent", "features")


def rate(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def register(sub) -> None:
    p = sub.add_parser("anomaly", help="anomaly detection: fit on normal data, score, evaluate",
                       description="One-class anomaly detection with auto-encoders.")
    commands = p.add_subparsers(dest="anomaly_command", metavar="ACTION", required=True)

    fit = commands.add_parser("fit", help="train on normal data only and set the threshold",
                              description="Train on NORMAL_DATA (normal samples only) and save a detector.")
    add_data_arguments(fit)
    add_output_arguments(fit, "detector folder to write")
    rule = fit.add_mutually_exclusive_group()
    rule.add_argument("--target-fpr", type=rate, default=None,
                      help="false-positive rate wanted on held-out normal data (default 0.05)")
    rule.add_argument("--contamination", type=rate, default=None,
                      help="share of NORMAL_DATA itself expected to be anomalous")
    fit.add_argument("--score", choices=SCORES, default="recon",
                     help="anomaly score (default: the model's reconstruction error)")
    add_training_arguments(fit)
    fit.set_defaults(run=run_fit)

    score = commands.add_parser("score", help="score DATA: id, score, is_anomaly, rank",
                                description="Score DATA with a detector; for images also write heat maps "
                                            "of the top anomalies into OUTPUT_heatmaps/.")
    score.add_argument("model", metavar="DIR", type=Path)
    add_data_arguments(score)
    add_output_arguments(score, "scores CSV to write")
    score.add_argument("--heatmaps", type=int, default=16, metavar="N",
                       help="heat maps of the N most anomalous images (default 16; 0 for none)")
    score.set_defaults(run=run_score)

    ev = commands.add_parser("eval", help="AUROC, AUPR and precision/recall at the threshold",
                             description="Evaluate a detector on labelled DATA.")
    ev.add_argument("model", metavar="DIR", type=Path)
    add_data_arguments(ev)
    truth = ev.add_mutually_exclusive_group(required=True)
    truth.add_argument("--labels", type=Path, help="file with one label per sample: 1/anomaly vs 0/normal")
    truth.add_argument("--normal-label", type=int, nargs="+", metavar="K",
                       help="the dataset's own class label(s) that count as normal; all others are anomalies")
    ev.add_argument("-o", "--output", type=Path, default=None, help="also write the metrics as JSON")
    ev.add_argument("--force", action="store_true")
    ev.set_defaults(run=run_eval)


def run_fit(args: argparse.Namespace) -> int:
    from aekit.estimators import AnomalyDetector

    return fit_and_save(args, AnomalyDetector, target_fpr=args.target_fpr, contamination=args.contamination,
                        anomaly_score=args.score)


def run_score(args: argparse.Namespace) -> int:
    import aekit
    from aekit.apps.anomaly import score_table, write_heatmaps

    if args.output.suffix != ".csv":
        raise ConfigError(f"{args.output}: output must end in .csv")
    check_output(args.output, args.force)
    heatmap_dir = args.output.with_name(args.output.stem + "_heatmaps")
    detector = aekit.load(args.model)
    if detector.is_image_ and args.heatmaps > 0:
        check_output(heatmap_dir, args.force)
    dataset = load_data(args)
    table = score_table(detector, dataset.X, sample_ids(dataset))
    write_file_atomically(args.output, lambda tmp: table.to_csv(tmp, index=False), args.force)
    n_maps = write_heatmaps(heatmap_dir, detector, dataset.X, table, args.heatmaps, args.force) \
        if detector.is_image_ and args.heatmaps > 0 else 0
    print(f"wrote {len(table)} scores to {args.output}: {int(table.is_anomaly.sum())} flagged as anomalies"
          + (f"; heat maps of the top {n_maps} in {heatmap_dir}" if n_maps else ""))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    import numpy as np

    import aekit
    from aekit.apps.anomaly import read_labels
    from aekit.errors import DataError
    from aekit.eval.metrics import detection_metrics

    if args.output is not None:
        check_output(args.output, args.force)
    detector = aekit.load(args.model)
    dataset = load_data(args)
    if args.labels is not None:
        truth = read_labels(args.labels, len(dataset))
    else:
        if dataset.y is None:
            raise DataError(f"{args.data}: has no labels of its own; pass --labels FILE")
        truth = ~np.isin(dataset.y, args.normal_label)
    metrics = detection_metrics(truth, -detector.score_samples(dataset.X), detector.predict(dataset.X) == -1)
    for key, value in metrics.items():
        print(f"{key:20s} {value:.4f}" if isinstance(value, float) else f"{key:20s} {value}")
    if args.output is not None:
        write_file_atomically(args.output, lambda tmp: tmp.write_text(json.dumps(metrics, indent=2)), args.force)
    return 0
