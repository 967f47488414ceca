"""Voice-conversion benchmark on held-out espeak-ng speakers, all measures in one run.

    python benchmarks/voice.py [--model DIR | --train --steps N --max-minutes M] [--pairs 40] [--quick]

The model is the shipped one (aekit.voice.shipped) unless ``--model`` names another or
``--train`` trains a fresh one on the espeak corpus (about two hours on one CPU core).

One-shot conversions between speakers never seen in training (source utterance of A, a
different utterance of B as the only example of the target voice), scored with tools that
are not ours:
* speaker: Resemblyzer's shipped GE2E encoder — is the converted audio closer to the target
  recording than to the source recording? and, since the source recording says the same
  words, than to another recording of the source speaker? — with espeak-ng's parallel truth
  judged the same way as the ceiling of that judge; and a speaker-ID classifier (logistic
  regression on log-mel statistics) trained on other real utterances of the same speakers;
* content: word error rate of pocketsphinx (offline ASR) on the converted audio, next to
  its WER on the source passed through the same vocoder (Griffin-Lim), and on the source;
* against ground truth: espeak-ng says the source sentence in the target voice, so the
  mel-cepstral distortion of the conversion to that parallel truth can be compared with
  the distortion of the unconverted source;
* disentanglement: speaker-ID accuracy from time-averaged content codes vs speaker codes;
* with a content codebook: how its units line up with espeak-ng's phonemes (timed by the
  library's phoneme events) and with the speakers, next to k-means units on log-mel frames.
Writes benchmarks/results/voice.json and example WAVs in benchmarks/results/voice/.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, save  # noqa: E402

from aekit.voice import DEFAULT_STRENGTH  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "voice.json"
EXAMPLES = HERE / "results" / "voice"
WORK = HERE / "work" / "voice"
TARGETS = {"judged_target_min": 0.90, "wer_increase_max_points": 15.0, "mcd_reduction_min": 0.20}
N_CEPSTRA = 24


# --- measures --------------------------------------------------------------------------------

def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance / number of reference words."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


def mel_cepstrum(wav: np.ndarray) -> np.ndarray:
    """(N_CEPSTRA, frames): cosine-series coefficients of the natural-log mel magnitudes.

    c_d = (2 / N) * sum_n log S_n cos(pi d (2n + 1) / 2N), the scale at which
    log S(w) ~ sum_d c_d cos(d w) — the convention MCD's 10 / ln 10 * sqrt(2 ...) assumes.
    c0 (overall loudness) is dropped, as usual.
    """
    from scipy.fft import dct

    from aekit.voice.features import log_mel

    mel = log_mel(wav)
    return dct(mel, type=2, axis=0)[1:N_CEPSTRA + 1] / mel.shape[0]


def mel_cepstral_distortion(a: np.ndarray, b: np.ndarray) -> float:
    """MCD in dB between two waveforms after DTW alignment of their cepstra."""
    import librosa

    ca, cb = mel_cepstrum(a), mel_cepstrum(b)
    _, path = librosa.sequence.dtw(X=ca, Y=cb, metric="euclidean")
    diff = ca[:, path[:, 0]] - cb[:, path[:, 1]]
    return float(np.mean(10 / np.log(10) * np.sqrt(2 * np.sum(diff ** 2, axis=0))))


class Judges:
    """The measuring tools that are not ours: Resemblyzer and pocketsphinx."""

    def __init__(self):
        from pocketsphinx import Decoder
        from resemblyzer import VoiceEncoder

        self.encoder = VoiceEncoder("cpu", verbose=False)
        self.decoder = Decoder(samprate=16000)

    def embed(self, wav: np.ndarray) -> np.ndarray:
        from resemblyzer import preprocess_wav

        return self.encoder.embed_utterance(preprocess_wav(wav, source_sr=16000))

    def transcribe(self, wav: np.ndarray) -> str:
        return transcribe(self.decoder, wav)


def transcribe(decoder, wav: np.ndarray) -> str:
    """What a pocketsphinx ``Decoder`` hears in 16 kHz audio."""
    decoder.start_utt()
    decoder.process_raw((np.clip(wav, -1, 1) * 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def parallel_truth(speaker, text: str) -> np.ndarray:
    """espeak-ng saying ``text`` in ``speaker``'s voice, through a folder of its own, so that
    benchmark runs side by side never read each other's."""
    from aekit.voice.audio import load_audio
    from aekit.voice.corpora import synthesize

    with tempfile.TemporaryDirectory(prefix="voice-truth-") as folder:
        path = Path(folder) / "truth.wav"
        synthesize(speaker, text, path)
        return load_audio(path)


