"""``aekit voice train`` and ``aekit voice convert`` from the command line, and their user mistakes."""
import pytest

from aekit.cli import main

TINY_ARGS = ["--steps", "4", "--batch-size", "4", "--channels", "16", "--content-dim", "4"]


@pytest.fixture(scope="module")
def voice_model(speech_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("voice-cli") / "model"
    assert main(["voice", "train", str(speech_folder), "-o", str(out), *TINY_ARGS]) == 0
    return out


def expect_error(capsys, args, pattern):
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert pattern in err, err


def test_train_then_convert_to_a_recording_and_to_a_trained_speaker(voice_model, speech_folder, tmp_path):
    source, target = speech_folder / "low" / "0.wav", speech_folder / "high" / "1.wav"
    assert main(["voice", "convert", str(voice_model), str(source), str(target), "-o", str(tmp_path / "a.wav")]) == 0
    assert main(["voice", "convert", str(voice_model), str(source), "--target-speaker", "mid",
                 "-o", str(tmp_path / "b.wav")]) == 0
    assert (tmp_path / "a.wav").stat().st_size > 1000 and (tmp_path / "b.wav").stat().st_size > 1000
    assert not (voice_model.parent / "model.partial").exists()  # finished runs leave no checkpoints


def test_convert_mistakes_exit_2_and_write_nothing(capsys, voice_model, speech_folder, tmp_path):
    source = speech_folder / "low" / "0.wav"
    out = tmp_path / "out.wav"
    expect_error(capsys, ["voice", "convert", voice_model, source, "--target-speaker", "nobody", "-o", out],
                 "nobody")
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("not a sound")
    expect_error(capsys, ["voice", "convert", voice_model, not_audio, "--target-speaker", "mid", "-o", out],
                 "notes.wav")
    expect_error(capsys, ["voice", "convert", voice_model, source, "--target-speaker", "mid", "--strength", "0",
                          "-o", out], "strength")
    assert not out.exists()
    out.write_text("keep me")
    expect_error(capsys, ["voice", "convert", voice_model, source, "--target-speaker", "mid", "-o", out],
                 "already exists")
    assert out.read_text() == "keep me"


def test_train_mistakes_exit_2(capsys, speech_folder, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["voice", "train", str(speech_folder), "-o", str(tmp_path / "m"), "--adversary-weight", "-1"])
    assert exc.value.code == 2
    assert "--adversary-weight" in capsys.readouterr().err
    for bad in ("1", "-2", "many"):
        with pytest.raises(SystemExit) as exc:
            main(["voice", "train", str(speech_folder), "-o", str(tmp_path / "m"), "--content-codebook", bad])
        assert exc.value.code == 2 and "--content-codebook" in capsys.readouterr().err
    # A run cut short, resumed with another adversary weight: refused, naming the setting.
    partial_run = ["voice", "train", speech_folder, "-o", tmp_path / "m", "--max-minutes", "0.00001", *TINY_ARGS]
    assert main([str(a) for a in partial_run]) == 0
    assert (tmp_path / "m.partial").exists()
    expect_error(capsys, [*partial_run, "--resume", "--force", "--adversary-weight", "0.5"], "adversary_weight")


def test_train_without_a_speaker_then_convert_to_that_unheard_voice(capsys, speech_folder, tmp_path):
    model, out = tmp_path / "m", tmp_path / "out.wav"
    assert main(["voice", "train", str(speech_folder), "-o", str(model), "--exclude-speakers", "high",
                 *TINY_ARGS]) == 0
    source, unheard = speech_folder / "low" / "0.wav", speech_folder / "high" / "1.wav"
    assert main(["voice", "convert", str(model), str(source), str(unheard), "-o", str(out)]) == 0
    assert out.stat().st_size > 1000
    expect_error(capsys, ["voice", "convert", model, source, "--target-speaker", "high", "-o", tmp_path / "b.wav"],
                 "high")
    expect_error(capsys, ["voice", "train", speech_folder, "-o", tmp_path / "n", "--exclude-speakers", "low,bob",
                          *TINY_ARGS], "bob")
    expect_error(capsys, ["voice", "train", speech_folder, "-o", tmp_path / "n", "--exclude-speakers", "low,high",
                          *TINY_ARGS], "two speakers")
    assert not (tmp_path / "n").exists()
