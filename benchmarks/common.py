"""What every benchmark script shares: machine info with package versions, and an
atomic write of its results JSON. Scripts import it from the folder they sit in."""
from __future__ import annotations

import importlib.metadata
import json
import os
import platform
from pathlib import Path

BASE_PACKAGES = ("aekit", "torch", "scikit-learn", "numpy")


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine(extra_packages: tuple[str, ...] = ()) -> dict:
    import torch
    from threadpoolctl import threadpool_info

    return {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "blas_threads": max((p["num_threads"] for p in threadpool_info()), default=None),
            "python": platform.python_version(), "platform": platform.platform(), "processor": platform.processor(),
            **{name: package_version(name) for name in (*BASE_PACKAGES, *extra_packages)}}


def save(results: dict, path: Path) -> None:
    """Write to a temporary file and rename it: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2))
    os.replace(tmp, path)
