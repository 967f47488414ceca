"""The registry of built-in datasets: name -> loader, description and where the data lives.

Every built-in has the splits "train", "test" and "all". For the scikit-learn
datasets (digits, breast-cancer), which ship without a split, "train"/"test"
are a fixed stratified 80/20 split (``train_test_split(..., random_state=0)``),
each kept in the original sample order. Since ``load``'s default split is
"train", ``load("digits")`` gives the 80%, not everything: ask for "all".
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Callable

import numpy as np

from aekit.data import fashion_mnist
from aekit.data.dataset import Dataset
from aekit.errors import DataError

SPLITS = ("train", "test", "all")
_TEST_FRACTION = 0.2
_SPLIT_SEED = 0


@dataclass(frozen=True)
class Builtin:
    name: str
    kind: str
    shape: tuple[int, ...]  # per sample
    n_samples: int  # in "all"
    description: str
    loader: Callable[[str], Dataset]
    locate: Callable[[], tuple[bool, str]]  # -> (usable offline now, where)


def _split_indices(y: np.ndarray, split: str) -> np.ndarray:
    from sklearn.model_selection import train_test_split

    every = np.arange(len(y))
    if split == "all":
        return every
    train, test = train_test_split(every, test_size=_TEST_FRACTION, stratify=y, random_state=_SPLIT_SEED)
    return np.sort(train if split == "train" else test)


def _digits(split: str) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    keep = _split_indices(bunch.target, split)
    X = (bunch.images[keep] / 16.0).astype(np.float32)[:, None]  # pixel values are 0..16
    return Dataset(
        X=X, y=bunch.target[keep].astype(np.int64), kind="image", name="digits",
        classes=[str(d) for d in range(10)],
    )


def _breast_cancer(split: str) -> Dataset:
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    keep = _split_indices(bunch.target, split)
    return Dataset(
        X=bunch.data[keep].astype(np.float32), y=bunch.target[keep].astype(np.int64), kind="table",
        name="breast-cancer", feature_names=[str(f) for f in bunch.feature_names],
        classes=[str(c) for c in bunch.target_names],
    )


def _bundled_with_sklearn() -> tuple[bool, str]:
    return importlib.util.find_spec("sklearn") is not None, "bundled with scikit-learn"


REGISTRY: dict[str, Builtin] = {
    b.name: b
    for b in [
        Builtin(
            "fashion-mnist", "image", (1, 28, 28), 70000,
            "Zalando clothing photos, 28x28 grayscale, 10 classes; train 60000, test 10000",
            fashion_mnist.load, fashion_mnist.locations,
        ),
        Builtin(
            "digits", "image", (1, 8, 8), 1797,
            "scikit-learn handwritten digits, 8x8 grayscale, 10 classes; train/test: stratified 80/20",
            _digits, _bundled_with_sklearn,
        ),
        Builtin(
            "breast-cancer", "table", (30,), 569,
            "Wisconsin breast cancer, 30 features, malignant (0) / benign (1); train/test: stratified 80/20",
            _breast_cancer, _bundled_with_sklearn,
        ),
    ]
}


def load_builtin(name: str, split: str) -> Dataset:
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r} for {name}; valid splits: {', '.join(SPLITS)}")
    return REGISTRY[name].loader(split)
