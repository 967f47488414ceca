import numpy as np
import pytest
import soundfile

from aekit.errors import DataError
from aekit.voice.audio import SAMPLE_RATE, chunk, load_audio, save_wav
from aekit.voice.features import N_MELS, log_mel, to_waveform


def tone(seconds=1.0, rate=22050, freq=220.0):
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_stereo_any_rate_becomes_mono_at_model_rate(tmp_path):
    stereo = np.stack([tone(), tone()], axis=1)
    soundfile.write(tmp_path / "s.wav", stereo, 22050)
    wav = load_audio(tmp_path / "s.wav", trim=False)
    assert wav.ndim == 1 and wav.dtype == np.float32
    assert abs(len(wav) - SAMPLE_RATE) <= 2


def test_silence_is_trimmed(tmp_path):
    padded = np.concatenate([np.zeros(8000, np.float32), tone(0.5, SAMPLE_RATE), np.zeros(8000, np.float32)])
    soundfile.write(tmp_path / "p.flac", padded, SAMPLE_RATE)
    assert len(load_audio(tmp_path / "p.flac")) < 0.75 * SAMPLE_RATE


@pytest.mark.parametrize("content, message", [(b"not audio at all", "not a readable audio file"),
                                              (None, "no such file")])
def test_unreadable_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=f"bad.wav: {message}"):
        load_audio(path)


def test_silent_and_empty_audio_are_refused(tmp_path):
    soundfile.write(tmp_path / "quiet.wav", np.zeros(4000, np.float32), SAMPLE_RATE)
    with pytest.raises(DataError, match="silent"):
        load_audio(tmp_path / "quiet.wav")
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, np.float32), SAMPLE_RATE)
    with pytest.raises(DataError, match="no audio|not a readable"):
        load_audio(tmp_path / "empty.wav")


def test_save_wav_round_trip_and_chunks(tmp_path):
    wav = tone(0.3, SAMPLE_RATE)
    save_wav(wav, tmp_path / "out.wav")
    back, rate = soundfile.read(tmp_path / "out.wav", dtype="float32")
    assert rate == SAMPLE_RATE and np.abs(back - wav).max() < 1e-3
    pieces = chunk(np.zeros(25000, np.float32), 1.0)
    assert [len(p) for p in pieces] == [16000, 9000]


def test_log_mel_and_griffin_lim():
    wav = tone(0.5, SAMPLE_RATE)
    mel = log_mel(wav)
    assert mel.shape[0] == N_MELS and mel.dtype == np.float32
    back = to_waveform(mel, n_iter=8)
    assert np.array_equal(back, to_waveform(mel, n_iter=8))  # seeded: deterministic
    assert abs(len(back) - len(wav)) < 512
    # the band holding 500 Hz stays the loudest after the round trip
    assert np.argmax(log_mel(back).mean(axis=1)) == np.argmax(mel.mean(axis=1))
