"""Sequence-to-sequence fine-tuning (source text -> target text), so that a pretrained
BART, a pretrained MLM and no pretraining compare as starting points of the same network.

    pretrained DIR ──init──> BART (encoder-decoder, aekit.text.bart); tokenizer from DIR
        bart:    DIR's BART as it is
        mlm:     BERT2BERT: embeddings and encoder layers = the MLM's; each decoder layer's
                 self-attention and MLP = the MLM layer of the same depth; cross-attention new
        scratch: DIR's sizes, new seeded weights
    (source, target) ──> row = [BOS] source [EOS] pad ... | [BOS] target [EOS] pad ...
                                    (each half max_len tokens, the text cut to max_len - 2)
    source half ──encoder──> memory;   [BOS] target ──decoder──> logits
        loss = cross-entropy against target [EOS] (padding ignored)
    dataset ──train split──> rows ──Trainer──┐  (validation split: early stopping, best weights)
            ──test split──> loss, perplexity (teacher-forced), rouge_l (greedy generation)
            ──> DIR2/ (a bart text model folder with a "seq2seq" entry in config.json)

The fine-tuned folder is an ordinary ``bart`` text model, so ``aekit text generate`` reads
it too. Checkpoints go to ``DIR2.partial/`` after every epoch; ``resume=True`` continues.
"""
from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError, DataError, OutputExistsError
from aekit.text.bart import BART
from aekit.text.common import IGNORE, pad_rows, token_loss
from aekit.text.finetune import FINETUNE_DEFAULTS
from aekit.text.labelled import Example
from aekit.text.mlm import MaskedLanguageModel
from aekit.text.pretrain import partial_dir
from aekit.text.saving import load_text_model, save_text_model
from aekit.text.tasks import SEQ2SEQ, TaskData
from aekit.text.tokenizer import BOS_ID, CLS_ID, EOS_ID, PAD_ID, SEP_ID, TextTokenizer

INITS = ("bart", "mlm", "scratch")
DEFAULT_INIT = {"bart": "bart", "mlm": "mlm"}  # a folder's model kind -> its natural init
SHAPE_KEYS = ("vocab_size", "max_len", "d_model", "n_layers", "n_heads", "dropout")
MAX_TARGET_TOKENS = 32  # generation length for evaluation (Reuters headlines: ~7 words)
EVAL_BATCH = 64


# ------------------------------------------------------------------ initialisations
def default_init(pretrained_dir: str | os.PathLike) -> str:
    """"bart" for a bart folder, "mlm" for an mlm folder; other kinds need "scratch"."""
    kind = load_text_model(pretrained_dir)[2]["model"]
    if kind not in DEFAULT_INIT:
        raise ConfigError(f"{pretrained_dir}: a {kind} model cannot start a seq2seq model; "
                          "use an mlm or bart folder, or init 'scratch' to take its sizes only")
    return DEFAULT_INIT[kind]


def seq2seq_model(pretrained_dir: str | os.PathLike, init: str, seed: int = 0) -> tuple[BART, TextTokenizer]:
    """(BART, the folder's tokenizer) started as ``init`` says (see the module docstring);
    ``seed`` draws every weight that is not copied."""
    if init not in INITS:
        raise ConfigError(f"unknown init {init!r}; choose from {', '.join(INITS)}")
    pretrained, tokenizer, config = load_text_model(pretrained_dir)
    kind = config["model"]
    if init in ("bart", "mlm") and kind != init:
        raise ConfigError(f"{pretrained_dir}: init {init!r} needs a pretrained {init} model; this is a {kind} "
                          f"model (init {DEFAULT_INIT.get(kind, 'scratch')!r} fits it)")
    if init == "bart":
        return pretrained, tokenizer
    torch.manual_seed(seed)
    model = BART(**{key: pretrained.config[key] for key in SHAPE_KEYS})
    if init == "mlm":
        init_from_mlm(model, pretrained)
    return model, tokenizer


