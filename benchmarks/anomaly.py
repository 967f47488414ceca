"""Benchmark: anomaly detection with aekit's AnomalyDetector against scikit-learn and PyOD.

Every method runs in this one process on the same splits with the same seed.

Protocols (one-class: every method is fit on normal samples only)
  - One-class Fashion-MNIST: for each class c, train on the 6,000 training images of
    class c; test on all 10,000 test images, class c normal and the other nine
    anomalous. AUROC per class and its mean over classes (the protocol of Ruff et al.
    2018/2020 and Golan & El-Yaniv 2018).
  - One-class digits (scikit-learn's 8x8 digits, aekit's fixed 80/20 split): the same
    protocol on about 145 training images per class and 360 test images. A second image
    set that the choice of scores (ae-features) was not made on. Its classes are 40 times
    smaller, so our networks and PyOD's get 40 times the epochs: about the same number of
    training steps per class as on Fashion-MNIST.
  - Tables (see benchmarks/anomaly_data.py for the sets and their normal/anomaly rules):
    the normal samples are split, seeded, into 60% train / 40% test; the test set is the
    held-out normal samples plus ALL anomalies. Every method is fit on the same normal
    training part.
AUROC and AUPR treat "anomaly" as the positive class, so AUPR's chance level is the
anomaly share of the test set (0.9 on Fashion-MNIST).

Methods
  ours (aekit.AnomalyDetector; images: conv net, tables: MLP):
    ae           plain auto-encoder, score = reconstruction MSE.
    dae          denoising auto-encoder (images: mask noise 0.25; tables: gaussian 0.2 in
                 standardised units), score = reconstruction MSE.
    vae          variational auto-encoder, score = negative ELBO (its own score).
    ae-latent    the "ae" network with anomaly_score="latent": squared Mahalanobis distance of
                 the code from the training codes. To save a second identical training run it
                 reuses the fitted "ae" through the library's with_score (the Gaussian fitted on
                 the same training part of the seeded split); the test suite checks that this
                 equals AnomalyDetector(anomaly_score="latent") with the same seed.
    ae-features  the same with anomaly_score="features": the distance of the encoder's last
                 hidden representation (images: the feature map before the code layer, 32x7x7
                 on Fashion-MNIST, 32x2x2 on digits; tables: the last hidden layer). Added after an exploration that compared ten
                 scores of this network on the Fashion-MNIST test sets, so its Fashion-MNIST
                 number is optimistic; digits and the tables were not part of that choice.
    ae-ensemble  mean of the rank-normalised test scores of ae, dae, vae and ae-latent (ranks over
                 the unlabelled test set; no labels are used).
    ae-pair      the same with ae and ae-latent only: one network, two views of a sample.
    ae-mlp       images only: our MLP auto-encoder on the flattened pixels, the same layer
                 sizes as pyod-ae below, so the two differ only in the library.
  baselines (scikit-learn; tables standardised with a StandardScaler fit on the normal
  training part, images flattened to 784 pixel values in [0, 1]):
    pca          reconstruction error from the principal components explaining 90% of the
                 training variance (the count is recorded per entry).
    iforest      IsolationForest(n_estimators=100).
    ocsvm        OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).
    lof          LocalOutlierFactor(n_neighbors=20, novelty=True).
  PyOD (benchmark-only extra, on the same inputs as the baselines):
    ecod         ECOD(). Note: PyOD's ECOD scores new data with the empirical CDFs of the
                 training data AND the scored batch together (its design), so it sees the
                 unlabelled test set.
    pyod-ae      pyod.models.AutoEncoder with hidden_neuron_list = our hidden sizes + code
                 size, batch_norm=False and dropout_rate=0 (so the layers match ours), no weight
                 decay, same epochs, batch size and learning rate. Its code layer has a ReLU;
                 ours is linear. Images: pixels in [0, 1] (our ae-mlp uses scaling="minmax",
                 which leaves them as they are); tables: the standardised table.

Speed: seconds per training epoch of our MLP auto-encoder and PyOD's AutoEncoder with
the same layers, data, batch size and epochs (no validation split, no LR schedule, no
gradient clipping on our side, so that both do the same work per step; PyOD drops each
epoch's last partial batch, a few percent fewer samples); best of ``speed_repeats`` runs;
on breast cancer's normal training part and on one Fashion-MNIST class, flattened.

Output: benchmarks/results/anomaly.json, rewritten (atomically) after every finished entry;
``--resume`` keeps the entries already there. Tables: python benchmarks/tables.py.

    python benchmarks/anomaly.py                    # the full run (about 40 min on 2 CPU cores)
    python benchmarks/anomaly.py --quick            # a smoke test (tiny subsets, 1 class, 2 epochs)
    python benchmarks/anomaly.py --resume           # continue an interrupted run
    python benchmarks/anomaly.py --resume --redo-speed   # keep the scores, time the training again
    python benchmarks/anomaly.py --datasets fashion-mnist --classes 0 1 --methods ae pca
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # anomaly_data sits next to this file
from anomaly_data import TABLES, DataUnavailable, load_table, one_class_split  # noqa: E402
from common import machine, package_version, save  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "anomaly.json"
IMAGE_SETS = ("fashion-mnist", "digits")
EPOCH_FACTOR = {"fashion-mnist": 1, "digits": 40}  # digits classes are ~40x smaller: same steps
DATASETS = (*IMAGE_SETS, *TABLES)
OUR_METHODS = ("ae", "dae", "vae", "ae-latent", "ae-features", "ae-ensemble", "ae-pair", "ae-mlp")
BASELINES = ("pca", "iforest", "ocsvm", "lof")
PYOD_METHODS = ("ecod", "pyod-ae")
METHODS = (*OUR_METHODS, *BASELINES, *PYOD_METHODS)
IMAGE_ONLY = ("ae-mlp",)
ENSEMBLE_MEMBERS = ("ae", "dae", "vae", "ae-latent")
PAIR_MEMBERS = ("ae", "ae-latent")  # one network, two views: its reconstruction error and its code
PCA_VARIANCE = 0.9

PUBLISHED = [
    {"method": "Convolutional auto-encoder (CAE)", "mean_auroc": [90.2],
     "source": "Ruff et al., Deep Semi-Supervised Anomaly Detection (Deep SAD), ICLR 2020, Table 3"},
    {"method": "Deep SVDD", "mean_auroc": [89.2],
     "source": "Ruff et al., Deep Semi-Supervised Anomaly Detection (Deep SAD), ICLR 2020, Table 3"},
    {"method": "OC-SVM on raw pixels", "mean_auroc": [92.8],
     "source": "Ruff et al., Deep Semi-Supervised Anomaly Detection (Deep SAD), ICLR 2020, Table 3"},
    {"method": "Isolation Forest", "mean_auroc": [91.6],
     "source": "Ruff et al., Deep Semi-Supervised Anomaly Detection (Deep SAD), ICLR 2020, Table 3"},
    {"method": "Geometric transformations (GEOM)", "mean_auroc": [93.5],
     "source": "Golan & El-Yaniv, Deep Anomaly Detection Using Geometric Transformations, NeurIPS 2018"},
    {"method": "Contrastive / rotation-prediction features + one-class classifier", "mean_auroc": [94.8, 95.8],
     "source": "Sohn et al., Learning and Evaluating Representations for Deep One-Class Classification, ICLR 2021"},
]
PUBLISHED_NOTE = ("Published mean AUROC (%) on one-class Fashion-MNIST, quoted from the papers; "
                  "not our measurement (their preprocessing, architectures and budgets differ).")


@dataclass(frozen=True)
class Settings:
    """Budgets and sizes; ``QUICK`` below is the smoke-test variant."""

    image_latent: int = 32
    image_channels: tuple = (16, 32)         # the library's default conv net
    image_mlp_hidden: tuple = (256, 128)     # ae-mlp and pyod-ae on flattened pixels
    image_epochs: int = 10                   # per class; the cosine schedule ends there
    image_batch: int = 128
    table_latent: int = 4
    table_hidden: tuple = (64, 32)
    table_epochs: int = 200                  # tables are tiny: a few steps per epoch
    table_batch: int = 32
    lr: float = 1e-3
    val_fraction: float = 0.1                # our held-out normal part (sets the threshold)
    train_per_class: int | None = None       # subsample the normal training images (quick)
    test_images: int | None = None           # subsample the test images (quick)
    speed_image_epochs: int = 10
    speed_table_epochs: int = 100
    speed_repeats: int = 3


QUICK = Settings(image_epochs=2, table_epochs=20, train_per_class=300, test_images=600,
                 speed_image_epochs=2, speed_table_epochs=10, speed_repeats=1)


@dataclass
class Task:
    """One detection problem: fit on ``X_train`` (all normal), score ``X_test``."""

    dataset: str
    normal_class: int | None
    kind: str                    # "image" or "table"
    X_train: np.ndarray
    X_test: np.ndarray
    is_anomaly: np.ndarray       # ground truth for X_test
    epoch_factor: int = 1        # images: multiplies image_epochs (small sets get more epochs)


@dataclass
class Outcome:
    anomaly_scores: np.ndarray   # higher = more anomalous, one per test sample
    fit_seconds: float
    score_seconds: float
    info: dict = field(default_factory=dict)


# ------------------------------------------------------------------- tasks
def image_task(train, test, normal_class: int, settings: Settings, seed: int) -> Task:
    """Class ``normal_class`` of the training set vs the whole test set (optionally subsampled)."""
    rng = np.random.default_rng(seed)
    train_idx = np.flatnonzero(train.y == normal_class)
    test_idx = np.arange(len(test.y))
    if settings.train_per_class:
        train_idx = np.sort(rng.choice(train_idx, min(settings.train_per_class, len(train_idx)), replace=False))
    if settings.test_images:
        test_idx = np.sort(rng.choice(test_idx, min(settings.test_images, len(test_idx)), replace=False))
    return Task(train.name, normal_class, "image", train.X[train_idx], test.X[test_idx],
                test.y[test_idx] != normal_class, EPOCH_FACTOR[train.name])


def table_task(table, seed: int) -> Task:
    train_idx, test_idx = one_class_split(table.is_anomaly, seed)
    return Task(table.name, None, "table", table.X[train_idx], table.X[test_idx], table.is_anomaly[test_idx])


# ----------------------------------------------------------------- methods
class TaskRun:
    """Runs methods on one task, caching what several methods share (the fitted AE, the
    baselines' inputs, member scores of the ensemble)."""

    def __init__(self, task: Task, settings: Settings, seed: int):
        self.task, self.settings, self.seed = task, settings, seed
        self.outcomes: dict[str, Outcome] = {}
        self.detectors: dict = {}
        self._flat: tuple[np.ndarray, np.ndarray] | None = None

    def outcome(self, method: str) -> Outcome:
        if method not in self.outcomes:
            self.outcomes[method] = RUNNERS[method](self)
        return self.outcomes[method]

    def baseline_inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """(train, test) as the non-aekit methods see them: flat pixels, or a standardised table."""
        if self._flat is None:
            train = self.task.X_train.reshape(len(self.task.X_train), -1)
            test = self.task.X_test.reshape(len(self.task.X_test), -1)
            if self.task.kind == "table":
                from sklearn.preprocessing import StandardScaler

                scaler = StandardScaler().fit(train)
                train, test = scaler.transform(train), scaler.transform(test)
            self._flat = (np.ascontiguousarray(train, np.float32), np.ascontiguousarray(test, np.float32))
        return self._flat


def timed(fn, *args):
    tic = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - tic


def our_detector(run: TaskRun, model: str, flat: bool = False):
    """An AnomalyDetector configured for the task's kind (``flat``: MLP on flattened pixels)."""
    from aekit import AnomalyDetector

    s, image = run.settings, run.task.kind == "image"
    epochs = s.image_epochs * run.task.epoch_factor
    if image and not flat:
        size = dict(latent_dim=s.image_latent, hidden=s.image_channels, epochs=epochs, batch_size=s.image_batch)
    elif image:
        size = dict(latent_dim=s.image_latent, hidden=s.image_mlp_hidden, epochs=epochs,
                    batch_size=s.image_batch, scaling="minmax")
    else:
        size = dict(latent_dim=s.table_latent, hidden=s.table_hidden, epochs=s.table_epochs, batch_size=s.table_batch)
    noise = {"noise": "mask", "noise_level": 0.25} if image else {"noise": "gaussian", "noise_level": 0.2}
    # A fixed budget with a cosine schedule (no early stopping) gives every class the same
    # training; the best epoch on the held-out normal part is kept.
    return AnomalyDetector(model=model, model_kwargs=noise if model == "dae" else None, lr=s.lr,
                           lr_schedule="cosine", patience=None, val_fraction=s.val_fraction,
                           random_state=run.seed, device="cpu", **size)


def run_ours(run: TaskRun, model: str, flat: bool = False) -> Outcome:
    X_train, X_test = run.task.X_train, run.task.X_test
    if flat:
        X_train, X_test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    detector, fit_seconds = timed(our_detector(run, model, flat).fit, X_train)
    normality, score_seconds = timed(detector.score_samples, X_test)
    run.detectors[model if not flat else "ae-mlp"] = (detector, X_train, X_test)
    checked = threshold_check(normality, detector.offset_, run.task.is_anomaly)
    return Outcome(-normality, fit_seconds, score_seconds, {"epochs": len(detector.history_), **checked})


def threshold_check(normality: np.ndarray, offset: float, is_anomaly: np.ndarray) -> dict:
    """How the library's default threshold (5% false positives wanted on held-out normal
    data) does on the test set: its real false-positive rate and its recall."""
    flagged = normality < offset
    return {"threshold_test_fpr": float(flagged[~is_anomaly].mean()) if (~is_anomaly).any() else None,
            "threshold_test_recall": float(flagged[is_anomaly].mean()) if is_anomaly.any() else None}


def run_gaussian(run: TaskRun, score: str) -> Outcome:
    """``anomaly_score=score`` ("latent", "features") on the already fitted "ae" network,
    through the library's ``with_score``: the same result as fitting with that score."""
    base = run.outcome("ae")
    detector, X_train, X_test = run.detectors["ae"]
    switched, gaussian_seconds = timed(detector.with_score, score, X_train)  # Gaussian and threshold
    normality, score_seconds = timed(switched.score_samples, X_test)
    checked = threshold_check(normality, switched.offset_, run.task.is_anomaly)
    return Outcome(-normality, base.fit_seconds + gaussian_seconds, score_seconds,
                   {"gaussian_fit_seconds": gaussian_seconds, "reuses": "ae",
                    "n_gaussian_dims": int(len(switched.gaussian_mean_)), **checked})


def rank_normalise(scores: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(scores) / len(scores)


def run_ensemble(run: TaskRun, names: tuple[str, ...] = ENSEMBLE_MEMBERS) -> Outcome:
    members = {m: run.outcome(m) for m in names}
    ranks = lambda: np.mean([rank_normalise(o.anomaly_scores) for o in members.values()], axis=0)  # noqa: E731
    scores, combine_seconds = timed(ranks)
    # ae-latent reuses the ae network: count that training once.
    fit_seconds = (sum(members[m].fit_seconds for m in names if m != "ae-latent")
                   + members["ae-latent"].info["gaussian_fit_seconds"])
    score_seconds = sum(o.score_seconds for o in members.values()) + combine_seconds
    return Outcome(scores, fit_seconds, score_seconds, {"members": list(names)})


def run_sklearn(run: TaskRun, make_model) -> Outcome:
    """Fit a scikit-learn outlier detector; ``-score_samples`` is its anomaly score."""
    train, test = run.baseline_inputs()
    model, fit_seconds = timed(make_model().fit, train)
    normality, score_seconds = timed(model.score_samples, test)
    return Outcome(-normality, fit_seconds, score_seconds)


def run_pca(run: TaskRun) -> Outcome:
    from sklearn.decomposition import PCA

    train, test = run.baseline_inputs()
    # With many more samples than features, eigendecomposing the covariance (784 x 784 on
    # images) is much cheaper than a full SVD and gives the same components.
    solver = "covariance_eigh" if len(train) > 2 * train.shape[1] else "full"
    pca, fit_seconds = timed(PCA(n_components=PCA_VARIANCE, svd_solver=solver).fit, train.astype(np.float64))
    recon_error = lambda X: ((pca.inverse_transform(pca.transform(X)) - X) ** 2).mean(axis=1)  # noqa: E731
    scores, score_seconds = timed(recon_error, test.astype(np.float64))
    return Outcome(scores, fit_seconds, score_seconds, {"n_components": int(pca.n_components_)})


def run_iforest(run: TaskRun) -> Outcome:
    from sklearn.ensemble import IsolationForest

    return run_sklearn(run, lambda: IsolationForest(n_estimators=100, random_state=run.seed))


def run_ocsvm(run: TaskRun) -> Outcome:
    from sklearn.svm import OneClassSVM

    return run_sklearn(run, lambda: OneClassSVM(kernel="rbf", gamma="scale", nu=0.1))


def run_lof(run: TaskRun) -> Outcome:
    from sklearn.neighbors import LocalOutlierFactor

    return run_sklearn(run, lambda: LocalOutlierFactor(n_neighbors=20, novelty=True))


def run_pyod(run: TaskRun, make_model) -> Outcome:
    """Fit a PyOD detector; its ``decision_function`` is already higher = more anomalous."""
    train, test = run.baseline_inputs()
    model, fit_seconds = timed(make_model().fit, train)
    scores, score_seconds = timed(model.decision_function, test)
    return Outcome(np.asarray(scores, np.float64), fit_seconds, score_seconds)


def run_ecod(run: TaskRun) -> Outcome:
    from pyod.models.ecod import ECOD

    return run_pyod(run, ECOD)


def pyod_autoencoder(hidden, latent: int, epochs: int, batch_size: int, lr: float, seed: int, preprocessing: bool):
    """PyOD's AutoEncoder with exactly our MLP's layer sizes (no batch norm, no dropout)."""
    from pyod.models.auto_encoder import AutoEncoder

    return AutoEncoder(hidden_neuron_list=[*hidden, latent], epoch_num=epochs, batch_size=batch_size, lr=lr,
                       batch_norm=False, dropout_rate=0.0, optimizer_params={"weight_decay": 0.0},
                       preprocessing=preprocessing, random_state=seed, device="cpu", verbose=0)


def run_pyod_ae(run: TaskRun) -> Outcome:
    s = run.settings
    if run.task.kind == "image":
        sizes = (s.image_mlp_hidden, s.image_latent, s.image_epochs * run.task.epoch_factor, s.image_batch)
    else:
        sizes = (s.table_hidden, s.table_latent, s.table_epochs, s.table_batch)
    # Inputs are already scaled (see baseline_inputs); PyOD's own standardisation would
    # divide constant pixels by a zero std.
    return run_pyod(run, lambda: pyod_autoencoder(*sizes, s.lr, run.seed, preprocessing=False))


RUNNERS = {
    "ae": lambda run: run_ours(run, "ae"),
    "dae": lambda run: run_ours(run, "dae"),
    "vae": lambda run: run_ours(run, "vae"),
    "ae-latent": lambda run: run_gaussian(run, "latent"),
    "ae-features": lambda run: run_gaussian(run, "features"),
    "ae-ensemble": run_ensemble,
    "ae-pair": lambda run: run_ensemble(run, PAIR_MEMBERS),
    "ae-mlp": lambda run: run_ours(run, "ae", flat=True),
    "pca": run_pca, "iforest": run_iforest, "ocsvm": run_ocsvm, "lof": run_lof,
    "ecod": run_ecod, "pyod-ae": run_pyod_ae,
}
DESCRIPTIONS = {
    "ae": "aekit AE, reconstruction MSE (images: conv net; tables: MLP)",
    "dae": "aekit DAE, reconstruction MSE (images: mask noise 0.25; tables: gaussian noise 0.2)",
    "vae": "aekit VAE, negative ELBO (the model's own score)",
    "ae-latent": "aekit AE, Mahalanobis distance of the code (anomaly_score='latent')",
    "ae-features": "aekit AE, Mahalanobis distance of the encoder's last hidden representation "
                   "(images: the feature map before the code, 32x7x7 on Fashion-MNIST, 32x2x2 on digits; "
                   "anomaly_score='features')",
    "ae-ensemble": "mean rank of ae, dae, vae and ae-latent scores",
    "ae-pair": "mean rank of ae and ae-latent (one network: reconstruction error and code distance)",
    "ae-mlp": "aekit MLP AE on flattened pixels (same layers as pyod-ae)",
    "pca": f"PCA reconstruction error, components for {PCA_VARIANCE:.0%} of the variance",
    "iforest": "scikit-learn IsolationForest, 100 trees",
    "ocsvm": "scikit-learn OneClassSVM, RBF, gamma='scale', nu=0.1",
    "lof": "scikit-learn LocalOutlierFactor, 20 neighbours, novelty=True",
    "ecod": "PyOD ECOD",
    "pyod-ae": "PyOD AutoEncoder, same layers as our MLP, no batch norm/dropout",
}


# ----------------------------------------------------------------- entries
def evaluate(task: Task, method: str, outcome: Outcome) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {"dataset": task.dataset, "class": task.normal_class, "method": method,
            "auroc": float(roc_auc_score(task.is_anomaly, outcome.anomaly_scores)),
            "aupr": float(average_precision_score(task.is_anomaly, outcome.anomaly_scores)),
            "fit_seconds": outcome.fit_seconds, "score_seconds": outcome.score_seconds,
            "n_train": int(len(task.X_train)), "n_test": int(len(task.X_test)),
            "n_anomalies": int(task.is_anomaly.sum()), **outcome.info}


def applicable(method: str, task: Task) -> bool:
    return task.kind == "image" or method not in IMAGE_ONLY


def run_task(task: Task, methods, settings: Settings, seed: int, done: set, on_entry) -> None:
    """Evaluate every method not in ``done`` on ``task``; ``on_entry(entry)`` after each."""
    run = TaskRun(task, settings, seed)
    for method in methods:
        if (task.dataset, task.normal_class, method) in done or not applicable(method, task):
            continue
        entry = evaluate(task, method, run.outcome(method))
        on_entry(entry)
        label = task.dataset + ("" if task.normal_class is None else f"[{task.normal_class}]")
        print(f"{label:18s} {method:12s} AUROC={entry['auroc']:.3f}  AUPR={entry['aupr']:.3f}  "
              f"fit={entry['fit_seconds']:.1f}s  score={entry['score_seconds']:.2f}s", flush=True)


# ------------------------------------------------------------------- speed
def time_fit(make, X: np.ndarray, repeats: int) -> float:
    """Best wall time of ``repeats`` fits (the least disturbed by other load)."""
    return min(timed(make().fit, X)[1] for _ in range(repeats))


def speed_entry(data: str, X: np.ndarray, hidden, latent: int, epochs: int, batch_size: int,
                settings: Settings, seed: int, image: bool) -> dict:
    """Seconds per epoch of our MLP AE and PyOD's, same layers, data, batch size and epochs."""
    from aekit import AnomalyDetector

    # No validation split, schedule or clipping, so both loops do the same work per step.
    ours = lambda: AnomalyDetector(model="ae", latent_dim=latent, hidden=hidden, epochs=epochs,  # noqa: E731
                                   batch_size=batch_size, lr=settings.lr, val_fraction=0.0, patience=None,
                                   lr_schedule="none", grad_clip=None, scaling="minmax" if image else "auto",
                                   contamination=0.1, random_state=seed, device="cpu")
    # Tables: both standardise internally; images: pixels in [0, 1] for both.
    pyod = lambda: pyod_autoencoder(hidden, latent, epochs, batch_size, settings.lr, seed,  # noqa: E731
                                    preprocessing=not image)
    ours_s, pyod_s = time_fit(ours, X, settings.speed_repeats), time_fit(pyod, X, settings.speed_repeats)
    return {"data": data, "n_samples": int(len(X)), "n_features": int(X.shape[1]),
            "layers": [int(X.shape[1]), *hidden, latent], "epochs": epochs, "batch_size": batch_size,
            "repeats": settings.speed_repeats, "aekit_seconds_per_epoch": ours_s / epochs,
            "pyod_seconds_per_epoch": pyod_s / epochs, "ratio_aekit_over_pyod": ours_s / pyod_s}


def speed_entries(settings: Settings, seed: int, image_X: np.ndarray | None, table_X: np.ndarray | None, done: set,
                  on_entry) -> None:
    s = settings
    jobs = []
    if table_X is not None:
        jobs.append(("breast-cancer (normal training part)", table_X, s.table_hidden, s.table_latent,
                     s.speed_table_epochs, s.table_batch, False))
    if image_X is not None:
        jobs.append(("fashion-mnist, one class, flattened", image_X.reshape(len(image_X), -1), s.image_mlp_hidden,
                     s.image_latent, s.speed_image_epochs, s.image_batch, True))
    for data, X, hidden, latent, epochs, batch, image in jobs:
        if data in done:
            continue
        entry = speed_entry(data, X, hidden, latent, epochs, batch, s, seed, image)
        on_entry(entry)
        print(f"speed {data}: aekit {entry['aekit_seconds_per_epoch']:.3f} s/epoch, "
              f"PyOD {entry['pyod_seconds_per_epoch']:.3f} s/epoch, ratio {entry['ratio_aekit_over_pyod']:.2f}",
              flush=True)


# ----------------------------------------------------------------- results
def summarise(entries: list[dict]) -> dict:
    """Means per method: over classes on each image set, over sets on the tables."""
    summary: dict = {}
    groups = [("one_class_" + name.replace("-", "_"), lambda e, name=name: e["dataset"] == name)
              for name in IMAGE_SETS]
    for group, keep in (*groups, ("tables", lambda e: e["dataset"] not in IMAGE_SETS)):
        rows = [e for e in entries if keep(e)]
        if not rows:
            continue
        for method in dict.fromkeys(e["method"] for e in rows):
            mine = [e for e in rows if e["method"] == method]
            summary.setdefault(group, {})[method] = {
                "mean_auroc": float(np.mean([e["auroc"] for e in mine])),
                "mean_aupr": float(np.mean([e["aupr"] for e in mine])), "count": len(mine)}
    return summary


def start_results(args, settings: Settings) -> dict:
    """A fresh results dict, or the earlier file's with ``--resume`` (same settings only)."""
    earlier = json.loads(args.output.read_text()) if args.resume and args.output.exists() else None
    if earlier and (earlier.get("settings") != json_ready(settings) or earlier.get("seed") != args.seed):
        raise SystemExit(f"{args.output} was written with other settings or another seed; "
                         "drop --resume, or pass --output for a new file")
    results = earlier or {"entries": [], "speed": [], "wall_seconds": 0.0}
    results.update({"benchmark": "anomaly", "quick": args.quick, "seed": args.seed, "settings": json_ready(settings),
                    "machine": machine(("pyod", "rdata")), "methods": DESCRIPTIONS,
                    "published": {"note": PUBLISHED_NOTE, "results": PUBLISHED}})
    for key in ("tables", "skipped"):
        results.setdefault(key, {})
    results.setdefault("class_names", {})  # per image set
    return results


def json_ready(settings: Settings) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(settings)))  # tuples become lists, as after a reload


