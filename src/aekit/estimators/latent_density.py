"""Gaussian anomaly scores: Mahalanobis distance from the training set's vectors.

A sample can be rebuilt well and still sit where no training sample lies; these scores
catch that. The vectors are the codes (``anomaly_score="latent"``) or the encoder's last
hidden representation (``"features"``: wider than the code, so it keeps more of what the
encoder saw). The covariance uses Ledoit-Wolf shrinkage, so small, wide or collinear
sets still give a well-conditioned inverse.
"""
from __future__ import annotations

import numpy as np


def fit_gaussian(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, precision matrix) of ``vectors`` (N, D), float64."""
    from sklearn.covariance import LedoitWolf

    lw = LedoitWolf().fit(vectors.astype(np.float64))
    return lw.location_, lw.precision_


def mahalanobis_sq(vectors: np.ndarray, mean: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance per row of ``vectors``: (N, D) -> (N,)."""
    centred = vectors.astype(np.float64) - mean
    return ((centred @ precision) * centred).sum(axis=1)  # one matrix product: fast for wide D
