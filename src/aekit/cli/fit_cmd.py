"""``aekit fit DATA -o DIR``: train an auto-encoder and save it.

Checkpoints go to ``DIR.partial/`` after every epoch; ``--resume`` continues a killed
run from there, and the folder is removed once the model is saved. Under
``torchrun --nproc_per_node=N`` every process trains on its share; rank 0 saves.
"""
from __future__ import annotations

import argparse
import os
import shutil

from aekit.cli.common import (add_data_arguments, add_output_arguments, check_output, int_list,
                              load_data, parse_model_args)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def register(sub) -> None:
    p = sub.add_parser("fit", help="train an auto-encoder on DATA and save it",
                       description="Train an auto-encoder on DATA (no labels needed) and save it to DIR.")
    add_data_arguments(p)
    add_output_arguments(p, "model folder to write (config.json + model.safetensors)")
    add_training_arguments(p)
    p.set_defaults(run=run)


def add_training_arguments(p: argparse.ArgumentParser) -> None:
    """The model and training options shared by `aekit fit` and `aekit anomaly fit`."""
    p.add_argument("--model", default="ae", help="registered model name (default: ae; `aekit models` lists them)")
    p.add_argument("--latent-dim", type=positive_int, default=16, help="code size (default: 16)")
    p.add_argument("--hidden", type=int_list, default=None, metavar="W1,W2",
                   help="MLP widths or conv channels per level (default: the model's)")
    p.add_argument("--activation", default="relu")
    p.add_argument("--tied", action="store_true", help="MLP decoder reuses the encoder's weights")
    p.add_argument("--model-arg", action="append", default=[], metavar="NAME=VALUE",
                   help="extra model argument, e.g. noise=mask noise_level=0.3 for dae (repeatable)")
    p.add_argument("--epochs", type=positive_int, default=30)
    p.add_argument("--batch-size", type=positive_int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--patience", type=positive_int, default=10)
    p.add_argument("--lr-schedule", choices=("plateau", "cosine", "none"), default="plateau")
    p.add_argument("--scaling", choices=("auto", "minmax", "standard", "none"), default="auto")
    p.add_argument("--max-time", type=float, default=None, help="stop after about this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--resume", action="store_true", help="continue from DIR.partial/ if a killed run left one")


def run(args: argparse.Namespace) -> int:
    from aekit.estimators import AutoEncoder

    return fit_and_save(args, AutoEncoder)


def fit_and_save(args: argparse.Namespace, estimator_class, **extra_params) -> int:
    """Train ``estimator_class`` on DATA with the shared options, then save it atomically."""
    check_output(args.output, args.force)
    partial = args.output.with_name(args.output.name + ".partial")
    if partial.exists() and not args.resume:
        shutil.rmtree(partial)
    dataset = load_data(args)
    est = estimator_class(
        model=args.model, latent_dim=args.latent_dim, hidden=args.hidden, activation=args.activation,
        tied=args.tied, model_kwargs=parse_model_args(args.model_arg) or None, epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, val_fraction=args.val_fraction, patience=args.patience,
        lr_schedule=args.lr_schedule, scaling=args.scaling, max_time=args.max_time, random_state=args.seed,
        device=args.device, verbose="auto", checkpoint_dir=partial, log_dir=partial, **extra_params)
    est.fit(dataset.X, resume=args.resume)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    est.set_params(checkpoint_dir=None, log_dir=None)  # the partial folder is about to go
    extra = {"metrics.csv": (partial / "metrics.csv").read_bytes()} if (partial / "metrics.csv").exists() else {}
    est.save(args.output, force=args.force, extra_files=extra)
    shutil.rmtree(partial, ignore_errors=True)
    last = est.history_[-1]
    loss = last.get("val_loss", last["train_loss"])
    print(f"saved {args.model} model to {args.output}: {len(dataset)} samples, {len(est.history_)} epochs, "
          f"{'validation' if 'val_loss' in last else 'training'} loss {loss:.5g}")
    return 0