# -------------------------------------------------------------------- main
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    p.add_argument("--classes", nargs="+", type=int, default=None,
                   help="Fashion-MNIST normal classes (default: all ten; --quick: 0)")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--no-speed", action="store_true", help="skip the training-speed comparison with PyOD")
    p.add_argument("--redo-speed", action="store_true", help="with --resume: measure the speed comparison again")
    p.add_argument("--image-epochs", type=int, default=None, help="override the epochs on Fashion-MNIST")
    p.add_argument("--table-epochs", type=int, default=None, help="override the epochs on the tables")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None,
                   help="torch and BLAS threads (default: the libraries' own choice; --quick: 1)")
    p.add_argument("--quick", action="store_true", help="tiny subsets and budgets, for a smoke test")
    p.add_argument("--resume", action="store_true", help="keep finished entries of an earlier run")
    p.add_argument("--output", type=Path, default=RESULTS)
    return p.parse_args(argv)


def choose_settings(args) -> Settings:
    settings = QUICK if args.quick else Settings()
    overrides = {"image_epochs": args.image_epochs, "table_epochs": args.table_epochs}
    return dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def limit_threads(threads: int | None) -> None:
    if threads is None:
        return
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads)  # numpy/scipy/scikit-learn BLAS and OpenMP pools


