"""Detection metrics: how well scores and a threshold separate anomalies from normal data."""
from __future__ import annotations

import numpy as np


def detection_metrics(is_anomaly: np.ndarray, anomaly_score: np.ndarray, flagged: np.ndarray) -> dict:
    """AUROC and AUPR of the scores (higher = more anomalous), and the threshold's
    precision, recall and false-positive rate (``flagged`` = predicted anomalies)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    truth = np.asarray(is_anomaly, bool)
    flagged = np.asarray(flagged, bool)
    both_classes = 0 < truth.sum() < len(truth)
    tp, fp = int((flagged & truth).sum()), int((flagged & ~truth).sum())
    return {
        "n_samples": int(len(truth)), "n_anomalies": int(truth.sum()),
        "auroc": float(roc_auc_score(truth, anomaly_score)) if both_classes else float("nan"),
        "aupr": float(average_precision_score(truth, anomaly_score)) if both_classes else float("nan"),
        "precision": tp / max(tp + fp, 1), "recall": tp / max(int(truth.sum()), 1),
        "false_positive_rate": fp / max(int((~truth).sum()), 1), "flagged": int(flagged.sum()),
    }
