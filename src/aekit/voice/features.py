"""Log-mel spectrograms and the way back to a waveform.

80 mel bands from 0 to 8 kHz, 1024-point FFT, 256-sample hop (16 ms at 16 kHz): the usual
front end of voice-conversion models (AdaIN-VC, AutoVC). The vocoder is Griffin-Lim
(librosa): it estimates the phase the log-mel spectrogram threw away by iterating between
the time and frequency domains. It needs no training and runs on a CPU, but it sounds
buzzy and metallic next to neural vocoders; intelligibility and speaker identity survive,
naturalness suffers.
"""
from __future__ import annotations

import numpy as np

from aekit.voice.audio import SAMPLE_RATE

N_MELS = 80
N_FFT = 1024
HOP = 256
F_MAX = 8000.0
LOG_FLOOR = 1e-5
GRIFFIN_LIM_ITERS = 48


def log_mel(wav: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """(samples,) -> (N_MELS, frames) float32 natural-log mel magnitudes."""
    import librosa

    mel = librosa.feature.melspectrogram(y=wav, sr=sample_rate, n_fft=N_FFT, hop_length=HOP,
                                         n_mels=N_MELS, fmax=F_MAX, power=1.0)
    return np.log(np.maximum(mel, LOG_FLOOR)).astype(np.float32)


def to_waveform(log_mel_frames: np.ndarray, sample_rate: int = SAMPLE_RATE,
                n_iter: int = GRIFFIN_LIM_ITERS, seed: int = 0) -> np.ndarray:
    """Griffin-Lim inversion of :func:`log_mel`; deterministic for a given ``seed``."""
    import librosa

    mel = np.exp(log_mel_frames.astype(np.float64))
    magnitude = librosa.feature.inverse.mel_to_stft(mel, sr=sample_rate, n_fft=N_FFT, power=1.0, fmax=F_MAX)
    wav = librosa.griffinlim(magnitude, n_iter=n_iter, hop_length=HOP, n_fft=N_FFT,
                             random_state=np.random.default_rng(seed))
    return wav.astype(np.float32)