def level_features(wav: np.ndarray) -> np.ndarray:
    """Utterance-level log-mel statistics (mean and std per band) for the speaker-ID classifier."""
    from aekit.voice.features import log_mel

    mel = log_mel(wav)
    return np.concatenate([mel.mean(axis=1), mel.std(axis=1)])


# --- the run ---------------------------------------------------------------------------------

def get_model(args):
    from aekit.voice.converter import VoiceModel

    if not args.train:
        return VoiceModel.load(args.model)
    vm = VoiceModel.train("espeak", WORK / "train", steps=args.steps, max_minutes=args.max_minutes, seed=args.seed)
    vm.save(WORK / "model", force=True)
    return vm


def choose_pairs(held_out, count: int, rng: np.random.Generator) -> list[tuple]:
    """(source, target reference) utterances of two different held-out speakers."""
    by_speaker: dict[str, list] = {}
    for u in held_out:
        by_speaker.setdefault(u.speaker, []).append(u)
    names = sorted(by_speaker)
    pairs = []
    for _ in range(count):
        a, b = rng.choice(len(names), size=2, replace=False)
        source = by_speaker[names[a]][rng.integers(len(by_speaker[names[a]]))]
        target = by_speaker[names[b]][rng.integers(len(by_speaker[names[b]]))]
        pairs.append((source, target))
    return pairs


def source_references(held_out, pairs, rng: np.random.Generator) -> list:
    """For each pair, another recording of the source speaker (not the source itself): a
    reference of that voice that does not share the converted words. Drawn with a generator
    of its own, so the pairs stay those of earlier runs."""
    by_speaker: dict[str, list] = {}
    for u in held_out:
        by_speaker.setdefault(u.speaker, []).append(u)
    references = []
    for source, _ in pairs:
        others = [u for u in by_speaker[source.speaker] if u.path != source.path]
        references.append(others[rng.integers(len(others))])
    return references


def convert_pairs(vm, pairs, references, judges: Judges, speakers: dict, examples: int,
                  strength: float = DEFAULT_STRENGTH) -> list[dict]:
    from aekit.voice.audio import load_audio, save_wav
    from aekit.voice.features import log_mel, to_waveform

    rows = []
    for i, ((source, target), other) in enumerate(zip(pairs, references)):
        src, ref, src_ref = load_audio(source.path), load_audio(target.path), load_audio(other.path)
        start = time.perf_counter()
        converted = vm.convert(source.path, target=target.path, strength=strength)
        convert_s = time.perf_counter() - start
        resynth = to_waveform(log_mel(src))
        truth = parallel_truth(speakers[target.speaker], source.text)
        e_conv, e_ref, e_src, e_truth, e_other = (judges.embed(w) for w in (converted, ref, src, truth, src_ref))
        row = {"source": f"{source.speaker}/{source.path.name}", "target": f"{target.speaker}/{target.path.name}",
               "text": source.text, "convert_s": convert_s, "seconds": len(src) / 16000,
               "cos_to_target": float(e_conv @ e_ref), "cos_to_source": float(e_conv @ e_src),
               "cos_to_source_speaker": float(e_conv @ e_other),
               "cos_truth_to_target": float(e_truth @ e_ref), "cos_source_to_target": float(e_src @ e_ref),
               "cos_truth_to_source": float(e_truth @ e_src), "cos_truth_to_source_speaker": float(e_truth @ e_other),
               "wer_converted": word_error_rate(source.text, judges.transcribe(converted)),
               "wer_resynth": word_error_rate(source.text, judges.transcribe(resynth)),
               "wer_source": word_error_rate(source.text, judges.transcribe(src)),
               "mcd_converted": mel_cepstral_distortion(converted, truth),
               "mcd_source": mel_cepstral_distortion(src, truth),
               "mcd_resynth": mel_cepstral_distortion(resynth, truth),
               "converted_features": level_features(converted).tolist()}
        rows.append(row)
        if i < examples:
            for name, wav in (("source", src), ("target", ref), ("converted", converted), ("truth", truth)):
                save_wav(wav, EXAMPLES / f"pair{i}-{name}.wav")
        print(f"pair {i}: cos target {row['cos_to_target']:.3f} / source {row['cos_to_source']:.3f}, "
              f"WER {row['wer_converted']:.2f} (resynth {row['wer_resynth']:.2f}), "
              f"MCD {row['mcd_converted']:.2f} (source {row['mcd_source']:.2f})", flush=True)
    return rows


