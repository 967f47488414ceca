"""scikit-learn style estimators, one per task family."""
from aekit.estimators.autoencoder import AutoEncoder

# Names written into config.json -> classes, for ``aekit.load``.
ESTIMATORS = {"AutoEncoder": AutoEncoder}

__all__ = ["AutoEncoder", "ESTIMATORS"]
