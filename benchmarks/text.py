"""Text benchmark: pretrained vs scratch fine-tuning, MiniLM as a reference, GPT, BART vs MLM.

Stages (each run is saved on its own under ``benchmarks/results/text_runs/`` as soon as it
ends, so a killed benchmark keeps what it measured and two processes can share the work;
``collect`` merges them into ``benchmarks/results/text.json`` and the curves plot; a
pretrained model's summary is kept there as ``pretrain-NAME.json``, since the model itself
stays in the git-ignored work folder):

    pretrain   mlm-en, mlm-zh, gpt-en, bart-en in benchmarks/work/text/ (skipped when there)
    finetune   5 datasets x {100, 1,000, all} labels x {pretrained, scratch}
    minilm     the English datasets with MiniLM-L6 (needs the bench extra)
    linear     the document-classification datasets with TF-IDF + logistic regression
    gpt        validation perplexity per corpus, training and generation tokens/s,
               samples, few-shot spam classification vs chance
    seq2seq    Reuters body -> headline from BART, MLM (BERT2BERT) and random initialisation
    collect    text.json + text_curves.png

    python benchmarks/text.py --stage pretrain --only mlm-en --pretrain-minutes 40
    python benchmarks/text.py --stage pretrain --only mlm-zh --more-epochs 8 --pretrain-minutes 70
    python benchmarks/text.py --stage finetune --datasets spam,reuters-pair
    python benchmarks/text.py --stage collect

Every run uses one CPU thread so that two stages can share the two cores fairly.
English models read ``reuters+spam-assassin+lee-news``, Chinese ones
``people-daily+chinese-reviews``; a document's split is fixed by its id, so the test
examples of every task come from documents pretraining held out.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, save  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work" / "text"
RUNS = ROOT / "benchmarks" / "results" / "text_runs"
RESULTS = ROOT / "benchmarks" / "results" / "text.json"
CURVES = ROOT / "benchmarks" / "results" / "text_curves.png"

ENGLISH = "reuters+spam-assassin+lee-news"
CHINESE = "people-daily+chinese-reviews"
# name: (corpus, objective, tokenizer kind, vocabulary, model arguments)
PRETRAINED = {
    "mlm-en": (ENGLISH, "mlm", "bpe", 8000, {}),
    "mlm-zh": (CHINESE, "mlm", "char", 6000, {}),
    "gpt-en": (ENGLISH, "gpt", "bpe", 8000, {}),
    "bart-en": (ENGLISH, "bart", "bpe", 8000, {"n_layers": 4}),  # 4 + 4 layers: the MLM's depth
}
SHARE_TOKENIZER = {"gpt-en": "mlm-en", "bart-en": "mlm-en"}
# dataset: (task, pretrained model, the score the target is about)
DATASETS = {
    "spam": ("cls", "mlm-en", "accuracy"),
    "reviews-sentiment": ("cls", "mlm-zh", "accuracy"),
    "pd-pos": ("tag", "mlm-zh", "accuracy"),
    "reuters-pair": ("pair", "mlm-en", "accuracy"),
    "reuters-cloze": ("qa", "mlm-en", "f1"),
}
LABEL_COUNTS = (100, 1000, None)  # None: every training example
# Small label sets need more passes; "all" is capped by time (the same cap for both inits).
FINETUNE_SETTINGS = {100: dict(epochs=30, patience=5), 1000: dict(epochs=12, patience=3),
                     None: dict(epochs=6, patience=2, max_time=300)}
VALIDATION_CAP, TEST_CAP = 300, 1000  # seeded subsets: validation runs every epoch
LINEAR_DATASETS = ("spam", "reviews-sentiment")  # the classic baseline's home ground
LINEAR_C = (0.1, 1.0, 10.0, 100.0)  # inverse regularisation strengths tried on validation
MINILM_SETTINGS = {100: dict(epochs=10), 1000: dict(epochs=3), None: dict(epochs=2, max_time=900)}
SEQ2SEQ_SETTINGS = dict(epochs=15, patience=3, max_time=420)
GPT_PROMPTS = ("The wheat harvest", "Subject: your account", "Prices of corn")


def slug(n: int | None) -> str:
    return "all" if n is None else str(n)


def run_path(kind: str, name: str) -> Path:
    return RUNS / f"{kind}-{name}.json"


def cached_run(kind: str, name: str, redo: bool, measure) -> dict:
    """The saved record of a run, or measure it now and save it."""
    path = run_path(kind, name)
    if path.exists() and not redo:
        return json.loads(path.read_text())
    print(f"[text] {kind} {name} ...", flush=True)
    record = {"kind": kind, "name": name, **measure()}
    save(record, path)
    print(f"[text] {kind} {name}: {json.dumps(record.get('test', record.get('summary', {})))}", flush=True)
    return record


# ------------------------------------------------------------------ pretraining
def pretrain_model(name: str, minutes: float, more_epochs: int = 0) -> None:
    """Pretrain ``name`` for at most ``minutes``, or, with ``more_epochs``, continue the saved
    model for that many epochs (a fresh cosine schedule over them) in place."""
    from aekit.text.corpora import load_corpus
    from aekit.text.pretrain import pretrain
    from aekit.text.tokenizer import TextTokenizer

    output = WORK / name
    corpus_name, objective, kind, vocab, model_args = PRETRAINED[name]
    if more_epochs:
        trainer_args = dict(epochs=more_epochs, patience=more_epochs, max_time=minutes * 60)
        pretrain(load_corpus(corpus_name), objective, output, trainer_args=trainer_args, resume=True,
                 force=True, init_from=output)
        return
    if (output / "config.json").exists():
        print(f"[text] {name} already pretrained", flush=True)
        return
    shared = SHARE_TOKENIZER.get(name)
    tokenizer = TextTokenizer.load(WORK / shared) if shared else None
    trainer_args = dict(epochs=50, patience=50, max_time=minutes * 60)
    pretrain(load_corpus(corpus_name), objective, output, tokenizer=tokenizer, tokenizer_kind=kind,
             vocab_size=vocab, model_args=model_args, trainer_args=trainer_args, resume=True, force=True)


def pretraining_record(name: str) -> dict | None:
    """The model's pretraining summary, saved as a run of its own so that collecting on a
    machine without the (git-ignored) model keeps it; None when never pretrained."""
    path = run_path("pretrain", name)
    if (WORK / name / "config.json").exists():
        save({"kind": "pretrain", "name": name, "summary": pretraining_summary(name)}, path)
    return json.loads(path.read_text())["summary"] if path.exists() else None


def pretraining_summary(name: str) -> dict:
    config = json.loads((WORK / name / "config.json").read_text())
    history = config["history"]
    last = history[-1]
    return {"corpus": config["corpus"], "objective": config["model"], "blocks": config["blocks"],
            "epochs": len(history), "minutes": round(sum(h["seconds"] for h in history) / 60, 1),
            "final_train_loss": last["train_loss"], "final_val_loss": last.get("val_loss"),
            "config": {k: v for k, v in config["config"].items() if k != "sentence_end_ids"}}


# ------------------------------------------------------------------ fine-tuning
def benchmark_task_data(dataset: str):
    """The dataset with seeded caps on validation and test (training examples untouched,
    so ``subset(n)`` picks the same examples as ``aekit text finetune --labels n``)."""
    from aekit.text.tasks import TaskData, load_task_data

    data = load_task_data(dataset, DATASETS[dataset][0])
    validation = data.split("validation")
    test = data.split("test")
    rng = random.Random(0)
    validation = rng.sample(validation, min(VALIDATION_CAP, len(validation)))
    test = rng.sample(test, min(TEST_CAP, len(test)))
    return TaskData(data.name, data.task, data.split("train") + validation + test)


def finetune_run(dataset: str, n: int | None, init: str, redo: bool) -> dict:
    from aekit.text.finetune import finetune

    def measure() -> dict:
        data = benchmark_task_data(dataset)
        pretrained = WORK / DATASETS[dataset][1]
        settings = dict(FINETUNE_SETTINGS[n], seed=0)
        started = time.monotonic()
        _, history, metrics = finetune(pretrained, data, WORK / "finetuned" / f"{dataset}-{slug(n)}-{init}",
                                       n_labels=n, scratch=init == "scratch", trainer_args=settings, force=True)
        return {"dataset": dataset, "task": data.task, "labels": slug(n), "init": init,
                "train_examples": n or len(data.split("train")), "settings": settings,
                "seconds": round(time.monotonic() - started, 1), "test": metrics,
                "history": [{k: h[k] for k in ("epoch", "train_loss", "val_loss", "seconds") if k in h}
                            for h in history]}

    return cached_run("finetune", f"{dataset}-{slug(n)}-{init}", redo, measure)


def minilm_run(dataset: str, n: int | None, redo: bool) -> dict:
    from text_minilm import finetune_minilm

    def measure() -> dict:
        data = benchmark_task_data(dataset)
        out = finetune_minilm(data, n, seed=0, **MINILM_SETTINGS[n])
        return {"dataset": dataset, "task": data.task, "labels": slug(n), "init": "minilm", **out}

    return cached_run("minilm", f"{dataset}-{slug(n)}", redo, measure)


def linear_run(dataset: str, n: int | None, redo: bool) -> dict:
    """TF-IDF of character 1-3-grams (words need no segmenter, Chinese included) and a logistic
    regression, its C picked on the validation subset: what the small networks are up against."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    def measure() -> dict:
        data = benchmark_task_data(dataset)
        train, validation, test = data.subset(n, 0), data.split("validation"), data.split("test")
        started = time.monotonic()
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, max_features=200_000)
        X_train = vectorizer.fit_transform([ex.text for ex in train])
        y_train = [ex.label for ex in train]

        models = {C: LogisticRegression(C=C, max_iter=3000).fit(X_train, y_train) for C in LINEAR_C}
        X_val, y_val = vectorizer.transform([ex.text for ex in validation]), [ex.label for ex in validation]
        best_C = max(LINEAR_C, key=lambda C: accuracy_score(y_val, models[C].predict(X_val)))
        predicted = models[best_C].predict(vectorizer.transform([ex.text for ex in test]))
        truth = [ex.label for ex in test]
        return {"dataset": dataset, "task": data.task, "labels": slug(n), "init": "tfidf-lr",
                "train_examples": len(train), "C": best_C, "seconds": round(time.monotonic() - started, 1),
                "test": {"accuracy": accuracy_score(truth, predicted),
                         "macro_f1": f1_score(truth, predicted, average="macro"), "examples": len(test)}}

    return cached_run("linear", f"{dataset}-{slug(n)}", redo, measure)


