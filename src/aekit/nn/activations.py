"""Activation functions by name, so configs stay plain JSON."""
from __future__ import annotations

from torch import nn

from aekit.errors import ConfigError

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}

# Output layers: "sigmoid" suits inputs scaled to [0, 1] (images), "linear" suits
# standardised tables.
OUTPUTS = {"linear": nn.Identity, "sigmoid": nn.Sigmoid}


def make_activation(name: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def make_output(name: str) -> nn.Module:
    if name not in OUTPUTS:
        raise ConfigError(f"unknown output activation {name!r}; choose from {', '.join(OUTPUTS)}")
    return OUTPUTS[name]()
