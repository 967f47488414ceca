"""Data-parallel training with torch.distributed, launched by ``torchrun``.

torchrun sets WORLD_SIZE/RANK/LOCAL_RANK; when WORLD_SIZE > 1 the Trainer joins the
process group (gloo on CPU, nccl on CUDA) and wraps the model in DDP.
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist


def world_size_from_env() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def setup(device: torch.device) -> tuple[int, int]:
    """Join the process group if torchrun started us; returns (rank, world_size)."""
    if world_size_from_env() <= 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size()


def all_reduce_sum(values: list[float], device: torch.device) -> list[float]:
    if not (dist.is_available() and dist.is_initialized()):
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def local_device(requested: str) -> torch.device:
    """'auto' -> this process's GPU when there is one, else the CPU."""
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(requested)
    if device.type == "cuda" and device.index is None and world_size_from_env() > 1:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device
