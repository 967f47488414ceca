"""The user-facing voice model: train, encode, convert, save, load.

    vm = VoiceModel.train("espeak", "runs/voice.partial", steps=20000)
    vm.save("models/voice")
    vm = VoiceModel.load("models/voice")
    vm = VoiceModel.load("espeak")                    # a shipped model (aekit.voice.shipped): espeak, tuxpaint
    content, speaker = vm.encode("me.wav")            # (frames, 16), (128,)
    units = vm.units("me.wav")                        # (frames,) unit indices, with --content-codebook
    wav = vm.convert("source.wav", target="someone.wav")       # one-shot: any target voice
    wav = vm.convert("source.wav", target_speaker="es03-en-us-f2")  # a speaker seen in training

A model folder holds config.json, model.safetensors and speakers.json (each training
speaker's mean speaker code, for ``target_speaker``).
"""
from __future__ import annotations

import json
import numbers
import os
from pathlib import Path

import numpy as np
import torch

from aekit.errors import ConfigError, ModelFileError
from aekit.voice import DEFAULT_STRENGTH, MAX_STRENGTH
from aekit.voice.audio import SAMPLE_RATE, load_audio
from aekit.voice.features import log_mel, to_waveform
from aekit.voice.model import VoiceConverter

CHUNK_FRAMES = 1000  # 16 s: long inputs go through the network in pieces of this length
SPEAKERS_NAME = "speakers.json"
MODEL_KIND = "voice-converter"


