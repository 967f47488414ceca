"""Vector quantization: snap each vector to the nearest entry of a learned codebook.

``VectorQuantizer`` is the bottleneck of VQ-VAE (van den Oord, Vinyals & Kavukcuoglu 2017,
"Neural Discrete Representation Learning", NeurIPS)::

    z_e (..., D) ──nearest codebook entry──> k (...) ──lookup──> e_k (..., D)
    z_q = e_k + (z_e - sg[z_e])      straight-through: forward uses e_k, backward copies
                                     the decoder's gradient onto z_e unchanged

Losses (``loss_terms``): commitment ``|z_e - sg[e_k]|^2`` pulls the encoder towards its codes;
with ``ema=False`` the codebook loss ``|sg[z_e] - e_k|^2`` moves the codes. With ``ema=True``
(the paper's appendix; Razavi et al. 2019) the codes are instead exponential moving averages
of the vectors assigned to them::

    N_k <- decay N_k + (1 - decay) n_k              n_k: vectors assigned to k in the batch
    m_k <- decay m_k + (1 - decay) sum(z_e -> k)
    e_k  = m_k / N_k                                (N_k Laplace-smoothed, never 0)

Two training aids, both standard practice: k-means initialisation of the codebook on the
first training batch (codes start where the data is), and restart of dead codes: an EMA of
each code's share of the assignments is kept; a code whose share falls below
``dead_threshold / codebook_size`` (a tenth of a fair share by default) is moved onto a
random vector of the current batch (both as in Zeghidour et al. 2021, SoundStream; restarts
also in Dhariwal et al. 2020, Jukebox).

All state (codebook under EMA, statistics, the initialised flag) lives in registered
buffers, so checkpoints hold it and a resumed run equals an uninterrupted one. Updates
happen only in ``forward`` in training mode (or with ``update=True``). Under
torch.distributed the statistics are summed over processes and rank 0's initialisation
and restarts are broadcast, so every process keeps the same codebook.
"""
from __future__ import annotations

import numbers

import torch
from torch import nn
from torch.nn import functional as F

from aekit.errors import ConfigError

KMEANS_ITERATIONS = 10
LAPLACE_EPS = 1e-5


