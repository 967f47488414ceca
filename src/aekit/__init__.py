"""aekit: auto-encoders and self-supervised representation learning.

    >>> import aekit
    >>> ae = aekit.AutoEncoder(latent_dim=16).fit(X)
    >>> codes = ae.transform(X)
    >>> ae.save("my-model"); ae2 = aekit.load("my-model")

Heavy modules (torch, scikit-learn) load on first use, so ``import aekit`` and the
``aekit`` command start fast.
"""
from aekit.errors import AekitError, ConfigError, DataError, ModelFileError
from aekit.version import __version__

__all__ = ["AutoEncoder", "AnomalyDetector", "load", "datasets", "AekitError", "DataError", "ConfigError",
           "ModelFileError", "__version__"]


def load(path):
    """Load a model folder written by ``estimator.save(path)``."""
    from aekit.estimators.saving import load_estimator

    return load_estimator(path)


def __getattr__(name):
    if name in ("AutoEncoder", "AnomalyDetector"):
        import aekit.estimators

        return getattr(aekit.estimators, name)
    if name == "datasets":
        import aekit.data as datasets

        return datasets
    raise AttributeError(f"module 'aekit' has no attribute {name!r}")
