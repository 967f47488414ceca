"""``aekit sample``, ``aekit interpolate`` and ``aekit cluster``: the decoder as a
generator, walks between two codes, and unsupervised classification."""
from __future__ import annotations

import argparse
from pathlib import Path

from aekit.cli.common import (add_data_arguments, add_output_arguments, check_output, load_data,
                              sample_ids, write_file_atomically)
from aekit.errors import ConfigError, DataError


def register(sub) -> None:
    p = sub.add_parser("sample", help="draw new samples from a generative model (e.g. vae)",
                       description="Decode codes drawn from the model's prior: a PNG grid for image "
                                   "models, .npy/.csv otherwise.")
    p.add_argument("model", metavar="MODEL", type=Path)
    p.add_argument("-n", type=int, default=64, help="how many samples (default 64)")
    p.add_argument("--seed", type=int, default=0)
    add_output_arguments(p, "grid.png, or samples.npy / samples.csv")
    p.set_defaults(run=run_sample)

    p = sub.add_parser("interpolate", help="decode a straight walk from one sample's code to another's",
                       description="Decode STEPS codes on the line between the codes of A and B.")
    p.add_argument("model", metavar="MODEL", type=Path)
    p.add_argument("a", metavar="A", help="an image file (or a data file whose first sample is used)")
    p.add_argument("b", metavar="B")
    p.add_argument("--steps", type=int, default=10)
    add_output_arguments(p, "strip.png, or .npy")
    p.set_defaults(run=run_interpolate)

    p = sub.add_parser("cluster", help="assign each sample of DATA to a cluster (onehot models)",
                       description="Unsupervised classification with a categorical-code model.")
    p.add_argument("model", metavar="MODEL", type=Path)
    add_data_arguments(p)
    add_output_arguments(p, "clusters.csv (id, cluster)")
    p.set_defaults(run=run_cluster)


def _write_images_or_array(path: Path, est, x, force: bool, n_cols: int) -> None:
    import numpy as np

    if path.suffix == ".png":
        if not est.is_image_:
            raise ConfigError(f"{path}: a PNG needs an image model; write .npy or .csv instead")
        from aekit.report.plots import image_grid

        pixels = est.scaler_.apply(x) if est.scaler_.kind == "minmax" else x
        write_file_atomically(path, lambda tmp: image_grid(pixels, tmp, n_cols=n_cols, scale=2.0), force)
    elif path.suffix == ".npy":
        write_file_atomically(path, lambda tmp: np.save(tmp, x), force)
    elif path.suffix == ".csv":
        import pandas as pd

        frame = pd.DataFrame(x.reshape(len(x), -1))
        write_file_atomically(path, lambda tmp: frame.to_csv(tmp, index=False), force)
    else:
        raise ConfigError(f"{path}: output must end in .png, .npy or .csv")


def run_sample(args: argparse.Namespace) -> int:
    import aekit

    check_output(args.output, args.force)
    if args.n < 1:
        raise ConfigError(f"-n must be at least 1, got {args.n}")
    est = aekit.load(args.model)
    x = est.sample(args.n, random_state=args.seed)
    _write_images_or_array(args.output, est, x, args.force, n_cols=min(8, args.n))
    print(f"wrote {args.n} samples to {args.output}")
    return 0


def _first_sample(path: str, est):
    from aekit import data

    dataset = data.load(path, image_size=tuple(est.input_shape_[1:]) if est.is_image_ else None,
                        channels=est.input_shape_[0] if est.is_image_ else None)
    if len(dataset) < 1:
        raise DataError(f"{path}: no samples")
    return dataset.X[0]


def run_interpolate(args: argparse.Namespace) -> int:
    import aekit

    check_output(args.output, args.force)
    est = aekit.load(args.model)
    x = est.interpolate(_first_sample(args.a, est), _first_sample(args.b, est), steps=args.steps)
    _write_images_or_array(args.output, est, x, args.force, n_cols=args.steps)
    print(f"wrote {args.steps} interpolation steps to {args.output}")
    return 0


def run_cluster(args: argparse.Namespace) -> int:
    import pandas as pd

    import aekit

    check_output(args.output, args.force)
    if args.output.suffix != ".csv":
        raise ConfigError(f"{args.output}: output must end in .csv")
    est = aekit.load(args.model)
    dataset = load_data(args)
    clusters = est.predict_cluster(dataset.X)
    frame = pd.DataFrame({"id": sample_ids(dataset), "cluster": clusters})
    write_file_atomically(args.output, lambda tmp: frame.to_csv(tmp, index=False), args.force)
    counts = frame.cluster.value_counts().sort_index()
    print(f"wrote {len(frame)} cluster assignments to {args.output}; sizes: "
          + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 0
