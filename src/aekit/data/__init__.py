"""Datasets by name or by path: ``load("fashion-mnist")``, ``load("photos/")``, ``load("data.csv")``.

``load`` tries the built-in names first (so a local folder called "digits" needs
"./digits"), then treats the argument as a path. A ``pathlib.Path`` is always a
path. Whatever the source, the result is a ``Dataset`` with float32 X that has
passed ``check_not_empty`` and ``check_finite``.

Only numpy is imported here: pandas, Pillow and scikit-learn are imported by
the loaders that need them, so the CLI starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path

from aekit.data import arrays, images, tables
from aekit.data.builtin import REGISTRY, load_builtin
from aekit.data.dataset import Dataset
from aekit.data.validate import check_finite, check_not_empty
from aekit.errors import ConfigError, DataError

__all__ = ["Dataset", "load", "list_datasets", "check_finite", "check_not_empty", "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = images.IMAGE_EXTENSIONS + (".npy", ".npz") + tables.TABLE_EXTENSIONS
# User data has no predefined split: "train" (the default) and "all" both mean everything.
_PATH_SPLITS = ("train", "all")


def _load_path(path: Path, name: str, split: str, image_size, channels) -> Dataset:
    if split not in _PATH_SPLITS:
        raise DataError(
            f"{name}: user data has no {split!r} split; load it whole (split='all' or the default) "
            "and split it yourself"
        )
    if path.is_dir():
        return images.load_folder(path, name, image_size, channels)
    suffix = path.suffix.lower()
    if suffix in images.IMAGE_EXTENSIONS:
        return images.load_file(path, name, image_size, channels)
    if suffix in (".npy", ".npz"):
        return arrays.load_numpy(path, name)
    if suffix in tables.TABLE_EXTENSIONS:
        return tables.load_table(path, name)
    raise DataError(
        f"{name}: unsupported file type {suffix or '(no extension)'!r}; "
        f"supported: a folder of images, {', '.join(SUPPORTED_EXTENSIONS)}"
    )


def _check_image_options(dataset: Dataset, image_size, channels) -> None:
    """image_size/channels convert image files only; elsewhere they must already match."""
    size = images.normalize_size(image_size)
    images.check_channels(channels)
    if size is None and channels is None:
        return
    if dataset.kind != "image":
        raise ConfigError(f"{dataset.name}: image_size and channels apply to images, not to a table")
    if size is not None and tuple(dataset.X.shape[2:]) != size:
        raise ConfigError(
            f"{dataset.name}: images are {dataset.X.shape[2]}x{dataset.X.shape[3]}, not {size[0]}x{size[1]}; "
            "resizing is done for image files only"
        )
    if channels is not None and dataset.X.shape[1] != channels:
        raise ConfigError(
            f"{dataset.name}: images have {dataset.X.shape[1]} channel(s), not {channels}; "
            "channel conversion is done for image files only"
        )


def load(
    name_or_path: str | os.PathLike,
    split: str = "train",
    *,
    image_size: tuple[int, int] | int | None = None,
    channels: int | None = None,
) -> Dataset:
    """Load a built-in dataset by name, or user data from a path.

    Built-ins (see ``list_datasets``) have the splits "train", "test", "all";
    the default is "train". User data has no split: "train" and "all" return
    all of it, other splits are an error. ``image_size`` (int or (H, W)) and
    ``channels`` (1 or 3) resize/convert image files; for other sources they
    are only checked against the data.
    """
    if isinstance(name_or_path, str) and name_or_path in REGISTRY:
        dataset = load_builtin(name_or_path, split)
        _check_image_options(dataset, image_size, channels)
    else:
        name = os.fspath(name_or_path)
        path = Path(name).expanduser()
        if not name or not path.exists():  # "" would otherwise mean the current folder
            raise DataError(
                f"unknown dataset or missing path {name!r}; built-in datasets: {', '.join(REGISTRY)}"
            )
        dataset = _load_path(path, name, split, image_size, channels)
        if not images.is_image_file(path) and not path.is_dir():
            _check_image_options(dataset, image_size, channels)
    check_not_empty(dataset.X, dataset.name)
    check_finite(dataset.X, dataset.name, dataset.feature_names)
    return dataset


def list_datasets() -> list[dict]:
    """One dict per built-in: name, kind, shape (per sample), n_samples, description, available, where."""
    rows = []
    for entry in REGISTRY.values():
        available, where = entry.locate()
        rows.append({
            "name": entry.name,
            "kind": entry.kind,
            "shape": entry.shape,
            "n_samples": entry.n_samples,
            "description": entry.description,
            "available": available,
            "where": where,
        })
    return rows
