"""What aekit downloads or builds once: where it goes, and the one way to run a fetch command.

The cache is ``$AEKIT_CACHE``, default ``~/.cache/aekit``. Fetch commands (``apt-get
download``, ``pip download``, ``npm pack``, ``dpkg-deb``) run with a time limit and turn
every failure into a one-line DataError saying what was being fetched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from aekit.errors import DataError

FETCH_TIMEOUT_S = 900


def cache_root() -> Path:
    return Path(os.environ.get("AEKIT_CACHE") or "~/.cache/aekit").expanduser()


def run_fetch_command(command: list[str], cwd: Path, what: str, hint: str | None = None) -> str:
    """Run ``command`` in ``cwd``; its stdout, or DataError naming ``what`` (plus ``hint``)."""
    if shutil.which(command[0]) is None:
        raise DataError(f"{what} needs the '{command[0]}' command, which was not found")
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=FETCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise DataError(f"{what}: '{' '.join(command)}' took longer than {FETCH_TIMEOUT_S} s") from None
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()]
        raise DataError(f"{what}: '{' '.join(command)}' failed ({lines[-1] if lines else done.returncode})"
                        + (f"; {hint}" if hint else ""))
    return done.stdout
