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


TABLES = {"demo": demo_table, "reconstruction": reconstruction_table}


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