def available_methods(methods: list[str], skipped: dict) -> list[str]:
    """Drop the PyOD methods (with a note) when PyOD is not installed."""
    if package_version("pyod") is not None:
        return methods
    for method in set(methods) & set(PYOD_METHODS):
        skipped[method] = "pyod is not installed (pip install -e '.[bench]')"
    return [m for m in methods if m not in PYOD_METHODS]


def run_images(name: str, args, settings: Settings, results: dict, done: set, record) -> np.ndarray | None:
    """All one-class tasks of image set ``name``; returns one class's training images (for the speed test)."""
    from aekit import datasets

    train, test = datasets.load(name, "train"), datasets.load(name, "test")
    results["class_names"][name] = list(train.classes or [])
    classes = args.classes if args.classes is not None else ([0] if args.quick else list(range(10)))
    for c in classes:
        run_task(image_task(train, test, c, settings, args.seed), args.methods, settings, args.seed, done, record)
    return image_task(train, test, classes[0], settings, args.seed).X_train if classes else None


def describe_table(table, task: Task) -> dict:
    return {"rule": table.rule, "source": table.source, "n_features": int(table.X.shape[1]),
            "n_normal": int((~table.is_anomaly).sum()), "n_anomalies": int(table.is_anomaly.sum()),
            "n_train": int(len(task.X_train)), "n_test": int(len(task.X_test))}


