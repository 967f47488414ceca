"""Turn benchmarks/results/*.json into the README's tables.

    python benchmarks/tables.py            # rewrite the README sections between markers
    python benchmarks/tables.py --print    # only print them

A section sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` in README.md.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def reconstruction_table(results: dict) -> str:
    entries = results["entries"]
    lines = []
    for dataset in dict.fromkeys(e["dataset"] for e in entries):
        rows = [e for e in entries if e["dataset"] == dataset and e["method"] != "pixels"]
        pixels = next((e for e in entries if e["dataset"] == dataset and e["method"] == "pixels"), None)
        lines += [f"**{dataset}**" + (f" (raw-pixel logistic regression: {pixels['accuracy']['10']:.3f} with "
                                       f"10 labels/class, {pixels['accuracy']['100']:.3f} with 100)" if pixels else ""),
                  "",
                  "| code size | method | test MSE | MSE / PCA | acc. 10 labels/class | acc. 100 labels/class "
                  "| fit time (s) | epochs | encode (samples/s) |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
        pca = {e["code_size"]: e["test_mse"] for e in rows if e["method"] == "pca"}
        for e in sorted(rows, key=lambda e: (e["code_size"], e["method"] != "pca", e["method"])):
            ratio = e["test_mse"] / pca[e["code_size"]] if e["code_size"] in pca else float("nan")
            lines.append(f"| {e['code_size']} | {e['method']} | {e['test_mse']:.5f} | {ratio:.2f} | "
                         f"{e['accuracy']['10']:.3f} | {e['accuracy']['100']:.3f} | {e['fit_seconds']:.1f} | "
                         f"{e.get('epochs', '-')} | {e['encode_per_second']:,.0f} |")
        lines.append("")
    m = results["machine"]
    lines.append(f"_Measured {'(quick smoke run) ' if results.get('quick') else ''}on {m['cpus']} CPU core(s), "
                 f"torch {m['torch']} with {m['torch_threads']} thread(s); {results['epochs']} epochs per model on Fashion-MNIST "
                 f"({results['small_epochs']} on digits), "
                 f"{results['target_epochs']} for the AE at code size 16 on Fashion-MNIST; seed {results['seed']}. "
                 "Source: "
                 "`benchmarks/results/reconstruction.json`._")
    return "\n".join(lines)


def demo_table(results: dict) -> str:
    """The demo's numbers (``aekit demo`` writes runs/demo/results.json; copy it to results/demo.json)."""
    few, err = results["few_labels"], results["test_mse"]
    m = results["machine"]
    return "\n".join([
        f"| Fashion-MNIST test (code size {results['latent_dim']}) | auto-encoder | PCA | raw pixels |",
        "|---|---:|---:|---:|",
        f"| reconstruction MSE | {err['autoencoder']:.4f} | {err['pca']:.4f} | - |",
        *[f"| accuracy, {k} labels/class | {few[k]['autoencoder']['mean']:.3f} | {few[k]['pca']['mean']:.3f} "
          f"| {few[k]['pixels']['mean']:.3f} |" for k in ("10", "100")],
        "",
        f"_One `aekit demo` run: {results['epochs_run']} epochs in {results['train_seconds']:.0f} s on "
        f"{m['cpus']} CPU core(s) (torch {m['torch']}); accuracies are means over "
        f"{few['10']['autoencoder']['repeats']} random draws of the labelled samples. "
        "Source: `benchmarks/results/demo.json`._",
    ])


