"""Anomaly detection pipeline pieces used by `aekit anomaly`: score tables, labels
files, and heat maps that show where an image was rebuilt badly."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.errors import DataError
from aekit.persist import atomic_dir

TRUE_WORDS = {"1", "true", "yes", "anomaly", "anomalous", "outlier", "-1"}
FALSE_WORDS = {"0", "false", "no", "normal", "inlier"}


def score_table(detector, X: np.ndarray, ids: list[str]):
    """id, score (higher = more anomalous), is_anomaly (0/1), rank (1 = most anomalous)."""
    import pandas as pd

    score = -detector.score_samples(X)
    rank = np.empty(len(score), int)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, len(score) + 1)
    flagged = detector.decision_function(X) < 0
    return pd.DataFrame({"id": ids, "score": score, "is_anomaly": flagged.astype(int), "rank": rank})


def read_labels(path: Path, n_samples: int) -> np.ndarray:
    """Ground truth from a file, one value per sample: 1/true/anomaly vs 0/false/normal.

    .npy (1-D), or .csv/.txt with one column (or a column named label, anomaly or is_anomaly).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: labels file not found")
    if path.suffix == ".npy":
        values = np.load(path, allow_pickle=False).ravel().astype(str)
    else:
        import pandas as pd

        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
        if frame.shape[1] > 1 or frame.iloc[0, 0].strip().lower() in {"label", "anomaly", "is_anomaly"}:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            names = [c for c in frame.columns if c.strip().lower() in {"label", "anomaly", "is_anomaly"}]
            if len(names) != 1:
                raise DataError(f"{path}: expected one column of labels or one named label/anomaly/is_anomaly")
            frame = frame[names]
        values = frame.iloc[:, 0].to_numpy(str)
    if len(values) != n_samples:
        raise DataError(f"{path}: {len(values)} labels, but the data has {n_samples} samples")
    words = np.char.lower(np.char.strip(values))
    unknown = sorted(set(words) - TRUE_WORDS - FALSE_WORDS)
    if unknown:
        raise DataError(f"{path}: labels must be 1/0, true/false or anomaly/normal; found {unknown[:5]}")
    return np.isin(words, list(TRUE_WORDS))


def write_heatmaps(folder: Path, detector, X: np.ndarray, table, top: int, force: bool = False) -> int:
    """PNGs of the ``top`` most anomalous images: original | reconstruction | error map."""
    order = table.sort_values("rank").index.to_numpy()[:top]
    if len(order) == 0:
        return 0
    maps = detector.explain(X[order])  # (n, C, H, W), scaled units
    recon = detector.reconstruct(X[order])
    with atomic_dir(folder, force) as tmp:
        for i, idx in enumerate(order):
            name = f"rank{i + 1:03d}_{_safe(table.id[idx])}.png"
            _heatmap_png(tmp / name, detector.scaler_.apply(X[idx]), detector.scaler_.apply(recon[i]),
                         maps[i], float(table.score[idx]))
    return len(order)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in str(name))[:60]


def _heatmap_png(path: Path, image: np.ndarray, recon: np.ndarray, error: np.ndarray, score: float) -> None:
    from aekit.report.plots import pyplot

    plt = pyplot()
    show = lambda a: a[0] if a.shape[0] == 1 else np.moveaxis(a[:3], 0, -1)  # noqa: E731
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    axes[0].imshow(np.clip(show(image), 0, 1), cmap="gray", vmin=0, vmax=1)
    axes[1].imshow(np.clip(show(recon), 0, 1), cmap="gray", vmin=0, vmax=1)
    heat = axes[2].imshow(error.sum(axis=0), cmap="inferno")
    fig.colorbar(heat, ax=axes[2], fraction=0.046)
    for ax, title in zip(axes, ("input", "reconstruction", f"error (score {score:.4g})")):
        ax.set_title(title, fontsize=8)
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
