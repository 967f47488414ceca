import numpy as np
import pytest
import torch

from aekit.errors import ConfigError, DataError, ModelFileError
from aekit.voice.audio import load_audio
from aekit.voice.converter import VoiceModel
from aekit.voice.corpora import folder_corpus
from aekit.voice.features import log_mel
from aekit.voice.model import VoiceConverter

from voice_fixtures import TINY


def test_forward_shapes_and_backward():
    net = VoiceConverter(channels=16, blocks=1, content_dim=4, speaker_dim=8)
    mel, ref = torch.randn(2, 80, 50), torch.randn(2, 80, 70)
    out = net(mel, ref)
    assert out["x_hat"].shape == mel.shape and out["content"].shape == (2, 4, 50) and out["speaker"].shape == (2, 8)
    net.loss(mel, out)["loss"].backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_content_stride_keeps_one_code_frame_per_stride_and_rebuilds_every_frame():
    net = VoiceConverter(channels=16, blocks=1, content_dim=4, speaker_dim=8, content_stride=4)
    mel, ref = torch.randn(2, 80, 50), torch.randn(2, 80, 30)  # 50 = 12 x 4 + 2
    out = net(mel, ref)
    assert out["content"].shape == (2, 4, 13) and out["x_hat"].shape == mel.shape
    net.loss(mel, out)["loss"].backward()
    assert all(p.grad is not None for p in net.content_encoder.parameters())
    unstrided = VoiceConverter(channels=16, blocks=1, content_dim=4, speaker_dim=8)
    unstrided.load_state_dict(net.state_dict())  # the stride adds no weights
    full = unstrided.content_encoder(mel).detach()  # (2, 4, 50)
    code = net.content_encoder(mel).detach()
    assert torch.allclose(code[..., 0], full[..., :4].mean(dim=2), atol=1e-6)
    assert torch.allclose(code[..., -1], full[..., 48:].mean(dim=2), atol=1e-6)  # the last window: 2 frames
    assert net.config["content_stride"] == 4 and "content_stride" not in unstrided.config
    with pytest.raises(ValueError, match="content_stride"):
        VoiceConverter(content_stride=0)


def test_a_strided_model_trains_converts_and_loads(speech_folder, tmp_path):
    vm = VoiceModel.train(speech_folder, tmp_path / "work", content_stride=3, **TINY)
    source = speech_folder / "mid" / "2.wav"
    content, _ = vm.encode(source)
    vm.save(tmp_path / "vm")
    assert np.array_equal(VoiceModel.load(tmp_path / "vm").encode(source)[0], content)
    mel_frames = log_mel(load_audio(source)).shape[1]
    assert len(content) == pytest.approx(mel_frames / 3, abs=2)  # one code frame per 3 mel frames
    wav = vm.convert(source, target_speaker="low")
    assert np.isfinite(wav).all() and abs(len(wav) - mel_frames * 256) < 1024  # every mel frame rebuilt


def test_a_content_codebook_quantises_every_code_frame_and_trains_the_encoder_through_it():
    torch.manual_seed(0)
    net = VoiceConverter(channels=16, blocks=1, content_dim=4, speaker_dim=8, content_codebook=8)
    mel, ref = torch.randn(2, 80, 50), torch.randn(2, 80, 30)
    out = net(mel, ref)  # training mode: the codebook starts from k-means of this batch
    assert out["units"].shape == (2, 50) and int(out["units"].max()) < 8
    codebook = net.quantizer.codebook
    assert torch.allclose(out["content"].transpose(1, 2), codebook[out["units"]], atol=1e-6)  # no noise added
    parts = net.loss(mel, out)
    assert {"commit", "perplexity", "usage"} <= set(parts) and "kl" not in parts
    parts["loss"].backward()
    assert all(p.grad is not None for p in net.content_encoder.parameters())  # straight through the codebook
    net.eval()
    again = net.content_codes(mel)
    assert torch.equal(again["units"], net.content_codes(mel)["units"])  # no codebook update at inference
    assert net.config["content_codebook"] == 8 and "content_codebook" not in VoiceConverter().config
    for bad in (1, -3):
        with pytest.raises(ValueError, match="content_codebook"):
            VoiceConverter(content_codebook=bad)


def test_a_quantised_model_trains_gives_units_and_loads(speech_folder, tmp_path):
    vm = VoiceModel.train(speech_folder, tmp_path / "work", content_codebook=6, **TINY)
    source = speech_folder / "mid" / "2.wav"
    units = vm.units(source)
    content, _ = vm.encode(source)
    assert units.shape == (len(content),) and units.dtype.kind == "i" and units.max() < 6
    codebook = vm.net.quantizer.codebook.numpy()
    assert np.allclose(content, codebook[units], atol=1e-6)  # the code frames are codebook vectors
    vm.save(tmp_path / "vm")
    assert np.array_equal(VoiceModel.load(tmp_path / "vm").units(source), units)
    assert np.isfinite(vm.convert(source, target_speaker="low")).all()


def test_units_need_a_content_codebook(speech_folder, tmp_path):
    vm = VoiceModel(VoiceConverter(channels=16, blocks=1, content_dim=4, speaker_dim=8), {})
    with pytest.raises(ConfigError, match="--content-codebook"):
        vm.units(speech_folder / "mid" / "2.wav")


def test_speaker_code_ignores_the_reference_length_and_content_ignores_reference():
    net = VoiceConverter(channels=16, blocks=1, content_dim=4, speaker_dim=8).eval()
    mel = torch.randn(1, 80, 40)
    a = net.encode(mel, torch.randn(1, 80, 30))["content"]
    b = net.encode(mel, torch.randn(1, 80, 90))["content"]
    assert torch.equal(a, b)  # the content path never sees the reference


