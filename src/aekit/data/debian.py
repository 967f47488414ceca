"""Files from Debian packages, fetched without root: ``apt-get download`` + ``dpkg-deb -x``.

Several of aekit's real datasets live in Debian packages (wallpaper photos for the codec,
speech clips, quotes to speak, text corpora). :func:`download_deb` and :func:`unpack_deb`
are the one way aekit fetches a package; :func:`package_path` uses the installed files
when the package is installed, and otherwise downloads the .deb once and unpacks it
whole into ``$AEKIT_CACHE/debian/PACKAGE``.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from aekit.data.cache import cache_root, run_fetch_command
from aekit.errors import DataError


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


def download_deb(package: str, folder: Path) -> Path:
    """``apt-get download PACKAGE`` into ``folder``; the path of the .deb file."""
    run_fetch_command(["apt-get", "download", package], folder, f"downloading the Debian package {package}",
         hint="the package lists may be missing: run 'apt-get update' as root once")
    debs = sorted(folder.glob("*.deb"))
    if not debs:
        raise DataError(f"downloading the Debian package {package} left no .deb file")
    return debs[0]


def unpack_deb(deb: Path, target: Path) -> None:
    run_fetch_command(["dpkg-deb", "-x", str(deb), str(target)], deb.parent, f"unpacking {deb.name}")


def _installed(package: str) -> bool:
    if shutil.which("dpkg-query") is None:
        return False
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return status.returncode == 0 and status.stdout.strip() == "install ok installed"


def _download_and_unpack(package: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        unpacked = Path(tmp) / "unpacked"
        unpack_deb(download_deb(package, Path(tmp)), unpacked)
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)  # whole or not at all