def anomaly_table(results: dict) -> str:
    """The anomaly benchmark (benchmarks/anomaly.py): one-class Fashion-MNIST, tables, speed vs
    PyOD, published reference points. Sections without entries (a --quick run) are left out."""
    entries = results["entries"]
    methods = list(dict.fromkeys(e["method"] for e in entries))  # the order they ran in
    fashion = [e for e in entries if e["dataset"] == "fashion-mnist"]
    tabular = [e for e in entries if e["dataset"] != "fashion-mnist"]

    def pct(value: float) -> str:
        return f"{100 * value:.1f}"

    def mean(rows: list[dict], key: str) -> float:
        return sum(r[key] for r in rows) / len(rows)

    def fashion_summary() -> list[str]:
        lines = ["**One-class Fashion-MNIST**: train on one class's training images, test on the 10,000 "
                 "test images (that class normal, the other nine anomalous). AUROC and AUPR in %, anomaly = "
                 "positive class (AUPR's chance level is 90); times are means per class.", "",
                 "| method | mean AUROC | mean AUPR | fit time (s) | score time (s) | classes |",
                 "|---|---:|---:|---:|---:|---:|"]
        for method in methods:
            rows = [e for e in fashion if e["method"] == method]
            if rows:
                lines.append(f"| {method} | {pct(mean(rows, 'auroc'))} | {pct(mean(rows, 'aupr'))} | "
                             f"{mean(rows, 'fit_seconds'):.1f} | {mean(rows, 'score_seconds'):.2f} | {len(rows)} |")
        return lines + [""]

    def per_class() -> list[str]:
        classes = sorted({e["class"] for e in fashion})
        names = results.get("class_names") or []
        heads = [f"{c} {names[c]}" if c < len(names) else str(c) for c in classes]
        lines = ["AUROC (%) per normal class:", "", "| method | " + " | ".join(heads) + " |",
                 "|---|" + "---:|" * len(classes)]
        for method in methods:
            by_class = {e["class"]: e["auroc"] for e in fashion if e["method"] == method}
            if by_class:
                cells = [pct(by_class[c]) if c in by_class else "-" for c in classes]
                lines.append(f"| {method} | " + " | ".join(cells) + " |")
        return lines + [""]

    def tables_section() -> list[str]:
        sets = list(dict.fromkeys(e["dataset"] for e in tabular))
        lines = ["**Tables** (one-class: fit on 60% of the normal samples; test on the other 40% plus all "
                 "anomalies). AUROC (%):", "", "| method | " + " | ".join(sets) + " | average |",
                 "|---|" + "---:|" * (len(sets) + 1)]
        for method in methods:
            by_set = {e["dataset"]: e["auroc"] for e in tabular if e["method"] == method}
            if by_set:
                cells = [pct(by_set[s]) if s in by_set else "-" for s in sets]
                average = pct(sum(by_set.values()) / len(by_set)) if len(by_set) == len(sets) else "-"
                lines.append(f"| {method} | " + " | ".join(cells) + f" | {average} |")
        info = results.get("tables", {})
        described = [f"{s}: {info[s]['rule']}, {info[s]['n_train']} train / {info[s]['n_test']} test "
                     f"({info[s]['n_anomalies']} anomalies)" for s in sets if s in info]
        return lines + ([""] + ["_" + "; ".join(described) + "._"] if described else []) + [""]

    def methods_legend() -> list[str]:
        described = results.get("methods", {})
        return ["Methods: " + "; ".join(f"`{m}` {described[m]}" for m in methods if m in described) + ".", ""]

    def speed_section() -> list[str]:
        lines = ["**Training speed vs PyOD**: the same MLP layers, data, batch size and epochs "
                 "(ratio < 1: aekit is faster).", "",
                 "| data | layers | samples | epochs | batch | aekit s/epoch | PyOD s/epoch | aekit / PyOD |",
                 "|---|---|---:|---:|---:|---:|---:|---:|"]
        for s in results.get("speed", []):
            lines.append(f"| {s['data']} | {'-'.join(str(n) for n in s['layers'])} | {s['n_samples']} | "
                         f"{s['epochs']} | {s['batch_size']} | {s['aekit_seconds_per_epoch']:.3f} | "
                         f"{s['pyod_seconds_per_epoch']:.3f} | {s['ratio_aekit_over_pyod']:.2f} |")
        return lines + [""]

    def published_section() -> list[str]:
        published = results["published"]
        lines = [f"**Published reference points.** {published['note']}", "",
                 "| method | mean AUROC (%) | source |", "|---|---:|---|"]
        for p in published["results"]:
            lines.append(f"| {p['method']} | {'-'.join(f'{v:.1f}' for v in p['mean_auroc'])} | {p['source']} |")
        return lines + [""]

    def footer() -> str:
        m, s = results["machine"], results["settings"]
        wall, unit = results.get("wall_seconds", 0.0), "s"
        if wall >= 120:
            wall, unit = wall / 60, "min"
        return (f"_Measured {'(quick smoke run, tiny subsets) ' if results.get('quick') else ''}on {m['cpus']} CPU "
                f"core(s), torch {m['torch']} with {m['torch_threads']} thread(s), scikit-learn {m['scikit-learn']}, "
                f"PyOD {m.get('pyod') or '-'}; {s['image_epochs']} epochs on images, {s['table_epochs']} on tables; "
                f"seed {results['seed']}; {wall:.0f} {unit} in all. "
                "Source: `benchmarks/results/anomaly.json`._")

    lines: list[str] = []
    if fashion:
        lines += fashion_summary() + per_class()
    if tabular:
        lines += tables_section()
    if entries:
        lines += methods_legend()
    if results.get("speed"):
        lines += speed_section()
    if results.get("published"):
        lines += published_section()
    return "\n".join(lines + [footer()])


TABLES = {"demo": demo_table, "reconstruction": reconstruction_table, "anomaly": anomaly_table}


def render() -> dict[str, str]:
    out = {}
    for name, make in TABLES.items():
        path = RESULTS / f"{name}.json"
        if path.exists():
            out[name] = make(json.loads(path.read_text()))
    return out


def update_readme(sections: dict[str, str], readme: Path = ROOT / "README.md") -> None:
    text = readme.read_text()
    for name, table in sections.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)
    readme.write_text(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Render benchmark tables.")
    parser.add_argument("--print", action="store_true", help="print instead of updating README.md")
    args = parser.parse_args()
    sections = render()
    if args.print:
        print("\n\n".join(sections.values()))
    else:
        update_readme(sections)
