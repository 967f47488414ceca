"""Does a voice conversion keep the words? Measured without a speech recogniser: a phoneme
classifier of log-mel frames, trained on the espeak corpus's training speakers, reads the
held-out speakers' speech before and after conversion.

    python benchmarks/voice_content.py [--model espeak] [--pairs 80] [--strengths 1 1.5 2]

pocketsphinx, the content judge the voice benchmark was asked to use, gets most words of
espeak-ng's voices wrong even unconverted, so its WER cannot tell what a conversion loses.
espeak-ng's library, though, reports which phoneme it is saying when (espeak_phonemes.py),
so every frame of its speech has a true phoneme. A small MLP learns to name the phoneme of
a frame from the normalised log-mel of that frame and its neighbours, on the training
speakers only. On the voice benchmark's pairs (held-out speakers, one-shot, same seed) it
reads: the source (espeak-ng's audio), the source passed through our Griffin-Lim vocoder,
the conversion (which keeps the source's timing, so the source's labels still apply), and
espeak-ng's parallel truth (the source words said by the target voice, with labels of its
own). The conversion's frame accuracy next to the vocoded source's is the content measure:
the counterpart of the issue's "WER at most 15 points worse". Frame labels are espeak-ng's
own phoneme names; a frame gets the phoneme sounding at its centre.
Writes benchmarks/results/voice-content.json.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, save  # noqa: E402
from voice import choose_pairs  # noqa: E402

from aekit.voice import DEFAULT_STRENGTH  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "voice-content.json"
CONTEXT = 5  # frames on each side of the one classified (about 80 ms each way)
MAX_DROP_POINTS = 15.0  # the content target, read as frame-accuracy points


def spoken(speaker, text: str) -> tuple[np.ndarray, list]:
    """espeak-ng says ``text`` in a corpus speaker's voice: untrimmed 16 kHz audio and its phonemes."""
    from aekit.voice.audio import prepare
    from espeak_phonemes import speak_with_phonemes

    wav, rate, phonemes = speak_with_phonemes(speaker.voice, speaker.pitch, speaker.speed, text)
    return prepare(wav, rate, trim=False), phonemes


def trim_offset(wav: np.ndarray) -> float:
    """Seconds of leading silence that aekit's loader (and so the converter) cuts from ``wav``."""
    import librosa

    from aekit.voice.audio import SAMPLE_RATE, TRIM_DB

    return librosa.effects.trim(wav, top_db=TRIM_DB)[1][0] / SAMPLE_RATE


def frame_phonemes(phonemes: list, n_frames: int, offset: float) -> list[str]:
    """The true phoneme of each log-mel frame of audio that starts ``offset`` seconds into the
    utterance (frame i is centred on sample i * HOP)."""
    from aekit.voice.audio import SAMPLE_RATE
    from aekit.voice.features import HOP
    from espeak_phonemes import frame_labels

    return frame_labels(phonemes, offset + np.arange(n_frames) * HOP / SAMPLE_RATE)


def frame_features(mel: np.ndarray, context: int = CONTEXT) -> np.ndarray:
    """(frames, n_mels * (2 context + 1)): each frame with its neighbours (edges repeated),
    after removing the utterance's mean and spread per band, which carry much of the voice."""
    x = (mel - mel.mean(axis=1, keepdims=True)) / (mel.std(axis=1, keepdims=True) + 1e-3)
    padded = np.pad(x, ((0, 0), (context, context)), mode="edge")
    return np.stack([padded[:, i:i + mel.shape[1]] for i in range(2 * context + 1)]).reshape(-1, mel.shape[1]).T


def labelled_frames(wav: np.ndarray, phonemes: list) -> tuple[np.ndarray, list[str]]:
    """Features and true phonemes of ``wav`` as the converter sees it (silence trimmed)."""
    import librosa

    from aekit.voice.audio import TRIM_DB
    from aekit.voice.features import log_mel

    mel = log_mel(librosa.effects.trim(wav, top_db=TRIM_DB)[0])
    return frame_features(mel), frame_phonemes(phonemes, mel.shape[1], trim_offset(wav))


