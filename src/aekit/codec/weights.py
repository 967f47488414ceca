"""The codec's shipped weights: one safetensors file with the network and its coding tables.

``codec.safetensors`` (next to this module) holds the network in float16 (it is loaded as
float32), the integer frequency tables of every quality level, and in its metadata the
architecture. Its model id — the first 4 bytes of the file's SHA-256 — goes into every
compressed file, so a file is never decoded with weights it was not made with.

Reproduce with ``make codec-weights`` (trains, resuming, then exports).
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import torch

from aekit.codec.coding import Tables, build_tables
from aekit.codec.model import CodecNet
from aekit.errors import ModelFileError

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "codec.safetensors"
GRID = 512  # latents are tabulated over [-GRID, GRID]; larger ones are escaped


@dataclass(frozen=True)
class Codec:
    net: CodecNet
    tables: Tables
    model_id: int

    @property
    def levels(self) -> int:
        return self.net.levels


def export_weights(checkpoint_dir: Path, output: Path) -> None:
    """Round the trained network to float16, tabulate its densities, write ``output``."""
    from safetensors.torch import save_file

    from aekit.train.checkpoint import load_checkpoint

    state = load_checkpoint(checkpoint_dir)
    if state is None:
        raise ModelFileError(f"{checkpoint_dir}: no checkpoint (last.pt) to export")
    config = state["config"]
    net = CodecNet(config["channels"], config["latent_channels"], tuple(config["lambdas"]))
    # The shipped network is the float16 one; tables are built from exactly that network.
    net.load_state_dict({k: v.half().float() for k, v in state["model"].items()})
    tables = tabulate(net)
    tensors = {f"net.{k}": v.half() for k, v in net.state_dict().items()}
    tensors.update({"tables.freqs": torch.from_numpy(tables.freqs), "tables.low": torch.from_numpy(tables.low),
                    "tables.length": torch.from_numpy(tables.length)})
    metadata = {"config": json.dumps(config), "step": str(state["step"])}
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    tmp.replace(output)
    print(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB) from step {state['step']}")


def tabulate(net: CodecNet) -> Tables:
    """Integer coding tables of every quality level of ``net``."""
    return build_tables([d.integer_masses(-GRID, GRID).numpy() for d in net.densities], -GRID)


def read_codec(path: Path) -> Codec:
    from safetensors import safe_open

    if not path.exists():
        raise ModelFileError(f"{path}: codec weights not found; run `make codec-weights`")
    try:
        with safe_open(str(path), framework="pt") as f:
            config = json.loads(f.metadata()["config"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise ModelFileError(f"{path}: unreadable codec weights ({exc.__class__.__name__})") from None
    net = CodecNet(config["channels"], config["latent_channels"], tuple(config["lambdas"]))
    net.load_state_dict({k[4:]: v.float() for k, v in tensors.items() if k.startswith("net.")})
    net.eval()
    tables = Tables(tensors["tables.freqs"].numpy(), tensors["tables.low"].numpy(),
                    tensors["tables.length"].numpy())
    model_id = int.from_bytes(hashlib.sha256(path.read_bytes()).digest()[:4], "big")
    return Codec(net, tables, model_id)


@functools.lru_cache(maxsize=1)
def shipped_codec() -> Codec:
    return read_codec(WEIGHTS_PATH)

