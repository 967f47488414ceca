"""Vector-quantized auto-encoder (VQ-VAE).

van den Oord, Vinyals & Kavukcuoglu 2017, "Neural Discrete Representation Learning"
(NeurIPS). The code is a short sequence of discrete symbols: each of ``n_codes`` slots
holds one of ``codebook_size`` learned vectors of size ``code_dim``::

    x ──encoder──> z_e (latent_dim) ──reshape──> (n_codes, code_dim)
        ──nearest codebook entry──> indices (n_codes)  ──lookup──> z_q (n_codes, code_dim)
        ──flatten──> z (latent_dim) ──decoder──> x_hat

    loss = d(x_hat, x) + commitment * |z_e - sg[z_q]|^2   (+ |sg[z_e] - z_q|^2 with ema=False)

Code layout: the encoder is the same network as the plain AE's (MLP for tables, conv stack
for any image size) ending in ``latent_dim = n_codes * code_dim`` values, cut into
``n_codes`` vectors. One layout serves tables and images, ``z`` keeps the contract's
(B, latent_dim) shape, and the decoder is the plain AE's. (The paper quantizes every cell
of a spatial feature grid instead; that suits large images and needs an encoder without
the final linear layer.) The gradient reaches the encoder straight through the
quantizer; the codebook, its k-means start, EMA updates and dead-code restarts live in
``aekit.nn.quantize.VectorQuantizer``.

Generation: after the auto-encoder is trained, ``fit_prior`` fits a small autoregressive
model over the training set's index tuples (``aekit.models.vq_prior``, the paper's second
stage); ``sample(n)`` draws index tuples from it and decodes them. The estimator calls
``fit_prior`` at the end of ``fit``.
"""
from __future__ import annotations

import numbers

import torch

from aekit.errors import ConfigError, DataError
from aekit.losses import per_sample_reconstruction
from aekit.models.ae import AutoEncoder
from aekit.models.vq_prior import IndexPrior, fit_index_prior
from aekit.nn.quantize import VectorQuantizer
from aekit.registry import register_model

INDEX_BATCH = 1024  # samples encoded at once when collecting the prior's training indices


