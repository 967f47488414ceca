"""Atomic full-state checkpoints.

A checkpoint is written to a temporary file in the same folder, flushed to disk, then
renamed over the old one: a run killed mid-write leaves the previous checkpoint whole.
Files are read back with ``weights_only=True`` (no arbitrary unpickling).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from aekit.errors import ModelFileError

CHECKPOINT_NAME = "last.pt"


def save_checkpoint(state: dict, directory: str | os.PathLike) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / CHECKPOINT_NAME
    fd, tmp = tempfile.mkstemp(prefix=".last-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_checkpoint(directory: str | os.PathLike) -> dict | None:
    """The last checkpoint in ``directory``, or None when there is none yet."""
    path = Path(directory) / CHECKPOINT_NAME
    if not path.exists():
        return None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for damaged zips
        raise ModelFileError(f"{path}: checkpoint is corrupt or truncated ({exc.__class__.__name__}); "
                             "delete it to start over") from None
