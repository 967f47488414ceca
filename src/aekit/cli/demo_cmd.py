"""``aekit demo``: the main job (see ``aekit.apps.demo``)."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("demo", help="train a conv auto-encoder on Fashion-MNIST and compare it with PCA",
                       description="Train a convolutional auto-encoder on Fashion-MNIST, compare it with PCA "
                                   "and raw pixels, and write a report. Replaces the output folder.")
    p.add_argument("-o", "--output", type=Path, default=Path("runs/demo"), help="default: runs/demo")
    p.add_argument("--latent-dim", type=int, default=16)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--max-time", type=float, default=120, help="training time budget in seconds (default 120)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="a small version for smoke tests (3,000 images)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from aekit.apps.demo import run_demo

    run_demo(args.output, latent_dim=args.latent_dim, epochs=args.epochs, max_time=args.max_time,
             seed=args.seed, quick=args.quick)
    return 0