class PhonemeReader:
    """An MLP from a frame's context window to its phoneme (espeak-ng's names)."""

    def __init__(self, X: np.ndarray, labels: list[str], epochs: int = 8, seed: int = 0):
        import torch

        torch.manual_seed(seed)
        self.names = sorted(set(labels))
        y = torch.tensor([self.names.index(p) for p in labels])
        self.net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 512), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                       torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                       torch.nn.Linear(512, len(self.names)))
        optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        X = torch.from_numpy(X.astype(np.float32))
        generator = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            for batch in torch.randperm(len(X), generator=generator).split(512):
                loss = torch.nn.functional.cross_entropy(self.net(X[batch]), y[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        self.net.eval()

    def read(self, X: np.ndarray) -> list[str]:
        import torch

        with torch.no_grad():
            return [self.names[i] for i in self.net(torch.from_numpy(X.astype(np.float32))).argmax(1).tolist()]

    def accuracy(self, wav: np.ndarray, labels: list[str]) -> float:
        """Share of ``wav``'s log-mel frames read as ``labels`` (the shorter of the two sets the length)."""
        from aekit.voice.features import log_mel

        X = frame_features(log_mel(wav))
        n = min(len(X), len(labels))
        return float(np.mean(np.array(self.read(X[:n])) == np.array(labels[:n])))


def train_reader(train, speakers: dict, per_speaker: int, seed: int) -> tuple[PhonemeReader, dict]:
    """The reader, trained on ``per_speaker`` utterances of every training speaker."""
    by_speaker: dict[str, list] = {}
    for u in train:
        by_speaker.setdefault(u.speaker, []).append(u)
    X, labels = [], []
    for utterances in by_speaker.values():
        for u in utterances[:per_speaker]:
            features, truth = labelled_frames(*spoken(speakers[u.speaker], u.text))
            X.append(features)
            labels += truth
    reader = PhonemeReader(np.concatenate(X), labels, seed=seed)
    return reader, {"speakers": len(by_speaker), "frames": len(labels), "phonemes": len(reader.names),
                    "most_common_phoneme_share": max(labels.count(p) for p in reader.names) / len(labels)}


def read_pair(vm, reader: PhonemeReader, source, target, speakers: dict, strengths: list[float]) -> dict:
    """Frame accuracies of one pair: source, vocoded source, conversion at each strength, parallel truth."""
    import librosa

    from aekit.voice.audio import TRIM_DB
    from aekit.voice.features import log_mel, to_waveform

    wav, phonemes = spoken(speakers[source.speaker], source.text)
    trimmed = librosa.effects.trim(wav, top_db=TRIM_DB)[0]
    labels = frame_phonemes(phonemes, log_mel(trimmed).shape[1], trim_offset(wav))
    truth_X, truth_labels = labelled_frames(*spoken(speakers[target.speaker], source.text))
    return {"source": f"{source.speaker}/{source.path.name}", "target": target.speaker,
            "source_accuracy": reader.accuracy(trimmed, labels),
            "resynth_accuracy": reader.accuracy(to_waveform(log_mel(trimmed)), labels),
            "converted_accuracy": {str(s): reader.accuracy(vm.convert(wav, target=target.path, strength=s), labels)
                                   for s in strengths},
            "truth_accuracy": float(np.mean(np.array(reader.read(truth_X)) == np.array(truth_labels)))}


def summarise(rows: list[dict]) -> dict:
    """Mean accuracies; per strength, the conversion's and its drop from the vocoded source's."""
    summary = {"pairs": len(rows), "target_max_drop_points": MAX_DROP_POINTS}
    summary |= {key: float(np.mean([r[key] for r in rows])) for key in ("source_accuracy", "resynth_accuracy",
                                                                       "truth_accuracy")}
    for strength in rows[0]["converted_accuracy"]:
        accuracy = float(np.mean([r["converted_accuracy"][strength] for r in rows]))
        drop = 100 * (summary["resynth_accuracy"] - accuracy)
        summary[f"strength {strength}"] = {"converted_accuracy": accuracy, "drop_points_vs_resynth": drop,
                                           "met": drop <= MAX_DROP_POINTS}
    return summary


def main(argv=None) -> dict:
    from aekit.voice.converter import VoiceModel
    from aekit.voice.corpora import espeak_speakers, load_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="espeak")
    parser.add_argument("--pairs", type=int, default=80)
    parser.add_argument("--utterances-per-speaker", type=int, default=20, help="reader training data")
    parser.add_argument("--seed", type=int, default=0, help="pair set, as benchmarks/voice.py --seed")
    parser.add_argument("--strengths", type=float, nargs="+", default=[1.0, DEFAULT_STRENGTH, 2.0])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.time()
    speakers = {s.name: s for s in espeak_speakers()}
    reader, reader_info = train_reader(load_corpus("espeak", "train"), speakers, args.utterances_per_speaker, 0)
    print(f"reader trained on {reader_info['frames']} frames in {time.time() - started:.0f} s", flush=True)
    vm = VoiceModel.load(args.model)
    held_out = load_corpus("espeak", "held-out")
    rows = [read_pair(vm, reader, source, target, speakers, args.strengths)
            for source, target in choose_pairs(held_out, args.pairs, np.random.default_rng(args.seed))]
    results = {"benchmark": "voice-content", "model": args.model, "steps": vm.info.get("steps"),
               "strengths": args.strengths, "seed": args.seed, "reader": reader_info, "summary": summarise(rows),
               "pairs": rows, "machine": machine(("librosa",)), "wall_seconds": time.time() - started}
    save(results, args.output)
    print(results["summary"])
    return results


if __name__ == "__main__":
    main()
