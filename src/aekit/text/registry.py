"""The text-model registry: ``@register_text_model("mlm")``, ``create_text_model(name, ...)``.

Kept apart from the model registry (``aekit.registry``) on purpose: that registry's tests
build every model there from an ``input_shape``, which text models do not take.
"""
from __future__ import annotations

from aekit.registry import Registry

_TEXT_MODELS = Registry("text objective", ("aekit.text.mlm", "aekit.text.gpt", "aekit.text.bart"))
TEXT_MODELS = _TEXT_MODELS.classes
register_text_model = _TEXT_MODELS.register
text_model_names = _TEXT_MODELS.names
get_text_model_class = _TEXT_MODELS.get
create_text_model = _TEXT_MODELS.create
