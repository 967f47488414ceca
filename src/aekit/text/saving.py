"""Text model folders: ``config.json`` + ``model.safetensors`` + ``tokenizer.json``.

Written atomically through ``aekit.persist`` (the folder is built next to its place and
renamed into it). ``config.json`` holds ``"task": "text"``, the registered model name,
its constructor keywords and the tokenizer's fingerprint; loading checks that the
tokenizer beside the weights (or one passed in) is the one the model was trained with.
"""
from __future__ import annotations

import os
from pathlib import Path

from aekit.errors import ModelFileError
from aekit.persist import load_state_into, read_config, read_weights, write_model_dir
from aekit.text.registry import create_text_model
from aekit.text.tokenizer import TOKENIZER_NAME, TextTokenizer, check_same_tokenizer

TASK = "text"


def save_text_model(path: str | os.PathLike, model, tokenizer: TextTokenizer, force: bool = False,
                    info: dict | None = None, extra_files: dict[str, bytes] | None = None) -> Path:
    """Write ``model`` and ``tokenizer`` to folder ``path``; ``info`` (history, corpus, ...)
    goes into config.json as it is."""
    config = {"task": TASK, "model": model.registry_name, "config": model.config,
              "tokenizer_fingerprint": tokenizer.fingerprint, **(info or {})}
    files = {TOKENIZER_NAME: tokenizer.to_json().encode("utf-8"), **(extra_files or {})}
    return write_model_dir(path, config, model.state_dict(), force=force, extra_files=files)


def load_text_model(path: str | os.PathLike, tokenizer: TextTokenizer | None = None):
    """(model in eval mode, tokenizer, config) from a text model folder."""
    path = Path(path)
    config = read_config(path)
    if config.get("task") != TASK:
        raise ModelFileError(f"{path}: not a text model (aekit text pretrain writes those)")
    tokenizer = TextTokenizer.load(path) if tokenizer is None else tokenizer
    check_same_tokenizer(config.get("tokenizer_fingerprint"), tokenizer, str(path))
    try:
        model = create_text_model(config["model"], **config["config"])
    except (KeyError, TypeError) as exc:
        raise ModelFileError(f"{path / 'config.json'}: model settings do not fit this aekit ({exc})") from None
    load_state_into(model, read_weights(path), str(path / "model.safetensors"))
    return model.eval(), tokenizer, config
