"""``aekit.AnomalyDetector``: train on normal data only, flag what rebuilds badly.

Anomalies are rare and varied, so this is a one-class problem: the auto-encoder learns
to rebuild normal samples, and a large error (or an unusual code) marks an anomaly.
It is the core ``AutoEncoder`` under the name users look for; the threshold rules live
in ``aekit.estimators.thresholds`` and the scores in ``AutoEncoder.anomaly_score``.

    >>> det = aekit.AnomalyDetector(target_fpr=0.01).fit(X_normal)
    >>> det.predict(X_new)        # +1 normal, -1 anomaly
    >>> det.explain(X_new)        # per-pixel / per-feature error
"""
from aekit.estimators.autoencoder import AutoEncoder


class AnomalyDetector(AutoEncoder):
    """An ``AutoEncoder`` fitted on normal data; same parameters (see ``AutoEncoder``)."""
