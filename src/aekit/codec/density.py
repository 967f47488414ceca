"""A learned factorized density for quantised latents (Ballé et al. 2018, appendix 6.1).

Every latent channel gets its own univariate density, defined through its cumulative
function: a small per-channel network whose matrices are kept positive and whose
non-linearities are monotone, so the output (after a sigmoid) is a valid CDF. The
probability of an integer value k is CDF(k + 1/2) - CDF(k - 1/2), which is exactly the
mass a range coder needs. During training the latents get additive uniform noise, whose
density is this same difference evaluated at the noisy value.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

LIKELIHOOD_FLOOR = 1e-9


class FactorizedDensity(nn.Module):
    """Per-channel CDF network 1 -> 3 -> 3 -> 3 -> 1 for ``channels`` latent channels."""

    def __init__(self, channels: int, hidden: tuple[int, ...] = (3, 3, 3), init_scale: float = 2.0):
        super().__init__()
        sizes = (1, *hidden, 1)
        # Initialised so the starting density is wide (about init_scale) and centred at 0.
        scale = init_scale ** (1 / (len(sizes) - 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            init = torch.log(torch.expm1(torch.tensor(1 / scale / fan_out)))
            self.matrices.append(nn.Parameter(torch.full((channels, fan_out, fan_in), float(init))))
            self.biases.append(nn.Parameter(torch.rand(channels, fan_out, 1) - 0.5))
            if i < len(sizes) - 2:
                self.factors.append(nn.Parameter(torch.zeros(channels, fan_out, 1)))

    def logits_cdf(self, values: torch.Tensor) -> torch.Tensor:
        """(C, 1, N) values -> (C, 1, N) logits of each channel's CDF."""
        x = values
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            x = torch.matmul(F.softplus(matrix), x) + bias
            if i < len(self.factors):
                x = x + torch.tanh(self.factors[i]) * torch.tanh(x)
        return x

    def likelihood(self, y: torch.Tensor) -> torch.Tensor:
        """Mass of the unit interval around each value of ``y`` (B, C, H, W), same shape."""
        batch, channels = y.shape[:2]
        values = y.transpose(0, 1).reshape(channels, 1, -1)  # (C, 1, B*H*W)
        lower = self.logits_cdf(values - 0.5)
        upper = self.logits_cdf(values + 0.5)
        # Subtract in the tail where the sigmoids are far from 1, for accuracy.
        sign = -torch.sign(lower + upper).detach()
        mass = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))
        mass = mass.clamp_min(LIKELIHOOD_FLOOR)
        return mass.reshape(channels, batch, *y.shape[2:]).transpose(0, 1)

    @torch.no_grad()
    def integer_masses(self, lowest: int, highest: int) -> torch.Tensor:
        """(C, highest - lowest + 1) float64 masses of every integer in [lowest, highest]."""
        channels = self.matrices[0].shape[0]
        grid = torch.arange(lowest, highest + 1, dtype=torch.float32).expand(channels, 1, -1)
        lower = torch.sigmoid(self.logits_cdf(grid - 0.5).double())
        upper = torch.sigmoid(self.logits_cdf(grid + 0.5).double())
        return (upper - lower).clamp_min(0.0)[:, 0, :]
