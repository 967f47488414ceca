"""Auto-encoder with a one-of-K code (``onehot``): unsupervised classification.

Categorical codes with the Gumbel-softmax / concrete relaxation (Jang, Gu & Poole 2017,
"Categorical reparameterization with Gumbel-softmax"; Maddison, Mnih & Teh 2017, "The
concrete distribution", both ICLR): each sample gets one of K = ``n_clusters`` codes,
optionally next to a small continuous "style" code::

    x ──encoder──> [logits (K), style (S)]          latent_dim = K + S
        training:  y = softmax((logits + g) / tau),  g ~ Gumbel(0, 1)
                   hard=True: c = onehot(argmax y) + (y - sg[y])   (straight-through)
        eval:      c = onehot(argmax logits)                       (no noise)
        z = [c, style] ──decoder──> x_hat
    x+ = the positive partner of x (found in ``loss``; ``pairs``):
         "knn":       one of x's ``neighbours`` nearest training inputs, drawn at random each
                      step; "nearest" in a fixed space mined once before training: inputs
                      scaled to unit length, projected on their top ``neighbour_dims``
                      principal axes (cosine distance, PCA)
         "neighbour": the batch's sample nearest to x (Euclidean, in scaled input units)
         "view":      a random view of x (small warp + noise, ``aekit.nn.augment``)

    p = softmax(logits), p+ = softmax(logits of x+), p_bar = batch mean of p (and p+)
    loss = d(x_hat, x) + balance * (log K - H(p_bar)) - consistency * mean log <p, p+>
           (with "knn", d is averaged over x and x+: drawn partners are rebuilt too)

tau is annealed exponentially from ``tau_start`` to ``tau_end`` over ``tau_anneal_steps``
training steps, counted in the ``step`` buffer (so checkpoints hold the schedule).

Why the balance term: with reconstruction alone the clusters collapse. A cluster that
happens to get more samples early gets a better decoder for them, so it wins even more
samples, and a cluster that gets none receives no learning signal through the hard
straight-through code; a few clusters end up explaining everything. The term is the KL
divergence from the uniform distribution to the batch's marginal cluster distribution,
log K - H(p_bar), which is zero exactly when the clusters are used equally often. It
constrains only the marginal: each sample's own distribution is free to be confident
(unlike the per-sample KL to a uniform prior of a categorical VAE, which pulls every
sample towards "undecided"). This is the marginal-entropy part of the mutual-information
objective used for discrete clustering (Bridle, Heading & MacKay 1992; Hu et al. 2017, IMSAT).

Why the consistency term: reconstruction and balance alone have a trivial optimum. Every
sample gets the uniform distribution p = 1/K, the marginal is then exactly uniform, the
Gumbel sample is pure noise, and the decoder learns to ignore the categorical code and to
rebuild from the style code (measured on Fashion-MNIST: the mean per-sample entropy ends at
log K and cluster accuracy near chance). The consistency term is SCAN's clustering loss
(Van Gansbeke, Vandenhende, Georgoulis, Proesmans & Van Gool 2020, "SCAN: Learning to
classify images without labels", ECCV): -log <p, p+> is zero only when x and its partner
are put, confidently, into the same cluster, so it rules out "undecided" and makes
neighbouring samples share a cluster; the balance term (SCAN's entropy term) spreads the
confident assignments over all K clusters. SCAN mines the partners among a pretrained
embedding's nearest neighbours, fixed before its clustering step, and draws one of the k
nearest at random at each step; "knn" does the same over the whole training set, in a
PCA space of unit-length inputs. The model keeps the training inputs and their projections
between ``prepare_training`` and ``finish_training`` (the Trainer calls both around its
loop); each step finds the batch's nearest training inputs in the projected space (one
(B, N) distance matrix of d = ``neighbour_dims`` columns) and passes the drawn partners
through the auto-encoder (they are reconstructed too: one more encoder and decoder pass
per step). On Fashion-MNIST the 5 nearest training images in this space share the class in
about 83% of cases, on digits 99%; a batch of 256 holds only about 25 images of each class,
so its nearest image is a poorer partner. The "neighbour" pairing needs no stored data and
no extra pass and was the default before "knn" (test accuracy 0.613 on Fashion-MNIST and
0.747 on digits, against 0.593 and 0.842 with "knn"; NMI 0.560 and 0.692 against 0.614 and
0.791; see the README). A FIFO queue of recent training inputs as the pool (NNCLR's support
set) was tried and dropped: 0.616, at three times the time. The "view" partner is the
augmentation pairing of IIC (Ji, Henriques & Vedaldi 2019); it costs one more encoder pass
and measured worse on Fashion-MNIST, where small warps do not separate shirts from coats.
Evaluation, ``encode`` and ``predict_cluster`` use the input alone: the code stays exactly
one-hot at inference.

The encoders and decoders are the plain AE's (MLP for ``(F,)``, conv stack for
``(C, H, W)``; ``tied`` works for tables), see ``aekit.models.ae``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from torch.nn import functional as F

from aekit.errors import ConfigError
from aekit.losses import per_sample_reconstruction
from aekit.models.ae import AutoEncoder
from aekit.nn.augment import random_view
from aekit.registry import register_model

PAIRS = ("knn", "neighbour", "view")  # the onehot model's consistency partners
COPY_DISTANCE = 1e-2  # "knn" partners closer than this times the sample's norm are copies of it
POOL_BUFFERS = ("pool", "pool_points", "center", "axes")  # the "knn" pool; kept only while training


@register_model("onehot")
class OneHotAutoEncoder(AutoEncoder):
    """Auto-encoder whose code is one of ``n_clusters`` one-hot vectors (+ a continuous style).

    Args (beyond ``AutoEncoder``'s; ``latent_dim = n_clusters + style_dim``):
        n_clusters: K, the number of categories; None means ``latent_dim - style_dim``.
            Must be at least 2.
        style_dim: size of the continuous code next to the one-hot part (0 = none). A style
            code rebuilds what the clusters need not say, so reconstruction pulls the clusters
            less towards a k-means partition of the inputs and leaves them to the balance and
            consistency terms. Measured with "knn" partners: 4 cut Fashion-MNIST's test MSE
            from 0.050 to 0.020 and clustered no worse; on digits 0 clustered slightly better.
        tau_start, tau_end: Gumbel-softmax temperature at the first training step and
            after ``tau_anneal_steps`` steps (exponential interpolation in between).
        tau_anneal_steps: training steps over which tau falls (0 = ``tau_end`` from the start).
            Steps are counted by training-mode ``loss`` calls in the ``step`` buffer.
        hard: straight-through one-hot code in the training forward pass (True) or the
            relaxed softmax sample (False). Evaluation always uses the argmax one-hot code.
        balance: weight of the batch marginal-entropy term that keeps all clusters in use
            (5 by default, SCAN's weight for its entropy term).
        consistency: weight of the pair-consistency term that makes assignments confident
            and shared by similar samples (0 = off: reconstruction and balance only, which end
            in uninformative clusters, see the module docstring).
        pairs: each sample's partner in that term: "knn" (one of its ``neighbours`` nearest
            training inputs, mined in a PCA space; needs ``prepare_training``), "neighbour"
            (nearest other sample of the batch; needs batches of more than one sample) or
            "view" (a random view of it).
        neighbours: k, the nearest training inputs a "knn" partner is drawn from (20: SCAN's
            choice). Larger k links more of each class; smaller k keeps the partners purer.
            Measured (test accuracy, benchmark settings): digits 0.49 / 0.56 / 0.68 / 0.71 /
            0.85 / 0.79 for k = 1 / 5 / 10 / 20 / 50 / 100; Fashion-MNIST, see the README.
        neighbour_dims: principal axes of the space "knn" neighbours are searched in (at most
            the input size; memory while training: the training inputs plus N x this).
        view_strength: how strongly a "view" partner is perturbed (``aekit.nn.augment``).
    """

    def __init__(self, input_shape: tuple[int, ...] | list[int], latent_dim: int = 10,
                 hidden: tuple[int, ...] | list[int] | None = None, activation: str = "relu",
                 tied: bool = False, output: str = "linear", recon_loss: str = "mse",
                 n_clusters: int | None = None, style_dim: int = 0, tau_start: float = 1.0,
                 tau_end: float = 0.1, tau_anneal_steps: int = 2000, hard: bool = True,
                 balance: float = 5.0, consistency: float = 1.0, view_strength: float = 1.0,
                 pairs: str = "knn", neighbours: int = 20, neighbour_dims: int = 32):
        super().__init__(input_shape, latent_dim, hidden, activation, tied, output, recon_loss)
        self.n_clusters, self.style_dim = _check_cluster_layout(self.latent_dim, n_clusters, style_dim)
        for name, value in (("tau_start", tau_start), ("tau_end", tau_end)):
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 < value < math.inf:
                raise ConfigError(f"{name} must be a positive number, got {value!r}")
        if not isinstance(tau_anneal_steps, numbers.Integral) or isinstance(tau_anneal_steps, bool) \
                or tau_anneal_steps < 0:
            raise ConfigError(f"tau_anneal_steps must be a non-negative integer, got {tau_anneal_steps!r}")
        if not isinstance(hard, (bool, np.bool_)):
            raise ConfigError(f"hard must be True or False, got {hard!r}")
        for name, value in (("balance", balance), ("consistency", consistency), ("view_strength", view_strength)):
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value < math.inf:
                raise ConfigError(f"{name} must be a non-negative number, got {value!r}")
        if pairs not in PAIRS:
            raise ConfigError(f"unknown pairs {pairs!r}; choose from {', '.join(PAIRS)}")
        for name, value in (("neighbours", neighbours), ("neighbour_dims", neighbour_dims)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        self.tau_start, self.tau_end = float(tau_start), float(tau_end)
        self.tau_anneal_steps, self.hard, self.balance = int(tau_anneal_steps), bool(hard), float(balance)
        self.consistency, self.view_strength = float(consistency), float(view_strength)
        self.pairs, self.neighbours, self.neighbour_dims = pairs, int(neighbours), int(neighbour_dims)
        self.config.update(n_clusters=self.n_clusters, style_dim=self.style_dim, tau_start=self.tau_start,
                           tau_end=self.tau_end, tau_anneal_steps=self.tau_anneal_steps, hard=self.hard,
                           balance=self.balance, consistency=self.consistency, pairs=self.pairs,
                           view_strength=self.view_strength, neighbours=self.neighbours,
                           neighbour_dims=self.neighbour_dims)
        self.register_buffer("step", torch.zeros((), dtype=torch.long))  # training-mode loss calls
        # The "knn" pairing's pool (training inputs, flattened) and search space; not saved.
        for name in POOL_BUFFERS:
            self.register_buffer(name, torch.zeros(0), persistent=False)

    # ------------------------------------------------------------ the pieces
    def temperature(self, step: int | None = None) -> float:
        """Gumbel-softmax temperature at training step ``step`` (default: the next step)."""
        step = int(self.step) if step is None else int(step)
        if self.tau_anneal_steps == 0:
            return self.tau_end
        t = min(1.0, step / self.tau_anneal_steps)
        return self.tau_start * (self.tau_end / self.tau_start) ** t

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)  # (B, K + S)
        return h[:, :self.n_clusters].float(), h[:, self.n_clusters:]  # logits (B, K), style (B, S)

    def _code(self, x: torch.Tensor, relaxed: bool) -> dict[str, torch.Tensor]:
        logits, style = self._split(x)
        if relaxed:
            gumbel = -torch.empty_like(logits).exponential_().clamp_min(1e-20).log()
            y = F.softmax((logits + gumbel) / self.temperature(), dim=1)  # (B, K)
            cluster = y.argmax(dim=1)
            code = F.one_hot(cluster, self.n_clusters).to(y.dtype) + (y - y.detach()) if self.hard else y
        else:
            cluster = logits.argmax(dim=1)
            code = F.one_hot(cluster, self.n_clusters).to(logits.dtype)
        z = torch.cat([code.to(style.dtype), style], dim=1)  # (B, K + S)
        return {"z": z, "logits": logits, "cluster": cluster}

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """[argmax one-hot (K), style (S)], (B, latent_dim); deterministic."""
        return self._code(x, relaxed=False)["z"]

    @torch.no_grad()
    def predict_cluster(self, x: torch.Tensor) -> torch.Tensor:
        """Cluster of each sample, (B,) int64 in [0, n_clusters): the unsupervised classification."""
        return self._split(x)[0].argmax(dim=1)

    # ----------------------------------------------------------- the contract
    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``x_hat``, ``z`` ([one-hot, style]), ``logits`` (B, K) and ``cluster`` (B,) int64.
        Training mode draws a Gumbel-softmax sample at the current temperature; evaluation
        mode uses the argmax one-hot code."""
        out = self._code(x, relaxed=self.training)
        out["x_hat"] = self.decode(out["z"])
        return out

    def _partner(self, x: torch.Tensor, out: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits of each sample's consistency partner (``pairs``), (B, K), and, for "knn"
        partners, their reconstruction errors (B,): a partner drawn from the training set is a
        training sample too, so it goes through the whole auto-encoder like the batch."""
        if self.pairs == "knn" and len(self.pool):
            partners = self._knn_partners(x)
            coded = self._code(partners, relaxed=self.training)
            errors = per_sample_reconstruction(self.decode(coded["z"]), partners, self.recon_loss)
            return coded["logits"], errors
        if self.pairs == "knn" and self.training:
            raise ConfigError('pairs="knn" needs the training inputs: call prepare_training(X) before '
                              "training (the Trainer does)")
        if self.pairs == "view":
            return self._split(random_view(x, self.view_strength))[0], None
        return out["logits"][_nearest_other(x)], None  # "neighbour", and "knn" evaluated without its pool

    # ------------------------------------------------------- the knn pool
    @torch.no_grad()
    def prepare_training(self, X: torch.Tensor) -> None:
        """Keep the training inputs ``X`` (N, *input_shape) as the "knn" pool and mine its
        search space: unit-length rows, centred, projected on the top principal axes."""
        if self.pairs != "knn":
            return
        flat = X.detach().flatten(1).float().to(self.step.device)  # (N, D)
        unit = _unit_rows(flat)
        center = unit.mean(dim=0)
        dims = min(self.neighbour_dims, unit.shape[1])
        centred = unit - center
        _, vectors = torch.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
        self.axes = vectors[:, -dims:].flip(1).contiguous()  # (D, d): the top d axes
        self.center, self.pool = center, flat
        self.pool_points = centred @ self.axes  # (N, d)

    def finish_training(self) -> None:
        """Release the "knn" pool (the training inputs) after training."""
        for name in POOL_BUFFERS:
            setattr(self, name, torch.zeros(0, device=self.step.device))

    @torch.no_grad()
    def _knn_partners(self, x: torch.Tensor) -> torch.Tensor:
        """One of each sample's ``neighbours`` nearest pool inputs, drawn at random, shaped
        like ``x``. Copies of the sample itself (its own row in the pool, duplicates) are skipped."""
        flat = x.detach().flatten(1).float()  # (B, D)
        points = (_unit_rows(flat) - self.center) @ self.axes  # (B, d)
        reach = min(self.neighbours + 2, len(self.pool))  # room for the sample itself and one duplicate
        candidates = torch.cdist(points, self.pool_points).topk(reach, dim=1, largest=False).indices  # (B, r)
        gap = (self.pool[candidates] - flat[:, None]).norm(dim=2)  # (B, r): distances in input space
        usable = gap > COPY_DISTANCE * flat.norm(dim=1, keepdim=True)
        usable &= usable.cumsum(dim=1) <= self.neighbours  # the k nearest non-copies
        draw = torch.rand(usable.shape, device=x.device).masked_fill(~usable, -1.0)
        chosen = candidates.gather(1, draw.argmax(dim=1, keepdim=True)).squeeze(1)  # (B,)
        return self.pool[chosen].view_as(x).to(x.dtype)

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor],
             target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Reconstruction (of the batch, and of "knn" partners) + ``balance`` * KL(batch cluster
        marginal || uniform) (``entropy_reg``)
        + ``consistency`` * -mean log <p, p+> over the pairs (``disagreement``; batches of two or
        more), with ``tau`` (the temperature of this step), ``confidence`` (mean largest cluster
        probability) and ``used_clusters`` (distinct clusters in the batch). The same terms in
        both modes, so a validation loss measures the objective that training lowers (the
        Trainer keeps the epoch with the best one). In training mode this counts one step of
        the temperature schedule."""
        target = x if target is None else target
        tau = self.temperature()
        if self.training:
            self.step.add_(1)
        errors = per_sample_reconstruction(out["x_hat"], target, self.recon_loss)  # (B,)
        probs = F.softmax(out["logits"].float(), dim=1)  # (B, K)
        partner = None
        if self.consistency > 0 and len(x) > 1:
            partner_logits, partner_errors = self._partner(x, out)
            partner = F.softmax(partner_logits.float(), dim=1)
            if partner_errors is not None:
                errors = torch.cat([errors, partner_errors])
        recon = errors.mean()
        from_batch = self.pairs == "neighbour" or (self.pairs == "knn" and not len(self.pool))
        entropy_reg = _balance_gap(probs if partner is None or from_batch
                                   else torch.cat([probs, partner]))  # batch neighbours are batch rows already
        loss = recon + self.balance * entropy_reg
        parts = {"recon": recon.detach(), "entropy_reg": entropy_reg.detach()}
        if partner is not None:
            disagreement = _disagreement(probs, partner)
            loss = loss + self.consistency * disagreement
            parts["disagreement"] = disagreement.detach()
        used = torch.unique(out["cluster"]).numel()
        return {"loss": loss, **parts, "tau": torch.tensor(tau, device=recon.device),
                "confidence": probs.detach().max(dim=1).values.mean(),
                "used_clusters": torch.tensor(float(used), device=recon.device)}

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample reconstruction error through the argmax code, (B,); deterministic."""
        return per_sample_reconstruction(self.decode(self.encode(x)), x, self.recon_loss)


def _balance_gap(probs: torch.Tensor) -> torch.Tensor:
    """log K - H(batch mean of ``probs`` (B, K)): >= 0, and 0 when all clusters are equally used."""
    marginal = probs.mean(dim=0)  # (K,)
    entropy = -(marginal * marginal.clamp_min(1e-12).log()).sum()
    return math.log(probs.shape[1]) - entropy


def _disagreement(probs: torch.Tensor, partner: torch.Tensor) -> torch.Tensor:
    """-mean log <p, p+> over the batch, (B, K) each: <p, p+> is the probability that clusters
    drawn for a sample and for its partner coincide; 0 iff both are the same one-hot."""
    agree = (probs * partner).sum(dim=1)  # (B,)
    return -agree.clamp_min(1e-8).log().mean()


@torch.no_grad()
def _unit_rows(flat: torch.Tensor) -> torch.Tensor:
    return flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-12)


@torch.no_grad()
def _nearest_other(x: torch.Tensor) -> torch.Tensor:
    """Index of each sample's nearest other sample in the batch (Euclidean), (B,) int64."""
    flat = x.flatten(1).float()  # (B, D)
    dist = torch.cdist(flat, flat)  # (B, B)
    dist.fill_diagonal_(math.inf)
    return dist.argmin(dim=1)


def _check_cluster_layout(latent_dim: int, n_clusters, style_dim) -> tuple[int, int]:
    if not isinstance(style_dim, numbers.Integral) or isinstance(style_dim, bool) or style_dim < 0:
        raise ConfigError(f"style_dim must be a non-negative integer, got {style_dim!r}")
    if n_clusters is None:
        n_clusters = latent_dim - style_dim
        if n_clusters < 2:
            raise ConfigError(f"n_clusters = latent_dim - style_dim = {latent_dim} - {style_dim} = {n_clusters}; "
                              "it must be at least 2: raise latent_dim or lower style_dim")
        return int(n_clusters), int(style_dim)
    if not isinstance(n_clusters, numbers.Integral) or isinstance(n_clusters, bool) or n_clusters < 2:
        raise ConfigError(f"n_clusters must be an integer >= 2 or None, got {n_clusters!r}")
    if n_clusters + style_dim != latent_dim:
        raise ConfigError(f"n_clusters + style_dim = {n_clusters} + {style_dim} = {n_clusters + style_dim} "
                          f"must equal latent_dim={latent_dim}")
    return int(n_clusters), int(style_dim)
