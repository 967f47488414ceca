"""Classic baselines run next to our models on the same data."""
from __future__ import annotations

import numpy as np


def pca_codes(X_train: np.ndarray, X_test: np.ndarray, n_components: int, seed: int = 0) -> dict:
    """Fit PCA on flattened training samples; codes and reconstructions of the test set."""
    from sklearn.decomposition import PCA

    flat_train, flat_test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    pca = PCA(n_components=n_components, random_state=seed).fit(flat_train)
    test_codes = pca.transform(flat_test)
    recon = pca.inverse_transform(test_codes).reshape(X_test.shape)
    return {"model": pca, "train_codes": pca.transform(flat_train), "test_codes": test_codes,
            "test_recon": recon.astype(np.float32)}


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error over every value, in the data's own units."""
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
