"""Fine-tuning heads on a BERT-style encoder (an ``mlm`` model's encoder).

Devlin et al. 2019, "BERT", section 3.2 and figure 4; extractive QA as in its SQuAD
set-up (a start and an end vector over the passage tokens)::

    row (B, width) ──split──> ids (B, L), targets     (layouts: aekit.text.task_encoding)
    ids ──mlm encoder (token + position (+ segment) embeddings, Transformer)──> h (B, L, D)
      cls, pair: h[:, 0] ──dense, tanh──> dropout ──> linear ──> logits (B, n_labels)
      tag:       h ──dropout──> linear ──> logits (B, L, n_tags); loss at first sub-tokens only
      qa:        h ──linear──> (start, end) logits (B, L) each, -inf outside the passage

The pretrained masked-token head stays in the model unused (its weights are kept so the
encoder loads unchanged). Pair and QA inputs need to tell A from B: an encoder pretrained
with SOP/NSP has segment embeddings; one without gets new ones, initialised to zero so
that fine-tuning starts from exactly the pretrained representations.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError
from aekit.text.common import IGNORE, token_loss
from aekit.text.mlm import MaskedLanguageModel
from aekit.text.tasks import TASKS
from aekit.text.tokenizer import PAD_ID, SEP_ID

NAME = "finetuned"


class FineTunedEncoder(nn.Module):
    """An ``mlm`` encoder with the head of one task.

    Args:
        task: "cls", "tag", "pair" or "qa".
        n_labels: classes (cls, pair) or tags (tag); ignored for qa.
        encoder: the ``mlm`` model's constructor keywords (its config).
        head_dropout: dropout before the output layer.
    """

    registry_name = NAME

    def __init__(self, task: str, n_labels: int, encoder: dict, head_dropout: float = 0.1):
        super().__init__()
        if task not in TASKS:
            raise ConfigError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
        if task != "qa" and n_labels < 2:
            raise ConfigError(f"a {task} task needs at least 2 labels, got {n_labels}")
        self.config = dict(task=task, n_labels=n_labels, encoder=dict(encoder), head_dropout=head_dropout)
        self.task, self.n_labels = task, n_labels
        self.backbone = MaskedLanguageModel(**encoder)
        self.max_len = self.backbone.max_len
        d_model = encoder.get("d_model", 128)
        if task in ("pair", "qa") and self.backbone.segment is None:
            self.backbone.segment = nn.Embedding(2, d_model)
            nn.init.zeros_(self.backbone.segment.weight)
        self.dropout = nn.Dropout(head_dropout)
        if task in ("cls", "pair"):
            self.pooler = nn.Sequential(nn.Linear(d_model, d_model), nn.Tanh())
        self.head = nn.Linear(d_model, 2 if task == "qa" else n_labels)

    @classmethod
    def from_pretrained(cls, mlm: MaskedLanguageModel, task: str, n_labels: int, **kwargs) -> FineTunedEncoder:
        """The head on a copy of ``mlm``'s weights (new segment embeddings aside)."""
        model = cls(task, n_labels, mlm.config, **kwargs)
        missing, unexpected = model.backbone.load_state_dict(mlm.state_dict(), strict=False)
        if unexpected or set(missing) - {"segment.weight"}:
            raise ConfigError(f"pretrained weights do not fit the encoder (missing {missing}, extra {unexpected})")
        return model

    # ------------------------------------------------------------- forward
    def split_row(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(ids (B, L), targets) of packed rows."""
        return rows[:, :self.max_len], rows[:, self.max_len:]

    def forward(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        ids, targets = self.split_row(rows)
        width = max(int((ids != PAD_ID).sum(1).max()), 1)  # drop the all-padding tail of the batch
        ids = ids[:, :width]
        h = self.backbone.encode(ids)  # (B, width, D)
        if self.task in ("cls", "pair"):
            return {"logits": self.head(self.dropout(self.pooler(h[:, 0]))), "targets": targets[:, 0]}
        if self.task == "tag":
            return {"logits": self.head(self.dropout(h)), "targets": targets[:, :width]}  # (B, width, n)
        start, end = self.head(h).float().unbind(-1)  # (B, width) each
        outside = ~passage_mask(ids)
        return {"start_logits": start.masked_fill(outside, -1e9), "end_logits": end.masked_fill(outside, -1e9),
                "targets": targets}

    def loss(self, rows: torch.Tensor, out: dict, target=None) -> dict[str, torch.Tensor]:
        if self.task in ("cls", "pair"):
            loss = F.cross_entropy(out["logits"].float(), out["targets"])
            right = (out["logits"].argmax(-1) == out["targets"]).float().mean()
        elif self.task == "tag":
            loss = token_loss(out["logits"], out["targets"])
            scored = out["targets"] != IGNORE
            right = ((out["logits"].argmax(-1) == out["targets"]) & scored).sum() / scored.sum().clamp_min(1)
        else:
            starts, ends = out["targets"][:, 0], out["targets"][:, 1]
            loss = (token_loss(out["start_logits"], starts) + token_loss(out["end_logits"], ends)) / 2
            right = ((out["start_logits"].argmax(-1) == starts) & (out["end_logits"].argmax(-1) == ends)).float().mean()
        return {"loss": loss, "accuracy": right.detach().float()}


def passage_mask(ids: torch.Tensor) -> torch.Tensor:
    """True at the tokens of B in ``[CLS] A [SEP] B [SEP]`` (after the first [SEP], not a
    special or padding token)."""
    is_sep = (ids == SEP_ID).long()
    after_first_sep = (is_sep.cumsum(1) - is_sep) > 0
    return after_first_sep & (ids != SEP_ID) & (ids != PAD_ID)
