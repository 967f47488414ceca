"""Variational auto-encoder.

Kingma & Welling 2014, "Auto-Encoding Variational Bayes" (ICLR); beta weighting from
Higgins et al. 2017 (beta-VAE, ICLR); KL warm-up from Bowman et al. 2016 and
Sønderby et al. 2016; the importance-weighted bound from Burda et al. 2016 (IWAE)::

    x ──encoder──> [mu, logvar] (2 * latent_dim)
                    z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)    (eval mode: z = mu)
                    z ──decoder──> x_hat

    loss per sample = -log p(x | z) + beta * KL(N(mu, exp(logvar)) || N(0, I))   (the negative ELBO)

Likelihood p(x | z), chosen by ``recon_loss``; the reconstruction term is its negative
log, summed over all values of a sample, without the constant (so it is >= 0):

- "mse": Gaussian with mean x_hat and a fixed variance sigma^2 = 1/2, so that
  -log p(x | z) = sum (x - x_hat)^2 + (D / 2) log(pi). Suits standardised data; a smaller
  sigma would weigh reconstruction more, which is the same as a smaller ``beta``.
- "l1": Laplace with location x_hat and scale 1: -log p = sum |x - x_hat| + D log 2.
- "bce": Bernoulli with mean x_hat (needs ``output="sigmoid"``): -log p = sum BCE(x_hat, x).
  For grey values in (0, 1) this is the usual choice but not a normalised density
  (Loaiza-Ganem & Cunningham 2019), so ``log_likelihood`` is then a Bernoulli score.

``log_likelihood`` includes the constants, so it is the model's log density in nats.
The architecture follows the input as in ``aekit.models.ae``: MLPs for ``(F,)``, conv stacks
for ``(C, H, W)``; the encoder's last layer has 2 * latent_dim outputs.
"""
from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from aekit.errors import ConfigError, DataError
from aekit.losses import per_sample_reconstruction
from aekit.models.ae import DEFAULT_CONV_CHANNELS, DEFAULT_MLP_HIDDEN, _check_arguments, input_size
from aekit.nn.conv import ConvDecoder, ConvEncoder
from aekit.nn.mlp import MLP
from aekit.registry import register_model

LOGVAR_RANGE = (-30.0, 20.0)  # keeps exp(logvar) finite in float32
LIKELIHOOD_BATCH = 4096  # decoded samples per chunk in log_likelihood
# log p(x | z) = -(reconstruction term) - LOG_NORMALISER[recon_loss] * (values per sample)
LOG_NORMALISER = {"mse": 0.5 * math.log(math.pi), "l1": math.log(2.0), "bce": 0.0}
LOG_2PI = math.log(2 * math.pi)


