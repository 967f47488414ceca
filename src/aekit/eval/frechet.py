"""Fréchet distance between two sets of samples, in the feature space of a small classifier.

The Fréchet (2-Wasserstein) distance between Gaussians fitted to two sets of feature
vectors (Dowson & Landau 1982), as used by FID (Heusel et al. 2017, "GANs trained by a
two time-scale update rule converge to a local Nash equilibrium", NeurIPS)::

    d^2 = |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))

Honest scope: FID proper uses the pool features of an Inception-v3 network trained on
ImageNet. Here the features come from ``train_feature_classifier``: a small conv net
trained in the benchmark on the dataset's own training images (Fashion-MNIST, or the 8x8
digits), its penultimate layer as features. This "FID-like" score ranks generators of the
same dataset against each other and against the floor of real-vs-real images; its values
are not comparable to published FID numbers (different network, feature size and data).
"""
from __future__ import annotations

import numbers

import numpy as np

from aekit.errors import ConfigError, DataError

SQRTM_EPS = 1e-6          # added to both covariance diagonals when their product's root is singular
IMAG_TOLERANCE = 1e-3     # largest imaginary part of the root's diagonal accepted as rounding noise
FEATURE_BATCH = 512


# ----------------------------------------------------------------- the distance
def gaussian_stats(feats) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of the rows of ``feats`` (N, D), in float64."""
    feats = np.asarray(feats, dtype=np.float64)
    if feats.ndim != 2 or feats.shape[1] == 0:
        raise DataError(f"features must be a 2-D array (N, D), got shape {feats.shape}")
    if len(feats) < 2:
        raise DataError(f"need at least 2 feature vectors for a covariance, got {len(feats)}")
    if not np.isfinite(feats).all():
        raise DataError("features contain NaN or infinite values")
    return feats.mean(axis=0), np.atleast_2d(np.cov(feats, rowvar=False))


def frechet_distance_from_stats(mu_a, cov_a, mu_b, cov_b) -> float:
    """Fréchet distance between N(mu_a, cov_a) and N(mu_b, cov_b) (the squared 2-Wasserstein
    distance, as FID reports it). Never negative."""
    mu_a, mu_b = np.asarray(mu_a, np.float64), np.asarray(mu_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    if mu_a.shape != mu_b.shape or cov_a.shape != cov_b.shape or cov_a.shape != (len(mu_a), len(mu_a)):
        raise DataError(f"the two sets have different feature sizes: {mu_a.shape} and {mu_b.shape}")
    root = _sqrtm(cov_a @ cov_b)
    if not np.isfinite(root).all():
        # Singular product (e.g. fewer samples than features): regularise both covariances.
        offset = np.eye(len(cov_a)) * SQRTM_EPS
        root = _sqrtm((cov_a + offset) @ (cov_b + offset))
    if np.iscomplexobj(root):
        # The exact root is real (S_a S_b is similar to a PSD matrix); rounding leaves small
        # imaginary parts. A large one means the inputs were not covariances.
        largest = np.max(np.abs(root.imag.diagonal())) if root.size else 0.0
        if largest > IMAG_TOLERANCE * max(1.0, np.abs(root.real.diagonal()).max()):
            raise DataError(f"matrix square root has an imaginary component of {largest:.3g}; "
                            "the covariances are not valid (check the features)")
        root = root.real
    diff = mu_a - mu_b
    value = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(root)
    return float(max(value, 0.0))  # rounding can leave a tiny negative number for equal sets


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    import warnings

    from scipy import linalg

    with warnings.catch_warnings():  # singular matrices are handled by the caller
        warnings.simplefilter("ignore")
        return linalg.sqrtm(matrix)


def frechet_distance(feats_a, feats_b) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature vectors (N_a, D), (N_b, D).

    0 for identical sets; symmetric; grows with the distance between the means and with
    any difference of the covariances. Use many more samples than features (the
    covariance estimates are biased for small sets, so compare scores at equal N).
    """
    mu_a, cov_a = gaussian_stats(feats_a)
    mu_b, cov_b = gaussian_stats(feats_b)
    if mu_a.shape != mu_b.shape:
        raise DataError(f"the two sets have different feature sizes: {mu_a.shape[0]} and {mu_b.shape[0]}")
    return frechet_distance_from_stats(mu_a, cov_a, mu_b, cov_b)