def speaker_id_of_conversions(held_out, pairs, rows) -> dict:
    """Train a classifier on real held-out utterances not used in any pair; classify conversions."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from aekit.voice.audio import load_audio

    used = {id(u) for pair in pairs for u in pair}
    train = [u for u in held_out if id(u) not in used]
    X = np.stack([level_features(load_audio(u.path)) for u in train])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, [u.speaker for u in train])
    predicted = clf.predict(np.array([r["converted_features"] for r in rows]))
    targets = [t.speaker for _, t in pairs]
    sources = [s.speaker for s, _ in pairs]
    return {"train_utterances": len(train), "speakers": len(set(targets) | set(sources)),
            "predicted_target": float(np.mean(predicted == np.array(targets))),
            "predicted_source": float(np.mean(predicted == np.array(sources)))}


def disentanglement(vm, utterances, rng: np.random.Generator, limit: int) -> dict:
    """Speaker-ID accuracy (5-fold) from mean content codes vs speaker codes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    chosen = [utterances[i] for i in rng.permutation(len(utterances))[:limit]]
    content, speaker = zip(*(vm.encode(u.path) for u in chosen))
    y = np.array([u.speaker for u in chosen])

    def accuracy(X):
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return float(np.mean(cross_val_score(clf, X, y, cv=5)))

    return {"utterances": len(chosen), "speakers": int(len(set(y))), "chance": 1 / len(set(y)),
            "from_content": accuracy(np.stack([c.mean(axis=0) for c in content])),
            "from_speaker": accuracy(np.stack(speaker))}


def speech_units(vm, utterances, speakers: dict, train, rng: np.random.Generator, limit: int) -> dict | None:
    """With a content codebook: how its units line up with the phonemes espeak-ng says and how
    much they tell about the speaker, next to k-means units (same K) on the log-mel frames.

    Alignment: espeak-ng's library says each utterance's text in its speaker's voice and
    reports when each phoneme starts; the units of that same audio (resampled, untrimmed) are
    labelled with the phoneme sounding at each code frame's centre."""
    if vm.net.quantizer is None:
        return None
    import torch
    from sklearn.cluster import MiniBatchKMeans

    from aekit.voice.audio import load_audio, prepare
    from aekit.voice.features import HOP, log_mel
    from espeak_phonemes import frame_labels, speak_with_phonemes

    stride, k = vm.net.config.get("content_stride", 1), vm.net.config["content_codebook"]

    def frames(mel: np.ndarray) -> np.ndarray:  # normalised log-mel, one row per code frame
        x = vm.net.normalise(torch.from_numpy(mel)).numpy()
        return np.stack([x[:, i:i + stride].mean(axis=1) for i in range(0, x.shape[1], stride)])

    kmeans = MiniBatchKMeans(k, random_state=0, n_init=3).fit(
        np.concatenate([frames(log_mel(load_audio(u.path))) for u in train]))
    learned, clustered, phones, who = [], [], [], []
    for u in [utterances[i] for i in rng.permutation(len(utterances))[:limit]]:
        voice = speakers[u.speaker]
        wav, rate, phonemes = speak_with_phonemes(voice.voice, voice.pitch, voice.speed, u.text)
        mel = log_mel(prepare(wav, rate, trim=False))
        with torch.no_grad():
            units = vm.net.content_codes(vm.net.normalise(torch.from_numpy(mel))[None])["units"][0].numpy()
        centres = (np.arange(len(units)) * stride + (stride - 1) / 2) * HOP / 16000
        learned.append(units)
        clustered.append(kmeans.predict(frames(mel)))
        phones += frame_labels(phonemes, centres)
        who += [u.speaker] * len(units)
    return {"codebook": k, "utterances": limit, "frames": len(phones), "phonemes": len(set(phones)),
            "most_common_phoneme_share": max(phones.count(p) for p in set(phones)) / len(phones),
            "alignment": "phoneme sounding at each code frame's centre, from espeak-ng's phoneme events",
            "learned": unit_scores(np.concatenate(learned), phones, who),
            "kmeans_on_mels": unit_scores(np.concatenate(clustered), phones, who)}