def run_tables(args, settings: Settings, results: dict, done: set, record) -> np.ndarray | None:
    """All tabular tasks; returns breast cancer's normal training part for the speed test."""
    speed_X = None
    for name in [d for d in args.datasets if d not in IMAGE_SETS]:
        try:
            table = load_table(name)
        except DataUnavailable as exc:
            print(f"skipping {name}: {exc}", flush=True)
            results["skipped"][name] = str(exc)
            continue
        task = table_task(table, args.seed)
        results["tables"][name] = describe_table(table, task)
        run_task(task, args.methods, settings, args.seed, done, record)
        if name == "breast-cancer":
            speed_X = task.X_train
    return speed_X


def main(argv=None) -> dict:
    args = parse_args(argv)
    settings = choose_settings(args)
    limit_threads(1 if args.quick and args.threads is None else args.threads)
    results = start_results(args, settings)
    args.methods = available_methods(args.methods, results["skipped"])
    done = {(e["dataset"], e["class"], e["method"]) for e in results["entries"]}
    if args.redo_speed:
        results["speed"] = []
    started = time.perf_counter()

    def record(entry: dict, key: str = "entries") -> None:
        results[key].append(entry)
        results["summary"] = summarise(results["entries"])
        save(results, args.output)

    image_X = {name: run_images(name, args, settings, results, done, record)
               for name in IMAGE_SETS if name in args.datasets}.get("fashion-mnist")  # the speed test's
    table_X = run_tables(args, settings, results, done, record)
    if not args.no_speed and package_version("pyod") is not None:
        speed_entries(settings, args.seed, image_X, table_X, {e["data"] for e in results["speed"]},
                      lambda entry: record(entry, "speed"))
    results["summary"] = summarise(results["entries"])
    results["wall_seconds"] = results.get("wall_seconds", 0.0) + time.perf_counter() - started
    save(results, args.output)
    print(f"wrote {args.output} ({results['wall_seconds']:.0f} s in all)")
    return results


if __name__ == "__main__":
    main()