# ------------------------------------------------------------------ GPT
def mean_token_loss(model, blocks: torch.Tensor, batch: int = 32) -> tuple[float, int]:
    """(mean cross-entropy per predicted token, number of tokens) over ``blocks``."""
    from aekit.text.common import IGNORE

    total, tokens = 0.0, 0
    model.eval()
    with torch.no_grad():
        for start in range(0, len(blocks), batch):
            xb = blocks[start:start + batch]
            out = model(xb)
            n = int((out["targets"] != IGNORE).sum())
            total += float(model.loss(xb, out)["loss"]) * n
            tokens += n
    return total / max(tokens, 1), tokens


def unigram_perplexity(tokenizer, train_texts, blocks: torch.Tensor) -> float:
    """Perplexity of a context-free model (train-split token frequencies, add-one) on the
    tokens a GPT predicts in ``blocks``: what the GPT gains from context."""
    from aekit.text.tokenizer import PAD_ID

    counts = torch.ones(tokenizer.vocab_size, dtype=torch.float64)
    for ids in tokenizer.encode_batch(list(train_texts)):
        counts += torch.bincount(torch.tensor(ids, dtype=torch.long), minlength=tokenizer.vocab_size).double()
    logp = (counts / counts.sum()).log()
    targets = blocks[:, 1:]
    targets = targets[targets != PAD_ID]
    return float(torch.exp(-logp[targets].mean()))


