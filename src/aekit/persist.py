"""Saving and loading fitted models: ``config.json`` + ``model.safetensors``.

No pickle anywhere: the config is JSON, the weights are safetensors. A model folder is
written next to its final place and renamed into it, so a failed save never leaves a
half-written model, and an existing folder is replaced only when asked to.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import torch

from aekit.errors import ModelFileError, OutputExistsError
from aekit.version import FORMAT_VERSION, __version__

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


def write_model_dir(path: str | os.PathLike, config: dict, state_dict: dict[str, torch.Tensor],
                    force: bool = False, extra_files: dict[str, bytes] | None = None) -> Path:
    """Write ``config``, ``state_dict`` (and small ``extra_files``) into folder ``path`` atomically."""
    from safetensors.torch import save_file

    config = {"format": "aekit-model", "format_version": FORMAT_VERSION, "aekit_version": __version__, **config}
    with atomic_dir(path, force) as tmp:
        tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
        save_file(tensors, str(tmp / WEIGHTS_NAME))
        (tmp / CONFIG_NAME).write_text(json.dumps(config, indent=2))
        for name, content in (extra_files or {}).items():
            (tmp / name).write_bytes(content)
    return Path(path)


@contextmanager
def atomic_dir(path: str | os.PathLike, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; on success it replaces ``path`` whole.

    An existing ``path`` is refused unless ``force``; on any failure the temporary folder
    is removed and ``path`` is left as it was.
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; pass force=True (--force) to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    try:
        yield tmp
        replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_dir(new: Path, target: Path) -> None:
    """Move folder ``new`` to ``target``, swapping out an existing ``target`` last."""
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        os.replace(target, old / "previous")
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def read_config(path: str | os.PathLike) -> dict:
    path = Path(path)
    config_path = path / CONFIG_NAME
    if not path.is_dir():
        raise ModelFileError(f"{path}: not a model folder (expected {CONFIG_NAME} and {WEIGHTS_NAME} inside)")
    try:
        config = json.loads(config_path.read_text())
    except FileNotFoundError:
        raise ModelFileError(f"{config_path}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{config_path}: corrupt JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != "aekit-model":
        raise ModelFileError(f"{config_path}: not an aekit model config")
    version = config.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"{config_path}: written by aekit {config.get('aekit_version', '?')} in model "
                             f"format {version}; this aekit {__version__} reads format {FORMAT_VERSION} "
                             "and older: upgrade aekit")
    return config


def read_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    weights_path = Path(path) / WEIGHTS_NAME
    if not weights_path.exists():
        raise ModelFileError(f"{weights_path}: missing")
    try:
        return load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{weights_path}: corrupt or truncated ({exc})") from None


def load_state_into(module: torch.nn.Module, state: dict[str, torch.Tensor], where: str) -> None:
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        raise ModelFileError(f"{where}: weights do not match the model in config.json "
                             f"({' '.join(line.strip() for line in first[:2])})") from None
