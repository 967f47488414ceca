"""Pretraining a text model on a corpus with the project's Trainer, resumable after a kill.

    corpus ──train split──> tokenizer (trained here unless given)
           ──train / validation split──> token blocks (aekit.text.blocks)
           ──Trainer──> model ──> DIR/ (config.json, model.safetensors, tokenizer.json, metrics.csv)

Checkpoints go to ``DIR.partial/`` after every epoch together with the tokenizer;
``resume=True`` continues from there (with that same tokenizer) and ends with the weights
an uninterrupted run would have had on the CPU. The validation blocks come from the
corpus's validation documents, so no document is on both sides.

``init_from=DIR`` is continued pretraining: the model, its settings and its tokenizer come
from an earlier run's folder (which may be the output folder itself), a fresh optimizer and
learning-rate schedule train it further, and the saved history lists the earlier run's
epochs, then the new ones.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import torch

from aekit.errors import ConfigError, OutputExistsError
from aekit.text.blocks import make_blocks, require_blocks
from aekit.text.documents import Corpus
from aekit.text.registry import get_text_model_class
from aekit.text.saving import save_text_model
from aekit.text.tokenizer import TOKENIZER_NAME, TextTokenizer

TRAINER_DEFAULTS = dict(epochs=10, batch_size=32, lr=5e-4, weight_decay=0.01, patience=3,
                        lr_schedule="cosine", grad_clip=1.0, seed=0)


def partial_dir(output: Path) -> Path:
    return output.with_name(output.name + ".partial")


def pretrain(corpus: Corpus, objective: str, output: str | os.PathLike, *, tokenizer: TextTokenizer | None = None,
             tokenizer_kind: str = "bpe", vocab_size: int = 8000, model_args: dict | None = None,
             trainer_args: dict | None = None, resume: bool = False, force: bool = False,
             init_from: str | os.PathLike | None = None):
    """Train a new ``objective`` model ("mlm", "gpt", "bart") on ``corpus``, or continue
    the one in ``init_from``; save it to ``output``. Returns (model, tokenizer, history)."""
    from aekit.train import Trainer

    output = Path(output)
    if output.exists() and not force:
        raise OutputExistsError(f"{output} already exists; pass --force to overwrite it")
    model_class = get_text_model_class(objective)  # an unknown objective fails before any work
    partial = partial_dir(output)
    if partial.exists() and not resume:
        shutil.rmtree(partial)
    settings = {**TRAINER_DEFAULTS, **(trainer_args or {})}
    earlier: list[dict] = []
    if init_from is not None:
        model, tokenizer, earlier = _earlier_run(init_from, objective, tokenizer)
        tokenizer.save(partial)
    else:
        tokenizer = _tokenizer_for_run(corpus, partial, tokenizer, tokenizer_kind, vocab_size)
        torch.manual_seed(settings["seed"])  # the initial weights
        model = model_class(**_model_arguments(objective, tokenizer, model_args or {}))
    train = require_blocks(_blocks(corpus, "train", tokenizer, model, objective), f"{corpus.name} (train split)")
    validation = _blocks(corpus, "validation", tokenizer, model, objective)
    corpus.report_skipped()  # every pass reads the whole corpus, so the last pass's count is the total
    trainer = Trainer(**settings, val_fraction=0.0, checkpoint_dir=partial, log_dir=partial)
    history = trainer.fit(model, train, resume=resume, validation=validation)
    info = {"corpus": corpus.name, "blocks": {"train": len(train), "validation": len(validation)},
            "history": earlier + [{**row, "epoch": row["epoch"] + len(earlier)} for row in history]}
    if init_from is not None:
        info["continued_from"] = {"path": str(init_from), "epochs": len(earlier)}
    metrics = partial / "metrics.csv"
    extra = {"metrics.csv": metrics.read_bytes()} if metrics.exists() else {}
    save_text_model(output, model.cpu(), tokenizer, force=force, info=info, extra_files=extra)
    shutil.rmtree(partial, ignore_errors=True)
    return model, tokenizer, history


def _tokenizer_for_run(corpus: Corpus, partial: Path, tokenizer: TextTokenizer | None, kind: str,
                       vocab_size: int) -> TextTokenizer:
    """The run's tokenizer: the one a killed run saved, the one given, or a new one."""
    saved = partial / TOKENIZER_NAME
    if saved.exists():
        return TextTokenizer.load(saved)
    if tokenizer is None:
        tokenizer = TextTokenizer.train(corpus.texts("train"), kind=kind, vocab_size=vocab_size)
    tokenizer.save(partial)
    return tokenizer


def _earlier_run(path, objective: str, tokenizer: TextTokenizer | None):
    """(model in training mode, its tokenizer, its history) of the run to continue."""
    from aekit.text.saving import load_text_model

    model, own_tokenizer, config = load_text_model(path, tokenizer)
    if config["model"] != objective:
        raise ConfigError(f"{path}: holds a {config['model']!r} model, not {objective!r}; "
                          "continued pretraining keeps the objective")
    return model.train(), own_tokenizer, list(config.get("history", []))


def _model_arguments(objective: str, tokenizer: TextTokenizer, model_args: dict) -> dict:
    args = {"vocab_size": tokenizer.vocab_size, **model_args}
    if objective == "bart" and "sentence_end_ids" not in args:
        args["sentence_end_ids"] = tokenizer.sentence_end_ids()
    return args


def _blocks(corpus: Corpus, split: str, tokenizer: TextTokenizer, model, objective: str) -> torch.Tensor:
    return make_blocks(tokenizer, corpus.texts(split), model.block_layout, model.block_length, objective)
