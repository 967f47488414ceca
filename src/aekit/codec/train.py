"""Training the codec: random photo patches, rate + lambda * distortion, resumable.

    python -m aekit.codec.train run DIR [--steps N] [--max-minutes M]   # resumes from DIR/last.pt
    python -m aekit.codec.train export DIR -o src/aekit/codec/weights/codec.safetensors

Each step draws a batch of patches and one quality level at random, so every level's gain
and density keep training. A checkpoint (model, optimiser, step, random states) is written
atomically every few minutes; killing the run loses at most that much.
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from aekit.codec.model import CodecNet
from aekit.codec.photos import load_training_photos, random_patches
from aekit.train.checkpoint import load_checkpoint, save_checkpoint

CHECKPOINT_EVERY_S = 300
LOG_EVERY = 100
DENSITY_LR_SCALE = 20.0


def learning_rate(step: int, total: int, peak: float) -> float:
    """Constant, then a cosine fall to 5% of the peak over the last 20% of the steps."""
    start = 0.8 * total
    if step < start:
        return peak
    progress = min(1.0, (step - start) / (total - start))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def make_optimizer(model: CodecNet, lr: float) -> torch.optim.Optimizer:
    density = [p for name, p in model.named_parameters() if name.startswith("densities.")]
    rest = [p for name, p in model.named_parameters() if not name.startswith("densities.")]
    # The densities chase a moving target (the latents) and need a faster step.
    # (With the transforms' step they would need far more steps than a CPU budget allows.)
    return torch.optim.Adam([{"params": rest, "lr": lr, "scale": 1.0},
                             {"params": density, "lr": DENSITY_LR_SCALE * lr, "scale": DENSITY_LR_SCALE}])


def run(out_dir: Path, steps: int, batch: int, patch: int, lr: float, seed: int, max_minutes: float | None,
        channels: int, latent_channels: int) -> None:
    model = CodecNet(channels, latent_channels)
    optimizer = make_optimizer(model, lr)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    step = 0
    state = load_checkpoint(out_dir)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step = state["step"]
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        print(f"resumed at step {step}", flush=True)
    photos = load_training_photos()
    deadline = time.monotonic() + max_minutes * 60 if max_minutes else math.inf
    last_save = time.monotonic()
    sums = np.zeros((model.levels, 3))  # per level: samples, sum of bpp, sum of mse
    while step < steps and time.monotonic() < deadline:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, lr) * group["scale"]
        quality = torch.from_numpy(rng.integers(model.levels, size=batch))
        x = torch.from_numpy(random_patches(photos, batch, patch, rng))
        out = model(x, quality)
        parts = model.loss(x, out, quality)
        optimizer.zero_grad(set_to_none=True)
        parts["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        for i, level in enumerate(quality.tolist()):
            sums[level] += [1, parts["bpp"][i].item(), parts["mse"][i].item()]
        if step % LOG_EVERY == 0:
            write_log(out_dir, step, sums, model.lambdas, optimizer.param_groups[0]["lr"])
            sums[:] = 0
        if time.monotonic() - last_save > CHECKPOINT_EVERY_S:
            save(out_dir, model, optimizer, step, rng)
            last_save = time.monotonic()
    save(out_dir, model, optimizer, step, rng)
    print(f"stopped at step {step} of {steps}", flush=True)


def save(out_dir: Path, model, optimizer, step: int, rng: np.random.Generator) -> None:
    save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                     "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                     "config": {"channels": model.channels, "latent_channels": model.latent_channels,
                                "lambdas": list(model.lambdas)}}, out_dir)


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
