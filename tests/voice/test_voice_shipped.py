from pathlib import Path

import numpy as np
from safetensors import safe_open

from aekit.cli import main
from aekit.voice import shipped
from aekit.voice.converter import VoiceModel

from voice_fixtures import TINY


def test_export_drops_the_adversary_halves_the_weights_and_converts_alike(speech_folder, tmp_path):
    trained = VoiceModel.train(speech_folder, tmp_path / "work", adversary_weight=0.5, **TINY)
    trained.save(tmp_path / "trained")
    shipped.export(tmp_path / "trained", tmp_path / "shipped")
    with safe_open(str(tmp_path / "shipped" / "model.safetensors"), "pt") as f:
        keys = list(f.keys())
        assert not [k for k in keys if k.startswith("adversary.")]
        assert str(f.get_tensor("decoder.out.weight").dtype) == "torch.float16"
        assert str(f.get_tensor("mel_mean").dtype) == "torch.float32"
    back = VoiceModel.load(tmp_path / "shipped")
    assert back.net.adversary is None and set(back.speakers) == set(trained.speakers)
    source, target = speech_folder / "low" / "0.wav", speech_folder / "high" / "1.wav"
    a, b = trained.convert(source, target=target), back.convert(source, target=target)
    assert a.shape == b.shape and np.corrcoef(a, b)[0, 1] > 0.99  # float16 rounding only


def test_a_folder_named_like_the_shipped_model_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shipped.resolve("espeak") == shipped.SHIPPED["espeak"]
    (tmp_path / "espeak").mkdir()
    assert shipped.resolve("espeak") == Path("espeak")
    assert shipped.resolve(tmp_path / "other") == tmp_path / "other"


def test_the_shipped_espeak_model_loads_and_converts(speech_folder, tmp_path, monkeypatch):
    vm = VoiceModel.load("espeak")
    assert len(vm.speakers) == 72 and vm.info["steps"] == 14500 and vm.net.adversary is None
    wav = vm.convert(speech_folder / "low" / "0.wav", target=speech_folder / "high" / "1.wav")
    assert wav.ndim == 1 and np.isfinite(wav).all() and np.abs(wav).max() > 0.01
    named = vm.convert(speech_folder / "low" / "0.wav", target_speaker="es03-en-gb-x-gbcwmd-f1")
    assert named.shape == wav.shape
    monkeypatch.chdir(tmp_path)  # no folder named espeak here: the CLI takes the shipped model too
    assert main(["voice", "convert", "espeak", str(speech_folder / "low" / "0.wav"), "--target-speaker",
                 "es03-en-gb-x-gbcwmd-f1", "-o", "out.wav"]) == 0
    assert (tmp_path / "out.wav").stat().st_size > 1000


def test_the_shipped_tuxpaint_model_converts_between_real_voices_by_name(speech_folder):
    vm = VoiceModel.load("tuxpaint")
    assert sorted(vm.speakers) == sorted("fr ro ru ca bg es be el da lt nl en ml".split())
    assert vm.info["corpus"] == "tuxpaint" and vm.info["steps"] == 12000 and vm.net.adversary is None
    wav = vm.convert(speech_folder / "low" / "0.wav", target_speaker="fr")
    assert wav.ndim == 1 and np.isfinite(wav).all() and np.abs(wav).max() > 0.01
