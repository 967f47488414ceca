"""Entropy coding of integer latents with constriction's range coder.

The coder is driven by integer frequency tables that are computed once, when the weights
are exported, and shipped with them: encoder and decoder read the same integers, so a file
decodes to the same latents on every machine, whatever its floating-point arithmetic.

Each (quality, channel) has a table over the integers [low, low + length - 2] plus one
escape symbol (the last). A latent outside that range is coded as the escape symbol, and
its value follows after all channels, coded with a uniform model over 16 bits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aekit.errors import DataError

TABLE_TOTAL = 1 << 16     # frequencies of one table sum to about this
TAIL_MASS = 1e-6          # mass left outside the coded range, per side
ESCAPE_OFFSET = 1 << 15   # escaped values are coded as value + offset in [0, 2^16)


@dataclass(frozen=True)
class Tables:
    """Integer frequency tables: ``freqs`` (Q, C, L), ``low`` (Q, C), ``length`` (Q, C)."""
    freqs: np.ndarray
    low: np.ndarray
    length: np.ndarray

    def channel(self, quality: int, channel: int) -> tuple[np.ndarray, int]:
        n = int(self.length[quality, channel])
        return self.freqs[quality, channel, :n], int(self.low[quality, channel])


def build_tables(masses: list[np.ndarray], grid_low: int) -> Tables:
    """Per-quality float masses (C, G) over integers grid_low.. -> quantised integer tables."""
    rows = [[_channel_table(m, grid_low) for m in level] for level in masses]
    longest = max(len(f) for level in rows for f, _ in level)
    freqs = np.zeros((len(rows), len(rows[0]), longest), np.int32)
    low = np.zeros(freqs.shape[:2], np.int32)
    length = np.zeros(freqs.shape[:2], np.int32)
    for q, level in enumerate(rows):
        for c, (f, lo) in enumerate(level):
            freqs[q, c, :len(f)], low[q, c], length[q, c] = f, lo, len(f)
    return Tables(freqs, low, length)


def _channel_table(mass: np.ndarray, grid_low: int) -> tuple[np.ndarray, int]:
    mass = mass / mass.sum()
    cdf = np.cumsum(mass)
    first = int(np.searchsorted(cdf, TAIL_MASS))
    last = int(np.searchsorted(cdf, 1 - TAIL_MASS))
    last = min(max(last, first), len(mass) - 1)
    kept = mass[first:last + 1]
    escape = max(1.0 - kept.sum(), 1.0 / TABLE_TOTAL)
    probs = np.append(kept, escape)
    # Every symbol keeps at least one count, so nothing is ever uncodable.
    freqs = np.maximum(1, np.round(probs / probs.sum() * TABLE_TOTAL)).astype(np.int32)
    return freqs, grid_low + first


def _model(freqs: np.ndarray):
    import constriction

    # Exact integers as float64: constriction normalises them the same way everywhere.
    return constriction.stream.model.Categorical(freqs.astype(np.float64), perfect=False)


def encode(latents: np.ndarray, tables: Tables, quality: int) -> bytes:
    """(C, h, w) integer latents -> range-coded bytes."""
    import constriction

    encoder = constriction.stream.queue.RangeEncoder()
    escaped = []
    for c in range(latents.shape[0]):
        freqs, low = tables.channel(quality, c)
        symbols = latents[c].reshape(-1).astype(np.int64) - low
        outside = (symbols < 0) | (symbols >= len(freqs) - 1)
        escaped.append(latents[c].reshape(-1)[outside])
        symbols[outside] = len(freqs) - 1
        encoder.encode(symbols.astype(np.int32), _model(freqs))
    escaped = np.concatenate(escaped).astype(np.int64)
    if np.any(np.abs(escaped) >= ESCAPE_OFFSET):
        raise DataError("latent value out of the codable range (is the input a real image?)")
    if escaped.size:
        encoder.encode((escaped + ESCAPE_OFFSET).astype(np.int32), constriction.stream.model.Uniform(1 << 16))
    return encoder.get_compressed().astype("<u4").tobytes()


def decode(data: bytes, shape: tuple[int, int, int], tables: Tables, quality: int) -> np.ndarray:
    """Inverse of :func:`encode`; ``shape`` is (C, h, w)."""
    import constriction

    if len(data) % 4:
        raise ValueError("payload length is not a multiple of 4")
    words = np.frombuffer(data, dtype="<u4").astype(np.uint32)
    decoder = constriction.stream.queue.RangeDecoder(words)
    channels, height, width = shape
    latents = np.empty((channels, height * width), np.int64)
    escape_slots = []
    for c in range(channels):
        freqs, low = tables.channel(quality, c)
        symbols = decoder.decode(_model(freqs), height * width).astype(np.int64)
        escape_slots.append((c, np.flatnonzero(symbols == len(freqs) - 1)))
        latents[c] = symbols + low
    total = sum(len(slots) for _, slots in escape_slots)
    if total:
        values = decoder.decode(constriction.stream.model.Uniform(1 << 16), total).astype(np.int64) - ESCAPE_OFFSET
        start = 0
        for c, slots in escape_slots:
            latents[c, slots] = values[start:start + len(slots)]
            start += len(slots)
    return latents.reshape(shape)
