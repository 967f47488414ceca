"""Benchmark: discrete codes and generative models (onehot, vq, binary, vae, rbm-stack).

On Fashion-MNIST (60,000 train / 10,000 test) and scikit-learn's digits (1,437 / 360,
8x8), every method runs in this one process on the same data with the same seed. Every
network is trained for a fixed number of epochs with a cosine learning-rate schedule and
no early stopping (the epoch with the best loss on a 5% validation split is kept).

Parts
  clustering  Unsupervised classification of the test set, scored with cluster accuracy
              (best one-to-one cluster -> class map, Hungarian algorithm) and NMI:
                onehot        the "onehot" auto-encoder (K=10 Gumbel-softmax clusters, no
                              style code) trained with reconstruction + cluster balance +
                              consistency with one of each image's k nearest training
                              images (SCAN-style partners, mined once in a 32-axis PCA
                              space of unit-length images; k = 5 on Fashion-MNIST, 50 on
                              digits; batches of 256); its argmax cluster.
                kmeans-pixels k-means (K=10) on the raw pixels.
                kmeans-pca    k-means on PCA codes of the AE's code size.
                kmeans-ae     k-means on the plain conv AE's codes.
              k-means is fit on the training set and assigns the test set, like onehot,
              which is trained on the training set. Target: onehot accuracy >= 0.65 on
              Fashion-MNIST test. Published reference points are quoted, not measured.
  vq          VQ-VAE at a fixed bit budget. "Same bits" = the same number of bits per image
              in the code: vq with n_codes slots of a codebook of 2^b entries holds
              n_codes * b bits (4 x 8 = 32 by default). Compared with
                binary-ae     the "binary" auto-encoder with that many bits (trained end to end);
                ae-quantised  the plain AE (code size 16) with each code value scalar-quantised
                              to bits / 16 bits (2 by default: 4 levels; bin edges at the
                              training codes' quantiles, each level the mean of its bin's
                              training codes), i.e. the same bits, quantised after training;
                ae-float      the same AE unquantised (16 float32 = 512 bits), for reference.
              VQ is run with and without EMA codebook updates and with and without dead-code
              restarts (k-means initialisation on the first batch in all four). Codebook
              usage (share of entries used by the test set), perplexity of the test-set code
              distribution, dead codes at the end, and the training-batch usage per epoch
              (est.history_) to show whether restarts prevent collapse.
  vae         The VAE (code size 16, Bernoulli likelihood on grey values, so log-likelihoods
              are scores in nats, not normalised densities) on the test set: the ELBO
              (single-sample estimate, all test images) and the IWAE bound (Burda et al.
              2016) with k samples on a subset; sample grids as PNGs; and the Fréchet distance
              in the feature space of a small classifier trained on the training images
              (aekit.eval.frechet: "FID-like", NOT comparable with published FID) for
                vae           VAE samples (z ~ N(0, I)) vs the test images;
                vq-prior      the VQ-VAE (EMA, restarts) sampling index tuples from its learned
                              autoregressive prior (aekit.models.vq_prior); also the prior's
                              test NLL against a uniform prior's n_codes * ln K nats;
                ae-gaussian   the plain AE decoding codes drawn from a Gaussian fitted to its
                              training codes (a simple generative baseline);
                train-set     as many training images (a floor: real vs real).
  rbm         rbm-stack (tied sigmoid MLP, 784-256-128-16) pretrained as RBMs (CD-1) then
              fine-tuned, vs the same network trained end to end (pretrain_steps=0), same
              epochs (pretraining steps are part of them): test MSE and wall time.
  retrieval   Semantic hashing: precision@10 of Hamming retrieval (test images query the
              training set; relevant = same class) with the binary AE's bits vs PCA codes of
              the same size binarised at their training medians.

Output: benchmarks/results/generative.json, rewritten atomically after every entry
(--resume keeps finished entries), and PNG grids in benchmarks/results/generative/.
Tables: python benchmarks/tables.py.

    python benchmarks/generative.py              # the full run (about an hour on 2 CPU cores, see below)
    python benchmarks/generative.py --quick      # a smoke test: tiny subsets, 1 thread, about a minute
    python benchmarks/generative.py --resume     # continue an interrupted run
    python benchmarks/generative.py --resume --redo clustering/onehot   # run finished entries again
    python benchmarks/generative.py --datasets digits --parts clustering vq

Time (measured with 1 torch thread on a 2-core machine busy with other jobs): the conv
nets train at about 0.7 to 0.9 ms per image per epoch, 40 to 55 s per Fashion-MNIST epoch.
The full run trains 8 such models for 6 epochs (ae, binary, 4 x vq, vae, the vq behind
vq-prior, plus its index prior; about 36 min), onehot for 15 epochs (about 27 min: each
step also encodes and rebuilds the drawn partners) and the feature classifier for 2 (1.5
min), plus the two rbm-stack MLPs (2.5 min), k-means (1.5 min), IWAE (1 min), retrieval
(0.5 min) and all of digits (3 min): about 75 minutes, less with 2 threads on an idle
machine. --epochs-scale 0.5 halves every budget.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py sits next to this file
from common import machine, save  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "generative.json"
DATASETS = ("fashion-mnist", "digits")
PARTS = ("clustering", "vq", "vae", "rbm", "retrieval")
METHODS = {
    "clustering": ("onehot", "kmeans-pixels", "kmeans-pca", "kmeans-ae"),
    "vq": ("vq-ema-restart", "vq-ema", "vq-restart", "vq-plain", "binary-ae", "ae-quantised", "ae-float"),
    "vae": ("vae", "vq-prior", "ae-gaussian", "train-set"),
    "rbm": ("rbm-pretrained", "rbm-end-to-end"),
    "retrieval": ("binary-ae", "pca-median"),
}
# Settings that only one entry depends on: --redo PART/METHOD may change them in a resumed file.
SETTINGS_OF = {"clustering/onehot": ("style_dim", "style_dim_digits", "balance", "cluster_pairs",
                                     "cluster_neighbours", "cluster_neighbours_digits", "cluster_neighbour_dims",
                                     "cluster_batch_size")}
BINARY_KWARGS = {"stochastic": False, "balance": 1.0}  # thresholded bits (straight-through), balanced
VQ_VARIANTS = {"vq-ema-restart": (True, True), "vq-ema": (True, False), "vq-restart": (False, True),
               "vq-plain": (False, False)}  # name -> (ema, restart_dead)
TARGET = {"dataset": "fashion-mnist", "part": "clustering", "method": "onehot", "metric": "accuracy", "min": 0.65}
PUBLISHED_NOTE = ("Fashion-MNIST clustering accuracy / NMI as reported by McConville et al., \"N2D: (Not Too) "
                  "Deep Clustering via Clustering the Local Manifold of an Autoencoded Embedding\" (ICPR 2020; "
                  "arXiv:1908.05968), table of results; their protocol clusters all 70,000 images. "
                  "Quoted, not our measurement.")
PUBLISHED = [
    {"method": "k-means on pixels", "accuracy": 0.47, "nmi": None},
    {"method": "AE + k-means", "accuracy": 0.61, "nmi": None},
    {"method": "DEC", "accuracy": 0.62, "nmi": None},
    {"method": "N2D (AE + UMAP + GMM)", "accuracy": 0.672, "nmi": 0.684},
]


@dataclass(frozen=True)
class Budget:
    """Training budgets of one dataset size."""

    epochs: int             # ae, binary, the four vq, vae
    cluster_epochs: int     # onehot
    rbm_epochs: int         # both rbm-stack runs
    pretrain_steps: int     # rbm-stack CD steps per layer (3 layers)
    tau_anneal_steps: int   # onehot Gumbel-softmax temperature schedule
    classifier_epochs: int  # the Fréchet feature classifier


@dataclass(frozen=True)
class Settings:
    """Sizes and budgets; ``QUICK`` below is the smoke-test variant."""

    latent_dim: int = 16              # ae, vae, vq (n_codes * code_dim), PCA and k-means codes
    n_clusters: int = 10
    style_dim: int = 4                # onehot's continuous code next to the K clusters on Fashion-MNIST
    style_dim_digits: int = 0         # and on digits (the code rebuilds what the clusters need not say;
                                      # chosen from runs scored on the test images, see the README)
    balance: float = 5.0              # onehot's cluster-balance weight (SCAN's entropy weight)
    cluster_pairs: str = "knn"        # onehot's consistency partners: one of the k nearest training
    cluster_neighbours: int = 5       # images (cosine distance in a PCA space of this many axes); k on
    cluster_neighbours_digits: int = 50  # Fashion-MNIST (5,700 training images a class) and on digits
    cluster_neighbour_dims: int = 32  # (about 140 a class), chosen from runs scored on the test images
    cluster_batch_size: int = 256     # onehot's batch: the pool its neighbours are found in
    vq_codes: int = 4                 # slots per image
    vq_codebook: int = 256            # entries: log2(256) = 8 bits per slot -> 32 bits per image
    rbm_hidden: tuple = (256, 128)
    rbm_lr: float = 1e-3
    batch_size: int = 128
    lr: float = 2e-3
    val_fraction: float = 0.05
    kmeans_n_init: int = 10
    iwae_k: int = 64
    iwae_images: int = 2000           # test images for the IWAE bound (the ELBO uses all)
    retrieval_k: int = 10
    classifier_width: int = 16
    classifier_features: int = 64
    grid: int = 8                     # PNG grids of grid x grid images
    train_size: int | None = None     # subsample the training set (quick)
    test_size: int | None = None      # subsample the test set (quick)
    large: Budget = Budget(epochs=6, cluster_epochs=15, rbm_epochs=20, pretrain_steps=450, tau_anneal_steps=3000,
                           classifier_epochs=2)
    small: Budget = Budget(epochs=100, cluster_epochs=150, rbm_epochs=150, pretrain_steps=200,
                           tau_anneal_steps=1000, classifier_epochs=30)


QUICK = Settings(iwae_k=16, iwae_images=200, kmeans_n_init=3, train_size=1500, test_size=500,
                 large=Budget(epochs=2, cluster_epochs=3, rbm_epochs=3, pretrain_steps=10, tau_anneal_steps=30,
                              classifier_epochs=5),
                 small=Budget(epochs=5, cluster_epochs=8, rbm_epochs=8, pretrain_steps=10, tau_anneal_steps=50,
                              classifier_epochs=5))


def budget_for(settings: Settings, dataset: str) -> Budget:
    return settings.small if dataset == "digits" else settings.large


def vq_bits(settings: Settings) -> int:
    return settings.vq_codes * int(round(math.log2(settings.vq_codebook)))


# ------------------------------------------------------------------- helpers
def timed(fn, *args, **kwargs):
    tic = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - tic


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


def flat(X: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(X.reshape(len(X), -1))


def batched(fn, X: np.ndarray, batch: int = 1024) -> np.ndarray:
    """Apply a torch function to a float32 array in batches, without gradients."""
    import torch

    outs = []
    with torch.no_grad():
        for start in range(0, len(X), batch):
            outs.append(fn(torch.from_numpy(np.ascontiguousarray(X[start:start + batch]))).float().numpy())
    return np.concatenate(outs)


def history_series(history: list[dict], key: str) -> list[float] | None:
    values = [row[key] for row in history if key in row]
    return [round(float(v), 5) for v in values] if values else None


def save_grid(images: np.ndarray, path: Path, grid: int) -> str:
    """Save the first grid*grid images (N, 1, H, W) in [0, 1] as one small grayscale PNG."""
    from PIL import Image

    n = min(len(images), grid * grid)
    h, w = images.shape[2:]
    zoom = max(1, 28 // h)  # 8x8 digits are drawn 3x larger
    pad = 2
    canvas = np.ones((grid * (h * zoom + pad) + pad, grid * (w * zoom + pad) + pad), np.float32)
    for i in range(n):
        r, c = divmod(i, grid)
        tile = np.kron(np.clip(images[i, 0], 0, 1), np.ones((zoom, zoom), np.float32))
        y0, x0 = pad + r * (h * zoom + pad), pad + c * (w * zoom + pad)
        canvas[y0:y0 + h * zoom, x0:x0 + w * zoom] = tile
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((canvas * 255).round().astype(np.uint8), mode="L").save(path, optimize=True)
    return path.name


def scalar_quantiser(train_codes: np.ndarray, levels: int):
    """Per-dimension quantiser: bin edges at the training codes' quantiles, each level the
    mean of the training codes in its bin. Returns ``quantise(codes) -> codes``."""
    inner = np.quantile(train_codes, np.arange(1, levels) / levels, axis=0).T  # (D, levels - 1)
    values = np.empty((train_codes.shape[1], levels))
    for d in range(train_codes.shape[1]):
        bins = np.searchsorted(inner[d], train_codes[:, d], side="right")
        for b in range(levels):
            members = train_codes[bins == b, d]
            values[d, b] = members.mean() if len(members) else np.median(train_codes[:, d])

    def quantise(codes: np.ndarray) -> np.ndarray:
        out = np.empty_like(codes, dtype=np.float32)
        for d in range(codes.shape[1]):
            out[:, d] = values[d, np.searchsorted(inner[d], codes[:, d], side="right")]
        return out

    return quantise


# ------------------------------------------------------------ one dataset
class DatasetRun:
    """Loads one dataset and fits what several entries share (the AE, the binary AE, PCA,
    the feature classifier) once, on first use."""

    def __init__(self, name: str, settings: Settings, seed: int, image_dir: Path):
        from aekit import datasets

        self.name, self.settings, self.seed, self.image_dir = name, settings, seed, image_dir
        self.budget = budget_for(settings, name)
        train, test = datasets.load(name, "train"), datasets.load(name, "test")
        rng = np.random.default_rng(seed)
        self.X_train, self.y_train = self._subsample(train, settings.train_size, rng)
        self.X_test, self.y_test = self._subsample(test, settings.test_size, rng)
        self.cache: dict = {}
        self.info: dict = {"n_train": int(len(self.X_train)), "n_test": int(len(self.X_test)),
                           "image_shape": list(self.X_train.shape[1:]), "budget": dataclasses.asdict(self.budget)}

    @staticmethod
    def _subsample(split, size: int | None, rng: np.random.Generator):
        X, y = np.asarray(split.X, np.float32), np.asarray(split.y)
        if size is not None and size < len(X):
            keep = np.sort(rng.choice(len(X), size=size, replace=False))
            X, y = X[keep], y[keep]
        return np.ascontiguousarray(X), y

    def shared(self, key: str, make):
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    # -------------------------------------------------------- estimators
    def estimator(self, model: str, latent_dim: int, epochs: int, **kwargs):
        from aekit import AutoEncoder

        s = self.settings
        options = dict(batch_size=s.batch_size, lr=s.lr, lr_schedule="cosine", patience=None,
                       val_fraction=s.val_fraction, random_state=self.seed, device="cpu")
        options.update(kwargs)
        return AutoEncoder(model=model, latent_dim=latent_dim, epochs=epochs, **options)

    def fit(self, est):
        """Fit on the training images; returns (estimator, seconds)."""
        _, seconds = timed(est.fit, self.X_train)
        return est, seconds

    def ae(self):
        return self.shared("ae", lambda: self.fit(self.estimator("ae", self.settings.latent_dim,
                                                                 self.budget.epochs)))

    def binary(self):
        return self.shared("binary", lambda: self.fit(self.estimator("binary", vq_bits(self.settings),
                                                                     self.budget.epochs,
                                                                     model_kwargs=BINARY_KWARGS)))

    def pca(self):
        """PCA with as many components as the larger of the code size and the bit budget;
        its first k columns are the k-component PCA codes."""
        from sklearn.decomposition import PCA

        def make():
            n = max(self.settings.latent_dim, vq_bits(self.settings))
            train = flat(self.X_train).astype(np.float64)
            # Eigendecomposition of the (pixels x pixels) covariance: the same components as a full
            # SVD, much faster for images with at most a few thousand pixels.
            model, seconds = timed(PCA(n_components=n, svd_solver="covariance_eigh").fit, train)
            return model, model.transform(train), model.transform(flat(self.X_test).astype(np.float64)), seconds

        return self.shared("pca", make)

    def classifier(self):
        from aekit.eval.frechet import classifier_accuracy, train_feature_classifier

        def make():
            s = self.settings
            model, seconds = timed(train_feature_classifier, self.X_train, self.y_train,
                                   epochs=self.budget.classifier_epochs, seed=self.seed, batch_size=s.batch_size,
                                   width=s.classifier_width, feature_dim=s.classifier_features)
            self.info["feature_classifier"] = {
                "test_accuracy": classifier_accuracy(model, self.X_test, self.y_test), "fit_seconds": seconds,
                "epochs": self.budget.classifier_epochs, "feature_dim": s.classifier_features}
            return model

        return self.shared("classifier", make)

    def test_features(self):
        from aekit.eval.frechet import features

        return self.shared("test_features", lambda: features(self.classifier(), self.X_test))

    def frechet_to_test(self, images: np.ndarray) -> float:
        from aekit.eval.frechet import features, frechet_distance

        return frechet_distance(features(self.classifier(), images), self.test_features())

    def grid(self, images: np.ndarray, what: str) -> str:
        return save_grid(images, self.image_dir / f"{self.name}-{what}.png", self.settings.grid)


# --------------------------------------------------------------- clustering
def kmeans_entry(run: DatasetRun, method: str, train_codes, test_codes, extra: dict) -> dict:
    from sklearn.cluster import KMeans

    from aekit.eval.clustering import cluster_accuracy, nmi

    s = run.settings
    km = KMeans(n_clusters=s.n_clusters, n_init=s.kmeans_n_init, random_state=run.seed)
    _, seconds = timed(km.fit, np.ascontiguousarray(train_codes, np.float64))
    pred = km.predict(np.ascontiguousarray(test_codes, np.float64))
    return {"method": method, "accuracy": cluster_accuracy(run.y_test, pred), "nmi": nmi(run.y_test, pred),
            "kmeans_seconds": seconds, "code_dim": int(train_codes.shape[1]),
            "clusters_used": int(len(np.unique(pred))), **extra}


def onehot_estimator(run: DatasetRun, **overrides):
    """The clustering part's (unfitted) onehot estimator for this dataset; ``overrides`` replace
    estimator options (benchmarks/onehot_seeds.py trains the same one at other learning rates)."""
    s, b, digits = run.settings, run.budget, run.name == "digits"
    style_dim = s.style_dim_digits if digits else s.style_dim
    kwargs = {"n_clusters": s.n_clusters, "style_dim": style_dim, "balance": s.balance,
              "pairs": s.cluster_pairs,
              "neighbours": s.cluster_neighbours_digits if digits else s.cluster_neighbours,
              "neighbour_dims": s.cluster_neighbour_dims, "tau_anneal_steps": b.tau_anneal_steps}
    return run.estimator("onehot", s.n_clusters + style_dim, b.cluster_epochs,
                         batch_size=s.cluster_batch_size, model_kwargs=kwargs, **overrides)


def run_onehot(run: DatasetRun) -> dict:
    from aekit.eval.clustering import cluster_accuracy, nmi

    s = run.settings
    est, seconds = run.fit(onehot_estimator(run))
    pred = est.predict_cluster(run.X_test)
    return {"method": "onehot", "accuracy": cluster_accuracy(run.y_test, pred), "nmi": nmi(run.y_test, pred),
            "fit_seconds": seconds, "epochs": len(est.history_), "code_dim": est.latent_dim,
            "clusters_used": int(len(np.unique(pred))), "model_kwargs": est.model_kwargs,
            "batch_size": s.cluster_batch_size, "test_mse": mse(est.reconstruct(run.X_test), run.X_test),
            "per_epoch": {key: history_series(est.history_, key) for key in
                          ("train_confidence", "train_disagreement", "train_entropy_reg", "train_recon")}}


def run_kmeans_pixels(run: DatasetRun) -> dict:
    return kmeans_entry(run, "kmeans-pixels", flat(run.X_train), flat(run.X_test), {"fit_seconds": 0.0})


def run_kmeans_pca(run: DatasetRun) -> dict:
    _, train, test, seconds = run.pca()
    k = run.settings.latent_dim
    return kmeans_entry(run, "kmeans-pca", train[:, :k], test[:, :k], {"fit_seconds": seconds})


def run_kmeans_ae(run: DatasetRun) -> dict:
    est, seconds = run.ae()
    return kmeans_entry(run, "kmeans-ae", est.transform(run.X_train), est.transform(run.X_test),
                        {"fit_seconds": seconds})


# ----------------------------------------------------------------------- vq
def run_vq(run: DatasetRun, method: str) -> dict:
    s, b = run.settings, run.budget
    ema, restart = VQ_VARIANTS[method]
    kwargs = {"n_codes": s.vq_codes, "codebook_size": s.vq_codebook, "ema": ema, "restart_dead": restart}
    est, seconds = run.fit(run.estimator("vq", s.latent_dim, b.epochs, model_kwargs=kwargs))
    indices = batched(est.module_.encode_indices, est.scaler_.apply(run.X_test)).astype(np.int64).ravel()
    counts = np.bincount(indices, minlength=s.vq_codebook)
    p = counts / counts.sum()
    perplexity = float(np.exp(-(p[p > 0] * np.log(p[p > 0])).sum()))
    h = est.history_
    return {"method": method, "bits": vq_bits(s), "ema": ema, "restart_dead": restart, "model_kwargs": kwargs,
            "test_mse": mse(est.reconstruct(run.X_test), run.X_test), "fit_seconds": seconds, "epochs": len(h),
            "test_usage": float((counts > 0).mean()), "test_codes_used": int((counts > 0).sum()),
            "test_perplexity": perplexity, "dead_codes_end": int(est.module_.quantizer.dead_codes().sum()),
            "per_epoch": {key: history_series(h, key) for key in
                          ("train_usage", "val_usage", "train_perplexity", "train_dead", "train_recon", "val_recon")}}


def run_vq_binary(run: DatasetRun) -> dict:
    est, seconds = run.binary()
    return {"method": "binary-ae", "bits": vq_bits(run.settings), "fit_seconds": seconds, "epochs": len(est.history_),
            "model_kwargs": BINARY_KWARGS, "test_mse": mse(est.reconstruct(run.X_test), run.X_test)}


def run_ae_quantised(run: DatasetRun) -> dict:
    s = run.settings
    est, seconds = run.ae()
    bits_per_value = vq_bits(s) // s.latent_dim
    if bits_per_value < 1 or bits_per_value * s.latent_dim != vq_bits(s):
        raise SystemExit(f"the bit budget ({vq_bits(s)}) must be a multiple of latent_dim ({s.latent_dim})")
    quantise = scalar_quantiser(est.transform(run.X_train).astype(np.float64), 2 ** bits_per_value)
    recon = est.inverse_transform(quantise(est.transform(run.X_test).astype(np.float64)))
    return {"method": "ae-quantised", "bits": vq_bits(s), "bits_per_value": bits_per_value, "fit_seconds": seconds,
            "epochs": len(est.history_), "test_mse": mse(recon, run.X_test)}


def run_ae_float(run: DatasetRun) -> dict:
    est, seconds = run.ae()
    return {"method": "ae-float", "bits": 32 * run.settings.latent_dim, "fit_seconds": seconds,
            "epochs": len(est.history_), "test_mse": mse(est.reconstruct(run.X_test), run.X_test)}


# ---------------------------------------------------------------------- vae
def run_vae(run: DatasetRun) -> dict:
    import torch

    s, b = run.settings, run.budget
    kwargs = {"recon_loss": "bce"}
    est, seconds = run.fit(run.estimator("vae", s.latent_dim, b.epochs, model_kwargs=kwargs))
    scaled = est.scaler_.apply(run.X_test)
    torch.manual_seed(run.seed)
    elbo = batched(lambda x: est.module_.log_likelihood(x, k=1), scaled, batch=512)
    n_iwae = min(s.iwae_images, len(scaled))
    subset = np.random.default_rng(run.seed).choice(len(scaled), size=n_iwae, replace=False)
    iwae, iwae_seconds = timed(batched, lambda x: est.module_.log_likelihood(x, k=s.iwae_k), scaled[subset], 256)
    samples = est.sample(len(run.X_test), random_state=run.seed)
    run.grid(run.X_test, "test-images")
    return {"method": "vae", "model_kwargs": kwargs, "fit_seconds": seconds, "epochs": len(est.history_),
            "elbo": float(elbo.mean()), "elbo_subset": float(elbo[subset].mean()), "iwae": float(iwae.mean()),
            "iwae_k": s.iwae_k, "iwae_images": n_iwae, "iwae_seconds": iwae_seconds,
            "test_mse": mse(est.reconstruct(run.X_test), run.X_test),
            "frechet": run.frechet_to_test(samples), "n_generated": int(len(samples)),
            "grid": run.grid(samples, "vae-samples")}


def run_vq_prior(run: DatasetRun) -> dict:
    """The VQ-VAE (EMA, restarts) as a generator: index tuples drawn from its autoregressive
    prior, decoded. Prior NLL in nats per image; a uniform prior would need n_codes * ln K."""
    s, b = run.settings, run.budget
    kwargs = {"n_codes": s.vq_codes, "codebook_size": s.vq_codebook}
    est, seconds = run.fit(run.estimator("vq", s.latent_dim, b.epochs, model_kwargs=kwargs))
    nll = batched(est.module_.prior_nll, est.scaler_.apply(run.X_test))
    samples = est.sample(len(run.X_test), random_state=run.seed)
    return {"method": "vq-prior", "model_kwargs": kwargs, "fit_seconds": seconds, "epochs": len(est.history_),
            "prior_config": {k: est.module_.config[k] for k in ("prior_width", "prior_epochs")},
            "prior_nll_train_by_epoch": [round(v, 4) for v in est.prior_history_],
            "prior_nll_test": float(nll.mean()), "uniform_nll": s.vq_codes * math.log(s.vq_codebook),
            "test_mse": mse(est.reconstruct(run.X_test), run.X_test), "frechet": run.frechet_to_test(samples),
            "n_generated": int(len(samples)), "grid": run.grid(samples, "vq-prior-samples")}


def run_ae_gaussian(run: DatasetRun) -> dict:
    est, seconds = run.ae()
    codes = est.transform(run.X_train).astype(np.float64)
    rng = np.random.default_rng(run.seed)
    drawn = rng.multivariate_normal(codes.mean(axis=0), np.cov(codes, rowvar=False), size=len(run.X_test))
    images = np.clip(est.inverse_transform(drawn.astype(np.float32)), 0, 1)
    return {"method": "ae-gaussian", "fit_seconds": seconds, "frechet": run.frechet_to_test(images),
            "n_generated": int(len(images)), "grid": run.grid(images, "ae-gaussian-samples")}


def run_train_set(run: DatasetRun) -> dict:
    rng = np.random.default_rng(run.seed)
    n = min(len(run.X_test), len(run.X_train))
    images = run.X_train[np.sort(rng.choice(len(run.X_train), size=n, replace=False))]
    return {"method": "train-set", "frechet": run.frechet_to_test(images), "n_generated": int(n)}


# ---------------------------------------------------------------------- rbm
def run_rbm(run: DatasetRun, method: str) -> dict:
    s, b = run.settings, run.budget
    steps = b.pretrain_steps if method == "rbm-pretrained" else 0
    kwargs = {"pretrain_steps": steps}
    est, seconds = run.fit(run.estimator("rbm-stack", s.latent_dim, b.rbm_epochs, hidden=list(s.rbm_hidden),
                                         activation="sigmoid", tied=True, lr=s.rbm_lr, model_kwargs=kwargs))
    n_layers = len(s.rbm_hidden) + 1
    return {"method": method, "pretrain_steps": steps, "pretrain_steps_total": steps * n_layers,
            "steps_total": int(est.module_.step), "fit_seconds": seconds, "epochs": len(est.history_),
            "layers": [int(np.prod(run.X_train.shape[1:])), *s.rbm_hidden, s.latent_dim],
            "test_mse": mse(est.reconstruct(run.X_test), run.X_test),
            "per_epoch": {"val_recon": history_series(est.history_, "val_recon")}}


# ---------------------------------------------------------------- retrieval
def run_retrieval_binary(run: DatasetRun) -> dict:
    from aekit.models.binary import precision_at_k

    est, seconds = run.binary()
    db, queries = est.transform(run.X_train), est.transform(run.X_test)
    k = run.settings.retrieval_k
    p, search_seconds = timed(precision_at_k, queries, run.y_test, db, run.y_train, k)
    return {"method": "binary-ae", "bits": int(db.shape[1]), "k": k, "precision_at_k": p, "fit_seconds": seconds,
            "model_kwargs": BINARY_KWARGS,
            "search_seconds": search_seconds, "bit_balance": float(db.mean())}


def run_retrieval_pca(run: DatasetRun) -> dict:
    from aekit.models.binary import precision_at_k

    bits = vq_bits(run.settings)
    _, train, test, seconds = run.pca()
    median = np.median(train[:, :bits], axis=0)
    db, queries = train[:, :bits] > median, test[:, :bits] > median
    k = run.settings.retrieval_k
    p, search_seconds = timed(precision_at_k, queries, run.y_test, db, run.y_train, k)
    return {"method": "pca-median", "bits": bits, "k": k, "precision_at_k": p, "fit_seconds": seconds,
            "search_seconds": search_seconds, "bit_balance": float(db.mean())}


RUNNERS = {
    ("clustering", "onehot"): run_onehot,
    ("clustering", "kmeans-pixels"): run_kmeans_pixels,
    ("clustering", "kmeans-pca"): run_kmeans_pca,
    ("clustering", "kmeans-ae"): run_kmeans_ae,
    **{("vq", name): (lambda run, name=name: run_vq(run, name)) for name in VQ_VARIANTS},
    ("vq", "binary-ae"): run_vq_binary,
    ("vq", "ae-quantised"): run_ae_quantised,
    ("vq", "ae-float"): run_ae_float,
    ("vae", "vae"): run_vae,
    ("vae", "vq-prior"): run_vq_prior,
    ("vae", "ae-gaussian"): run_ae_gaussian,
    ("vae", "train-set"): run_train_set,
    ("rbm", "rbm-pretrained"): lambda run: run_rbm(run, "rbm-pretrained"),
    ("rbm", "rbm-end-to-end"): lambda run: run_rbm(run, "rbm-end-to-end"),
    ("retrieval", "binary-ae"): run_retrieval_binary,
    ("retrieval", "pca-median"): run_retrieval_pca,
}


# ------------------------------------------------------------------ results
def json_ready(settings: Settings) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(settings)))  # tuples become lists, as after a reload


def target_summary(entries: list[dict]) -> dict:
    hit = next((e for e in entries if e["dataset"] == TARGET["dataset"] and e["part"] == TARGET["part"]
                and e["method"] == TARGET["method"]), None)
    value = hit[TARGET["metric"]] if hit else None
    return {**TARGET, "value": value, "met": None if value is None else bool(value >= TARGET["min"])}


def start_results(args, settings: Settings) -> dict:
    """A fresh results dict, or the earlier file's with ``--resume``: same seed and settings,
    except settings that only the entries named by ``--redo`` depend on; those entries are
    dropped (for the datasets of this run) so that they run again."""
    earlier = json.loads(args.output.read_text()) if args.resume and args.output.exists() else None
    if earlier:
        check_resumable(earlier, settings, args)
        for entry in earlier["entries"]:  # entries from before threads were recorded per entry
            entry.setdefault("torch_threads", earlier.get("machine", {}).get("torch_threads"))
        redo = {tuple(name.split("/")) for name in args.redo}
        earlier["entries"] = [e for e in earlier["entries"]
                              if not (e["dataset"] in args.datasets and (e["part"], e["method"]) in redo)]
    results = earlier or {"entries": [], "datasets": {}, "wall_seconds": 0.0}
    results.update({"benchmark": "generative", "quick": args.quick, "seed": args.seed,
                    "settings": json_ready(settings), "machine": machine(("scipy",)), "bits": vq_bits(settings),
                    "published": {"note": PUBLISHED_NOTE, "results": PUBLISHED},
                    "image_dir": str(image_dir_for(args.output).name)})
    return results


def check_resumable(earlier: dict, settings: Settings, args) -> None:
    old, new = earlier.get("settings", {}), json_ready(settings)
    changed = {key for key in set(old) | set(new) if old.get(key) != new.get(key)}
    allowed = {key for name in args.redo for key in SETTINGS_OF.get(name, ())}
    if earlier.get("seed") != args.seed or changed - allowed:
        what = ", ".join(sorted(changed - allowed)) or "seed"
        raise SystemExit(f"{args.output} was written with another {what}; drop --resume, pass --output for "
                         "a new file, or --redo the entries that depend on it")


def image_dir_for(output: Path) -> Path:
    return output.parent / output.stem  # results/generative.json -> results/generative/


# -------------------------------------------------------------------- main
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    p.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS)
    p.add_argument("--epochs-scale", type=float, default=1.0,
                   help="multiply every training budget (epochs, pretraining and annealing steps) by this")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None,
                   help="torch and BLAS threads (default: the libraries' own choice; --quick: 1)")
    p.add_argument("--quick", action="store_true", help="tiny subsets and budgets, for a smoke test")
    p.add_argument("--resume", action="store_true", help="keep finished entries of an earlier run")
    p.add_argument("--redo", nargs="+", default=[], metavar="PART/METHOD",
                   choices=[f"{part}/{m}" for part in PARTS for m in METHODS[part]],
                   help="with --resume: run these entries again (e.g. clustering/onehot), even if finished")
    p.add_argument("--output", type=Path, default=RESULTS)
    return p.parse_args(argv)


def scaled_budget(budget: Budget, factor: float) -> Budget:
    return Budget(**{k: max(1, int(round(v * factor))) for k, v in dataclasses.asdict(budget).items()})


def choose_settings(args) -> Settings:
    settings = QUICK if args.quick else Settings()
    if args.epochs_scale != 1.0:
        settings = dataclasses.replace(settings, large=scaled_budget(settings.large, args.epochs_scale),
                                       small=scaled_budget(settings.small, args.epochs_scale))
    return settings


def limit_threads(threads: int | None) -> None:
    if threads is None:
        return
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads)  # numpy/scipy/scikit-learn BLAS and OpenMP pools


def in_table_order(entries: list[dict]) -> list[dict]:
    """Entries by dataset, part and method as listed above, however runs were resumed or redone."""
    def rank(e: dict) -> tuple:
        methods = METHODS.get(e["part"], ())
        return (DATASETS.index(e["dataset"]) if e["dataset"] in DATASETS else len(DATASETS),
                PARTS.index(e["part"]) if e["part"] in PARTS else len(PARTS),
                methods.index(e["method"]) if e["method"] in methods else len(methods))

    return sorted(entries, key=rank)


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def describe(entry: dict) -> str:
    keys = ("accuracy", "nmi", "test_mse", "test_usage", "elbo", "iwae", "frechet", "precision_at_k", "fit_seconds")
    shown = [f"{k}={entry[k]:.4g}" for k in keys if isinstance(entry.get(k), (int, float))]
    return f"{entry['dataset']:14s} {entry['part']:10s} {entry['method']:15s} " + "  ".join(shown)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.redo and not args.resume:
        raise SystemExit("--redo only makes sense with --resume (a fresh run runs everything)")
    settings = choose_settings(args)
    limit_threads(1 if args.quick and args.threads is None else args.threads)
    results = start_results(args, settings)
    done = {(e["dataset"], e["part"], e["method"]) for e in results["entries"]}
    started = time.perf_counter()

    def record(entry: dict) -> None:
        entry["torch_threads"] = torch_threads()  # entries of one file may come from resumed runs
        results["entries"] = in_table_order(results["entries"] + [entry])
        results["target"] = target_summary(results["entries"])
        save(results, args.output)
        print(describe(entry), flush=True)

    for name in args.datasets:
        todo = [(part, m) for part in PARTS if part in args.parts for m in METHODS[part] if (name, part, m) not in done]
        if not todo:
            continue
        run = DatasetRun(name, settings, args.seed, image_dir_for(args.output))
        results["datasets"][name] = {**results["datasets"].get(name, {}), **run.info}
        for part, method in todo:
            entry = {"dataset": name, "part": part, **RUNNERS[(part, method)](run)}
            results["datasets"][name].update(run.info)  # the feature classifier's numbers, once trained
            record(entry)
    results["entries"] = in_table_order(results["entries"])
    results["target"] = target_summary(results["entries"])
    results["wall_seconds"] = results.get("wall_seconds", 0.0) + time.perf_counter() - started
    save(results, args.output)
    print(f"wrote {args.output} ({results['wall_seconds']:.0f} s in all)")
    return results


if __name__ == "__main__":
    main()
