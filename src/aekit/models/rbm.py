"""Deep auto-encoder pretrained layer by layer as a stack of RBMs, then fine-tuned.

Hinton & Salakhutdinov 2006, "Reducing the dimensionality of data with neural networks"
(Science 313). Contrastive divergence from Hinton 2002 (Neural Computation 14); the
practical choices follow Hinton 2010, "A practical guide to training restricted Boltzmann
machines" (UTML TR 2010-003)::

    pretraining, layer l (its own pretrain_steps training steps, l = 0, 1, ..., L-1):
        x ──fixed layers 0..l-1 (sigmoid means, no gradient)──> v0
        v0 ──p(h | v)──> h ──p(v | h) mean──> v1 ... (cd_steps times) ──> v_k
        loss_l = mean F_l(v0) - mean F_l(sg[v_k])        F_l: free energy of RBM l

    fine-tuning (after all L layers), the unrolled network, decoder tied to the encoder:
        x ──W0,sigm──> h1 ──W1,sigm──> ... ──W_{L-1}, linear──> z (latent_dim)
        z ──W_{L-1}^T,sigm──> ... ──W1^T,sigm──> ──W0^T, output──> x_hat
        loss = d(x_hat, x)

RBM l has visible units v (layer l's input, bias c_l, which is also the tied decoder's
bias of that layer) and hidden units h (layer l's output, bias b_l), weights W_l:

- first layer, ``output="linear"``: Gaussian visible units with unit variance, for
  standardised real-valued inputs: F(v) = |v - c|^2 / 2 - sum_j softplus(W_j v + b_j);
  ``output="sigmoid"``: Bernoulli visible units, for inputs in [0, 1] (grey values are
  treated as probabilities): F(v) = -c.v - sum_j softplus(W_j v + b_j).
- layers above: Bernoulli visible units (the sigmoid means of the layer below).
- hidden units: Bernoulli (logistic) except in the top layer, whose hidden units are linear
  with unit-variance Gaussian noise, as in the paper, so the code layer is linear:
  F(v) = -c.v - |W v + b|^2 / 2.

The gradient of loss_l is the CD-k update: d/dtheta of the data's free energy minus that
of the detached negative sample. The chain runs with sampled hidden states and mean
visible reconstructions (the guide's advice: less sampling noise at little cost in bias).
Weights start as ``nn.Linear``'s default (uniform, scale 1/sqrt(fan_in)), decoder biases
at 0, for pretraining and for the ``pretrain_steps=0`` baseline alike.

How it fits the Trainer (which only sees ``model(x)`` and ``model.loss(x, out)``): the
``step`` buffer counts training-mode ``loss`` calls, so ``phase = step // pretrain_steps``
picks the layer being pretrained and a checkpoint resumes the schedule exactly. During
pretraining, ``loss`` has the CD surrogate's gradient but the reconstruction error as its
value (the two differ by a gradient-free constant). The surrogate's level is arbitrary
(free energies have no fixed zero), so logged as "loss" it would make early stopping and
the best-weights restore compare numbers of different kinds across phases and keep a
half-pretrained network; its value is logged as ``cd``. Every parameter is tied into the
loss (with weight 0 where it takes no part), so the backward pass reaches them all as the
model contract and DDP expect (DDP fails on parameters without gradients); to AdamW a
frozen layer then only coasts on its decaying momentum for a few steps (and weight
decay, when set, applies to it). Evaluation-mode ``loss`` is always the reconstruction
of the whole network, so validation numbers are comparable across phases.

Early stopping and the plateau LR schedule watch that reconstruction, which need not fall
while lower layers are being pretrained: give ``patience`` more epochs than pretraining
takes (``n_layers * pretrain_steps`` steps), or None.

``pretrain_steps=0`` trains the same network end to end from its random initialisation
(the baseline). Images ``(C, H, W)`` are flattened inside the model.
"""
from __future__ import annotations

import numbers

import torch
from torch import nn
from torch.nn import functional as F

from aekit.errors import ConfigError
from aekit.losses import per_sample_reconstruction
from aekit.models.ae import DEFAULT_MLP_HIDDEN, _check_arguments, input_size
from aekit.nn.mlp import MLP, TiedDecoder
from aekit.registry import register_model


