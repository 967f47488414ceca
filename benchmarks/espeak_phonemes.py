"""Speech with its phoneme timing, from espeak-ng's library (the ground truth the voice
benchmark lines learned speech units up with).

espeak-ng's command line prints phonemes but not when they are spoken; its C library
reports, while it synthesises, one event per phoneme with its start in milliseconds of the
audio it returns (``espeakINITIALIZE_PHONEME_EVENTS``). ctypes reaches that library
(``libespeak-ng.so.1``, installed with the ``espeak-ng`` package) without a build step.

    wav, rate, phonemes = speak_with_phonemes("en-gb+m3", 50, 160, "Hello world")
    # phonemes: [(start_seconds, "h"), (0.06, "@"), ...], espeak's own phoneme names
"""
from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_PHONEME_EVENTS = 0x0001
INITIALIZE_DONT_EXIT = 0x8000
EVENT_LIST_TERMINATED, EVENT_PHONEME = 0, 7
PARAMETER_RATE, PARAMETER_PITCH = 1, 3
POSITION_CHARACTER = 1
CHARS_UTF8 = 1


class _Voice(ctypes.Structure):  # espeak_VOICE in speak_lib.h
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_char_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):  # espeak_EVENT in speak_lib.h
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_library: tuple | None = None


def _espeak() -> tuple:
    """The library, initialised once for synchronous synthesis with phoneme events, and its rate."""
    global _library
    if _library is None:
        path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        lib = ctypes.CDLL(path)
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None,
                                     INITIALIZE_PHONEME_EVENTS | INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise RuntimeError(f"{path}: espeak_Initialize failed ({rate})")
        _library = (lib, rate)
    return _library


def speak_with_phonemes(voice: str, pitch: int, speed: int, text: str) -> tuple[np.ndarray, int, list]:
    """espeak-ng says ``text``: (float32 samples, sample rate, [(start seconds, phoneme), ...])."""
    lib, rate = _espeak()
    samples: list[np.ndarray] = []
    phonemes: list[tuple[float, str]] = []

    def collect(wav, count, events):
        if count > 0:
            samples.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.float32) / 32768)
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            if events[i].type == EVENT_PHONEME:
                phonemes.append((events[i].audio_position / 1000, events[i].id.string.decode("ascii", "replace")))
            i += 1
        return 0

    callback = _CALLBACK(collect)  # kept referenced while the library may call it
    lib.espeak_SetSynthCallback(callback)
    _set_voice(lib, voice)
    lib.espeak_SetParameter(PARAMETER_RATE, speed, 0)
    lib.espeak_SetParameter(PARAMETER_PITCH, pitch, 0)
    data = text.encode("utf-8") + b"\0"
    if lib.espeak_Synth(data, len(data), 0, POSITION_CHARACTER, 0, CHARS_UTF8, None, None) != 0:
        raise RuntimeError(f"espeak-ng could not say {text[:40]!r}")
    lib.espeak_Synchronize()
    return (np.concatenate(samples) if samples else np.zeros(0, np.float32)), rate, phonemes


def _set_voice(lib, voice: str) -> None:
    """As the command line's ``-v``: a voice name, else a language (with ``+variant``)."""
    if lib.espeak_SetVoiceByName(voice.encode()) == 0:
        return
    wanted = _Voice(languages=voice.encode())
    if lib.espeak_SetVoiceByProperties(ctypes.byref(wanted)) != 0:
        raise ValueError(f"espeak-ng has no voice {voice!r}")


def frame_labels(phonemes: list[tuple[float, str]], centres: np.ndarray) -> list[str]:
    """The phoneme sounding at each time in ``centres`` (seconds), by the event start times: a
    phoneme lasts until the next one starts; times before the first get the first."""
    starts = np.array([start for start, _ in phonemes])
    which = np.clip(np.searchsorted(starts, centres, side="right") - 1, 0, len(phonemes) - 1)
    return [phonemes[i][1] for i in which]
