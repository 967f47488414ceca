"""The shipped voice model on real recordings: one-shot conversion between the tuxpaint
speakers (one real speaker per language, none heard in training), judged by Resemblyzer.

    python benchmarks/voice_real.py [--pairs 40] [--model espeak]

For each pair: a source clip of speaker A, a clip of speaker B as the only example of the
target voice, and another clip of A. A conversion counts as the target's when Resemblyzer's
embedding of it is closer to B's clip than to A's source clip (and, separately, than to A's
other clip, which does not share its words). There is no parallel truth for real voices.
Writes benchmarks/results/voice-real.json.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, save  # noqa: E402
from voice import Judges  # noqa: E402

from aekit.voice import DEFAULT_STRENGTH  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "voice-real.json"
MIN_SECONDS = 1.5  # shorter stamp descriptions say too little for a speaker embedding


def choose(utterances, count: int, rng: np.random.Generator) -> list[tuple]:
    """(source, target, other source clip) triples between different speakers."""
    from aekit.voice.audio import load_audio

    by = {}
    for u in utterances:
        by.setdefault(u.speaker, []).append(u)
    names = sorted(s for s, us in by.items() if len(us) >= 2)
    triples = []
    while len(triples) < count:
        a, b = rng.choice(names, size=2, replace=False)
        source, other = (by[a][i] for i in rng.choice(len(by[a]), size=2, replace=False))
        target = by[b][rng.integers(len(by[b]))]
        if all(len(load_audio(u.path)) / 16000 >= MIN_SECONDS for u in (source, other, target)):
            triples.append((source, target, other))
    return triples


def main(argv=None) -> dict:
    from aekit.voice.audio import load_audio
    from aekit.voice.converter import VoiceModel
    from aekit.voice.corpora import load_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--model", default="espeak")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    start = time.time()
    vm, judges = VoiceModel.load(args.model), Judges()
    rows = []
    for source, target, other in choose(load_corpus("tuxpaint"), args.pairs, np.random.default_rng(args.seed)):
        wav = vm.convert(source.path, target=target.path)
        e = {k: judges.embed(load_audio(u.path)) for k, u in (("s", source), ("t", target), ("o", other))}
        c = judges.embed(wav)
        rows.append({"source": source.path.name, "source_speaker": source.speaker, "target": target.path.name,
                     "target_speaker": target.speaker, "cos_to_target": float(c @ e["t"]),
                     "cos_to_source": float(c @ e["s"]), "cos_to_source_speaker": float(c @ e["o"]),
                     "cos_source_to_target": float(e["s"] @ e["t"]), "cos_source_to_other": float(e["s"] @ e["o"])})
    share = lambda key: float(np.mean([r["cos_to_target"] > r[key] for r in rows]))  # noqa: E731
    summary = {"pairs": len(rows), "judged_target": share("cos_to_source"),
               "judged_target_vs_source_speaker": share("cos_to_source_speaker"),
               "mean_cos_to_target": float(np.mean([r["cos_to_target"] for r in rows])),
               "mean_cos_to_source": float(np.mean([r["cos_to_source"] for r in rows])),
               "mean_cos_source_to_target": float(np.mean([r["cos_source_to_target"] for r in rows]))}
    results = {"benchmark": "voice-real", "model": args.model, "strength": DEFAULT_STRENGTH, "seed": args.seed,
               "summary": summary, "pairs": rows, "machine": machine(), "wall_seconds": time.time() - start}
    save(results, args.output)
    print({k: round(v, 3) for k, v in summary.items()})
    return results


if __name__ == "__main__":
    main()