def training_tokens_per_second(model, blocks: torch.Tensor, steps: int = 8, batch: int = 32) -> float:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)  # a tiny step: only the time matters
    model.train()
    x = blocks[:batch]
    for step in range(steps + 1):
        if step == 1:
            started = time.perf_counter()
        loss = model.loss(x, model(x))["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return steps * x.numel() / (time.perf_counter() - started)


def gpt_run(redo: bool) -> dict:
    from aekit.text.blocks import make_blocks
    from aekit.text.corpora import load_corpus
    from aekit.text.fewshot import fewshot_accuracy
    from aekit.text.saving import load_text_model
    from aekit.text.tasks import load_task_data

    def measure() -> dict:
        model, tokenizer, _ = load_text_model(WORK / "gpt-en")
        per_corpus = {}
        for part in ENGLISH.split("+"):
            corpus = load_corpus(part)
            blocks = make_blocks(tokenizer, corpus.texts("validation"), model.block_layout, model.block_length, "gpt")
            loss, tokens = mean_token_loss(model, blocks)
            per_corpus[part] = {"val_loss": loss, "perplexity": math.exp(loss), "tokens": tokens,
                                "unigram_perplexity": unigram_perplexity(tokenizer, corpus.texts("train"), blocks)}
        speed = {"train_tokens_per_s": training_tokens_per_second(model, blocks)}  # the last corpus's blocks
        samples, generated, seconds = [], 0, 0.0
        for seed, prompt in enumerate(GPT_PROMPTS):
            started = time.perf_counter()
            ids = model.generate(tokenizer.encode(prompt), max_tokens=60, temperature=0.8, top_k=40, seed=seed)
            seconds += time.perf_counter() - started
            generated += len(ids)
            samples.append({"prompt": prompt, "text": tokenizer.decode(ids)})
        speed["generate_tokens_per_s"] = generated / seconds
        spam = load_task_data("spam", "cls")
        fewshot = {f"{shots}-shot": fewshot_accuracy(model, tokenizer, spam.split("train"), spam.split("test"),
                                                     spam.labels, shots=shots, max_examples=200, seed=0)
                   for shots in (0, 4)}
        return {"per_corpus": per_corpus, "speed": speed, "samples": samples, "fewshot_spam": fewshot,
                "summary": {c: round(v["perplexity"], 1) for c, v in per_corpus.items()}}

    return cached_run("gpt", "gpt-en", redo, measure)


def pretraining_speeds() -> dict:
    """Training tokens/s of each pretrained model on validation blocks of its first corpus."""
    from aekit.text.blocks import make_blocks
    from aekit.text.corpora import load_corpus
    from aekit.text.saving import load_text_model

    speeds = {}
    for name, (corpus, *_) in PRETRAINED.items():
        if not (WORK / name / "config.json").exists():
            continue
        model, tokenizer, _ = load_text_model(WORK / name)
        texts = list(load_corpus(corpus.split("+")[0]).texts("validation"))
        blocks = make_blocks(tokenizer, texts, model.block_layout, model.block_length, model.registry_name)
        speeds[name] = round(training_tokens_per_second(model, blocks))
    return speeds


# ------------------------------------------------------------------ seq2seq
def seq2seq_run(init: str, redo: bool) -> dict:
    from rouge_score import rouge_scorer

    from aekit.text.seq2seq import finetune_seq2seq, load_seq2seq, predict
    from aekit.text.tasks import load_task_data

    def measure() -> dict:
        data = load_task_data("reuters-headline", "seq2seq")
        pretrained = WORK / ("mlm-en" if init == "mlm" else "bart-en")
        output = WORK / "finetuned" / f"headline-{init}"
        started = time.monotonic()
        _, history, metrics = finetune_seq2seq(pretrained, data, output, init=init,
                                               trainer_args=dict(SEQ2SEQ_SETTINGS, seed=0), force=True)
        seconds = time.monotonic() - started
        model, tokenizer, _ = load_seq2seq(output)
        test = data.split("test")
        predictions = predict(model, tokenizer, [ex.text for ex in test], max_tokens=24)
        scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
        scores = [scorer.score(ex.text_b, p) for ex, p in zip(test, predictions)]
        rouge = {k: sum(s[k].fmeasure for s in scores) / len(scores) for k in ("rouge1", "rouge2", "rougeL")}
        return {"init": init, "seconds": round(seconds, 1), "settings": SEQ2SEQ_SETTINGS, "test": {**metrics, **rouge},
                "examples": [{"headline": ex.text_b, "generated": p} for ex, p in list(zip(test, predictions))[:5]],
                "history": [{k: h[k] for k in ("epoch", "train_loss", "val_loss") if k in h} for h in history]}

    return cached_run("seq2seq", f"headline-{init}", redo, measure)


# ------------------------------------------------------------------ collect
def score_of(record: dict) -> float | None:
    metric = DATASETS[record["dataset"]][2]
    return record["test"].get(metric)


def comparison(runs: list[dict]) -> list[dict]:
    """One row per (dataset, labels): the scores side by side and pretrained - scratch."""
    rows = []
    for dataset in DATASETS:
        for n in LABEL_COUNTS:
            found = {r["init"]: score_of(r) for r in runs if r["dataset"] == dataset and r["labels"] == slug(n)}
            gain = (found["pretrained"] - found["scratch"]) * 100 if {"pretrained", "scratch"} <= found.keys() else None
            rows.append({"dataset": dataset, "task": DATASETS[dataset][0], "metric": DATASETS[dataset][2],
                         "labels": slug(n), **found, "gain_points": gain})
    return rows


def plot_curves(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = [d for d in DATASETS if any(r["dataset"] == d and r["labels"] == "1000" for r in runs)]
    if not chosen:
        return
    fig, axes = plt.subplots(1, len(chosen), figsize=(3.2 * len(chosen), 3), squeeze=False)
    for ax, dataset in zip(axes[0], chosen):
        for r in runs:
            if r["dataset"] == dataset and r["labels"] == "1000":
                epochs = [h["epoch"] for h in r["history"]]
                color = "tab:blue" if r["init"] == "pretrained" else "tab:orange"
                ax.plot(epochs, [h["train_loss"] for h in r["history"]], "-", color=color, label=f"{r['init']} train")
                ax.plot(epochs, [h.get("val_loss") for h in r["history"]], "--", color=color,
                        label=f"{r['init']} validation")
        ax.set_title(f"{dataset} (1,000 labels)", fontsize=9)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("loss")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def collect(redo: bool = False) -> dict:
    # Timed once and kept like every other run, so that collecting again changes nothing.
    speeds = cached_run("speed", "pretraining", redo, lambda: {"summary": pretraining_speeds()})["summary"]
    runs = [json.loads(p.read_text()) for p in sorted(RUNS.glob("*.json"))]
    finetuned = [r for r in runs if r["kind"] in ("finetune", "minilm", "linear")]
    rows = comparison(finetuned)
    at_1000 = [r["gain_points"] for r in rows if r["labels"] == "1000" and r["gain_points"] is not None]
    results = {
        "machine": machine(("tokenizers", "transformers", "rouge-score")),
        "pretraining": {n: summary for n in PRETRAINED if (summary := pretraining_record(n))},
        "pretraining_tokens_per_s": speeds,
        "finetune_settings": {slug(n): s for n, s in FINETUNE_SETTINGS.items()},
        "minilm_settings": {slug(n): s for n, s in MINILM_SETTINGS.items()},
        "caps": {"validation": VALIDATION_CAP, "test": TEST_CAP},
        "comparison": rows,
        "target": {"what": "pretrained beats scratch by >= 5 points at 1,000 labels on every task",
                   "gains_at_1000": at_1000,
                   "met": bool(at_1000) and len(at_1000) == len(DATASETS) and min(at_1000) >= 5},
        "gpt": next((r for r in runs if r["kind"] == "gpt"), None),
        "seq2seq": [r for r in runs if r["kind"] == "seq2seq"],
        "runs": finetuned,
    }
    save(results, RESULTS)
    plot_curves([r for r in finetuned if r["kind"] == "finetune"], CURVES)
    return results


# ------------------------------------------------------------------ main
def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True,
                        choices=("pretrain", "finetune", "minilm", "linear", "gpt", "seq2seq", "collect"))
    parser.add_argument("--only", default=None, help="pretrain: comma-separated model names")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="finetune/minilm: comma-separated")
    parser.add_argument("--labels", default="100,1000,all", help="comma-separated label counts")
    parser.add_argument("--inits", default="pretrained,scratch", help="finetune: which initialisations")
    parser.add_argument("--seq2seq-inits", default="bart,mlm,scratch")
    parser.add_argument("--pretrain-minutes", type=float, default=40.0)
    parser.add_argument("--more-epochs", type=int, default=0,
                        help="pretrain: continue the saved models (--only) for this many more epochs")
    parser.add_argument("--redo", action="store_true", help="measure again even when a saved run exists")
    parser.add_argument("--threads", type=int, default=1)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    datasets = args.datasets.split(",")
    counts = [None if c == "all" else int(c) for c in args.labels.split(",")]
    if args.stage == "pretrain":
        for name in (args.only.split(",") if args.only else PRETRAINED):
            pretrain_model(name, args.pretrain_minutes, args.more_epochs)
    elif args.stage == "finetune":
        for dataset in datasets:
            for n in counts:
                for init in args.inits.split(","):
                    finetune_run(dataset, n, init, args.redo)
    elif args.stage == "minilm":
        for dataset in [d for d in datasets if DATASETS[d][1] == "mlm-en"]:
            for n in counts:
                minilm_run(dataset, n, args.redo)
    elif args.stage == "linear":
        for dataset in [d for d in datasets if d in LINEAR_DATASETS]:
            for n in counts:
                linear_run(dataset, n, args.redo)
    elif args.stage == "gpt":
        gpt_run(args.redo)
    elif args.stage == "seq2seq":
        for init in args.seq2seq_inits.split(","):
            seq2seq_run(init, args.redo)
    else:
        results = collect(args.redo)
        print(json.dumps(results["target"], indent=2))


if __name__ == "__main__":
    main()