@register_model("rbm-stack")
class RBMStackAutoEncoder(nn.Module):
    """Tied sigmoid MLP auto-encoder, pretrained greedily as RBMs (CD-k), then fine-tuned.

    Args:
        input_shape: one sample's shape: ``(F,)``, or ``(C, H, W)`` (flattened inside).
        latent_dim: size of the linear code layer, 1 <= latent_dim <= input size.
        hidden: widths of the sigmoid layers between input and code; None picks (256, 128).
        activation: must be "sigmoid": the hidden units are the RBMs' logistic units.
            Anything else raises ``ConfigError``.
        tied: must be True: the decoder always uses the encoder's weights, transposed
            (the unrolled RBMs). False raises ``ConfigError``.
        output: "linear" (Gaussian first RBM, standardised inputs) or "sigmoid"
            (Bernoulli first RBM, inputs in [0, 1]).
        recon_loss: "mse", "l1" or "bce" (needs output="sigmoid") for fine-tuning.
        pretrain_steps: training steps of CD pretraining per layer (0 = no pretraining:
            end-to-end training from random initialisation).
        cd_steps: k of CD-k, Gibbs steps in each negative sample.
    """

    def __init__(self, input_shape: tuple[int, ...] | list[int], latent_dim: int = 8,
                 hidden: tuple[int, ...] | list[int] | None = None, activation: str = "sigmoid",
                 tied: bool = True, output: str = "linear", recon_loss: str = "mse",
                 pretrain_steps: int = 300, cd_steps: int = 1):
        super().__init__()
        input_shape = tuple(int(n) for n in input_shape)
        _check_arguments(input_shape, latent_dim, False, recon_loss)  # flat or image; images are flattened
        _check_rbm_arguments(hidden, activation, tied, output, recon_loss, pretrain_steps, cd_steps)
        self.config = dict(input_shape=list(input_shape), latent_dim=int(latent_dim),
                           hidden=None if hidden is None else [int(h) for h in hidden],
                           activation=activation, tied=True, output=output, recon_loss=recon_loss,
                           pretrain_steps=int(pretrain_steps), cd_steps=int(cd_steps))
        self.input_shape = input_shape
        self.latent_dim = int(latent_dim)
        self.output, self.recon_loss = output, recon_loss
        self.pretrain_steps, self.cd_steps = int(pretrain_steps), int(cd_steps)
        dims = [input_size(input_shape), *(hidden or DEFAULT_MLP_HIDDEN), self.latent_dim]
        self.encoder = MLP(dims, "sigmoid", output="linear")  # layer l = RBM l's W_l, b_l
        self.decoder = TiedDecoder(self.encoder, "sigmoid", output)  # its biases = the RBMs' c_l
        self.n_layers = len(dims) - 1
        self.register_buffer("step", torch.zeros((), dtype=torch.long))  # training-mode loss calls

    # ---------------------------------------------------------- the schedule
    def phase(self, step: int | None = None) -> int:
        """Layer pretrained at training step ``step`` (default: the next step), or
        ``n_layers`` once fine-tuning."""
        step = int(self.step) if step is None else int(step)
        if self.pretrain_steps == 0:
            return self.n_layers
        return min(step // self.pretrain_steps, self.n_layers)

    # ------------------------------------------------------------- the RBMs
    def weight(self, layer: int) -> torch.Tensor:
        return self.encoder.linears[layer].weight  # (n_hidden, n_visible)

    def hidden_bias(self, layer: int) -> torch.Tensor:
        return self.encoder.linears[layer].bias  # (n_hidden,)

    def visible_bias(self, layer: int) -> torch.Tensor:
        return self.decoder.biases[self.n_layers - 1 - layer]  # (n_visible,)

    def _gaussian_visible(self, layer: int) -> bool:
        return layer == 0 and self.output == "linear"

    def _linear_hidden(self, layer: int) -> bool:
        return layer == self.n_layers - 1

    def free_energy(self, layer: int, v: torch.Tensor) -> torch.Tensor:
        """Free energy F(v) = -log sum_h exp(-E(v, h)) (up to a constant) of RBM ``layer``: (B,)."""
        c = self.visible_bias(layer)
        pre = F.linear(v, self.weight(layer), self.hidden_bias(layer))  # (B, n_hidden)
        visible = 0.5 * (v - c).pow(2).sum(1) if self._gaussian_visible(layer) else -(v * c).sum(1)
        hidden = -0.5 * pre.pow(2).sum(1) if self._linear_hidden(layer) else -F.softplus(pre).sum(1)
        return visible + hidden

    @torch.no_grad()
    def layer_input(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """What RBM ``layer`` sees: the sigmoid means of the fixed layers below, (B, n_visible)."""
        h = self._flat(x).float()
        for linear in self.encoder.linears[:layer]:  # all below the top: logistic units
            h = torch.sigmoid(linear(h))
        return h

    @torch.no_grad()
    def negative_sample(self, layer: int, v0: torch.Tensor) -> torch.Tensor:
        """CD-k chain from ``v0``: sampled hidden states, mean visible reconstructions; detached."""
        w, b, c = self.weight(layer), self.hidden_bias(layer), self.visible_bias(layer)
        v = v0
        for _ in range(self.cd_steps):
            mean_h = F.linear(v, w, b)  # (B, n_hidden)
            h = mean_h + torch.randn_like(mean_h) if self._linear_hidden(layer) \
                else torch.bernoulli(torch.sigmoid(mean_h))
            v = F.linear(h, w.t(), c)  # (B, n_visible)
            if not self._gaussian_visible(layer):
                v = torch.sigmoid(v)
        return v

    def cd_loss(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """CD-k surrogate of RBM ``layer`` on batch ``x``; its gradient is the CD update."""
        with torch.autocast(x.device.type, enabled=False):  # free energies in float32
            v0 = self.layer_input(x, layer)
            v_neg = self.negative_sample(layer, v0)
            return self.free_energy(layer, v0).mean() - self.free_energy(layer, v_neg).mean()

    # ---------------------------------------------------------- the network
    def _flat(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(len(x), -1)  # (B, *input_shape) -> (B, F)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(self._flat(x))  # (B, latent_dim)

    def encoder_features(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's last hidden layer, (B, D), before the code layer."""
        return self.encoder.hidden_features(self._flat(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(len(z), *self.input_shape)  # (B, latent_dim) -> (B, *input_shape)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The unrolled network in every phase: ``z`` (B, latent_dim) and ``x_hat``."""
        z = self.encode(x)
        return {"z": z, "x_hat": self.decode(z)}

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor],
             target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Training mode: CD surrogate of the layer being pretrained (value shown as the
        reconstruction, see the module docstring; its own value as ``cd``), then the
        reconstruction loss; counts one step. Evaluation mode: the reconstruction loss.
        ``recon`` is always the whole network's and ``phase`` the schedule's phase."""
        target = x if target is None else target
        recon = per_sample_reconstruction(out["x_hat"], target, self.recon_loss).mean()
        phase = self.phase()
        parts = {"recon": recon.detach(), "phase": torch.tensor(float(phase), device=recon.device)}
        if not self.training:
            return {"loss": recon, **parts}
        self.step.add_(1)
        if phase == self.n_layers:
            return {"loss": recon, **parts}
        cd = self.cd_loss(x, phase)
        every_parameter = 0.0 * sum(p.sum() for p in self.parameters())  # zero gradients, not None
        loss = recon.detach() + (cd - cd.detach()) + every_parameter
        return {"loss": loss, "cd": cd.detach(), **parts}

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample reconstruction error of the whole network, (B,); higher = more unusual."""
        return per_sample_reconstruction(self.forward(x)["x_hat"], x, self.recon_loss)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_rbm_arguments(hidden, activation, tied, output, recon_loss, pretrain_steps, cd_steps) -> None:
    if hidden is not None and not all(_is_int(h) and h >= 1 for h in hidden):
        raise ConfigError(f"hidden must be a list of positive layer widths, got {hidden!r}")
    if activation != "sigmoid":
        raise ConfigError(f"rbm-stack needs activation='sigmoid' (its hidden units are the RBMs' "
                          f"logistic units), got activation={activation!r}")
    if tied is not True:
        raise ConfigError(f"rbm-stack is always tied (the decoder is the unrolled RBMs, transposed): "
                          f"pass tied=True, got tied={tied!r}")
    if output not in ("linear", "sigmoid"):
        raise ConfigError(f"unknown output activation {output!r}; choose from linear, sigmoid")
    if recon_loss == "bce" and output != "sigmoid":
        raise ConfigError(f"recon_loss='bce' needs output='sigmoid' (inputs in [0, 1]), got output={output!r}")
    if not _is_int(pretrain_steps) or pretrain_steps < 0:
        raise ConfigError(f"pretrain_steps must be a non-negative integer, got {pretrain_steps!r}")
    if not _is_int(cd_steps) or cd_steps < 1:
        raise ConfigError(f"cd_steps must be a positive integer, got {cd_steps!r}")
