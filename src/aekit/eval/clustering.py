"""Scores for unsupervised classification: how well do clusters match the (unused) classes?

``cluster_accuracy`` is the usual "unsupervised clustering accuracy" of the deep-clustering
literature (DEC, Xie et al. 2016; N2D, McConville et al. 2019/2020): the best one-to-one
mapping of clusters to classes, found with the Hungarian algorithm, and the share of
samples whose mapped cluster is their class. ``nmi`` is normalized mutual information,
which needs no mapping at all.

Cluster ids and class labels are arbitrary (any integers or strings); only which samples
share an id matters.
"""
from __future__ import annotations

import numpy as np

from aekit.errors import DataError


def _check_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise DataError(f"y_true and y_pred must be 1-D, got shapes {y_true.shape} and {y_pred.shape}")
    if len(y_true) != len(y_pred):
        raise DataError(f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}")
    if len(y_true) == 0:
        raise DataError("y_true and y_pred are empty: need at least one sample")
    return y_true, y_pred


def contingency(y_true, y_pred) -> np.ndarray:
    """Counts (n_clusters, n_classes): entry [i, j] = samples in cluster i with class j.

    Rows follow the sorted distinct cluster ids, columns the sorted distinct classes.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    _, classes = np.unique(y_true, return_inverse=True)
    clusters_ids, clusters = np.unique(y_pred, return_inverse=True)
    table = np.zeros((len(clusters_ids), classes.max() + 1), dtype=np.int64)
    np.add.at(table, (clusters, classes), 1)
    return table


def cluster_accuracy(y_true, y_pred) -> float:
    """Share of samples correctly classified under the best one-to-one cluster -> class map.

    The map maximises the number of matched samples (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``). When there are more clusters than classes,
    only as many clusters as there are classes get a class: the samples of the others
    count as errors. When there are fewer, some classes get no cluster and their samples
    count as errors. So 1.0 means the clusters are exactly the classes.

    Args:
        y_true: (N,) class labels.
        y_pred: (N,) cluster ids.
    """
    from scipy.optimize import linear_sum_assignment

    table = contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / table.sum())


def nmi(y_true, y_pred) -> float:
    """Normalized mutual information between classes and clusters, in [0, 1].

    scikit-learn's ``normalized_mutual_info_score`` with the arithmetic-mean
    normalisation (its default, and the usual choice in the clustering papers).
    Invariant to renaming clusters; 1.0 when clusters and classes determine each other.
    """
    from sklearn.metrics import normalized_mutual_info_score

    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(normalized_mutual_info_score(y_true, y_pred))
