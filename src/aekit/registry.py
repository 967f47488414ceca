"""Registries: name -> class tables filled by a class decorator.

Every auto-encoder family registers itself with ``@register_model("name")``. The
estimators, the CLI's ``--model`` flag and the registry-wide tests look models up
here, so adding a variant needs no edits anywhere else. The text objectives (mlm, gpt,
bart) have a registry of their own (``aekit.text.registry``), built from the same class:
they take token ids rather than an ``input_shape``.
"""
from __future__ import annotations

import importlib
from typing import Callable

from aekit.errors import ConfigError


class Registry:
    """Classes by name; the modules that register them are imported on first lookup, so
    that `import aekit` (and `aekit --help`) stays fast."""

    def __init__(self, kind: str, modules: tuple[str, ...]):
        self.kind = kind
        self.modules = modules
        self.classes: dict[str, type] = {}

    def register(self, name: str) -> Callable[[type], type]:
        """Class decorator: make ``cls`` reachable as ``create(name, ...)``."""

        def add(cls: type) -> type:
            if name in self.classes and self.classes[name] is not cls:
                raise ValueError(f"{self.kind} name {name!r} is already registered by "
                                 f"{self.classes[name].__name__}")
            self.classes[name] = cls
            cls.registry_name = name
            return cls

        return add

    def names(self) -> list[str]:
        for module in self.modules:
            importlib.import_module(module)
        return sorted(self.classes)

    def get(self, name: str) -> type:
        names = self.names()
        if name not in self.classes:
            raise ConfigError(f"unknown {self.kind} {name!r}; available: {', '.join(names)}")
        return self.classes[name]

    def create(self, name: str, **kwargs):
        """Build a registered class from its constructor keywords (its whole config)."""
        return self.get(name)(**kwargs)


_MODELS = Registry("model", ("aekit.models.ae", "aekit.models.vae", "aekit.models.vq", "aekit.models.binary",
                             "aekit.models.onehot", "aekit.models.rbm"))
MODELS = _MODELS.classes
register_model = _MODELS.register
model_names = _MODELS.names
get_model_class = _MODELS.get
create_model = _MODELS.create