@register_model("vae")
class VariationalAutoEncoder(nn.Module):
    """Gaussian encoder q(z | x), standard normal prior, decoder p(x | z); trained on the ELBO.

    Args:
        input_shape: one sample's shape: ``(F,)`` for tables, ``(C, H, W)`` for images.
        latent_dim: size of z, 1 <= latent_dim <= input size.
        hidden: MLP layer widths, or conv channels per level; None picks a default.
        activation: hidden-layer activation name (see ``aekit.nn.activations``).
        tied: not supported (the encoder ends in mu and logvar, the decoder starts from z):
            True raises ``ConfigError``.
        output: "linear" or "sigmoid" (for inputs scaled to [0, 1]).
        recon_loss: the likelihood: "mse" (Gaussian), "l1" (Laplace) or "bce" (Bernoulli,
            needs output="sigmoid"); see the module docstring.
        beta: weight of the KL term (1 = the ELBO; >1 = beta-VAE).
        kl_warmup_steps: the KL weight grows linearly from 0 to ``beta`` over this many
            training steps (0 = always ``beta``). Steps are counted by training-mode
            ``loss`` calls in the ``step`` buffer; evaluation-mode losses use ``beta``.
    """

    def __init__(self, input_shape: tuple[int, ...] | list[int], latent_dim: int = 8,
                 hidden: tuple[int, ...] | list[int] | None = None, activation: str = "relu",
                 tied: bool = False, output: str = "linear", recon_loss: str = "mse",
                 beta: float = 1.0, kl_warmup_steps: int = 0):
        super().__init__()
        input_shape = tuple(int(n) for n in input_shape)
        if tied:
            raise ConfigError("tied=True is not supported by the vae: its encoder ends in mu and logvar "
                              "(2 * latent_dim outputs), so the decoder cannot reuse its weights")
        _check_arguments(input_shape, latent_dim, tied, recon_loss)
        if recon_loss == "bce" and output != "sigmoid":
            raise ConfigError(f"recon_loss='bce' is a Bernoulli likelihood and needs output='sigmoid', "
                              f"got output={output!r}")
        if not isinstance(beta, numbers.Real) or not 0 <= beta < math.inf:
            raise ConfigError(f"beta must be a non-negative number, got {beta!r}")
        if not isinstance(kl_warmup_steps, numbers.Integral) or isinstance(kl_warmup_steps, bool) \
                or kl_warmup_steps < 0:
            raise ConfigError(f"kl_warmup_steps must be a non-negative integer, got {kl_warmup_steps!r}")
        self.config = dict(input_shape=list(input_shape), latent_dim=int(latent_dim),
                           hidden=None if hidden is None else [int(h) for h in hidden],
                           activation=activation, tied=False, output=output, recon_loss=recon_loss,
                           beta=float(beta), kl_warmup_steps=int(kl_warmup_steps))
        self.input_shape = input_shape
        self.latent_dim = latent_dim = int(latent_dim)
        self.recon_loss, self.beta, self.kl_warmup_steps = recon_loss, float(beta), int(kl_warmup_steps)
        self.n_values = input_size(input_shape)
        if len(input_shape) == 1:
            widths = list(hidden or DEFAULT_MLP_HIDDEN)
            self.encoder = MLP([input_shape[0], *widths, 2 * latent_dim], activation, output="linear")
            self.decoder = MLP([latent_dim, *widths[::-1], input_shape[0]], activation, output)
        else:
            channels = list(hidden or DEFAULT_CONV_CHANNELS)
            self.encoder = ConvEncoder(input_shape, channels, 2 * latent_dim, activation)
            self.decoder = ConvDecoder(self.encoder, latent_dim, activation, output)
        self.register_buffer("step", torch.zeros((), dtype=torch.long))  # training-mode loss calls

    # ------------------------------------------------------------ the pieces
    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z | x): ``mu`` and ``logvar``, each (B, latent_dim)."""
        h = self.encoder(x)  # (B, 2 * latent_dim)
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar.clamp(*LOGVAR_RANGE)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The posterior mean, (B, latent_dim): deterministic."""
        return self.posterior(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)  # (B, latent_dim) -> (B, *input_shape)

    def encoder_features(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's last hidden representation, (B, D), before the posterior layer."""
        return self.encoder.hidden_features(x)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        mu, logvar = self.posterior(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu
        return {"x_hat": self.decode(z), "z": z, "mu": mu, "logvar": logvar}

    def reconstruction_term(self, x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x | z) without its constant, summed over the values of each sample: (B,)."""
        return per_sample_reconstruction(x_hat, x, self.recon_loss) * self.n_values

    @staticmethod
    def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """KL(N(mu, exp(logvar)) || N(0, I)) per sample, (B,), in nats; >= 0."""
        mu, logvar = mu.float(), logvar.float()
        return 0.5 * (mu.pow(2) + torch.expm1(logvar) - logvar).sum(dim=1)  # expm1: exact near 0

    def kl_weight(self) -> float:
        """The KL weight the next training-mode ``loss`` call uses."""
        if self.kl_warmup_steps == 0:
            return self.beta
        return self.beta * min(1.0, int(self.step) / self.kl_warmup_steps)

    # ----------------------------------------------------------- the contract
    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor],
             target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Batch mean of the per-sample negative ELBO (KL weighted by the warm-up schedule while
        training, by ``beta`` in evaluation); ``recon`` and ``kl`` are batch means of per-sample sums."""
        target = x if target is None else target
        weight = self.beta
        if self.training:
            weight = self.kl_weight()
            self.step.add_(1)
        recon = self.reconstruction_term(out["x_hat"], target)
        kl = self.kl_divergence(out["mu"], out["logvar"])
        loss = (recon + weight * kl).mean()
        return {"loss": loss, "recon": recon.mean().detach(), "kl": kl.mean().detach()}

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample negative ELBO (reconstruction from mu, beta-weighted KL), (B,); deterministic."""
        mu, logvar = self.posterior(x)
        return self.reconstruction_term(self.decode(mu), x) + self.beta * self.kl_divergence(mu, logvar)

    # ------------------------------------------------------- generative use
    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode ``n`` draws z ~ N(0, I): (n, *input_shape)."""
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise ConfigError(f"n must be a positive integer, got {n!r}")
        device = self._device()
        noise_device = generator.device if generator is not None else device
        z = torch.randn(int(n), self.latent_dim, generator=generator, device=noise_device)
        return self.decode(z.to(device))

    @torch.no_grad()
    def interpolate(self, a: torch.Tensor, b: torch.Tensor, steps: int = 8) -> torch.Tensor:
        """Decode ``steps`` evenly spaced points on the line between the codes (mu) of samples
        ``a`` and ``b`` (each ``input_shape`` or (1, *input_shape)): (steps, *input_shape)."""
        if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 2:
            raise ConfigError(f"steps must be an integer >= 2, got {steps!r}")
        pair = torch.cat([self._one_sample(a, "a"), self._one_sample(b, "b")])  # (2, *input_shape)
        mu = self.encode(pair)  # (2, latent_dim)
        t = torch.linspace(0.0, 1.0, int(steps), device=mu.device).unsqueeze(1)  # (steps, 1)
        return self.decode((1 - t) * mu[0] + t * mu[1])  # (steps, latent_dim) -> (steps, *input_shape)

    @torch.no_grad()
    def log_likelihood(self, x: torch.Tensor, k: int = 64) -> torch.Tensor:
        """Importance-weighted estimate of log p(x) per sample, (B,), in nats (Burda et al. 2016).

        log p(x) >= E[log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x)], z_i ~ q(z | x); k = 1 is
        the ELBO (with KL weight 1), and the bound tightens as k grows. The likelihood is the
        model's own, constants included (see the module docstring). Random, like any sample.
        """
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ConfigError(f"k must be a positive integer, got {k!r}")
        x = x.float()
        n = len(x)
        mu, logvar = self.posterior(x)  # (B, L) each
        mu, logvar = mu.float(), logvar.float()
        std = torch.exp(0.5 * logvar)
        log_norm = LOG_NORMALISER[self.recon_loss] * self.n_values
        log_w = []
        chunk = max(1, LIKELIHOOD_BATCH // max(n, 1))
        for start in range(0, int(k), chunk):
            m = min(chunk, int(k) - start)
            eps = torch.randn(m, n, self.latent_dim, device=mu.device)
            z = mu + std * eps  # (m, B, L)
            x_hat = self.decode(z.reshape(m * n, self.latent_dim))  # (m * B, *input_shape)
            x_rep = x.unsqueeze(0).expand(m, *x.shape).reshape(m * n, *x.shape[1:])
            log_px = -(self.reconstruction_term(x_hat, x_rep).view(m, n) + log_norm)
            log_pz = -0.5 * (z.pow(2) + LOG_2PI).sum(-1)  # (m, B)
            log_qz = -0.5 * (eps.pow(2) + LOG_2PI + logvar).sum(-1)  # (m, B)
            log_w.append(log_px + log_pz - log_qz)
        return torch.logsumexp(torch.cat(log_w), dim=0) - math.log(k)  # (B,)

    def _device(self) -> torch.device:
        return next(self.parameters()).device

    def _one_sample(self, x: torch.Tensor, name: str) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float32, device=self._device())
        if tuple(x.shape) == self.input_shape:
            return x.unsqueeze(0)
        if tuple(x.shape) == (1, *self.input_shape):
            return x
        raise DataError(f"{name} must be one sample of shape {self.input_shape}, got {tuple(x.shape)}")
