"""Training the codec: random photo patches, rate + lambda * distortion, resumable.

    python -m aekit.codec.train run DIR [--steps N] [--max-minutes M]   # resumes from DIR/last.pt
    python -m aekit.codec.train export DIR -o src/aekit/codec/weights/codec.safetensors

Each step draws a batch of patches and a random quality level per patch, so every level's
gain and density keep training. The loop (aekit.train.steps) writes a full-state checkpoint
atomically every few minutes; killing the run loses at most that much.
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np
import torch

from aekit.codec.model import CodecNet
from aekit.codec.photos import load_training_photos, random_patches
from aekit.train.steps import run_steps

LOG_EVERY = 100
DENSITY_LR_SCALE = 20.0


def learning_rate(step: int, total: int) -> float:
    """Factor on the base rate: 1, then a cosine fall to 5% over the last 20% of the steps."""
    start = 0.8 * total
    if step < start:
        return 1.0
    progress = min(1.0, (step - start) / (total - start))
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))


def make_optimizer(model: CodecNet, lr: float) -> torch.optim.Optimizer:
    density = [p for name, p in model.named_parameters() if name.startswith("densities.")]
    rest = [p for name, p in model.named_parameters() if not name.startswith("densities.")]
    # The densities chase a moving target (the latents) and need a faster step.
    # (With the transforms' step they would need far more steps than a CPU budget allows.)
    return torch.optim.Adam([{"params": rest, "lr": lr}, {"params": density, "lr": DENSITY_LR_SCALE * lr}])


def run(out_dir: Path, steps: int, batch: int, patch: int, lr: float, seed: int, max_minutes: float | None,
        channels: int, latent_channels: int) -> None:
    model = CodecNet(channels, latent_channels)
    optimizer = make_optimizer(model, lr)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    photos = load_training_photos()
    sums = np.zeros((model.levels, 3))  # per level: samples, sum of bpp, sum of mse

    def step_fn(step: int) -> None:
        quality = torch.from_numpy(rng.integers(model.levels, size=batch))
        x = torch.from_numpy(random_patches(photos, batch, patch, rng))
        parts = model.loss(x, model(x, quality), quality)
        optimizer.zero_grad(set_to_none=True)
        parts["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        for i, level in enumerate(quality.tolist()):
            sums[level] += [1, parts["bpp"][i].item(), parts["mse"][i].item()]
        if (step + 1) % LOG_EVERY == 0:
            write_log(out_dir, step + 1, sums, model.lambdas, optimizer.param_groups[0]["lr"])
            sums[:] = 0

    config = {"channels": channels, "latent_channels": latent_channels, "lambdas": list(model.lambdas)}
    reached = run_steps(model, optimizer, step_fn, out_dir, steps, rng, config,
                        lr_at=lambda step: learning_rate(step, steps), max_minutes=max_minutes)
    print(f"stopped at step {reached} of {steps}", flush=True)


def write_log(out_dir: Path, step: int, sums: np.ndarray, lambdas: tuple[float, ...], lr: float) -> None:
    """Append per-level means since the last log line to DIR/log.csv and print a summary."""
    path = out_dir / "log.csv"
    out_dir.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    rows = []
    for level, (count, bpp, mse) in enumerate(sums):
        if count:
            bpp, mse = bpp / count, mse / count
            rows.append([step, level + 1, int(count), f"{bpp + lambdas[level] * 255 ** 2 * mse:.4f}", f"{bpp:.4f}",
                         f"{10 * math.log10(1 / mse):.2f}", f"{lr:.2e}"])
    with path.open("a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["step", "quality", "samples", "loss", "bpp", "psnr", "lr"])
        writer.writerows(rows)
    print(f"step {step} " + " ".join(f"q{r[1]}:{r[4]}bpp/{r[5]}dB" for r in rows), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m aekit.codec.train")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("run", help="train (or resume) in DIR")
    train.add_argument("dir", type=Path)
    train.add_argument("--steps", type=int, default=60000)
    train.add_argument("--batch", type=int, default=8)
    train.add_argument("--patch", type=int, default=128)
    train.add_argument("--lr", type=float, default=3e-4)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--channels", type=int, default=96)
    train.add_argument("--latent-channels", type=int, default=128)
    train.add_argument("--max-minutes", type=float, default=None)
    train.add_argument("--threads", type=int, default=None)
    export = sub.add_parser("export", help="write the shipped weights + integer tables from DIR/last.pt")
    export.add_argument("dir", type=Path)
    export.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "run":
        if args.threads:
            torch.set_num_threads(args.threads)
        run(args.dir, args.steps, args.batch, args.patch, args.lr, args.seed, args.max_minutes,
            args.channels, args.latent_channels)
    else:
        from aekit.codec.weights import export_weights
        export_weights(args.dir, args.output)


if __name__ == "__main__":
    sys.exit(main())
