"""``aekit datasets``: the built-in datasets and whether they are available offline."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("datasets", help="list built-in datasets",
                       description="List built-in datasets (DATA names) and where each comes from.")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from aekit.data import list_datasets

    rows = list_datasets()
    print(f"{'name':15s} {'kind':6s} {'samples':>8s}  {'shape':14s} {'ready':6s} description / source")
    for row in rows:
        shape = "x".join(str(s) for s in row["shape"])
        ready = "yes" if row["available"] else "no"
        print(f"{row['name']:15s} {row['kind']:6s} {row['n_samples']:>8}  {shape:14s} {ready:6s} "
              f"{row['description']} [{row['where']}]")
    print("\nAny path works too: a folder of PNG/JPEG images, .npy/.npz, .csv/.tsv or .parquet.")
    return 0
