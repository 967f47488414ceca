"""Input scaling learned at fit time and stored with the model.

Images get one global min/max map to [0, 1] (so a sigmoid output fits and pixels keep
their relative contrast); tables get per-column standardisation (so columns on mixed
scales weigh alike in the reconstruction error). Constant columns keep scale 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aekit.errors import ConfigError

SCALINGS = ("auto", "minmax", "standard", "none")


@dataclass
class Scaler:
    kind: str              # "minmax" | "standard" | "none"
    offset: np.ndarray     # subtracted first
    scale: np.ndarray      # then divided by

    def apply(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.offset) / self.scale).astype(np.float32, copy=False)

    def invert(self, X: np.ndarray) -> np.ndarray:
        return (X * self.scale + self.offset).astype(np.float32, copy=False)

    def to_config(self) -> dict:
        return {"kind": self.kind, "offset": self.offset.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_config(cls, config: dict) -> "Scaler":
        return cls(config["kind"], np.asarray(config["offset"], np.float32), np.asarray(config["scale"], np.float32))


def fit_scaler(X: np.ndarray, kind: str, is_image: bool) -> Scaler:
    """Learn the scaling of ``X`` (N, ...) for ``kind`` in SCALINGS."""
    if kind not in SCALINGS:
        raise ConfigError(f"unknown scaling {kind!r}; choose from {', '.join(SCALINGS)}")
    if kind == "auto":
        kind = "minmax" if is_image else "standard"
    if kind == "none":
        return Scaler("none", np.zeros((), np.float32), np.ones((), np.float32))
    if kind == "minmax":
        low, high = float(X.min()), float(X.max())
        return Scaler("minmax", np.float32(low), np.float32(high - low if high > low else 1.0))
    flat = X.reshape(len(X), -1).astype(np.float64)
    mean, std = flat.mean(axis=0), flat.std(axis=0)
    std[std < 1e-12 * np.maximum(1.0, np.abs(mean))] = 1.0
    shape = X.shape[1:]
    return Scaler("standard", mean.reshape(shape).astype(np.float32), std.reshape(shape).astype(np.float32))