class VectorQuantizer(nn.Module):
    """Nearest-neighbour quantization of vectors of size ``code_dim`` (any leading shape).

    Args:
        codebook_size: number of codebook entries K.
        code_dim: size D of each vector and codebook entry.
        ema: update the codebook by exponential moving averages (buffers); False makes the
            codebook a parameter learned through the codebook loss.
        decay: EMA decay of the codebook statistics and of the usage tracking, in (0, 1).
        kmeans_init: set the codebook by k-means on the first training batch.
        restart_dead: move codes whose usage share fell below ``dead_threshold / K``
            onto random vectors of the current training batch.
        dead_threshold: in [0, 1]; share of a fair 1/K usage below which a code counts as dead.
    """

    def __init__(self, codebook_size: int, code_dim: int, ema: bool = True, decay: float = 0.99,
                 kmeans_init: bool = True, restart_dead: bool = True, dead_threshold: float = 0.1):
        super().__init__()
        _check_arguments(codebook_size, code_dim, decay, dead_threshold)
        self.codebook_size, self.code_dim = int(codebook_size), int(code_dim)
        self.ema, self.decay = bool(ema), float(decay)
        self.kmeans_init, self.restart_dead = bool(kmeans_init), bool(restart_dead)
        self.dead_threshold = float(dead_threshold)
        k, d = self.codebook_size, self.code_dim
        codebook = torch.randn(k, d)  # replaced by k-means on the first batch when kmeans_init
        if self.ema:
            self.register_buffer("codebook", codebook)
            self.register_buffer("cluster_size", torch.ones(k))  # N_k: EMA of assignment counts
            self.register_buffer("embed_sum", codebook.clone())  # m_k: EMA of assigned sums
        else:
            self.codebook = nn.Parameter(codebook)
        self.register_buffer("usage", torch.full((k,), 1.0 / k))  # EMA of each code's share
        self.register_buffer("initialized", torch.tensor(not self.kmeans_init))

    # ---------------------------------------------------------------- lookup
    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Index of the nearest codebook entry (squared Euclidean): (..., D) -> (...)."""
        flat = z.detach().reshape(-1, self.code_dim).float()
        return _nearest(flat, self.codebook.detach().float()).view(z.shape[:-1])

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """Codebook entries for integer indices: (...) -> (..., D); differentiable in the codebook."""
        return F.embedding(indices.long(), self.codebook)

    def forward(self, z: torch.Tensor, update: bool | None = None) -> dict[str, torch.Tensor]:
        """Quantize ``z`` (..., D). Returns ``z_q`` (straight-through, same shape) and ``indices``.

        ``update`` (default: ``self.training``) runs the k-means initialisation, dead-code
        restarts and EMA updates on this batch.
        """
        if z.shape[-1] != self.code_dim:
            raise ConfigError(f"expected vectors of size code_dim={self.code_dim}, got shape {tuple(z.shape)}")
        update = self.training if update is None else update
        with torch.autocast(z.device.type, enabled=False):
            z32 = z.float()
            flat = z32.detach().reshape(-1, self.code_dim)  # (N, D)
            if update:
                self._before_assignment(flat)
            indices = _nearest(flat, self.codebook.detach().float())  # (N,)
            e = self.codebook.detach().float()[indices].view_as(z32)  # before the EMA update, as in the paper
            if update:
                self._after_assignment(flat, indices)
            z_q = e + (z32 - z32.detach())  # straight-through: value exactly e, gradient to z
        return {"z_q": z_q.to(z.dtype), "indices": indices.view(z.shape[:-1])}

    # ---------------------------------------------------------------- losses
    def loss_terms(self, z_e: torch.Tensor, z_q: torch.Tensor,
                   indices: torch.Tensor) -> dict[str, torch.Tensor]:
        """``commit`` = |z_e - sg[z_q]|^2 (trains the encoder) and ``codebook`` = |sg[z_e] - e|^2
        (trains the codebook; zero under EMA), both mean squared errors (scalars). ``z_e`` is the
        quantizer's input, ``z_q`` and ``indices`` its output."""
        z_e = z_e.float()
        commit = F.mse_loss(z_e, z_q.detach().float())
        e = self.lookup(indices)
        codebook = z_e.new_zeros(()) if self.ema else F.mse_loss(e, z_e.detach())
        return {"commit": commit, "codebook": codebook}

    @torch.no_grad()
    def stats(self, indices: torch.Tensor) -> dict[str, torch.Tensor]:
        """Detached batch statistics: ``usage`` (share of the codebook used, in (0, 1]),
        ``perplexity`` (exp of the entropy of the code distribution, in [1, K]) and ``dead``
        (codes whose usage EMA is below the restart threshold)."""
        counts = torch.bincount(indices.reshape(-1), minlength=self.codebook_size).float()
        p = counts / counts.sum().clamp_min(1)
        entropy = -(p * torch.log(p.clamp_min(1e-12))).sum()
        return {"usage": (counts > 0).float().mean(), "perplexity": entropy.exp(),
                "dead": self.dead_codes().sum().float()}

    def dead_codes(self) -> torch.Tensor:
        """Boolean mask (K,) of codes whose usage share EMA is below ``dead_threshold / K``."""
        return self.usage < self.dead_threshold / self.codebook_size

    # --------------------------------------------------------------- updates
    @torch.no_grad()
    def _before_assignment(self, flat: torch.Tensor) -> None:
        if not bool(self.initialized):
            centres = _kmeans(flat, self.codebook_size, KMEANS_ITERATIONS)
            _broadcast(centres)
            self._set_codes(torch.ones_like(self.usage, dtype=torch.bool), centres, len(flat))
            self.initialized.fill_(True)
        elif self.restart_dead:
            dead = self.dead_codes()
            n_dead = int(dead.sum())
            if n_dead and len(flat):
                pick = (torch.randperm(len(flat), device=flat.device)[:n_dead] if len(flat) >= n_dead
                        else torch.randint(len(flat), (n_dead,), device=flat.device))
                fresh = flat[pick].clone()
                _broadcast(fresh)
                self._set_codes(dead, fresh, len(flat))

    def _set_codes(self, mask: torch.Tensor, vectors: torch.Tensor, n_batch: int) -> None:
        """Put ``vectors`` into the codes selected by ``mask``, with fresh statistics: a fair usage
        share and, under EMA, a pseudo-count of one fair share of the batch."""
        self.codebook.data[mask] = vectors.to(self.codebook.dtype)
        self.usage[mask] = 1.0 / self.codebook_size
        if self.ema:
            pseudo = max(n_batch / self.codebook_size, LAPLACE_EPS)
            self.cluster_size[mask] = pseudo
            self.embed_sum[mask] = vectors * pseudo

    @torch.no_grad()
    def _after_assignment(self, flat: torch.Tensor, indices: torch.Tensor) -> None:
        counts = torch.bincount(indices, minlength=self.codebook_size).float()  # (K,)
        sums = torch.zeros_like(self.codebook, dtype=torch.float32).index_add_(0, indices, flat)  # (K, D)
        _all_reduce(counts)
        share = counts / counts.sum().clamp_min(1)
        self.usage.mul_(self.decay).add_(share, alpha=1 - self.decay)
        if self.ema:
            _all_reduce(sums)
            self.cluster_size.mul_(self.decay).add_(counts, alpha=1 - self.decay)
            self.embed_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
            n = self.cluster_size.sum()
            smoothed = (self.cluster_size + LAPLACE_EPS) / (n + self.codebook_size * LAPLACE_EPS) * n
            self.codebook.copy_(self.embed_sum / smoothed.unsqueeze(1))

    def extra_repr(self) -> str:
        return (f"codebook_size={self.codebook_size}, code_dim={self.code_dim}, ema={self.ema}, "
                f"decay={self.decay}, kmeans_init={self.kmeans_init}, restart_dead={self.restart_dead}")