def test_adversary_learns_only_to_guess_and_the_encoder_only_to_confuse():
    torch.manual_seed(0)
    net = VoiceConverter(channels=16, blocks=1, content_dim=4, speaker_dim=8, adversary_weight=3.0, n_speakers=5)
    mel, speaker = torch.randn(4, 80, 30), torch.tensor([0, 1, 2, 4])
    out = net(mel, torch.randn(4, 80, 30))
    parts = net.loss(mel, out, speaker)
    assert {"adversary", "confusion"} <= set(parts) and float(parts["confusion"]) >= np.log(5) - 1e-5
    parts["loss"].backward()
    from_loss = [p.grad.clone() for p in net.adversary.parameters()]
    net.zero_grad()
    torch.nn.functional.cross_entropy(net.adversary(out["content"].detach()), speaker).backward()
    assert all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(from_loss, net.adversary.parameters()))
    assert "adversary" not in net.loss(mel, net(mel, mel))  # no speaker ids: plain auto-encoder loss


def test_adversary_arguments_are_checked():
    with pytest.raises(ValueError, match="n_speakers"):
        VoiceConverter(adversary_weight=1.0)
    with pytest.raises(ValueError, match="adversary_weight"):
        VoiceConverter(adversary_weight=-1.0, n_speakers=3)


def test_training_with_an_adversary_saves_and_loads(speech_folder, tmp_path):
    vm = VoiceModel.train(speech_folder, tmp_path / "work", adversary_weight=0.5, **TINY)
    assert vm.net.config["n_speakers"] == 3
    vm.save(tmp_path / "vm")
    source = speech_folder / "mid" / "2.wav"
    assert np.array_equal(VoiceModel.load(tmp_path / "vm").encode(source)[0], vm.encode(source)[0])


@pytest.fixture(scope="module")
def trained(speech_folder, tmp_path_factory):
    return VoiceModel.train(speech_folder, tmp_path_factory.mktemp("work"), **TINY)


def test_train_encode_convert(trained, speech_folder):
    assert set(trained.speakers) == {"low", "high", "mid"} and trained.info["steps"] == TINY["steps"]
    content, speaker = trained.encode(speech_folder / "low" / "0.wav")
    assert content.shape[1] == 4 and speaker.shape == (8,)
    one_shot = trained.convert(speech_folder / "low" / "0.wav", target=speech_folder / "high" / "1.wav")
    named = trained.convert(speech_folder / "low" / "0.wav", target_speaker="high")
    for wav in (one_shot, named):
        assert wav.ndim == 1 and np.isfinite(wav).all() and abs(len(wav) - len(content) * 256) < 1024


def test_conversion_strength(trained, speech_folder):
    source, target = np.array([1.0, 0.0], np.float32), np.array([3.0, 2.0], np.float32)
    assert np.array_equal(VoiceModel.conversion_code(source, target, 1.0), target)
    assert np.allclose(VoiceModel.conversion_code(source, target, 1.5), [4.0, 3.0])
    assert np.allclose(VoiceModel.conversion_code(source, target, 0.5), [2.0, 1.0])
    wav = trained.convert(speech_folder / "low" / "0.wav", target_speaker="high", strength=1.5)
    assert wav.ndim == 1 and np.isfinite(wav).all()
    assert np.array_equal(trained.convert(speech_folder / "low" / "0.wav", target_speaker="high"), wav)  # default
    exact = trained.convert(speech_folder / "low" / "0.wav", target_speaker="high", strength=1)
    assert exact.shape == wav.shape and not np.allclose(exact, wav)
    for bad in (0, -1.0, 4.5, float("nan"), "2"):
        with pytest.raises(ConfigError, match="strength"):
            trained.convert(speech_folder / "low" / "0.wav", target_speaker="high", strength=bad)


def test_save_load_round_trip(trained, tmp_path, speech_folder):
    trained.save(tmp_path / "vm")
    back = VoiceModel.load(tmp_path / "vm")
    source = speech_folder / "mid" / "2.wav"
    assert np.array_equal(back.encode(source)[0], trained.encode(source)[0])
    assert np.allclose(back.speakers["low"], trained.speakers["low"])


def test_bad_targets(trained, speech_folder):
    source = speech_folder / "mid" / "2.wav"
    with pytest.raises(ConfigError, match="unknown target speaker"):
        trained.convert(source, target_speaker="nobody")
    with pytest.raises(ConfigError, match="exactly one"):
        trained.convert(source)
    with pytest.raises(DataError, match="missing.wav"):
        trained.convert(speech_folder / "missing.wav", target_speaker="low")


def test_not_a_voice_model(tmp_path):
    import aekit

    aekit.AutoEncoder(latent_dim=2, epochs=1).fit(np.random.rand(20, 4).astype(np.float32)).save(tmp_path / "ae")
    with pytest.raises(ModelFileError, match="not a voice model"):
        VoiceModel.load(tmp_path / "ae")


def test_folder_corpus_rules(tmp_path, speech_folder):
    assert len(folder_corpus(speech_folder)) == 9
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "a.wav").write_bytes((speech_folder / "low" / "0.wav").read_bytes())
    with pytest.raises(DataError, match="only one speaker"):
        folder_corpus(tmp_path)
    with pytest.raises(DataError, match="no audio files"):
        folder_corpus(tmp_path / "only")
