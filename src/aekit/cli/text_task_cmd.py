"""``aekit text finetune`` and ``aekit text eval``: the labelled-task half of ``aekit text``
(``aekit.cli.text_cmd`` registers them), for the encoder tasks (cls, tag, pair, qa;
``aekit.text.finetune``) and the seq2seq task (``aekit.text.seq2seq``). The training
options and the metrics printout are shared with ``pretrain`` and ``fewshot``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from aekit.cli.common import add_output_arguments, check_output


def add_training_arguments(p: argparse.ArgumentParser, epochs: int, lr: float) -> None:
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--max-time", type=float, default=None, help="stop after about this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--resume", action="store_true", help="continue from DIR.partial/ if a killed run left one")


def register_finetune(sub) -> None:
    p = sub.add_parser("finetune", help="fine-tune a pretrained mlm encoder (or a seq2seq model) on a task",
                       description="Fine-tune the mlm model in DIR on DATA (train split; early stopping on the "
                                   "validation split), report the test split and save to -o DIR2. With --task "
                                   "seq2seq, DIR is an mlm or bart model and DIR2 a bart model.")
    p.add_argument("model", metavar="DIR", type=Path)
    p.add_argument("data", metavar="DATA", help="built-in dataset name or a .csv/.tsv file")
    p.add_argument("--task", required=True, help="cls, tag, pair, qa or seq2seq")
    p.add_argument("--labels", type=int, default=None, metavar="N",
                   help="train on the first N examples of a seeded shuffle (default: all)")
    p.add_argument("--scratch", action="store_true", help="same network and tokenizer, new random weights")
    p.add_argument("--init", default=None, help="seq2seq: bart (a bart DIR as it is), mlm (BERT2BERT from an mlm "
                                                "DIR) or scratch; default: DIR's own kind")
    p.add_argument("--max-docs", type=int, default=None, help="read at most this many corpus documents")
    add_training_arguments(p, epochs=10, lr=3e-4)
    add_output_arguments(p, "folder for the fine-tuned model")
    p.set_defaults(run=run_finetune)


def register_eval(sub) -> None:
    p = sub.add_parser("eval", help="metrics of a fine-tuned model (or a seq2seq bart model) on labelled data")
    p.add_argument("model", metavar="DIR", type=Path)
    p.add_argument("data", metavar="DATA", help="built-in dataset name or a .csv/.tsv file")
    p.add_argument("--split", default="test", help="test (default), validation, train or all")
    p.add_argument("--max-docs", type=int, default=None, help="read at most this many corpus documents")
    p.set_defaults(run=run_eval)


def print_metrics(metrics: dict) -> None:
    for name, value in metrics.items():
        print(f"{name:16s} {value:.4f}" if isinstance(value, float) else f"{name:16s} {value}")


def trainer_args(args: argparse.Namespace) -> dict:
    return dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, patience=args.patience,
                max_time=args.max_time, seed=args.seed, device=args.device, progress="auto")


def run_finetune(args: argparse.Namespace) -> int:
    from aekit.errors import ConfigError
    from aekit.text.finetune import finetune, load_encoder
    from aekit.text.tasks import SEQ2SEQ, check_task, load_task_data

    check_output(args.output, args.force)
    check_task(args.task)
    if args.task == SEQ2SEQ:
        return _run_finetune_seq2seq(args)
    if args.init is not None:
        raise ConfigError("--init is for --task seq2seq (--scratch gives an encoder new weights)")
    load_encoder(args.model)  # a wrong model folder fails before the data is read
    data = load_task_data(args.data, args.task, max_documents=args.max_docs)
    _, history, metrics = finetune(args.model, data, args.output, n_labels=args.labels, scratch=args.scratch,
                                   trainer_args=trainer_args(args), resume=args.resume, force=args.force)
    start = "from scratch" if args.scratch else f"from {args.model}"
    print(f"saved {args.task} model ({start}) to {args.output}: {len(history)} epochs; test split:")
    print_metrics(metrics)
    return 0


def _run_finetune_seq2seq(args: argparse.Namespace) -> int:
    from aekit.errors import ConfigError
    from aekit.text.seq2seq import default_init, finetune_seq2seq, seq2seq_model
    from aekit.text.tasks import SEQ2SEQ, load_task_data

    if args.scratch and args.init not in (None, "scratch"):
        raise ConfigError(f"--scratch contradicts --init {args.init}")
    init = "scratch" if args.scratch else args.init or default_init(args.model)
    seq2seq_model(args.model, init)  # an unknown init or a wrong model folder fails before the data is read
    data = load_task_data(args.data, SEQ2SEQ, max_documents=args.max_docs)
    _, history, metrics = finetune_seq2seq(args.model, data, args.output, init=init, n_examples=args.labels,
                                           trainer_args=trainer_args(args), resume=args.resume,
                                           force=args.force)
    print(f"saved seq2seq model ({init} init, tokenizer of {args.model}) to {args.output}: "
          f"{len(history)} epochs; test split:")
    print_metrics(metrics)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from aekit.errors import DataError
    from aekit.persist import read_config
    from aekit.text.finetune import load_finetuned
    from aekit.text.task_eval import evaluate
    from aekit.text.tasks import load_task_data

    if read_config(args.model).get("model") == "bart":
        return _run_eval_seq2seq(args)
    model, tokenizer, config = load_finetuned(args.model)
    data = load_task_data(args.data, model.task, max_documents=args.max_docs)
    examples = data.split(args.split)
    if not examples:
        raise DataError(f"{data.name}: the {args.split} split is empty (--split all evaluates every row)")
    print_metrics(evaluate(model, tokenizer, examples, config["labels"]))
    return 0


def _run_eval_seq2seq(args: argparse.Namespace) -> int:
    from aekit.errors import DataError
    from aekit.text.seq2seq import evaluate_seq2seq, load_seq2seq
    from aekit.text.tasks import SEQ2SEQ, load_task_data

    model, tokenizer, _ = load_seq2seq(args.model)
    examples = load_task_data(args.data, SEQ2SEQ, max_documents=args.max_docs).split(args.split)
    if not examples:
        raise DataError(f"{args.data}: the {args.split} split is empty (--split all evaluates every row)")
    print_metrics(evaluate_seq2seq(model, tokenizer, examples))
    return 0
