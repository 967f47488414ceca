"""Few-label downstream evaluation: how useful are codes when labels are scarce?

A logistic regression is trained on ``per_class`` labelled samples of each class
(drawn from the training set) and scored on the whole test set; repeated over several
random draws and averaged, because a 10-label draw alone is very noisy.
"""
from __future__ import annotations

import numpy as np


def labelled_subset(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``per_class`` random samples of every class in ``y``."""
    picks = [rng.choice(np.flatnonzero(y == c), size=per_class, replace=False) for c in np.unique(y)]
    return np.concatenate(picks)


def few_label_accuracy(train_features: np.ndarray, y_train: np.ndarray, test_features: np.ndarray,
                       y_test: np.ndarray, per_class: int, repeats: int = 5, seed: int = 0) -> dict:
    """Mean and standard deviation of test accuracy over ``repeats`` labelled draws."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(repeats):
        idx = labelled_subset(y_train, per_class, rng)
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
        clf.fit(train_features[idx], y_train[idx])
        scores.append(float(clf.score(test_features, y_test)))
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores)), "repeats": repeats,
            "per_class": per_class}
