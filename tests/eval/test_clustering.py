"""Cluster accuracy (Hungarian matching) and NMI on hand-made cases."""
import numpy as np
import pytest

from aekit.errors import DataError
from aekit.eval.clustering import cluster_accuracy, contingency, nmi


def test_perfect_clusters_with_permuted_ids_score_one():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    renamed = np.array([2, 0, 1])[y]  # cluster ids are a permutation of the classes
    assert cluster_accuracy(y, renamed) == 1.0
    assert nmi(y, renamed) == pytest.approx(1.0)


def test_labels_of_any_kind():
    y = np.array(["cat", "cat", "dog", "dog"])
    clusters = np.array([7, 7, -3, -3])
    assert cluster_accuracy(y, clusters) == 1.0


def test_one_mistake():
    y = np.array([0, 0, 0, 1, 1, 1])
    pred = np.array([5, 5, 5, 9, 9, 5])
    assert cluster_accuracy(y, pred) == pytest.approx(5 / 6)


def test_hungarian_beats_greedy_majority():
    # Greedy "each cluster takes its majority class" would give both clusters class 0.
    # One-to-one: cluster a -> 0 (3 hits), cluster b -> 1 (2 hits): 5/8.
    y = np.array([0, 0, 0, 1, 0, 0, 1, 1])
    pred = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    assert cluster_accuracy(y, pred) == pytest.approx(5 / 8)


def test_more_clusters_than_classes_counts_unmatched_clusters_as_errors():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    pred = np.array([0, 0, 1, 1, 2, 2, 3, 3])  # every class split in two
    assert cluster_accuracy(y, pred) == pytest.approx(0.5)
    assert 0 < nmi(y, pred) < 1


def test_fewer_clusters_than_classes():
    y = np.array([0, 0, 1, 1, 2, 2])
    pred = np.zeros(6, dtype=int)  # everything in one cluster: it matches one class
    assert cluster_accuracy(y, pred) == pytest.approx(1 / 3)
    assert nmi(y, pred) == pytest.approx(0.0)


def test_random_clusters_are_near_chance():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, size=20000)
    pred = rng.integers(0, 10, size=20000)
    assert cluster_accuracy(y, pred) < 0.13
    assert nmi(y, pred) < 0.01


def test_contingency_counts():
    table = contingency([0, 1, 1, 1], [3, 3, 4, 4])
    np.testing.assert_array_equal(table, [[1, 1], [0, 2]])


@pytest.mark.parametrize("y_true, y_pred", [([0, 1], [0]), ([], []), ([[0, 1]], [[0, 1]])])
def test_bad_inputs_raise(y_true, y_pred):
    with pytest.raises(DataError):
        cluster_accuracy(y_true, y_pred)
    with pytest.raises(DataError):
        nmi(y_true, y_pred)
