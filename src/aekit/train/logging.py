"""Where training metrics go: a CSV file, TensorBoard when installed, a progress bar on a terminal."""
from __future__ import annotations

import csv
import os
import sys
from pathlib import Path


class MetricsLog:
    """Writes one CSV row per epoch (rewritten whole, so a resumed run has one clean file)."""

    def __init__(self, log_dir: str | os.PathLike | None, tensorboard: bool = True):
        self.dir = Path(log_dir) if log_dir else None
        self.writer = None
        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True)
            if tensorboard:
                self.writer = _tensorboard_writer(self.dir / "tensorboard")

    def write(self, history: list[dict]) -> None:
        if self.dir is None or not history:
            return
        keys = list(dict.fromkeys(k for row in history for k in row))
        tmp = self.dir / ".metrics.csv.tmp"
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            w.writerows(history)
        os.replace(tmp, self.dir / "metrics.csv")
        if self.writer is not None:
            row = history[-1]
            for key, value in row.items():
                if key != "epoch" and isinstance(value, (int, float)):
                    self.writer.add_scalar(key, value, row["epoch"])
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _tensorboard_writer(path: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is an optional extra
        return None
    return SummaryWriter(str(path))


class Progress:
    """A rich progress bar over all training steps, shown only when it helps (a terminal)."""

    def __init__(self, enabled: bool | str, total_steps: int, description: str = "training"):
        if enabled == "auto":
            enabled = sys.stderr.isatty()
        self.bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, \
                TextColumn, TimeElapsedColumn, TimeRemainingColumn
            # stderr, so that piping stdout (results, file names) stays clean
            self.bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                    TimeElapsedColumn(), TimeRemainingColumn(),
                                    TextColumn("{task.fields[status]}"), console=Console(stderr=True))
            self.task = self.bar.add_task(description, total=total_steps, status="")
            self.bar.start()

    def advance(self, steps: int = 1, status: str | None = None) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=steps, **({"status": status} if status else {}))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
