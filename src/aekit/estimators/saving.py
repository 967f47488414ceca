"""Estimator <-> model folder. ``config.json`` holds everything but the weights:
the model's registry name and constructor arguments, the estimator's parameters,
the input spec and the learned scaling, the outlier offset and the training history.
The Gaussian of the "latent" and "features" anomaly scores (a mean and a precision
matrix, up to 2048 x 2048) goes into ``score_gaussian.safetensors`` next to the weights."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from aekit.errors import ModelFileError
from aekit.estimators.autoencoder import GAUSSIAN_SCORES
from aekit.estimators.scaling import Scaler
from aekit.persist import load_state_into, read_config, read_weights, write_model_dir

GAUSSIAN_NAME = "score_gaussian.safetensors"


def _jsonable(value):
    """Estimator parameters as JSON (tuples become lists; paths become strings)."""
    return json.loads(json.dumps(value, default=str))


def save_estimator(est, path, force: bool = False, extra_files: dict[str, bytes] | None = None) -> Path:
    config = {
        "estimator": type(est).__name__,
        "params": _jsonable(est.get_params()),
        "model": est.module_.registry_name,
        "model_config": est.module_.config,
        "input": {
            "kind": "image" if est.is_image_ else "table",
            "shape": list(est.input_shape_),
            "feature_names": [str(f) for f in getattr(est, "feature_names_in_", [])] or None,
        },
        "scaling": est.scaler_.to_config(),
        "offset": est.offset_,
        "threshold": est.threshold_,
        "seed": est.seed_,
        "history": est.history_,
    }
    files = dict(extra_files or {})
    if hasattr(est, "gaussian_mean_"):
        from safetensors.numpy import save

        files[GAUSSIAN_NAME] = save({"mean": est.gaussian_mean_, "precision": est.gaussian_precision_})
    return write_model_dir(path, config, est.module_.state_dict(), force=force, extra_files=files)


def load_estimator(path):
    """Rebuild a fitted estimator from a folder written by ``save``."""
    from aekit.estimators import ESTIMATORS
    from aekit.registry import create_model

    config = read_config(path)
    try:
        cls = ESTIMATORS[config["estimator"]]
        # JSON turned tuples into lists; give them back their Python form.
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in config["params"].items()}
        est = cls(**params)
        module = create_model(config["model"], **config["model_config"])
        est.is_image_ = config["input"]["kind"] == "image"
        est.input_shape_ = tuple(config["input"]["shape"])
        est.n_features_in_ = int(np.prod(est.input_shape_))
        if config["input"].get("feature_names"):
            est.feature_names_in_ = np.asarray(config["input"]["feature_names"], dtype=object)
        est.scaler_ = Scaler.from_config(config["scaling"])
        est.offset_ = float(config["offset"])
        est.threshold_ = config.get("threshold")
        est.seed_ = config.get("seed")
        est.history_ = config.get("history", [])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{Path(path) / 'config.json'}: incomplete or inconsistent config "
                             f"({exc.__class__.__name__}: {exc})") from None
    load_state_into(module, read_weights(path), str(Path(path) / "model.safetensors"))
    est.module_ = module.eval()
    if est.anomaly_score in GAUSSIAN_SCORES:
        est.gaussian_mean_, est.gaussian_precision_ = read_gaussian(Path(path) / GAUSSIAN_NAME)
    return est


def read_gaussian(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(mean, precision) of a Gaussian anomaly score; a clear error when missing or damaged."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
        mean, precision = tensors["mean"], tensors["precision"]
    except FileNotFoundError:
        raise ModelFileError(f"{path}: missing (the model's anomaly score needs it)") from None
    except (SafetensorError, OSError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{path}: corrupt or truncated ({exc})") from None
    if mean.ndim != 1 or precision.shape != (len(mean), len(mean)):
        raise ModelFileError(f"{path}: mean {mean.shape} and precision {precision.shape} do not match")
    return mean, precision