def _nearest(flat: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """(N, D), (K, D) -> (N,) index of the nearest row of ``codebook``."""
    dist = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ codebook.t()
            + codebook.pow(2).sum(1).unsqueeze(0))  # (N, K)
    return dist.argmin(dim=1)


def _kmeans(x: torch.Tensor, k: int, iterations: int) -> torch.Tensor:
    """Lloyd's k-means on the rows of ``x`` (N, D) -> (k, D) centres. With fewer rows than
    centres, rows are drawn with replacement; a centre left without members stays put."""
    n = len(x)
    start = (torch.randperm(n, device=x.device)[:k] if n >= k
             else torch.randint(n, (k,), device=x.device))
    centres = x[start].clone()
    for _ in range(iterations):
        assign = _nearest(x, centres)
        counts = torch.bincount(assign, minlength=k).float()
        sums = torch.zeros_like(centres).index_add_(0, assign, x)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled].unsqueeze(1)
    return centres


def _distributed() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def _all_reduce(t: torch.Tensor) -> None:
    if _distributed():
        torch.distributed.all_reduce(t)


def _broadcast(t: torch.Tensor) -> None:
    if _distributed():
        torch.distributed.broadcast(t, src=0)


def _check_arguments(codebook_size, code_dim, decay, dead_threshold) -> None:
    for name, value in (("codebook_size", codebook_size), ("code_dim", code_dim)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    if not (isinstance(decay, numbers.Real) and 0 < decay < 1):
        raise ConfigError(f"decay must be in (0, 1), got {decay!r}")
    if not (isinstance(dead_threshold, numbers.Real) and 0 <= dead_threshold <= 1):
        raise ConfigError(f"dead_threshold must be in [0, 1], got {dead_threshold!r}")
