"""scikit-learn style estimators, one per task family."""
from aekit.estimators.anomaly import AnomalyDetector
from aekit.estimators.autoencoder import AutoEncoder

# Names written into config.json -> classes, for ``aekit.load``.
ESTIMATORS = {"AutoEncoder": AutoEncoder, "AnomalyDetector": AnomalyDetector}

__all__ = ["AutoEncoder", "AnomalyDetector", "ESTIMATORS"]
