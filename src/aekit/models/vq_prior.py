"""A learned prior over VQ code indices: what makes a VQ-VAE a generator.

A VQ-VAE's decoder turns any index tuple into an image, but the encoder uses only some
tuples, with very uneven frequencies, so uniform random indices decode to nonsense. The
VQ-VAE paper (van den Oord et al. 2017) therefore fits an autoregressive prior over the
indices after the auto-encoder is trained (PixelCNN for image grids, WaveNet for audio) and
samples from it. aekit's VQ code is a short sequence of ``n_codes`` indices, so a small
recurrent network is enough::

    p(i_1, ..., i_n) = prod_t p(i_t | i_1 .. i_{t-1})

    [start, i_1, ..., i_{n-1}] ──embedding (width)──> GRU (width) ──linear──> logits (n, K)

Training minimises the negative log-likelihood of the training set's index tuples (teacher
forcing); sampling draws i_1, then i_2 given i_1, and so on. The weights live in the VQ
model's state dict, so they are saved, loaded and checkpointed with it; they are frozen
(``requires_grad=False``) except inside ``fit_index_prior``, so auto-encoder training never
touches them.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from aekit.errors import ConfigError

PRIOR_BATCH = 256
PRIOR_LR = 3e-3


class IndexPrior(nn.Module):
    """Autoregressive distribution over tuples of ``n_codes`` indices in [0, codebook_size)."""

    def __init__(self, codebook_size: int, n_codes: int, width: int = 128):
        super().__init__()
        self.codebook_size, self.n_codes, self.width = int(codebook_size), int(n_codes), int(width)
        self.embed = nn.Embedding(self.codebook_size + 1, self.width)  # the extra row is the start token
        self.rnn = nn.GRU(self.width, self.width, batch_first=True)
        self.head = nn.Linear(self.width, self.codebook_size)
        self.register_buffer("fitted", torch.tensor(False))
        self.requires_grad_(False)

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        """Logits of each position given the earlier ones: (B, n_codes) -> (B, n_codes, K)."""
        start = torch.full_like(indices[:, :1], self.codebook_size)
        inputs = torch.cat([start, indices[:, :-1]], dim=1)  # (B, n_codes): shifted right
        hidden, _ = self.rnn(self.embed(inputs))  # (B, n_codes, width)
        return self.head(hidden)

    def nll(self, indices: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of each tuple in nats, (B,)."""
        logits = self.forward(indices).float()  # (B, n_codes, K)
        return F.cross_entropy(logits.transpose(1, 2), indices, reduction="none").sum(dim=1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` index tuples, (n, n_codes) int64 on the prior's device."""
        if not bool(self.fitted):
            raise ConfigError("the VQ model's index prior is not fitted (fit the model with prior_epochs >= 1)")
        device = self.head.weight.device
        token = torch.full((n, 1), self.codebook_size, dtype=torch.long, device=device)
        state, drawn = None, []
        for _ in range(self.n_codes):
            hidden, state = self.rnn(self.embed(token), state)  # (n, 1, width)
            probs = F.softmax(self.head(hidden[:, -1]).float(), dim=1)  # (n, K)
            # Drawn on the generator's device (the CPU for a plain torch.Generator) so a seed gives
            # the same tuples wherever the model runs.
            where = generator.device if generator is not None else device
            token = torch.multinomial(probs.to(where), 1, generator=generator).to(device)  # (n, 1)
            drawn.append(token)
        return torch.cat(drawn, dim=1)


def fit_index_prior(prior: IndexPrior, indices: torch.Tensor, epochs: int, seed: int) -> list[float]:
    """Fit ``prior`` to the (N, n_codes) training index tuples by maximum likelihood (Adam,
    cosine-decayed learning rate, seeded shuffling); returns the mean NLL (nats) per epoch."""
    if indices.dim() != 2 or indices.shape[1] != prior.n_codes or len(indices) == 0:
        raise ConfigError(f"prior training indices must have shape (N >= 1, {prior.n_codes}), "
                          f"got {tuple(indices.shape)}")
    device = prior.head.weight.device
    indices = indices.to(device=device, dtype=torch.long)
    shuffle = torch.Generator().manual_seed(int(seed))
    steps = epochs * math.ceil(len(indices) / PRIOR_BATCH)
    prior.requires_grad_(True)
    prior.train()
    optimizer = torch.optim.Adam(prior.parameters(), lr=PRIOR_LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, steps))
    history = []
    try:
        for _ in range(epochs):
            history.append(_prior_epoch(prior, indices, optimizer, schedule, shuffle))
    finally:
        prior.requires_grad_(False)
        prior.eval()
    prior.fitted.fill_(epochs > 0)
    return history


def _prior_epoch(prior, indices, optimizer, schedule, shuffle) -> float:
    order = torch.randperm(len(indices), generator=shuffle).to(indices.device)
    total = 0.0
    for start in range(0, len(order), PRIOR_BATCH):
        batch = indices[order[start:start + PRIOR_BATCH]]
        loss = prior.nll(batch).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        total += float(loss.detach()) * len(batch)
    return total / len(indices)