@register_model("vq")
class VQAutoEncoder(AutoEncoder):
    """Auto-encoder whose code is ``n_codes`` entries of a learned codebook.

    Args (beyond ``AutoEncoder``'s; ``tied`` works for tables as there):
        n_codes: number of discrete slots per sample; must divide ``latent_dim``.
        code_dim: size of each slot's vector; None means ``latent_dim // n_codes``.
            ``n_codes * code_dim`` must equal ``latent_dim``.
        codebook_size: number of codebook entries K (each slot holds log2(K) bits).
        commitment: weight of the commitment loss (the paper's beta, 0.25).
        ema: codebook updated by exponential moving averages (True) or learned by the
            codebook loss (False).
        decay: EMA decay of the codebook and of the usage tracking.
        kmeans_init: k-means initialisation of the codebook on the first training batch.
        restart_dead: restart codes whose usage share EMA fell below
            ``dead_threshold / codebook_size`` on random encoder outputs of the batch.
        dead_threshold: see ``restart_dead``, in [0, 1].
        prior_width: embedding and GRU width of the index prior (``aekit.models.vq_prior``).
        prior_epochs: passes over the training indices when ``fit_prior`` runs (0 = no prior:
            the model then cannot ``sample``).
    """

    def __init__(self, input_shape: tuple[int, ...] | list[int], latent_dim: int = 8,
                 hidden: tuple[int, ...] | list[int] | None = None, activation: str = "relu",
                 tied: bool = False, output: str = "linear", recon_loss: str = "mse",
                 n_codes: int = 1, code_dim: int | None = None, codebook_size: int = 512,
                 commitment: float = 0.25, ema: bool = True, decay: float = 0.99,
                 kmeans_init: bool = True, restart_dead: bool = True, dead_threshold: float = 0.1,
                 prior_width: int = 128, prior_epochs: int = 10):
        super().__init__(input_shape, latent_dim, hidden, activation, tied, output, recon_loss)
        code_dim = _check_code_layout(self.latent_dim, n_codes, code_dim)
        if not isinstance(commitment, numbers.Real) or not commitment >= 0:
            raise ConfigError(f"commitment must be a non-negative number, got {commitment!r}")
        _check_prior_arguments(prior_width, prior_epochs)
        self.quantizer = VectorQuantizer(codebook_size, code_dim, ema=ema, decay=decay,
                                         kmeans_init=kmeans_init, restart_dead=restart_dead,
                                         dead_threshold=dead_threshold)
        self.config.update(n_codes=int(n_codes), code_dim=code_dim, codebook_size=int(codebook_size),
                           commitment=float(commitment), ema=bool(ema), decay=float(decay),
                           kmeans_init=bool(kmeans_init), restart_dead=bool(restart_dead),
                           dead_threshold=float(dead_threshold), prior_width=int(prior_width),
                           prior_epochs=int(prior_epochs))
        self.n_codes, self.code_dim = int(n_codes), code_dim
        self.codebook_size, self.commitment = int(codebook_size), float(commitment)
        self.prior_epochs = int(prior_epochs)
        self.prior = IndexPrior(self.codebook_size, self.n_codes, int(prior_width))

    # ------------------------------------------------------------- the code
    def _slots(self, z_e: torch.Tensor) -> torch.Tensor:
        return z_e.view(-1, self.n_codes, self.code_dim)  # (B, latent_dim) -> (B, n_codes, code_dim)

    def _quantize(self, x: torch.Tensor, update: bool) -> dict[str, torch.Tensor]:
        z_e = self.encoder(x)  # (B, latent_dim)
        q = self.quantizer(self._slots(z_e), update=update)
        return {"z": q["z_q"].flatten(1), "indices": q["indices"], "z_e": z_e}

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Quantized code, (B, latent_dim); never changes the codebook."""
        return self._quantize(x, update=False)["z"]

    def encode_indices(self, x: torch.Tensor) -> torch.Tensor:
        """Codebook indices, (B, n_codes) int64; never changes the codebook."""
        return self._quantize(x, update=False)["indices"]

    def decode_indices(self, indices: torch.Tensor) -> torch.Tensor:
        """(B, n_codes) integer indices -> (B, *input_shape)."""
        indices = torch.as_tensor(indices, device=self.quantizer.codebook.device)
        if indices.dim() != 2 or indices.shape[1] != self.n_codes:
            raise DataError(f"indices must have shape (B, n_codes={self.n_codes}), got {tuple(indices.shape)}")
        if indices.is_floating_point() or indices.dtype == torch.bool:
            raise DataError(f"indices must be integers, got dtype {indices.dtype}")
        if indices.numel() and (indices.min() < 0 or indices.max() >= self.codebook_size):
            raise DataError(f"indices must be in [0, {self.codebook_size - 1}], got values in "
                            f"[{int(indices.min())}, {int(indices.max())}]")
        return self.decode(self.quantizer.lookup(indices).flatten(1))  # (B, latent_dim) -> x

    # decode(z) is the AutoEncoder's: the decoder applied to z as given (no re-quantization).

    # ----------------------------------------------------------- the contract
    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``x_hat``, ``z`` (quantized, straight-through, (B, latent_dim)), ``indices``
        (B, n_codes) and ``z_e`` (the encoder output before quantization). In training mode
        this batch also updates the codebook (k-means start, restarts, EMA)."""
        out = self._quantize(x, update=self.training)
        out["x_hat"] = self.decode(out["z"])
        return out

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor],
             target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Reconstruction + commitment (+ codebook loss without EMA), with detached parts and
        codebook health: ``usage`` (share of codes used in this batch), ``perplexity`` and
        ``dead`` (codes currently counted dead)."""
        target = x if target is None else target
        recon = per_sample_reconstruction(out["x_hat"], target, self.recon_loss).mean()
        terms = self.quantizer.loss_terms(self._slots(out["z_e"]), self._slots(out["z"]), out["indices"])
        total = recon + self.commitment * terms["commit"] + terms["codebook"]
        return {"loss": total, "recon": recon.detach(), "commit": terms["commit"].detach(),
                **self.quantizer.stats(out["indices"])}

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample reconstruction error through the quantized code, (B,); never changes the codebook."""
        z = self._quantize(x, update=False)["z"]
        return per_sample_reconstruction(self.decode(z), x, self.recon_loss)

    def check_data_size(self, n_samples: int) -> None:
        """Refuse a codebook with more entries than the training data has vectors: k-means could
        not place them and most codes would stay dead."""
        n_vectors = int(n_samples) * self.n_codes
        if self.codebook_size > n_vectors:
            raise DataError(f"codebook_size={self.codebook_size} is larger than the data: {n_samples} samples x "
                            f"{self.n_codes} slot(s) = {n_vectors} vectors; lower codebook_size or add samples")

    # ------------------------------------------------------------ generation
    def fit_prior(self, x: torch.Tensor, seed: int = 0) -> list[float]:
        """Fit the index prior to the codes of the training samples ``x`` (B, *input_shape), after
        the auto-encoder is trained; returns its mean NLL (nats per sample) per epoch."""
        was_training = self.training
        self.eval()
        with torch.no_grad():
            device = self.quantizer.codebook.device
            indices = torch.cat([self.encode_indices(torch.as_tensor(x[i:i + INDEX_BATCH]).to(device))
                                 for i in range(0, len(x), INDEX_BATCH)])  # (N, n_codes)
        history = fit_index_prior(self.prior, indices, self.prior_epochs, seed)
        self.train(was_training)
        return history

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode ``n`` index tuples drawn from the fitted prior: (n, *input_shape)."""
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise ConfigError(f"n must be a positive integer, got {n!r}")
        return self.decode_indices(self.prior.sample(int(n), generator=generator))

    def prior_nll(self, x: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood (nats) of each sample's index tuple under the prior, (B,)."""
        with torch.no_grad():
            return self.prior.nll(self.encode_indices(x))


def _check_prior_arguments(prior_width, prior_epochs) -> None:
    if not isinstance(prior_width, numbers.Integral) or isinstance(prior_width, bool) or prior_width < 1:
        raise ConfigError(f"prior_width must be a positive integer, got {prior_width!r}")
    if not isinstance(prior_epochs, numbers.Integral) or isinstance(prior_epochs, bool) or prior_epochs < 0:
        raise ConfigError(f"prior_epochs must be a non-negative integer, got {prior_epochs!r}")


def _check_code_layout(latent_dim: int, n_codes, code_dim) -> int:
    if not isinstance(n_codes, numbers.Integral) or isinstance(n_codes, bool) or n_codes < 1:
        raise ConfigError(f"n_codes must be a positive integer, got {n_codes!r}")
    if code_dim is None:
        if latent_dim % n_codes:
            raise ConfigError(f"latent_dim={latent_dim} is not divisible by n_codes={n_codes}; "
                              "latent_dim must equal n_codes * code_dim")
        return latent_dim // int(n_codes)
    if not isinstance(code_dim, numbers.Integral) or isinstance(code_dim, bool) or code_dim < 1:
        raise ConfigError(f"code_dim must be a positive integer or None, got {code_dim!r}")
    if n_codes * code_dim != latent_dim:
        raise ConfigError(f"n_codes * code_dim = {n_codes} * {code_dim} = {n_codes * code_dim} "
                          f"must equal latent_dim={latent_dim}")
    return int(code_dim)
