"""The text-model registry: ``@register_text_model("mlm")``, ``create_text_model(name, ...)``.

Kept apart from ``aekit.registry`` on purpose: the image/table registry's tests build
every model there from an ``input_shape``, which text models do not take.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

from aekit.errors import ConfigError

TEXT_MODELS: dict[str, type] = {}
_MODULES = ("aekit.text.mlm", "aekit.text.gpt", "aekit.text.bart")


def register_text_model(name: str) -> Callable[[type], type]:
    def add(cls: type) -> type:
        if name in TEXT_MODELS and TEXT_MODELS[name] is not cls:
            raise ValueError(f"text model {name!r} is already registered by {TEXT_MODELS[name].__name__}")
        TEXT_MODELS[name] = cls
        cls.registry_name = name
        return cls

    return add


def text_model_names() -> list[str]:
    for module in _MODULES:
        importlib.import_module(module)
    return sorted(TEXT_MODELS)


def get_text_model_class(name: str) -> type:
    names = text_model_names()
    if name not in TEXT_MODELS:
        raise ConfigError(f"unknown text objective {name!r}; choose from {', '.join(names)}")
    return TEXT_MODELS[name]


def create_text_model(name: str, **kwargs):
    """Build a registered text model from its constructor keywords (its whole config)."""
    return get_text_model_class(name)(**kwargs)
