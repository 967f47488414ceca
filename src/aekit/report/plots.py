"""Matplotlib figures for reports (the Agg backend: no screen needed)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def pyplot():
    """matplotlib.pyplot on the Agg backend (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def reconstruction_grid(rows: dict[str, np.ndarray], path: Path, titles: list[str] | None = None) -> Path:
    """One row per entry of ``rows`` (name -> (N, C, H, W) images in [0, 1]), N columns."""
    plt = pyplot()
    n_rows, n_cols = len(rows), len(next(iter(rows.values())))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.1 * n_cols + 1.2, 1.2 * n_rows + 0.3), squeeze=False)
    for r, (name, images) in enumerate(rows.items()):
        for c in range(n_cols):
            ax = axes[r][c]
            img = np.clip(images[c], 0, 1)
            ax.imshow(img[0] if img.shape[0] == 1 else np.moveaxis(img[:3], 0, -1), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(name, fontsize=9)
            if r == 0 and titles:
                ax.set_title(titles[c], fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def scatter_maps(maps: dict[str, np.ndarray], labels: np.ndarray, class_names: list[str] | None,
                 path: Path) -> Path:
    """Side-by-side 2-D maps (name -> (N, 2) points), coloured by class."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(maps), figsize=(5.2 * len(maps), 5), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, (name, points) in zip(axes[0], maps.items()):
        for k in np.unique(labels):
            sel = labels == k
            label = class_names[k] if class_names else str(k)
            ax.scatter(points[sel, 0], points[sel, 1], s=3, color=cmap(int(k) % 10), label=label)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([]), ax.set_yticks([])
    axes[0][-1].legend(markerscale=4, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def loss_curves(history: list[dict], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    epochs = [row["epoch"] for row in history]
    for key in ("train_loss", "val_loss"):
        if key in history[0]:
            ax.plot(epochs, [row[key] for row in history], marker="o", label=key.replace("_", " "))
    ax.set_xlabel("epoch"), ax.set_ylabel("loss (scaled units)"), ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def image_grid(images: np.ndarray, path: Path, n_cols: int = 8, scale: float = 1.0) -> Path:
    """(N, C, H, W) images in [0, 1] tiled into one PNG (no axes), N / n_cols rows."""
    from PIL import Image

    from aekit.report.images import to_uint8

    n, _, h, w = images.shape
    n_rows = -(-n // n_cols)
    tiles = [to_uint8(img) for img in images]
    mode = "L" if tiles[0].ndim == 2 else "RGB"
    sheet = Image.new(mode, (n_cols * (w + 2) + 2, n_rows * (h + 2) + 2), color=255 if mode == "L" else (255,) * 3)
    for i, tile in enumerate(tiles):
        sheet.paste(Image.fromarray(tile), (2 + (i % n_cols) * (w + 2), 2 + (i // n_cols) * (h + 2)))
    if scale != 1.0:
        sheet = sheet.resize((int(sheet.width * scale), int(sheet.height * scale)), Image.NEAREST)
    sheet.save(path)
    return Path(path)
