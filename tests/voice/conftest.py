import pytest
import soundfile

from voice_fixtures import RATE, voice


@pytest.fixture(scope="session")
def speech_folder(tmp_path_factory):
    """Three speakers, three 1.5 s utterances each, as DATA/<speaker>/<n>.wav."""
    root = tmp_path_factory.mktemp("speech")
    for name, f0, brightness in (("low", 110.0, 0.8), ("high", 260.0, 0.5), ("mid", 180.0, 0.65)):
        (root / name).mkdir()
        for i in range(3):
            soundfile.write(root / name / f"{i}.wav", voice(f0, brightness, 1.5, seed=i), RATE)
    return root
