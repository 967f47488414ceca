"""Training: a small loop of our own on plain PyTorch (see ``Trainer``)."""
from aekit.train.trainer import Trainer

__all__ = ["Trainer"]
