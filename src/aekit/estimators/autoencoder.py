"""``aekit.AutoEncoder``: any registered auto-encoder as a scikit-learn estimator.

It is a transformer like PCA (``transform`` encodes, ``inverse_transform`` decodes) and
an outlier detector like IsolationForest (``score_samples`` is higher for more normal
samples, ``decision_function = score_samples - offset_``, ``predict`` gives +1/-1).
Flat input (N, F) trains MLPs; images (N, H, W) or (N, C, H, W) train conv nets.
"""
from __future__ import annotations

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, OutlierMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from aekit.errors import ConfigError, DataError
from aekit.estimators.latent_density import fit_gaussian, mahalanobis_sq
from aekit.estimators.scaling import fit_scaler
from aekit.estimators.thresholds import check_threshold_args, threshold_offset

INFERENCE_BATCH = 1024
ANOMALY_SCORES = ("recon", "mse", "l1", "latent", "features")
GAUSSIAN_SCORES = ("latent", "features")  # Mahalanobis distance from a Gaussian fitted in fit
GAUSSIAN_CHUNK = 8192  # rows embedded at a time when scoring, to bound memory


class AutoEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, OutlierMixin, BaseEstimator):
    """Learn a short code for each sample by reconstructing it through a bottleneck.

    Args:
        model: a registered model name ("ae", "dae", ...; see ``aekit.registry``).
        latent_dim: code size.
        hidden: MLP widths or conv channels per level (None: the model's default).
        activation: hidden activation ("relu", "gelu", "tanh", ...).
        tied: MLPs only: decoder uses the encoder's weights, transposed.
        model_kwargs: extra keywords for the model, e.g. ``{"noise": "mask"}`` for "dae".
        epochs, batch_size, lr, weight_decay, val_fraction, patience, lr_schedule,
        grad_clip, max_time: training settings (see ``aekit.train.Trainer``).
        scaling: "auto" (images: min/max to [0, 1]; tables: standardise), "minmax",
            "standard" or "none"; learned in ``fit`` and saved with the model.
        contamination: share of the training data expected to be anomalous; ``predict``
            flags that share of it (scikit-learn's convention).
        target_fpr: false-positive rate wanted on normal data: the threshold is set on the
            held-out validation split (see ``aekit.estimators.thresholds``). With neither
            given, ``target_fpr=0.05``.
        anomaly_score: "recon" (the model's own: reconstruction error, or negative ELBO
            where a model has one), "mse", "l1", "latent" (Mahalanobis distance of the
            code from the training codes) or "features" (the same for the encoder's last
            hidden representation, the wider layer before the code).
        random_state: seed (None draws one).
        n_init: train this many networks from different initial weights (seeds
            ``random_state``, ``random_state + 1``, ...) on the same split and keep the one
            with the lowest validation loss, like k-means' ``n_init``. For models whose
            result depends on where training starts, e.g. "onehot" clusters.
        device: "auto", "cpu" or "cuda".
        verbose: show a progress bar (True, False or "auto" for a terminal).
        checkpoint_dir: write full-state checkpoints there; ``fit(X, resume=True)`` continues.
        log_dir: write ``metrics.csv`` (and TensorBoard logs when installed) there.
    """

    def __init__(self, model: str = "ae", latent_dim: int = 8, hidden=None, activation: str = "relu",
                 tied: bool = False, model_kwargs: dict | None = None, epochs: int = 50,
                 batch_size: int = 128, lr: float = 1e-3, weight_decay: float = 0.0,
                 val_fraction: float = 0.1, patience: int | None = 10, lr_schedule: str = "plateau",
                 grad_clip: float | None = 1.0, max_time: float | None = None, scaling: str = "auto",
                 contamination: float | None = None, target_fpr: float | None = None,
                 anomaly_score: str = "recon", random_state: int | None = None, n_init: int = 1,
                 device: str = "auto", verbose: bool | str = False, checkpoint_dir=None, log_dir=None):
        self.model = model
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.activation = activation
        self.tied = tied
        self.model_kwargs = model_kwargs
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.val_fraction = val_fraction
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.grad_clip = grad_clip
        self.max_time = max_time
        self.scaling = scaling
        self.contamination = contamination
        self.target_fpr = target_fpr
        self.anomaly_score = anomaly_score
        self.random_state = random_state
        self.n_init = n_init
        self.device = device
        self.verbose = verbose
        self.checkpoint_dir = checkpoint_dir
        self.log_dir = log_dir

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, resume: bool = False):
        """Train on ``X`` (labels are ignored: training needs none). Returns ``self``."""
        from aekit.train.trainer import split_indices

        check_threshold_args(self.contamination, self.target_fpr)
        _check_score_name(self.anomaly_score)
        self._check_n_init()
        X = self._check_input(X, reset=True)
        if len(X) < 2:
            raise DataError(f"need at least 2 samples to fit, got n_samples={len(X)} (1 sample)")
        self.scaler_ = fit_scaler(X, self.scaling, self.is_image_)
        Xs = self.scaler_.apply(X)
        self.seed_ = int(np.random.randint(2**31 - 1) if self.random_state is None else self.random_state)
        # One split (from seed_) for every start, so their validation losses compare.
        train_idx, val_idx = split_indices(len(Xs), self.val_fraction, self.seed_)
        data = (Xs, None) if val_idx is None else (Xs[train_idx.numpy()], Xs[val_idx.numpy()])
        self.init_losses_ = []
        for start in range(self.n_init):  # only the best network so far stays in memory
            loss, module, history = self._train_one(data, self.seed_ + start, resume)
            if not self.init_losses_ or loss < min(self.init_losses_):
                self.module_, self.history_, self.best_init_ = module.eval(), history, start
            self.init_losses_.append(loss)
        self._fit_prior(Xs)
        self._fit_threshold(Xs)
        return self

    def _train_one(self, data: tuple[np.ndarray, np.ndarray | None], seed: int, resume: bool):
        """Build and train one network from initial weights drawn with ``seed``:
        (its best monitored loss, the network, its history)."""
        import torch

        from aekit.registry import create_model
        from aekit.train import Trainer

        train, validation = data
        output = "sigmoid" if self.scaler_.kind == "minmax" else "linear"
        torch.manual_seed(seed)  # the initial weights
        module = create_model(self.model, input_shape=self.input_shape_, latent_dim=self.latent_dim,
                              hidden=self.hidden, activation=self.activation, tied=self.tied,
                              output=output, **(self.model_kwargs or {}))
        if hasattr(module, "check_data_size"):  # e.g. a VQ codebook larger than the data
            module.check_data_size(len(train) + (0 if validation is None else len(validation)))
        _check_score_support(module, self.model, self.anomaly_score)
        trainer = Trainer(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                          weight_decay=self.weight_decay, val_fraction=self.val_fraction,
                          patience=self.patience, lr_schedule=self.lr_schedule, grad_clip=self.grad_clip,
                          seed=seed, checkpoint_dir=self.checkpoint_dir, log_dir=self.log_dir,
                          progress=self.verbose, device=self.device, max_time=self.max_time)
        history = trainer.fit(module, train, resume=resume, validation=validation)
        return float(trainer.best_value), module, history

    def _check_n_init(self) -> None:
        if not isinstance(self.n_init, numbers.Integral) or isinstance(self.n_init, bool) or self.n_init < 1:
            raise ConfigError(f"n_init must be a positive integer, got {self.n_init!r}")
        if self.n_init > 1 and self.checkpoint_dir is not None:
            raise ConfigError("n_init > 1 trains several networks, but a checkpoint_dir holds one run: "
                              "use n_init=1 with checkpoints")

    def _fit_prior(self, Xs: np.ndarray) -> None:
        """Second training stage of models that generate through a prior fitted on their codes
        (e.g. "vq"), on the training part of the split only."""
        import torch

        from aekit.train.trainer import split_indices

        self.__dict__.pop("prior_history_", None)  # a refit starts over
        if not hasattr(self.module_, "fit_prior"):
            return
        train_idx, _ = split_indices(len(Xs), self.val_fraction, self.seed_)
        self.prior_history_ = self.module_.fit_prior(torch.from_numpy(Xs[train_idx.numpy()]), seed=self.seed_)
        self.module_.eval()

    def _fit_threshold(self, Xs: np.ndarray) -> None:
        from aekit.train.trainer import split_indices

        train_idx, val_idx = split_indices(len(Xs), self.val_fraction, self.seed_)
        for stale in ("gaussian_mean_", "gaussian_precision_"):  # a refit starts over
            self.__dict__.pop(stale, None)
        if self.anomaly_score in GAUSSIAN_SCORES:
            self.gaussian_mean_, self.gaussian_precision_ = fit_gaussian(self._embed(Xs[train_idx.numpy()]))
        scores = -self._anomaly_scores(Xs)
        holdout = scores[val_idx.numpy()] if val_idx is not None else None
        self.offset_, self.threshold_ = threshold_offset(scores, holdout, self.contamination, self.target_fpr)

    def with_score(self, anomaly_score: str, X) -> AutoEncoder:
        """The same trained network with another ``anomaly_score``, without retraining.

        Returns a copy (sharing the network) whose score statistics and threshold are fitted
        as ``fit`` would: pass the training data ``X``, which is split the same way again.
        """
        check_is_fitted(self, "module_")
        _check_score_name(anomaly_score)
        _check_score_support(self.module_, self.model, anomaly_score)
        other = copy.copy(self)
        other.anomaly_score = anomaly_score
        other._fit_threshold(other._scaled(X))
        return other

    # ------------------------------------------------------------ transforms
    def transform(self, X) -> np.ndarray:
        """Codes, shape (N, latent_dim)."""
        return self.transform_scaled(self._scaled(X))

    def transform_scaled(self, Xs: np.ndarray) -> np.ndarray:
        """Codes of already validated and scaled samples."""
        return self._batched(self.module_.encode, Xs)

    def inverse_transform(self, Z) -> np.ndarray:
        """Decode codes back to input space (original units and shape)."""
        check_is_fitted(self, "module_")
        Z = check_array(Z, dtype=np.float32)
        if Z.shape[1] != self.module_.latent_dim:
            raise DataError(f"codes have {Z.shape[1]} columns, but the model's latent_dim is "
                            f"{self.module_.latent_dim}")
        return self.scaler_.invert(self._batched(self.module_.decode, Z))

    def reconstruct(self, X) -> np.ndarray:
        """Encode then decode: the model's rebuilt version of ``X`` (images as (N, C, H, W))."""
        X = self._scaled(X)
        x_hat = self._batched(lambda x: self.module_(x)["x_hat"], X)
        return self.scaler_.invert(x_hat)

    # ------------------------------------------------ generation, clusters
    def sample(self, n: int, random_state: int | None = None) -> np.ndarray:
        """Draw ``n`` new samples from a generative model ("vae"; "vq" through its index prior), in input units."""
        import torch

        check_is_fitted(self, "module_")
        if not hasattr(self.module_, "sample"):
            raise ConfigError(f"model {self.model!r} cannot sample: it has no prior over codes "
                              "(the generative families 'vae' and 'vq' can)")
        generator = torch.Generator().manual_seed(int(random_state)) if random_state is not None else None
        self.module_.eval()
        with torch.no_grad():
            x = self.module_.sample(n, generator=generator).float().cpu().numpy()
        return self.scaler_.invert(x)

    def interpolate(self, a, b, steps: int = 8) -> np.ndarray:
        """Decode ``steps`` codes on the straight line from ``a``'s code to ``b``'s (input units)."""
        if not isinstance(steps, numbers.Integral) or steps < 2:
            raise ConfigError(f"steps must be an integer >= 2, got {steps!r}")
        codes = self.transform(np.concatenate([np.asarray(a)[None], np.asarray(b)[None]]))
        weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.inverse_transform((1 - weights) * codes[0] + weights * codes[1])

    def predict_cluster(self, X) -> np.ndarray:
        """Cluster index per sample, for models with a categorical code (e.g. "onehot")."""
        check_is_fitted(self, "module_")
        if not hasattr(self.module_, "predict_cluster"):
            raise ConfigError(f"model {self.model!r} has no categorical code to cluster with "
                              "(the 'onehot' family has)")
        return self._batched(self.module_.predict_cluster, self._scaled(X)).astype(np.int64)

    # --------------------------------------------------- outlier detection
    def score_samples(self, X) -> np.ndarray:
        """Minus the anomaly score (``anomaly_score``, in scaled units): higher = more normal."""
        return -self._anomaly_scores(self._scaled(X))

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) >= 0, 1, -1)

    def explain(self, X) -> np.ndarray:
        """Where the reconstruction error comes from, per value (scaled units).

        Images: error maps of shape (N, C, H, W); tables: per-feature contributions
        (N, F). Their per-sample mean is the "mse" (or "l1") anomaly score.
        """
        Xs = self._scaled(X)
        x_hat = self._batched(lambda x: self.module_(x)["x_hat"], Xs)
        diff = x_hat - Xs
        return np.abs(diff) if self.anomaly_score == "l1" else diff ** 2

    def _anomaly_scores(self, Xs: np.ndarray) -> np.ndarray:
        """Higher = more anomalous, (N,) float64, from validated and scaled samples."""
        from aekit.losses import per_sample_reconstruction

        if self.anomaly_score in GAUSSIAN_SCORES:
            chunks = [mahalanobis_sq(self._embed(Xs[i:i + GAUSSIAN_CHUNK]), self.gaussian_mean_,
                                     self.gaussian_precision_) for i in range(0, len(Xs), GAUSSIAN_CHUNK)]
            return np.concatenate(chunks) if chunks else np.zeros(0)
        if self.anomaly_score == "recon":
            fn = self.module_.score
        else:
            kind = self.anomaly_score
            fn = lambda x: per_sample_reconstruction(self.module_(x)["x_hat"], x, kind)  # noqa: E731
        return self._batched(fn, Xs).astype(np.float64)

    def _embed(self, Xs: np.ndarray) -> np.ndarray:
        """The vectors a Gaussian score models: codes ("latent") or encoder features ("features")."""
        if self.anomaly_score == "latent":
            return self.transform_scaled(Xs)
        return self._batched(self.module_.encoder_features, Xs)

    # -------------------------------------------------------- persistence
    def save(self, path, force: bool = False, extra_files: dict[str, bytes] | None = None):
        """Write ``config.json`` + ``model.safetensors`` (+ ``extra_files``) into folder ``path``."""
        from aekit.estimators.saving import save_estimator

        check_is_fitted(self, "module_")
        return save_estimator(self, path, force=force, extra_files=extra_files)

    @property
    def _n_features_out(self) -> int:
        return self.module_.latent_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        tags.transformer_tags.preserves_dtype = ["float32"]  # networks compute in float32
        return tags

    # -------------------------------------------------------------- helpers
    def _check_input(self, X, reset: bool) -> np.ndarray:
        """Validated float32 samples: (N, F) tables or (N, C, H, W) images."""
        from aekit.data.validate import check_finite

        X = getattr(X, "X", X)  # an aekit Dataset works too
        shape = getattr(X, "shape", None)
        is_image = (len(shape) if shape is not None else np.asarray(X).ndim) in (3, 4)
        if reset:
            self.is_image_ = is_image
        elif is_image != self.is_image_:
            check_is_fitted(self, "module_")
            expected = "images" if self.is_image_ else "a table (N, F)"
            raise DataError(f"the model was fitted on {expected}, but X has shape {np.shape(X)}")
        try:
            if is_image:
                X = check_array(X, dtype=np.float32, allow_nd=True, ensure_all_finite=False)
                X = X[:, None] if X.ndim == 3 else X  # (N, H, W) -> (N, 1, H, W)
            else:
                X = validate_data(self, X, reset=reset, dtype=np.float32, ensure_all_finite=False)
        except DataError:
            raise
        except ValueError as exc:  # scikit-learn's message is clear; make it ours for the CLI
            raise DataError(str(exc)) from None
        if is_image:
            self._check_image_shape(X, reset)
        elif reset:
            self.input_shape_ = (X.shape[1],)
        check_finite(X, "X", getattr(self, "feature_names_in_", None) if not is_image else None)
        return X

    def _check_image_shape(self, X: np.ndarray, reset: bool) -> None:
        if reset:
            self.input_shape_ = tuple(X.shape[1:])
            self.n_features_in_ = int(np.prod(self.input_shape_))
        elif tuple(X.shape[1:]) != tuple(self.input_shape_):
            raise DataError(f"X has images of shape {tuple(X.shape[1:])}, but the model was fitted on "
                            f"{tuple(self.input_shape_)} (C, H, W)")

    def _scaled(self, X) -> np.ndarray:
        check_is_fitted(self, "module_")
        return self.scaler_.apply(self._check_input(X, reset=False))

    def _batched(self, fn, X: np.ndarray) -> np.ndarray:
        import torch

        device = next(self.module_.parameters()).device
        self.module_.eval()
        outs = []
        with torch.no_grad():
            for start in range(0, len(X), INFERENCE_BATCH):
                xb = torch.from_numpy(np.ascontiguousarray(X[start:start + INFERENCE_BATCH])).to(device)
                outs.append(fn(xb).float().cpu().numpy())
        return np.concatenate(outs) if outs else np.zeros((0,), np.float32)


def _check_score_name(anomaly_score: str) -> None:
    if anomaly_score not in ANOMALY_SCORES:
        raise ConfigError(f"unknown anomaly_score {anomaly_score!r}; choose from {', '.join(ANOMALY_SCORES)}")


def _check_score_support(module, model: str, anomaly_score: str) -> None:
    if anomaly_score == "features" and not hasattr(module, "encoder_features"):
        raise ConfigError(f"model {model!r} does not expose encoder features; "
                          "use another anomaly_score (e.g. 'latent')")
