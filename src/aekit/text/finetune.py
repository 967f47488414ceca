"""Fine-tuning a pretrained ``mlm`` encoder (or the same network from scratch) on a task.

    pretrained DIR (mlm) ──weights──> FineTunedEncoder(task head)    (--scratch: seeded new weights)
    dataset ──train split, first N of a seeded shuffle──> rows ──Trainer──┐
            ──validation split──> rows (early stopping, best weights) ────┘
            ──test split──> metrics ──> DIR2/ (config.json with labels and test metrics,
                                              model.safetensors, tokenizer.json, metrics.csv)

The tokenizer is always the pretrained model's, so the scratch model differs from the
pretrained one by its initial weights only: the pretrain-vs-scratch comparison of
Devlin et al. 2019 and Erhan et al. 2010 ("Why Does Unsupervised Pre-training Help Deep
Learning?", JMLR). Checkpoints go to ``DIR2.partial/`` after every epoch; ``resume=True``
continues a killed run from there.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import torch

from aekit.errors import ConfigError, DataError, ModelFileError, OutputExistsError
from aekit.persist import load_state_into, read_config, read_weights, write_model_dir
from aekit.text.heads import FineTunedEncoder
from aekit.text.pretrain import partial_dir
from aekit.text.saving import load_text_model
from aekit.text.task_encoding import encode_examples
from aekit.text.task_eval import evaluate
from aekit.text.tasks import TaskData
from aekit.text.tokenizer import TOKENIZER_NAME, TextTokenizer, check_same_tokenizer

TASK = "text-finetuned"
FINETUNE_DEFAULTS = dict(epochs=10, batch_size=32, lr=3e-4, weight_decay=0.01, patience=3,
                         lr_schedule="cosine", grad_clip=1.0, seed=0)


def load_encoder(path: str | os.PathLike):
    """(mlm model, tokenizer) of a pretrained folder; other objectives are refused."""
    model, tokenizer, config = load_text_model(path)
    if config["model"] != "mlm":
        raise ConfigError(f"{path}: fine-tuning needs an mlm (BERT-style) encoder; this is a {config['model']} model")
    return model, tokenizer


def finetune(pretrained: str | os.PathLike, data: TaskData, output: str | os.PathLike, *, n_labels: int | None = None,
             scratch: bool = False, trainer_args: dict | None = None, resume: bool = False, force: bool = False):
    """Fine-tune on ``data`` (see the module docstring). ``n_labels`` training examples are
    used (all when None). Returns (model, history, test metrics)."""
    from aekit.train import Trainer

    output = Path(output)
    if output.exists() and not force:
        raise OutputExistsError(f"{output} already exists; pass --force to overwrite it")
    encoder, tokenizer = load_encoder(pretrained)
    settings = {**FINETUNE_DEFAULTS, **(trainer_args or {})}
    train_examples = data.subset(n_labels, settings["seed"])
    labels = data.labels
    train = encode_examples(data.task, train_examples, tokenizer, encoder.max_len, labels).rows
    validation = encode_examples(data.task, data.split("validation"), tokenizer, encoder.max_len, labels).rows
    if len(train) == 0:
        raise DataError(f"{data.name}: no training rows (every text was empty after tokenizing)")
    model = _new_model(encoder, data.task, len(labels), scratch, settings["seed"])
    partial = partial_dir(output)
    if partial.exists() and not resume:
        shutil.rmtree(partial)
    trainer = Trainer(**settings, val_fraction=0.0, checkpoint_dir=partial, log_dir=partial)
    history = trainer.fit(model, train, resume=resume, validation=validation)
    model.cpu()
    test = data.split("test")
    metrics = evaluate(model, tokenizer, test, labels) if test else {}
    info = {"dataset": data.name, "labels": labels, "pretrained": None if scratch else str(pretrained),
            "train_examples": len(train_examples), "history": history, "test_metrics": metrics}
    csv = partial / "metrics.csv"
    save_finetuned(output, model, tokenizer, info, force=force,
                   extra_files={"metrics.csv": csv.read_bytes()} if csv.exists() else None)
    shutil.rmtree(partial, ignore_errors=True)
    return model, history, metrics


def _new_model(encoder, task: str, n_labels: int, scratch: bool, seed: int) -> FineTunedEncoder:
    torch.manual_seed(seed)  # the head's (and, from scratch, the encoder's) initial weights
    if scratch:
        return FineTunedEncoder(task, n_labels, encoder.config)
    return FineTunedEncoder.from_pretrained(encoder, task, n_labels)


# ------------------------------------------------------------------ folders
def save_finetuned(path: str | os.PathLike, model: FineTunedEncoder, tokenizer: TextTokenizer, info: dict,
                   force: bool = False, extra_files: dict[str, bytes] | None = None) -> Path:
    """config.json (task, head, encoder config, label names, ...), weights and tokenizer."""
    if "labels" not in info:
        raise ConfigError("a fine-tuned model is saved with its label names")
    config = {"task": TASK, "model": model.registry_name, "config": model.config,
              "tokenizer_fingerprint": tokenizer.fingerprint, **info}
    files = {TOKENIZER_NAME: tokenizer.to_json().encode("utf-8"), **(extra_files or {})}
    return write_model_dir(path, config, model.state_dict(), force=force, extra_files=files)


def load_finetuned(path: str | os.PathLike, tokenizer: TextTokenizer | None = None):
    """(model in eval mode, tokenizer, config) of a fine-tuned folder; config["labels"]
    holds the label names."""
    path = Path(path)
    config = read_config(path)
    if config.get("task") != TASK:
        hint = " (a pretrained model: fine-tune it with 'aekit text finetune')" if config.get("task") == "text" else ""
        raise ModelFileError(f"{path}: not a fine-tuned text model{hint}")
    tokenizer = TextTokenizer.load(path) if tokenizer is None else tokenizer
    check_same_tokenizer(config.get("tokenizer_fingerprint"), tokenizer, str(path))
    try:
        model = FineTunedEncoder(**config["config"])
        if not isinstance(config["labels"], list):
            raise TypeError("labels is not a list")
    except (KeyError, TypeError) as exc:
        raise ModelFileError(f"{path / 'config.json'}: model settings do not fit this aekit ({exc})") from None
    load_state_into(model, read_weights(path), str(path / "model.safetensors"))
    return model.eval(), tokenizer, config
