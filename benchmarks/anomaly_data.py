"""Data for the anomaly-detection benchmark (benchmarks/anomaly.py).

Tables, each with a rule for what counts as normal (the rest is anomalous):

    breast-cancer  scikit-learn's Wisconsin diagnostic set (via aekit.datasets): 30 features;
                   benign (357) normal, malignant (212) anomalous.
    ionosphere     mlbench ``Ionosphere``: 351 radar returns, 34 attributes; "good" (225)
                   normal, "bad" (126) anomalous. V2 is constant (all 0) and is dropped;
                   V1 is a 0/1 factor and becomes a number.
    pima           mlbench ``PimaIndiansDiabetes``: 768 women, 8 attributes; diabetes "neg" (500)
                   normal, "pos" (268) anomalous. The original file, where some missing
                   values are coded as 0 (mlbench's PimaIndiansDiabetes2 has them as NA).
    glass          mlbench ``Glass``: 214 glass samples, 9 attributes; type 6 (tableware, 9)
                   anomalous, the other five types normal, the rule of the ODDS library
                   (Rayana 2016, https://odds.cs.stonybrook.edu/glass-data/).

The mlbench tables come from Debian's ``r-cran-mlbench`` package. Installing it would pull
in R, so it is only downloaded (``apt-get download``) into benchmarks/work/debs/ and
unpacked (``dpkg -x``) into benchmarks/work/mlbench/; both steps are skipped when their
result exists. The R data files are read with the ``rdata`` package.
"""
from __future__ import annotations

import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WORK = Path(__file__).resolve().parent / "work"
MLBENCH_PACKAGE = "r-cran-mlbench"
TABLES = ("breast-cancer", "ionosphere", "pima", "glass")
MLBENCH_TABLES = ("ionosphere", "pima", "glass")
DOWNLOAD_TIMEOUT = 300  # seconds; the package is about 1 MB


class DataUnavailable(RuntimeError):
    """A data set cannot be obtained here (no apt-get, no network, ...)."""


@dataclass
class Table:
    """One tabular anomaly-detection set: features and the ground truth."""

    name: str
    X: np.ndarray            # (N, F) float32
    is_anomaly: np.ndarray   # (N,) bool
    rule: str                # what is normal and what is anomalous, in words
    source: str