def init_from_mlm(bart: BART, mlm: MaskedLanguageModel) -> BART:
    """Copy ``mlm``'s weights into ``bart`` the BERT2BERT way and return it.

    Rothe, Narayan & Severyn 2020, "Leveraging Pre-trained Checkpoints for Sequence
    Generation Tasks" (TACL): encoder and decoder both start from the BERT checkpoint; the
    decoder's self-attention becomes causal, its encoder-decoder (cross-)attention starts
    at random. Here: the shared token + position embeddings and the encoder are the MLM's;
    decoder block i takes the self-attention, MLP and their LayerNorms of MLM block i, and
    the final LayerNorm; cross-attention keeps ``bart``'s own (seeded) initial weights.
    Details of this implementation:

    - the output layer is BART's tied embedding with no bias: the MLM's output transform
      and bias have no place in it and are dropped;
    - [BOS] and [EOS] start as the MLM's [CLS] and [SEP] embeddings, so that the encoder
      reads ``[BOS] text [EOS]`` as the ``[CLS] text [SEP]`` it was pretrained on, and the
      decoder starts (and ends) with a marker it knows (BERT2BERT starts with [CLS] too);
    - an MLM with SOP/NSP adds segment 0 to every token of a one-segment input: that
      vector is folded into the position embeddings, so the encoder computes exactly
      what the MLM computed.
    """
    _check_fits(bart, mlm)
    with torch.no_grad():
        bart.embedding.load_state_dict(mlm.embedding.state_dict())
        if mlm.segment is not None:
            bart.embedding.position.weight += mlm.segment.weight[0]
        bart.embedding.token.weight[BOS_ID] = mlm.embedding.token.weight[CLS_ID]
        bart.embedding.token.weight[EOS_ID] = mlm.embedding.token.weight[SEP_ID]
        bart.encoder.load_state_dict(mlm.encoder.state_dict())
        for block, source in zip(bart.decoder.blocks, mlm.encoder.blocks):
            for part in ("self_norm", "self_attention", "mlp_norm", "mlp"):
                getattr(block, part).load_state_dict(getattr(source, part).state_dict())
        bart.decoder.norm.load_state_dict(mlm.encoder.norm.state_dict())
    return bart


def _check_fits(bart: BART, mlm: MaskedLanguageModel) -> None:
    """BART has one n_layers for encoder and decoder: both must match the MLM's layers."""
    for key in ("vocab_size", "max_len", "d_model", "n_heads", "n_layers"):
        if bart.config[key] != mlm.config[key]:
            raise ConfigError(f"BERT2BERT needs a BART of the MLM's size: {key} is {bart.config[key]} "
                              f"in the BART and {mlm.config[key]} in the MLM")


# ------------------------------------------------------------------ rows and the training view
def encode_pairs(examples: list[Example], tokenizer: TextTokenizer, max_len: int) -> torch.Tensor:
    """(N, 2 * max_len) rows: ``[BOS] source [EOS]`` padded, then ``[BOS] target [EOS]`` padded
    (source = ``text``, target = ``text_b``; each cut to ``max_len - 2`` tokens)."""
    halves = []
    for texts in ([ex.text for ex in examples], [ex.text_b for ex in examples]):
        ids = tokenizer.encode_batch(texts) if texts else []
        rows = [torch.tensor([BOS_ID] + row[:max_len - 2] + [EOS_ID]) for row in ids]
        halves.append(pad_rows(rows, PAD_ID, max_len) if rows else torch.zeros(0, max_len, dtype=torch.long))
    return torch.cat(halves, dim=1)


def _trim(ids: torch.Tensor) -> torch.Tensor:
    """Drop the columns that are padding in every row (short texts make short batches)."""
    return ids[:, :max(int((ids != PAD_ID).sum(1).max()), 2)]