class VoiceModel:
    def __init__(self, net: VoiceConverter, speakers: dict[str, np.ndarray], info: dict | None = None):
        self.net = net.eval()
        self.speakers = speakers
        self.info = info or {}

    # --- training and persistence ---------------------------------------------------------

    @classmethod
    def train(cls, data, work_dir, exclude_speakers=(), **kwargs) -> "VoiceModel":
        """Train on a corpus (name, folder or utterances), leaving out ``exclude_speakers`` (e.g. to
        measure one-shot conversion to voices the model never heard)."""
        from aekit.voice.corpora import corpus_id, load_corpus, without_speakers
        from aekit.voice.train import train

        utterances = load_corpus(data) if isinstance(data, (str, os.PathLike)) else list(data)
        utterances = without_speakers(utterances, exclude_speakers)
        net, names, mels, speaker_ids, steps = train(utterances, Path(work_dir), **kwargs)
        vm = cls(net, {}, {"corpus": str(data) if isinstance(data, (str, os.PathLike)) else "utterances",
                           "corpus_id": corpus_id(utterances), "steps": steps, "speakers": names,
                           "excluded_speakers": sorted(exclude_speakers)})
        vm.speakers = {name: vm._speaker_code([m for m, s in zip(mels, speaker_ids) if s == i])
                       for i, name in enumerate(names)}
        return vm

    def save(self, path, force: bool = False, state_dict: dict | None = None) -> Path:
        """Write the model folder; ``state_dict`` replaces the network's own (e.g. in float16)."""
        from aekit.persist import write_model_dir

        config = {"kind": MODEL_KIND, "model": self.net.config, "sample_rate": SAMPLE_RATE, "info": self.info}
        speakers = json.dumps({k: v.tolist() for k, v in self.speakers.items()})
        return write_model_dir(path, config, state_dict or self.net.state_dict(), force=force,
                               extra_files={SPEAKERS_NAME: speakers.encode()})

    @classmethod
    def load(cls, path) -> "VoiceModel":
        """A model folder, or a shipped model's name: ``"espeak"``, ``"tuxpaint"`` (aekit.voice.shipped)."""
        from aekit.persist import load_state_into, read_config, read_weights
        from aekit.voice.shipped import resolve

        path = resolve(path)
        config = read_config(path)
        if config.get("kind") != MODEL_KIND:
            raise ModelFileError(f"{path}: not a voice model (use `aekit voice train`)")
        net = VoiceConverter(**config["model"])
        load_state_into(net, read_weights(path), str(path))
        try:
            speakers = {k: np.asarray(v, np.float32) for k, v in json.loads((path / SPEAKERS_NAME).read_text()).items()}
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"{path / SPEAKERS_NAME}: missing or unreadable ({exc.__class__.__name__})") from None
        return cls(net, speakers, config.get("info"))

    # --- use ----------------------------------------------------------------------------

    def encode(self, audio) -> tuple[np.ndarray, np.ndarray]:
        """Content code (code frames, content_dim) and speaker code (speaker_dim,) of one recording
        (a code frame per ``content_stride`` mel frames of each piece)."""
        mel = self._mel(audio)
        content = np.concatenate([self._content(piece) for piece in _pieces(mel)], axis=1)
        return content.T, self._speaker_code([mel])

    def units(self, audio) -> np.ndarray:
        """The codebook index of each content code frame (a model trained with a content codebook)."""
        if self.net.quantizer is None:
            raise ConfigError("this voice model has a continuous content code; train with --content-codebook K for units")
        return np.concatenate([self._codes(piece)["units"][0].numpy() for piece in _pieces(self._mel(audio))])

    def convert(self, source, target=None, target_speaker: str | None = None, griffin_lim_iters: int = 48,
                strength: float = DEFAULT_STRENGTH) -> np.ndarray:
        """Say ``source``'s words in the voice of ``target`` (audio) or of a training speaker.
        ``strength`` moves the speaker code along the line from the source's code to the
        target's: 1 is the target's code, above 1 goes past it, away from the source voice."""
        if not (isinstance(strength, numbers.Real) and 0 < strength <= MAX_STRENGTH):
            raise ConfigError(f"strength must be above 0 and at most {MAX_STRENGTH}, got {strength!r}")
        target_code = self._target_code(target, target_speaker)
        mel = self._mel(source)
        speaker = (target_code if strength == 1 else  # the source's code costs one more encoder pass
                   self.conversion_code(self._speaker_code([mel]), target_code, strength))
        pieces = []
        with torch.no_grad():
            for piece in _pieces(mel):
                content = torch.from_numpy(self._content(piece))[None]
                out = self.net.decoder(content, torch.from_numpy(speaker)[None], piece.shape[1])
                pieces.append(self.net.denormalise(out[0]).numpy())
        return to_waveform(np.concatenate(pieces, axis=1), n_iter=griffin_lim_iters)

    @staticmethod
    def conversion_code(source_code: np.ndarray, target_code: np.ndarray, strength: float) -> np.ndarray:
        """The speaker code a conversion decodes with: ``strength`` of the way from the
        source's code to the target's (1: the target's; 1.5: half as far again)."""
        return (source_code + strength * (target_code - source_code)).astype(np.float32)

    def _target_code(self, target, target_speaker: str | None) -> np.ndarray:
        if (target is None) == (target_speaker is None):
            raise ConfigError("give exactly one of a target recording or --target-speaker")
        if target_speaker is not None:
            if target_speaker not in self.speakers:
                known = ", ".join(sorted(self.speakers)[:10])
                raise ConfigError(f"unknown target speaker {target_speaker!r}; trained speakers include: {known}")
            return self.speakers[target_speaker]
        return self._speaker_code([self._mel(target)])

    def _mel(self, audio) -> np.ndarray:
        if isinstance(audio, (str, os.PathLike)):
            return log_mel(load_audio(audio))
        from aekit.voice.audio import prepare

        return log_mel(prepare(np.asarray(audio), SAMPLE_RATE))

    def _codes(self, mel: np.ndarray) -> dict:
        with torch.no_grad():
            return self.net.content_codes(self.net.normalise(torch.from_numpy(mel))[None])

    def _content(self, mel: np.ndarray) -> np.ndarray:
        return self._codes(mel)["content"][0].numpy()

    def _speaker_code(self, mels: list[np.ndarray]) -> np.ndarray:
        """Mean speaker code over all pieces of all ``mels``, weighted by length."""
        codes, weights = [], []
        with torch.no_grad():
            for mel in mels:
                for piece in _pieces(mel):
                    x = self.net.normalise(torch.from_numpy(piece))[None]
                    codes.append(self.net.speaker_encoder(x)[0].numpy())
                    weights.append(piece.shape[1])
        return np.average(np.stack(codes), axis=0, weights=weights).astype(np.float32)


def _pieces(mel: np.ndarray) -> list[np.ndarray]:
    return [mel[:, i:i + CHUNK_FRAMES] for i in range(0, mel.shape[1], CHUNK_FRAMES)]
