"""Auto-encoder with binary codes (``binary``) and Hamming-distance retrieval.

Binary codes for semantic hashing (Salakhutdinov & Hinton 2009, "Semantic hashing",
International Journal of Approximate Reasoning): each sample gets ``latent_dim`` bits, and
similar samples get codes a few bit flips apart, so a database is searched by Hamming
distance. The hard threshold has no useful gradient; the straight-through estimator
(Bengio, Léonard & Courville 2013, "Estimating or propagating gradients through stochastic
neurons for conditional computation") uses the threshold in the forward pass and the
sigmoid's gradient in the backward pass::

    x ──encoder──> logits (latent_dim) ──sigmoid──> p
        bits b = [p > 1/2]        (training with stochastic=True: b ~ Bernoulli(p))
        z = b + (p - sg[p])       forward: exactly b; backward: dz/dp = 1
        z ──decoder──> x_hat      loss = d(x_hat, x)

Sampling the bits while training (the stochastic binary units of the paper, which instead
added noise before the sigmoid) keeps the decoder from relying on p's exact value and
pushes p towards 0 or 1; evaluation and ``encode`` always threshold, so codes are
deterministic.

The encoders and decoders are the plain AE's (MLP for ``(F,)``, conv stack for
``(C, H, W)``; ``tied`` works for tables), see ``aekit.models.ae``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch

from aekit.errors import ConfigError, DataError
from aekit.losses import per_sample_reconstruction
from aekit.models.ae import AutoEncoder
from aekit.registry import register_model

HAMMING_BLOCK = 1 << 22  # query-by-database distances computed per block of this many entries


@register_model("binary")
class BinaryAutoEncoder(AutoEncoder):
    """Auto-encoder with a code of ``latent_dim`` bits in {0, 1} (semantic hashing).

    Args (beyond ``AutoEncoder``'s; ``latent_dim`` is the number of bits):
        stochastic: in training mode draw the bits as b ~ Bernoulli(p) instead of
            thresholding p at 1/2; evaluation mode and ``encode`` always threshold. Off by
            default: on Fashion-MNIST the draws let every p sit at 1/2, where the bits are
            coin flips the decoder learns to ignore (it then rebuilds the mean image).
        balance: weight of the bit-balance term, mean over bits of (2 * batch mean of p - 1)^2,
            which keeps each bit on for about half of the samples (0 = off). Without it the
            conv encoder on Fashion-MNIST pushes every bit to the same value for every image
            within one epoch, where the sigmoid saturates and no gradient brings it back.
    """

    def __init__(self, input_shape: tuple[int, ...] | list[int], latent_dim: int = 8,
                 hidden: tuple[int, ...] | list[int] | None = None, activation: str = "relu",
                 tied: bool = False, output: str = "linear", recon_loss: str = "mse",
                 stochastic: bool = False, balance: float = 1.0):
        super().__init__(input_shape, latent_dim, hidden, activation, tied, output, recon_loss)
        if not isinstance(stochastic, (bool, np.bool_)):
            raise ConfigError(f"stochastic must be True or False, got {stochastic!r}")
        if not isinstance(balance, numbers.Real) or isinstance(balance, bool) or not 0 <= balance < math.inf:
            raise ConfigError(f"balance must be a non-negative number, got {balance!r}")
        self.stochastic, self.balance = bool(stochastic), float(balance)
        self.config.update(stochastic=self.stochastic, balance=self.balance)

    def _bits(self, x: torch.Tensor, sample: bool) -> dict[str, torch.Tensor]:
        probs = torch.sigmoid(self.encoder(x).float())  # (B, latent_dim)
        with torch.no_grad():
            bits = torch.bernoulli(probs) if sample else (probs > 0.5).float()
        # The difference is exactly 0 in value, so z holds exactly 0.0 / 1.0; its gradient is dz/dp = 1.
        z = bits + (probs - probs.detach())
        return {"z": z, "probs": probs}

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The bits, (B, latent_dim) floats in {0, 1}; always thresholded (deterministic)."""
        return self._bits(x, sample=False)["z"]

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``x_hat``, ``z`` (the bits as 0.0/1.0, straight-through) and ``probs`` = p(bit = 1)."""
        out = self._bits(x, sample=self.training and self.stochastic)
        out["x_hat"] = self.decode(out["z"])
        return out

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor],
             target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Reconstruction + ``balance`` * ``imbalance`` (mean over bits of (2 p_bar - 1)^2, p_bar the
        batch mean of p(bit = 1)); ``bit_balance`` is the share of bits that are 1 (0.5 = balanced)."""
        target = x if target is None else target
        recon = per_sample_reconstruction(out["x_hat"], target, self.recon_loss).mean()
        imbalance = (2 * out["probs"].mean(dim=0) - 1).pow(2).mean()
        return {"loss": recon + self.balance * imbalance, "recon": recon.detach(), "imbalance": imbalance.detach(),
                "bit_balance": out["z"].detach().mean()}

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample reconstruction error through the thresholded bits, (B,); deterministic."""
        return per_sample_reconstruction(self.decode(self.encode(x)), x, self.recon_loss)


def _as_codes(codes, name: str) -> np.ndarray:
    if torch.is_tensor(codes):
        codes = codes.detach().cpu().numpy()
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[0] == 0 or codes.shape[1] == 0:
        raise DataError(f"{name} must be a non-empty 2-D array (n_codes, n_bits), got shape {codes.shape}")
    if codes.dtype != np.bool_:
        if not np.issubdtype(codes.dtype, np.number) or not np.isin(codes, (0, 1)).all():
            raise DataError(f"{name} must hold only 0 and 1 (or booleans)")
    return codes.astype(np.float32)


def hamming_neighbours(query_codes, db_codes, k: int) -> np.ndarray:
    """Indices of the ``k`` database codes nearest to each query in Hamming distance.

    Args:
        query_codes: (Q, n_bits) array or tensor of 0/1 values (or booleans).
        db_codes: (N, n_bits), the database, same number of bits.
        k: neighbours per query, 1 <= k <= N.

    Returns:
        (Q, k) int64 array, nearest first; equal distances are ordered by database index.
    """
    q, db = _as_codes(query_codes, "query_codes"), _as_codes(db_codes, "db_codes")
    if q.shape[1] != db.shape[1]:
        raise DataError(f"query codes have {q.shape[1]} bits but database codes have {db.shape[1]}")
    n = len(db)
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 1 <= k <= n:
        raise ConfigError(f"k must be an integer in [1, {n}] (the database size), got {k!r}")
    k = int(k)
    index = np.arange(n, dtype=np.int64)
    result = np.empty((len(q), k), dtype=np.int64)
    rows = max(1, HAMMING_BLOCK // n)
    for start in range(0, len(q), rows):
        block = q[start:start + rows]
        # Number of differing bits; float32 sums of 0/1 products are exact below 2**24 bits.
        dist = block @ (1 - db).T + (1 - block) @ db.T  # (rows, N)
        # One integer key orders by (distance, index): ties go to the smaller index.
        key = np.rint(dist).astype(np.int64) * n + index
        part = np.argpartition(key, k - 1, axis=1)[:, :k] if k < n else np.broadcast_to(index, key.shape)
        order = np.argsort(np.take_along_axis(key, part, axis=1), axis=1)
        result[start:start + len(block)] = np.take_along_axis(part, order, axis=1)
    return result


def precision_at_k(query_codes, query_labels, db_codes, db_labels, k: int) -> float:
    """Mean share of each query's ``k`` Hamming-nearest database codes that carry its label.

    The retrieval score of semantic hashing. Query and database should be different
    samples (a query found in the database is its own nearest neighbour).
    """
    db_codes = _as_codes(db_codes, "db_codes")
    query_labels, db_labels = np.asarray(query_labels), np.asarray(db_labels)
    if db_labels.shape != (len(db_codes),):
        raise DataError(f"db_labels must have shape ({len(db_codes)},): one label per database code, "
                        f"got {db_labels.shape}")
    neighbours = hamming_neighbours(query_codes, db_codes, k)  # (Q, k)
    if query_labels.shape != (len(neighbours),):
        raise DataError(f"query_labels must have shape ({len(neighbours)},): one label per query, "
                        f"got {query_labels.shape}")
    return float((db_labels[neighbours] == query_labels[:, None]).mean())