def unit_scores(units: np.ndarray, phones: list[str], speakers: list[str]) -> dict:
    """Purity (share of frames whose unit's commonest label is theirs) and NMI, for phonemes and speakers."""
    from sklearn.metrics import normalized_mutual_info_score

    def purity(labels):
        table: dict = {}
        for unit, label in zip(units, labels):
            table.setdefault(unit, {}).setdefault(label, 0)
            table[unit][label] += 1
        return sum(max(counts.values()) for counts in table.values()) / len(labels)

    return {"units_used": int(len(np.unique(units))), "phoneme_purity": purity(phones),
            "phoneme_nmi": float(normalized_mutual_info_score(phones, units)),
            "speaker_purity": purity(speakers), "speaker_nmi": float(normalized_mutual_info_score(speakers, units))}


def summarise(rows: list[dict]) -> dict:
    def mean(key):
        return float(np.mean([r[key] for r in rows]))

    def share(closer, farther):
        return float(np.mean([r[closer] > r[farther] for r in rows]))

    return {"pairs": len(rows), "judged_target": share("cos_to_target", "cos_to_source"),
            "judged_target_vs_source_speaker": share("cos_to_target", "cos_to_source_speaker"),
            "truth_judged_target": share("cos_truth_to_target", "cos_truth_to_source"),
            "truth_judged_target_vs_source_speaker": share("cos_truth_to_target", "cos_truth_to_source_speaker"),
            **{f"mean_{k}": mean(k) for k in ("cos_to_target", "cos_to_source", "cos_truth_to_target",
                                               "cos_source_to_target", "wer_converted", "wer_resynth",
                                               "wer_source", "mcd_converted", "mcd_source", "mcd_resynth",
                                               "convert_s", "seconds")},
            "mcd_reduction": 1 - mean("mcd_converted") / mean("mcd_source"),
            "wer_increase_points": 100 * (mean("wer_converted") - mean("wer_resynth"))}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("espeak"),
                        help="a trained voice model folder (default: espeak, the shipped model)")
    parser.add_argument("--train", action="store_true", help="train a model on the espeak corpus instead")
    parser.add_argument("--steps", type=int, default=14500, help="with --train (every README row: 14500)")
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--pairs", type=int, default=80)
    parser.add_argument("--examples", type=int, default=3, help="pairs whose WAVs are kept")
    parser.add_argument("--quick", action="store_true", help="4 pairs, 60 utterances for disentanglement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strength", type=float, default=DEFAULT_STRENGTH,
                        help="conversion strength (VoiceModel.convert): above 1 moves past the target's speaker code")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    from aekit.voice.corpora import espeak_speakers, load_corpus

    args = parse_args(argv)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    vm = get_model(args)
    held_out, train = load_corpus("espeak", "held-out"), load_corpus("espeak", "train")
    pairs = choose_pairs(held_out, 4 if args.quick else args.pairs, rng)
    references = source_references(held_out, pairs, np.random.default_rng(args.seed + 1))
    speakers = {s.name: s for s in espeak_speakers()}  # the corpus is always built with seed 0
    rows = convert_pairs(vm, pairs, references, Judges(), speakers, args.examples, args.strength)
    results = {"benchmark": "voice", "quick": args.quick, "seed": args.seed, "strength": args.strength,
               "targets": TARGETS,
               "model_info": vm.info, "model_config": vm.info.get("trained_config", vm.net.config),
               "summary": summarise(rows),
               "speaker_id": speaker_id_of_conversions(held_out, pairs, rows),
               "disentanglement": {
                   "held_out": disentanglement(vm, held_out, rng, 60 if args.quick else 320),
                   "train": disentanglement(vm, train, rng, 60 if args.quick else 400)},
               "units": speech_units(vm, held_out, speakers, train[::8], np.random.default_rng(args.seed + 2),
                                     40 if args.quick else 160),
               "pairs": [{k: v for k, v in r.items() if k != "converted_features"} for r in rows],
               "machine": machine(("librosa", "resemblyzer", "pocketsphinx"))}
    results["wall_seconds"] = time.perf_counter() - started
    save(results, args.output)
    s = results["summary"]
    print(f"judged target {s['judged_target']:.2f} (vs the source speaker "
          f"{s['judged_target_vs_source_speaker']:.2f}; truth {s['truth_judged_target']:.2f}); WER +{s['wer_increase_points']:.1f} points; "
          f"MCD reduction {100 * s['mcd_reduction']:.1f}%")
    return results


if __name__ == "__main__":
    main()