# ------------------------------------------------------------ the Debian package
def fetch_mlbench_deb(debs_dir: Path) -> Path:
    """The r-cran-mlbench .deb in ``debs_dir``, downloaded with apt-get when missing."""
    found = sorted(debs_dir.glob(f"{MLBENCH_PACKAGE}_*.deb"))
    if found:
        return found[-1]
    if shutil.which("apt-get") is None:
        raise DataUnavailable(f"apt-get is not available, so Debian's {MLBENCH_PACKAGE} cannot be downloaded; "
                              f"put {MLBENCH_PACKAGE}_*.deb into {debs_dir} by hand")
    debs_dir.mkdir(parents=True, exist_ok=True)
    # `apt-get download` only fetches the archive into the current folder: nothing is installed.
    try:
        done = subprocess.run(["apt-get", "download", MLBENCH_PACKAGE], cwd=debs_dir,
                              capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DataUnavailable(f"'apt-get download {MLBENCH_PACKAGE}' took over {DOWNLOAD_TIMEOUT} s; "
                              "is the network reachable?") from None
    found = sorted(debs_dir.glob(f"{MLBENCH_PACKAGE}_*.deb"))
    if done.returncode != 0 or not found:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DataUnavailable(f"'apt-get download {MLBENCH_PACKAGE}' failed ({detail[0]}); "
                              "an 'apt-get update' or network access may be needed")
    return found[-1]


def unpack_deb(deb: Path, target: Path) -> None:
    """``dpkg -x`` the archive into ``target`` (a plain extraction, no install scripts)."""
    if shutil.which("dpkg") is None:
        raise DataUnavailable(f"dpkg is not available to unpack {deb.name}")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    done = subprocess.run(["dpkg", "-x", str(deb), str(partial)], capture_output=True, text=True)
    if done.returncode != 0:
        raise DataUnavailable(f"dpkg could not unpack {deb} ({done.stderr.strip()}); "
                              "delete it (it may be a broken download) and run again")
    # Rename only when complete, so an interrupted unpack is never mistaken for a finished one.
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def mlbench_data_dir(work: Path = WORK) -> Path:
    """The folder of mlbench's ``*.rda`` files, fetching and unpacking the package if needed."""
    target = work / "mlbench"
    found = sorted(target.glob("usr/lib/R/site-library/mlbench/data"))
    if not found:
        unpack_deb(fetch_mlbench_deb(work / "debs"), target)
        found = sorted(target.glob("usr/lib/R/site-library/mlbench/data"))
    if not found:
        raise DataUnavailable(f"{MLBENCH_PACKAGE} was unpacked into {target}, but it has no mlbench/data folder")
    return found[0]


def read_rda_frame(path: Path):
    """The one data frame stored in an R ``.rda`` file."""
    try:
        import rdata
    except ImportError:
        raise DataUnavailable("the rdata package reads the mlbench files: pip install -e '.[bench]'") from None

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unknown encoding")  # the files are plain ASCII
        frames = rdata.read_rda(str(path))
    (frame,) = frames.values()
    return frame


# ---------------------------------------------------------------- the tables
def breast_cancer() -> Table:
    from aekit import datasets

    data = datasets.load("breast-cancer", "all")
    return Table("breast-cancer", np.asarray(data.X, np.float32), np.asarray(data.y) == 0,
                 "benign normal, malignant anomalous", "scikit-learn (UCI Wisconsin diagnostic breast cancer)")


def ionosphere(data_dir: Path) -> Table:
    frame = read_rda_frame(data_dir / "Ionosphere.rda")
    features = frame.drop(columns=["Class", "V2"])  # V2 is 0 in every row
    features["V1"] = features["V1"].astype(str).astype(float)  # a 0/1 factor in R
    return Table("ionosphere", features.to_numpy(np.float32), (frame["Class"] == "bad").to_numpy(),
                 '"good" normal, "bad" anomalous', f"{MLBENCH_PACKAGE}: Ionosphere")


def pima(data_dir: Path) -> Table:
    frame = read_rda_frame(data_dir / "PimaIndiansDiabetes.rda")
    features = frame.drop(columns=["diabetes"])
    return Table("pima", features.to_numpy(np.float32), (frame["diabetes"] == "pos").to_numpy(),
                 'diabetes "neg" normal, "pos" anomalous', f"{MLBENCH_PACKAGE}: PimaIndiansDiabetes")


def glass(data_dir: Path) -> Table:
    frame = read_rda_frame(data_dir / "Glass.rda")
    features = frame.drop(columns=["Type"])
    return Table("glass", features.to_numpy(np.float32), (frame["Type"] == "6").to_numpy(),
                 "type 6 (tableware) anomalous, all other types normal (ODDS rule)", f"{MLBENCH_PACKAGE}: Glass")


def load_table(name: str, work: Path = WORK) -> Table:
    """One of ``TABLES`` by name; raises DataUnavailable when the mlbench files cannot be had."""
    if name == "breast-cancer":
        return breast_cancer()
    loaders = {"ionosphere": ionosphere, "pima": pima, "glass": glass}
    if name not in loaders:
        raise ValueError(f"unknown table {name!r}; choose from {', '.join(TABLES)}")
    return loaders[name](mlbench_data_dir(work))


# ------------------------------------------------------------ the protocol
def one_class_split(is_anomaly: np.ndarray, seed: int, train_fraction: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices: a seeded ``train_fraction`` of the normal samples to train on;
    the test set is the other normal samples plus every anomaly."""
    normal = np.flatnonzero(~is_anomaly)
    shuffled = np.random.default_rng(seed).permutation(normal)
    n_train = int(round(train_fraction * len(normal)))
    train = np.sort(shuffled[:n_train])
    test = np.sort(np.concatenate([shuffled[n_train:], np.flatnonzero(is_anomaly)]))
    return train, test
