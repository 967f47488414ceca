"""Latent-space anomaly score: Mahalanobis distance of a code from the training codes.

A sample can be rebuilt well and still sit where no training code lies; this score
catches that. The covariance uses Ledoit-Wolf shrinkage so small or collinear code
sets still give a usable inverse.
"""
from __future__ import annotations

import numpy as np


def fit_gaussian(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, precision matrix) of ``codes`` (N, K)."""
    from sklearn.covariance import LedoitWolf

    lw = LedoitWolf().fit(codes.astype(np.float64))
    return lw.location_, lw.precision_


def mahalanobis_sq(codes: np.ndarray, mean: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance per row of ``codes``: (N, K) -> (N,)."""
    centred = codes.astype(np.float64) - mean
    return np.einsum("ij,jk,ik->i", centred, precision, centred)
