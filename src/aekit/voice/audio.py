"""Reading and writing speech: any file soundfile reads (WAV, FLAC, OGG, ...), any sample
rate, any channel count, in; mono float32 at the model's rate, silence trimmed, out.

Choices: stereo is downmixed by averaging the channels; audio is resampled with soxr
(librosa's default high-quality resampler); leading and trailing silence quieter than
``TRIM_DB`` below the peak is cut; long inputs are processed in chunks by the callers.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from aekit.errors import DataError

SAMPLE_RATE = 16000
TRIM_DB = 40.0
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif")


def is_audio_file(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(AUDIO_EXTENSIONS)


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE, trim: bool = True) -> np.ndarray:
    """(samples,) float32 in [-1, 1] at ``sample_rate``; DataError naming the file if unusable."""
    import soundfile

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, ValueError) as exc:
        raise DataError(f"{path}: not a readable audio file ({str(exc).splitlines()[0][:80]})") from None
    return prepare(data, rate, sample_rate, trim, str(path))


def prepare(data: np.ndarray, rate: int, sample_rate: int = SAMPLE_RATE, trim: bool = True,
            what: str = "audio") -> np.ndarray:
    """Downmix (samples, channels) or (samples,) audio, resample, trim; checks on the way."""
    import librosa

    data = np.asarray(data, dtype=np.float32)
    mono = data.mean(axis=1) if data.ndim == 2 else data
    if mono.size == 0:
        raise DataError(f"{what}: no audio samples")
    if not np.all(np.isfinite(mono)):
        raise DataError(f"{what}: audio contains NaN or infinite samples")
    if rate != sample_rate:
        mono = librosa.resample(mono, orig_sr=rate, target_sr=sample_rate, res_type="soxr_hq")
    if np.max(np.abs(mono)) < 1e-4:
        raise DataError(f"{what}: audio is silent")
    if trim:
        mono, _ = librosa.effects.trim(mono, top_db=TRIM_DB)
    return np.ascontiguousarray(mono, dtype=np.float32)


def save_wav(wav: np.ndarray, path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> None:
    """16-bit PCM WAV, written to a temporary file and renamed (no half-written output)."""
    import soundfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".wav", dir=path.parent)
    os.close(fd)
    try:
        soundfile.write(tmp, np.clip(wav, -1.0, 1.0), sample_rate, subtype="PCM_16")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def chunk(wav: np.ndarray, seconds: float, sample_rate: int = SAMPLE_RATE) -> list[np.ndarray]:
    """Split into pieces of at most ``seconds`` (the last one shorter); never empty pieces."""
    size = max(1, int(seconds * sample_rate))
    return [wav[i:i + size] for i in range(0, len(wav), size)] or [wav]
