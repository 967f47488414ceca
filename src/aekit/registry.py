"""The model registry: a name -> constructor table.

Every auto-encoder family registers itself with ``@register_model("name")``. The
estimators, the CLI's ``--model`` flag and the registry-wide tests look models up
here, so adding a variant needs no edits anywhere else.
"""
from __future__ import annotations

import importlib
from typing import Callable

from aekit.errors import ConfigError

MODELS: dict[str, type] = {}

# Modules that hold registered models; imported on first lookup so that
# `import aekit` (and `aekit --help`) stays fast.
_MODEL_MODULES = ("aekit.models.ae", "aekit.models.vae", "aekit.models.vq", "aekit.models.discrete",
                  "aekit.models.rbm")


def register_model(name: str) -> Callable[[type], type]:
    """Class decorator: make ``cls`` reachable as ``create_model(name, ...)``."""

    def add(cls: type) -> type:
        if name in MODELS and MODELS[name] is not cls:
            raise ValueError(f"model name {name!r} is already registered by {MODELS[name].__name__}")
        MODELS[name] = cls
        cls.registry_name = name
        return cls

    return add


def _import_models() -> None:
    for module in _MODEL_MODULES:
        importlib.import_module(module)


def model_names() -> list[str]:
    _import_models()
    return sorted(MODELS)


def get_model_class(name: str) -> type:
    _import_models()
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}")
    return MODELS[name]


def create_model(name: str, **kwargs):
    """Build a registered model from its constructor keywords (its whole config)."""
    return get_model_class(name)(**kwargs)
