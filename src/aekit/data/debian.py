"""Files from Debian packages, fetched without root: ``apt-get download`` + ``dpkg-deb -x``.

Several of aekit's real datasets live in Debian packages (wallpaper photos for the codec,
speech clips, quotes to speak). When the package is installed its files are used in place;
otherwise the .deb is downloaded once and unpacked into ``$AEKIT_CACHE/debian/PACKAGE``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from aekit.errors import DataError


def cache_root() -> Path:
    return Path(os.environ.get("AEKIT_CACHE") or "~/.cache/aekit").expanduser()


def package_path(package: str, inner: str) -> Path:
    """``/inner`` if the package is installed, else the same path inside its unpacked copy."""
    system = Path("/") / inner
    if _installed(package) and system.exists():
        return system
    unpacked = cache_root() / "debian" / package
    if not (unpacked / inner).exists():
        _download_and_unpack(package, unpacked)
    if not (unpacked / inner).exists():
        raise DataError(f"Debian package {package} has no {inner}")
    return unpacked / inner


def _installed(package: str) -> bool:
    if shutil.which("dpkg-query") is None:
        return False
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return status.returncode == 0 and status.stdout.strip() == "install ok installed"


def _download_and_unpack(package: str, target: Path) -> None:
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise DataError(f"this data comes from the Debian package {package} (apt-get and dpkg-deb not found)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fetched = subprocess.run(["apt-get", "download", package], cwd=tmp, capture_output=True, text=True)
        debs = list(Path(tmp).glob("*.deb"))
        if fetched.returncode != 0 or not debs:
            last = (fetched.stderr.strip().splitlines() or ["no .deb file"])[-1]
            raise DataError(f"could not download the Debian package {package}: {last}")
        unpacked = Path(tmp) / "unpacked"
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(unpacked)], check=True)
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)  # whole or not at all
