"""Fully connected encoder/decoder stacks, with optional tied decoder weights.

Tied weights (the decoder's i-th layer uses the transpose of the encoder's mirrored
layer) halve the parameter count and were the classic 2006 deep auto-encoder setup.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from aekit.nn.activations import make_activation, make_output


class MLP(nn.Module):
    """Linear layers of sizes ``dims[0] -> ... -> dims[-1]``, activation between them."""

    def __init__(self, dims: list[int], activation: str = "relu", output: str = "linear"):
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.hidden_act = make_activation(activation)
        self.output_act = make_output(output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.linears):
            x = layer(x)
            x = self.hidden_act(x) if i < len(self.linears) - 1 else self.output_act(x)
        return x

    def hidden_features(self, x: torch.Tensor) -> torch.Tensor:
        """The last hidden layer's activations, (B, dims[-2]): what the output layer sees."""
        for layer in self.linears[:-1]:
            x = self.hidden_act(layer(x))
        return x


class TiedDecoder(nn.Module):
    """Mirror of an ``MLP`` encoder that reuses its weights, transposed; only biases are its own."""

    def __init__(self, encoder: MLP, activation: str = "relu", output: str = "linear"):
        super().__init__()
        self.encoder = [encoder]  # a list, so the encoder's weights are not registered twice
        sizes = [layer.in_features for layer in reversed(encoder.linears)]
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(n)) for n in sizes)
        self.hidden_act = make_activation(activation)
        self.output_act = make_output(output)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        layers = list(reversed(self.encoder[0].linears))
        for i, (layer, bias) in enumerate(zip(layers, self.biases)):
            z = F.linear(z, layer.weight.t(), bias)  # (B, out) -> (B, in)
            z = self.hidden_act(z) if i < len(layers) - 1 else self.output_act(z)
        return z
