"""``aekit encode|reconstruct|score MODEL DATA -o OUT``: use a saved model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.cli.common import (add_data_arguments, add_output_arguments, check_output, load_data,
                              sample_ids, write_file_atomically)
from aekit.errors import ConfigError


def register(sub) -> None:
    specs = [
        ("encode", "write the codes of DATA (.npy or .csv)", run_encode),
        ("reconstruct", "write the model's reconstructions of DATA (.npy, .csv, or a folder of PNGs)",
         run_reconstruct),
        ("score", "write per-sample reconstruction errors of DATA as CSV", run_score),
    ]
    for name, help_text, fn in specs:
        p = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        p.add_argument("model", metavar="MODEL", type=Path, help="model folder written by `aekit fit`")
        add_data_arguments(p)
        add_output_arguments(p, "output path")
        p.set_defaults(run=fn)


def _model_and_data(args, suffixes: tuple[str, ...] | None = (".npy", ".csv")):
    """Check the output path first (no work wasted on a bad one), then load."""
    import aekit

    check_output(args.output, args.force)
    if suffixes and args.output.suffix not in suffixes:
        raise ConfigError(f"{args.output}: output must end in {' or '.join(suffixes)}")
    model = aekit.load(args.model)
    return model, load_data(args)




def _write_array(path: Path, array: np.ndarray, columns: list[str] | None, force: bool) -> None:
    if path.suffix == ".npy":
        write_file_atomically(path, lambda tmp: np.save(tmp, array), force)
    else:
        import pandas as pd

        frame = pd.DataFrame(array.reshape(len(array), -1), columns=columns)
        write_file_atomically(path, lambda tmp: frame.to_csv(tmp, index=False), force)


def run_encode(args) -> int:
    model, dataset = _model_and_data(args)
    codes = model.transform(dataset.X)
    _write_array(args.output, codes, [f"z{i}" for i in range(codes.shape[1])], args.force)
    print(f"wrote {codes.shape[0]} codes of size {codes.shape[1]} to {args.output}")
    return 0


def run_reconstruct(args) -> int:
    model, dataset = _model_and_data(args, suffixes=None)
    x_hat = model.reconstruct(dataset.X)
    if args.output.suffix in (".npy", ".csv"):
        _write_array(args.output, x_hat, dataset.feature_names, args.force)
    elif model.is_image_:
        from aekit.report.images import write_image_folder

        # Images are written through the model's min/max scaling, which maps them to [0, 1].
        pixels = model.scaler_.apply(x_hat) if model.scaler_.kind == "minmax" else x_hat
        write_image_folder(args.output, pixels, sample_ids(dataset), force=args.force)
    else:
        raise ConfigError(f"{args.output}: for table data the output must end in .npy or .csv")
    print(f"wrote {len(x_hat)} reconstructions to {args.output}")
    return 0


def run_score(args) -> int:
    import pandas as pd

    model, dataset = _model_and_data(args, suffixes=(".csv",))
    error = -model.score_samples(dataset.X)
    frame = pd.DataFrame({"id": sample_ids(dataset), "score": error,
                          "outlier": (model.predict(dataset.X) == -1).astype(int)})
    write_file_atomically(args.output, lambda tmp: frame.to_csv(tmp, index=False), args.force)
    print(f"wrote {len(frame)} scores to {args.output} (score = reconstruction error, higher = more "
          f"unusual; {int(frame.outlier.sum())} above the model's threshold)")
    return 0
