"""Where ``predict`` draws the line between normal and anomalous.

Two rules, the two ways users ask for it:
  - ``target_fpr``: the false-positive rate wanted on normal data. The threshold is the
    ``target_fpr`` quantile of the scores of held-out normal samples (the Trainer's
    validation split, never trained on): the common case, where no anomalies exist yet.
  - ``contamination``: the share of the training data itself expected to be anomalous;
    the threshold is that percentile of the training scores (scikit-learn's convention).
With neither given, ``target_fpr=0.05`` is used when there is held-out data, else
``contamination=0.05``.
"""
from __future__ import annotations

import numpy as np

from aekit.errors import ConfigError

DEFAULT_RATE = 0.05


def check_threshold_args(contamination: float | None, target_fpr: float | None) -> None:
    if contamination is not None and target_fpr is not None:
        raise ConfigError("give contamination or target_fpr, not both")
    if contamination is not None and not 0 < contamination <= 0.5:
        raise ConfigError(f"contamination must be in (0, 0.5], got {contamination}")
    if target_fpr is not None and not 0 < target_fpr < 1:
        raise ConfigError(f"target_fpr must be in (0, 1), got {target_fpr}")


def threshold_offset(all_scores: np.ndarray, holdout_scores: np.ndarray | None,
                     contamination: float | None, target_fpr: float | None) -> tuple[float, dict]:
    """(offset_, description) from normality scores (higher = more normal)."""
    check_threshold_args(contamination, target_fpr)
    if target_fpr is None and contamination is None:
        if holdout_scores is not None and len(holdout_scores) > 0:
            target_fpr = DEFAULT_RATE
        else:
            contamination = DEFAULT_RATE
    if target_fpr is not None:
        if holdout_scores is None or len(holdout_scores) == 0:
            raise ConfigError("target_fpr needs held-out normal data: set val_fraction > 0 "
                              "(and give enough samples for a validation split)")
        offset = float(np.quantile(holdout_scores, target_fpr))
        return offset, {"rule": "target_fpr", "value": float(target_fpr), "n_samples": int(len(holdout_scores))}
    offset = float(np.percentile(all_scores, 100 * contamination))
    return offset, {"rule": "contamination", "value": float(contamination), "n_samples": int(len(all_scores))}
