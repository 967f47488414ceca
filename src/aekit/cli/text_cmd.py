"""``aekit text ...``: tokenizers, pretraining (mlm, gpt, bart), generation, embeddings,
fine-tuning on four kinds of task, contextual similarity and in-context learning.

CORPUS is a built-in corpus name (``aekit text corpora``) or a path: a ``.txt`` file (one
document per blank-line-separated block, or per line when it has no blank line) or a
folder of ``.txt`` files (one document each). ``pretrain`` checkpoints every epoch into
``DIR.partial/``; ``--resume`` continues a killed run from there; ``finetune`` likewise.

DATA (``finetune``, ``eval``, ``fewshot``) is a built-in labelled dataset
(``aekit.text.tasks``: reviews-sentiment, spam, pd-pos, reuters-pair, reuters-cloze,
reuters-headline) or a ``.csv`` / ``.tsv`` file of ``text,label`` (cls) or
``text_a,text_b,label`` (pair) rows. ``finetune --task seq2seq`` trains a BART from a bart
folder, from an mlm folder (BERT2BERT) or from scratch (``--init``; ``aekit.text.seq2seq``).
``finetune`` and ``eval`` live in ``aekit.cli.text_task_cmd``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aekit.cli.common import add_output_arguments, check_output, write_file_atomically
from aekit.cli.text_task_cmd import (
    add_training_arguments,
    print_metrics,
    register_eval,
    register_finetune,
    trainer_args,
)


def register(sub) -> None:
    p = sub.add_parser("text", help="self-supervised text models: tokenizer, pretrain, finetune, generate, embed",
                       description="Tokenizers and masked / next-token / denoising text models.")
    text_sub = p.add_subparsers(dest="text_command", metavar="TEXT_COMMAND", required=True)
    _register_corpora(text_sub)
    _register_tokenizer(text_sub)
    _register_pretrain(text_sub)
    _register_generate(text_sub)
    _register_embed(text_sub)
    register_finetune(text_sub)
    register_eval(text_sub)
    _register_similarity(text_sub)
    _register_fewshot(text_sub)


def _add_corpus_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("corpus", metavar="CORPUS", help="built-in corpus name or a .txt file / folder")
    p.add_argument("--unit", choices=("auto", "block", "line"), default="auto",
                   help="documents of a .txt file: blank-line blocks, lines, or auto (default)")
    p.add_argument("--max-docs", type=int, default=None, help="read at most this many documents")
    p.add_argument("--val-fraction", type=float, default=0.1,
                   help="share of documents held out for validation (by document id)")


def _add_tokenizer_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", choices=("bpe", "wordpiece", "char"), default="bpe",
                   help="bpe (byte-level), wordpiece, or char (one token per character, for Chinese)")
    p.add_argument("--vocab-size", type=int, default=8000)


def _register_corpora(sub) -> None:
    p = sub.add_parser("corpora", help="list the built-in corpora")
    p.set_defaults(run=run_corpora)


def _register_tokenizer(sub) -> None:
    p = sub.add_parser("tokenizer", help="train a tokenizer on a corpus",
                       description="Train a tokenizer on the corpus's training split; writes DIR/tokenizer.json.")
    _add_corpus_arguments(p)
    _add_tokenizer_arguments(p)
    p.add_argument("--min-frequency", type=int, default=2)
    p.add_argument("--lowercase", action="store_true")
    add_output_arguments(p, "folder to write tokenizer.json into")
    p.set_defaults(run=run_tokenizer)


def _register_pretrain(sub) -> None:
    p = sub.add_parser("pretrain", help="pretrain a text model (mlm, gpt or bart) on a corpus",
                       description="Pretrain a text model on CORPUS and save it to DIR "
                                   "(config.json, model.safetensors, tokenizer.json, metrics.csv).")
    _add_corpus_arguments(p)
    p.add_argument("--objective", required=True, help="mlm (BERT), gpt (next token) or bart (denoising seq2seq)")
    p.add_argument("--tokenizer", type=Path, default=None, help="a tokenizer folder or file (default: train one)")
    p.add_argument("--init-from", type=Path, default=None, metavar="DIR",
                   help="continued pretraining: start from this pretrained model (its size and tokenizer; "
                        "the size options are then ignored)")
    _add_tokenizer_arguments(p)
    p.add_argument("--max-len", type=int, default=128, help="context length in tokens")
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--pair-task", choices=("sop", "nsp"), default=None, help="mlm: add an SOP or NSP head")
    p.add_argument("--noise", default=None, help="bart: comma-separated from mask, delete, infill, permute, "
                                                 "rotate (default infill,permute), or mass")
    add_training_arguments(p, epochs=10, lr=5e-4)
    add_output_arguments(p, "model folder to write")
    p.set_defaults(run=run_pretrain)


def _register_generate(sub) -> None:
    p = sub.add_parser("generate", help="continue a prompt (gpt) or rewrite it (bart)")
    p.add_argument("model", metavar="DIR", type=Path)
    p.add_argument("--prompt", required=True)
    p.add_argument("--max-tokens", type=int, default=50)
    p.add_argument("--temperature", type=float, default=1.0, help="0 = always the most likely token")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=run_generate)


def _register_embed(sub) -> None:
    p = sub.add_parser("embed", help="one vector per text from a text model's encoder",
                       description="Embed each TEXT (mean of the hidden states, or the first token's); "
                                   "prints CSV rows, or writes .npy / .csv with -o.")
    p.add_argument("model", metavar="DIR", type=Path)
    p.add_argument("texts", metavar="TEXT", nargs="+")
    p.add_argument("--layer", type=int, default=None, help="use the first K layers (default: all)")
    p.add_argument("--pool", choices=("mean", "cls"), default="mean")
    p.add_argument("-o", "--output", type=Path, default=None, help=".npy or .csv (default: print)")
    p.add_argument("--force", action="store_true")
    p.set_defaults(run=run_embed)


def _register_similarity(sub) -> None:
    p = sub.add_parser("similarity", help="cosine similarity of one word's vectors across contexts",
                       description="Print the cosine-similarity matrix of WORD's contextual vectors in each TEXT; "
                                   "-o writes it as a heat map PNG.")
    p.add_argument("model", metavar="DIR", type=Path)
    p.add_argument("word", metavar="WORD")
    p.add_argument("texts", metavar="TEXT", nargs="+")
    p.add_argument("--layer", type=int, default=None, help="use the first K layers (default: all)")
    p.add_argument("-o", "--output", type=Path, default=None, help="heat map .png")
    p.add_argument("--force", action="store_true")
    p.set_defaults(run=run_similarity)


def _register_fewshot(sub) -> None:
    p = sub.add_parser("fewshot", help="in-context classification by a gpt model (no training)",
                       description="Score each label after K labelled examples in the prompt; print the "
                                   "accuracy on DATA's test split next to chance.")
    p.add_argument("model", metavar="DIR", type=Path)
    p.add_argument("data", metavar="DATA", help="a cls dataset: built-in name or a .csv/.tsv file")
    p.add_argument("--shots", type=int, default=4)
    p.add_argument("--separator", default=" =>", help="between a text and its label (default ' =>')")
    p.add_argument("--max-examples", type=int, default=200, help="test texts to score (seeded choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-docs", type=int, default=None, help="read at most this many corpus documents")
    p.set_defaults(run=run_fewshot)


# ---------------------------------------------------------------------- runs
def _load_corpus(args: argparse.Namespace):
    from aekit.text.corpora import load_corpus

    return load_corpus(args.corpus, val_fraction=args.val_fraction, unit=args.unit, max_documents=args.max_docs)


def run_corpora(args: argparse.Namespace) -> int:
    from aekit.text.corpora import CORPORA, SOURCES

    for name, spec in sorted(CORPORA.items()):
        print(f"{name:18s} {spec.language}  {spec.description}; from the {SOURCES[spec.source].describe()}")
    return 0


def run_tokenizer(args: argparse.Namespace) -> int:
    from aekit.persist import atomic_dir
    from aekit.text.tokenizer import TextTokenizer

    check_output(args.output, args.force)
    corpus = _load_corpus(args)
    tokenizer = TextTokenizer.train(corpus.texts("train"), kind=args.kind, vocab_size=args.vocab_size,
                                    min_frequency=args.min_frequency, lowercase=args.lowercase)
    corpus.report_skipped()
    with atomic_dir(args.output, args.force) as tmp:
        tokenizer.save(tmp)
    print(f"wrote a {args.kind} tokenizer of {tokenizer.vocab_size} tokens to {args.output}")
    return 0


def _model_args(args: argparse.Namespace) -> dict:
    from aekit.errors import ConfigError

    model_args = dict(max_len=args.max_len, d_model=args.d_model, n_layers=args.layers, n_heads=args.heads,
                      dropout=args.dropout)
    if (args.pair_task and args.objective != "mlm") or (args.noise and args.objective != "bart"):
        raise ConfigError("--pair-task is for --objective mlm and --noise for --objective bart")
    if args.pair_task:
        model_args["pair_task"] = args.pair_task
    if args.noise:
        model_args["noise"] = [n.strip() for n in args.noise.split(",") if n.strip()]
    return model_args


def run_pretrain(args: argparse.Namespace) -> int:
    from aekit.text.pretrain import pretrain
    from aekit.text.registry import get_text_model_class
    from aekit.text.tokenizer import TextTokenizer

    check_output(args.output, args.force)
    get_text_model_class(args.objective)  # a typo fails before the corpus is read
    model_args = _model_args(args)
    tokenizer = TextTokenizer.load(args.tokenizer) if args.tokenizer else None
    corpus = _load_corpus(args)
    _, tokenizer, history = pretrain(corpus, args.objective, args.output, tokenizer=tokenizer,
                                     tokenizer_kind=args.kind, vocab_size=args.vocab_size, model_args=model_args,
                                     trainer_args=trainer_args(args), resume=args.resume, force=args.force,
                                     init_from=args.init_from)
    last = history[-1]
    loss = last.get("val_loss", last["train_loss"])
    print(f"saved {args.objective} model to {args.output}: {len(history)} epochs, "
          f"{'validation' if 'val_loss' in last else 'training'} loss {loss:.4g}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from aekit.text.inference import generate_text
    from aekit.text.saving import load_text_model

    model, tokenizer, _ = load_text_model(args.model)
    text = generate_text(model, tokenizer, args.prompt, max_tokens=args.max_tokens,
                         temperature=args.temperature, top_k=args.top_k, seed=args.seed)
    print(text)
    return 0


def run_embed(args: argparse.Namespace) -> int:
    import numpy as np

    from aekit.errors import ConfigError
    from aekit.text.inference import embed_texts
    from aekit.text.saving import load_text_model

    if args.output is not None:
        check_output(args.output, args.force)
        if args.output.suffix not in (".npy", ".csv"):
            raise ConfigError(f"{args.output}: output must end in .npy or .csv")
    model, tokenizer, _ = load_text_model(args.model)
    vectors = embed_texts(model, tokenizer, args.texts, layer=args.layer, pool=args.pool)
    if args.output is None:
        np.savetxt(sys.stdout, vectors, delimiter=",", fmt="%.6g")
    elif args.output.suffix == ".npy":
        write_file_atomically(args.output, lambda tmp: np.save(tmp, vectors), args.force)
    else:
        write_file_atomically(args.output, lambda tmp: np.savetxt(tmp, vectors, delimiter=",", fmt="%.6g"),
                              args.force)
    return 0


def run_similarity(args: argparse.Namespace) -> int:
    import numpy as np

    from aekit.errors import ConfigError
    from aekit.text.saving import load_text_model
    from aekit.text.similarity import cosine_matrix, save_heatmap, word_vectors

    if args.output is not None:
        check_output(args.output, args.force)
        if args.output.suffix.lower() != ".png":
            raise ConfigError(f"{args.output}: the heat map is written as .png")
    model, tokenizer, _ = load_text_model(args.model)
    matrix = cosine_matrix(word_vectors(model, tokenizer, args.word, args.texts, layer=args.layer))
    np.savetxt(sys.stdout, matrix, delimiter=",", fmt="%.4f")
    if args.output is not None:
        write_file_atomically(args.output, lambda tmp: save_heatmap(matrix, args.texts, tmp,
                                                                   f"'{args.word}' across contexts"), args.force)
    return 0


def run_fewshot(args: argparse.Namespace) -> int:
    from aekit.errors import ConfigError
    from aekit.text.fewshot import fewshot_accuracy
    from aekit.text.saving import load_text_model
    from aekit.text.tasks import load_task_data

    model, tokenizer, _ = load_text_model(args.model)
    if model.registry_name != "gpt":  # before the data is read
        raise ConfigError(f"{args.model}: in-context learning needs a gpt model; this is a {model.registry_name} model")
    data = load_task_data(args.data, "cls", max_documents=args.max_docs)
    metrics = fewshot_accuracy(model, tokenizer, data.split("train"), data.split("test"), data.labels,
                               shots=args.shots, separator=args.separator, max_examples=args.max_examples,
                               seed=args.seed)
    print_metrics(metrics)
    return 0