# ------------------------------------------------------ the feature extractor
def _network(n_classes: int, width: int, feature_dim: int):
    import torch
    from torch import nn

    class FeatureClassifier(nn.Module):
        """Small conv net for grayscale images of any size >= 3x3 (28x28 Fashion-MNIST,
        8x8 digits)::

            (B, 1, H, W) ─conv3x3(w)─relu─conv3x3/2(2w)─relu─conv3x3/2(2w)─relu
                ─adaptive avg pool 3x3─> (B, 18w) ─linear─relu─> features (B, feature_dim)
                ─linear─> logits (B, n_classes)
        """

        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(1, width, 3, padding=1), nn.ReLU(),
                nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
                nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
                nn.AdaptiveAvgPool2d(3), nn.Flatten(),
                nn.Linear(2 * width * 9, feature_dim), nn.ReLU())
            self.head = nn.Linear(feature_dim, n_classes)

        def features(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(x)  # (B, 1, H, W) -> (B, feature_dim)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.features(x))  # (B, n_classes)

    return FeatureClassifier()


def _images(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 3:
        X = X[:, None]  # (N, H, W) -> (N, 1, H, W)
    if X.ndim != 4 or X.shape[1] != 1:
        raise DataError(f"expected grayscale images (N, H, W) or (N, 1, H, W), got shape {X.shape}")
    if min(X.shape[2:]) < 3:
        raise DataError(f"images must be at least 3x3 pixels, got {X.shape[2:]}")
    if not np.isfinite(X).all():
        raise DataError("images contain NaN or infinite values")
    return np.ascontiguousarray(X)


def train_feature_classifier(X, y, epochs: int = 3, seed: int = 0, batch_size: int = 128,
                             lr: float = 1e-3, width: int = 32, feature_dim: int = 64):
    """Train the small classifier whose penultimate layer ``features`` reads.

    Args:
        X: (N, 1, H, W) or (N, H, W) grayscale training images (values as the generators
            produce them, e.g. in [0, 1]).
        y: (N,) class labels (any values; mapped to 0..C-1).
        epochs: passes over the data (Adam, cross-entropy).
        seed: seeds the initial weights and the shuffling.
        width: channels of the first conv layer.
        feature_dim: size of the feature vectors.

    Returns:
        The network in evaluation mode, with ``classes_`` (the labels, sorted) attached.
    """
    import torch
    from torch.nn import functional as F

    X = _images(X)
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise DataError(f"y must have shape ({len(X)},): one label per image, got {y.shape}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("width", width),
                        ("feature_dim", feature_dim)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    classes, targets = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise DataError("y has a single class: a classifier needs at least 2")
    torch.manual_seed(seed)
    model = _network(len(classes), int(width), int(feature_dim))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    images, labels = torch.from_numpy(X), torch.from_numpy(targets.astype(np.int64))
    shuffle = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(int(epochs)):
        order = torch.randperm(len(images), generator=shuffle)
        for start in range(0, len(order), int(batch_size)):
            batch = order[start:start + int(batch_size)]
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    model.eval()
    model.classes_ = classes
    return model


def _batched(fn, X: np.ndarray) -> np.ndarray:
    import torch

    outs = []
    with torch.no_grad():
        for start in range(0, len(X), FEATURE_BATCH):
            outs.append(fn(torch.from_numpy(X[start:start + FEATURE_BATCH])).numpy())
    return np.concatenate(outs)


def features(model, X) -> np.ndarray:
    """Penultimate-layer features of images ``X`` (N, 1, H, W): (N, feature_dim) float64."""
    X = _images(X)
    model.eval()
    return _batched(model.features, X).astype(np.float64)


def classifier_accuracy(model, X, y) -> float:
    """Share of images ``X`` the classifier labels correctly (a sanity check of the features)."""
    X = _images(X)
    model.eval()
    predicted = model.classes_[_batched(model, X).argmax(axis=1)]
    return float(np.mean(predicted == np.asarray(y)))
