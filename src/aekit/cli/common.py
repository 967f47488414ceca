"""Argument helpers shared by the sub-commands: DATA loading and safe outputs."""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Callable

from aekit.errors import ConfigError, OutputExistsError


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA", help="dataset name or path")
    parser.add_argument("--split", default=None,
                        help="split of a built-in dataset: train, test or all (default: train)")
    parser.add_argument("--image-size", type=image_size, default=None, metavar="HxW",
                        help="resize images in a folder to this size (default: inferred)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=None,
                        help="convert images in a folder to 1 or 3 channels")


def add_output_arguments(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("-o", "--output", required=True, type=Path, help=help_text)
    parser.add_argument("--force", action="store_true", help="overwrite the output if it exists")


def image_size(text: str) -> tuple[int, int]:
    try:
        parts = [int(p) for p in text.lower().replace("x", ",").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW or N, got {text!r}") from None
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"expected HxW or N with positive sizes, got {text!r}")
    return parts[0], parts[1]


def load_data(args: argparse.Namespace):
    from aekit import data

    return data.load(args.data, split=args.split or "train", image_size=args.image_size,
                     channels=args.channels)


def check_output(path: Path, force: bool) -> None:
    """Refuse an existing output early, before any work is done."""
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; pass --force to overwrite it")


def write_file_atomically(path: Path, write: Callable[[Path], None], force: bool) -> None:
    """Call ``write(tmp)`` then rename tmp to ``path``: no half-written output on failure."""
    check_output(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_model_args(items: list[str]) -> dict:
    """``["noise=mask", "noise_level=0.3"]`` -> ``{"noise": "mask", "noise_level": 0.3}``."""
    import ast

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ConfigError(f"--model-arg expects NAME=VALUE, got {item!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value  # a bare word such as mask is a string
    return out


def int_list(text: str) -> list[int]:
    try:
        values = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def sample_ids(dataset) -> list[str]:
    """The dataset's own ids (file names for image folders) or row numbers."""
    return list(dataset.ids) if dataset.ids is not None else [str(i) for i in range(len(dataset))]
