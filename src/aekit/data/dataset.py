"""The one container every loader returns, so the rest of aekit sees a single shape of data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Dataset:
    """Samples plus what is known about them.

    X is float32: (N, F) for tables, (N, C, H, W) for images. y holds integer
    labels when the source has them. ids has one entry per sample (the relative
    file path for image folders, the ``id`` column for tables), else None.
    """

    X: np.ndarray
    y: np.ndarray | None = None
    kind: str = "table"
    name: str = ""
    ids: list[str] | None = None
    feature_names: list[str] | None = None
    classes: list[str] | None = None

    def __len__(self) -> int:
        return len(self.X)
