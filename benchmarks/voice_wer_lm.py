"""Can pocketsphinx check the espeak corpus's content with a language model of its own text?

The voice benchmark's content target compares pocketsphinx's word error rate on converted
speech with its WER on the Griffin-Lim resynthesised source; with pocketsphinx's general
English model that WER is near 100% even on the unconverted source. This probe decodes
held-out utterances (and their resynthesis) with three language models: the shipped one, a
trigram model of the corpus's sentences without the held-out ones ("open"), and one with
them ("closed", an optimistic bound), built with pocketsphinx's own ArpaBoLM.

    python benchmarks/voice_wer_lm.py --utterances 16
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import machine, save  # noqa: E402
from voice import transcribe, word_error_rate, words  # noqa: E402


def build_lm(sentences: list[str], path: Path) -> Path:
    from pocketsphinx.lm import ArpaBoLM

    lm = ArpaBoLM(sentfile=io.StringIO("\n".join(" ".join(words(s)) for s in sentences)), add_start=True)
    lm.compute()
    lm.write_file(str(path))
    return path


def main(argv=None) -> dict:
    from pocketsphinx import Decoder

    from aekit.voice import corpora
    from aekit.voice.audio import load_audio
    from aekit.voice.features import log_mel, to_waveform

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=16)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "voice-wer-lm.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    held_out = corpora.load_corpus("espeak", "held-out")
    held_texts = {u.text for u in held_out}
    sentences = corpora.fortune_sentences()
    work = HERE / "work"
    work.mkdir(exist_ok=True)
    decoders = {"shipped": Decoder(samprate=16000),
                "open": Decoder(samprate=16000, lm=str(build_lm([s for s in sentences if s not in held_texts],
                                                                 work / "open.arpa"))),
                "closed": Decoder(samprate=16000, lm=str(build_lm(sentences, work / "closed.arpa")))}
    rng = np.random.default_rng(0)
    picked = [held_out[i] for i in rng.choice(len(held_out), size=args.utterances, replace=False)]
    wer = {name: {"source": [], "resynth": []} for name in decoders}
    for u in picked:
        source = load_audio(u.path)
        audio = {"source": source, "resynth": to_waveform(log_mel(source))}
        for name, decoder in decoders.items():
            for kind, wav in audio.items():
                wer[name][kind].append(word_error_rate(u.text, transcribe(decoder, wav)))
    results = {"benchmark": "voice-wer-lm", "utterances": args.utterances,
               "mean_wer": {name: {kind: float(np.mean(v)) for kind, v in kinds.items()} for name, kinds in wer.items()},
               "machine": machine(("pocketsphinx",)), "wall_seconds": time.perf_counter() - started}
    save(results, args.output)
    for name, kinds in results["mean_wer"].items():
        print(f"{name}: WER source {100 * kinds['source']:.1f}%, resynthesised {100 * kinds['resynth']:.1f}%")
    return results


if __name__ == "__main__":
    main()