class TeacherForced(nn.Module):
    """The Trainer's view of a BART on ``encode_pairs`` rows: the decoder reads
    ``[BOS] target`` and is scored on ``target [EOS]``."""

    def __init__(self, bart: BART):
        super().__init__()
        self.bart = bart

    def forward(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        length = self.bart.max_len
        source, target = _trim(rows[:, :length]), _trim(rows[:, length:])
        memory = self.bart.encode(source)
        # No decoder padding mask is needed: padding only follows [EOS], and the causal
        # mask keeps every real position from looking at it; padded targets are ignored.
        logits = self.bart.decode(target[:, :-1], memory, source)
        targets = target[:, 1:].masked_fill(target[:, 1:] == PAD_ID, IGNORE)
        return {"logits": logits, "targets": targets}

    def loss(self, rows: torch.Tensor, out: dict, target=None) -> dict[str, torch.Tensor]:
        return {"loss": token_loss(out["logits"], out["targets"])}


# ------------------------------------------------------------------ fine-tuning
def finetune_seq2seq(pretrained_dir: str | os.PathLike, data: TaskData, output: str | os.PathLike, *,
                     init: str, n_examples: int | None = None, trainer_args: dict | None = None,
                     force: bool = False, resume: bool = False):
    """Fine-tune on ``data`` (a seq2seq dataset; see the module docstring) with the first
    ``n_examples`` of a seeded shuffle of its training split (all when None). Returns
    (BART, history, test metrics); the model is saved to ``output``."""
    from aekit.train import Trainer

    output = Path(output)
    if output.exists() and not force:
        raise OutputExistsError(f"{output} already exists; pass --force to overwrite it")
    if data.task != SEQ2SEQ:
        raise ConfigError(f"{data.name} is a {data.task} dataset, not {SEQ2SEQ}")
    settings = {**FINETUNE_DEFAULTS, **(trainer_args or {})}
    bart, tokenizer = seq2seq_model(pretrained_dir, init, seed=settings["seed"])
    train_examples = data.subset(n_examples, settings["seed"])
    if not train_examples:
        raise DataError(f"{data.name}: no training examples (every document fell in validation or test)")
    train = encode_pairs(train_examples, tokenizer, bart.max_len)
    validation = encode_pairs(data.split("validation"), tokenizer, bart.max_len)
    partial = partial_dir(output)
    if partial.exists() and not resume:
        shutil.rmtree(partial)
    trainer = Trainer(**settings, val_fraction=0.0, checkpoint_dir=partial, log_dir=partial)
    history = trainer.fit(TeacherForced(bart), train, resume=resume, validation=validation)
    test = data.split("test")
    metrics = evaluate_seq2seq(bart, tokenizer, test) if test else {}  # on the training device: generation is slow
    info = {"seq2seq": {"dataset": data.name, "init": init, "pretrained": str(pretrained_dir),
                        "train_examples": len(train_examples), "test_metrics": metrics},
            "history": history}
    csv = partial / "metrics.csv"
    save_text_model(output, bart.cpu(), tokenizer, force=force, info=info,
                    extra_files={"metrics.csv": csv.read_bytes()} if csv.exists() else None)
    shutil.rmtree(partial, ignore_errors=True)
    return bart, history, metrics


def load_seq2seq(path: str | os.PathLike, tokenizer: TextTokenizer | None = None):
    """(BART in eval mode, tokenizer, config) of a fine-tuned (or any) bart folder."""
    model, tokenizer, config = load_text_model(path, tokenizer)
    if config["model"] != "bart":
        raise ConfigError(f"{path}: not a seq2seq model (a {config['model']} model; "
                          "'aekit text finetune ... --task seq2seq' makes one)")
    return model, tokenizer, config


# ------------------------------------------------------------------ evaluation
@torch.no_grad()
def target_loss(model: BART, tokenizer: TextTokenizer, examples: list[Example]) -> float:
    """Mean cross-entropy per target token (``[EOS]`` included), teacher-forced."""
    view = TeacherForced(model).eval()
    device = model.embedding.token.weight.device
    total, count = 0.0, 0
    for rows in encode_pairs(examples, tokenizer, model.max_len).split(EVAL_BATCH):
        out = view(rows.to(device))
        targets = out["targets"].reshape(-1)
        total += float(F.cross_entropy(out["logits"].reshape(len(targets), -1).float(), targets,
                                       ignore_index=IGNORE, reduction="sum"))
        count += int((targets != IGNORE).sum())
    return total / max(count, 1)


def predict(model: BART, tokenizer: TextTokenizer, sources: list[str],
            max_tokens: int = MAX_TARGET_TOKENS) -> list[str]:
    """The greedy target text (``BART.generate``) of each source text."""
    ids = tokenizer.encode_batch(sources) if sources else []
    return [tokenizer.decode(model.generate(row, max_tokens)).strip() for row in ids]


def evaluate_seq2seq(model: BART, tokenizer: TextTokenizer, examples: list[Example],
                     max_tokens: int = MAX_TARGET_TOKENS) -> dict:
    """loss and perplexity (teacher-forced, per target token), rouge_l (mean ROUGE-L F1 of
    the greedy predictions, see ``rouge_l``) and the number of examples."""
    if not examples:
        raise DataError("no examples to evaluate")
    loss = target_loss(model, tokenizer, examples)
    predictions = predict(model, tokenizer, [ex.text for ex in examples], max_tokens)
    rouge = sum(rouge_l(p, ex.text_b) for p, ex in zip(predictions, examples)) / len(examples)
    return {"loss": loss, "perplexity": math.exp(min(loss, 700.0)), "rouge_l": rouge, "examples": len(examples)}


def words(text: str) -> list[str]:
    """Lower-cased runs of [a-z0-9]: the tokens of the rouge-score package's default
    tokenizer (without its optional stemmer), so that the numbers agree with it."""
    return re.findall(r"[a-z0-9]+", text.lower())


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 (Lin 2004, "ROUGE: A Package for Automatic Evaluation of Summaries"): the
    longest common subsequence of the two word lists, as precision and recall, then F1.
    Computed here so the package does not depend on rouge-score; 0 when either is empty."""
    a, b = words(prediction), words(reference)
    common = _lcs_length(a, b)
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)  # dynamic programme, one row of the table at a time
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]
