"""A voice model on real recordings: conversion between the tuxpaint speakers (one real
speaker per language, so every pair is cross-lingual), judged by Resemblyzer.

    python benchmarks/voice_real.py [--pairs 40] [--model espeak] [--speakers fr,ru] [--output FILE]

The clips come from the corpus's held-out tenth, which no model trained on ``tuxpaint``
has heard (the shipped ``espeak`` model has heard no tuxpaint speaker at all). For each
pair: a source clip of speaker A, a clip of speaker B as the only example of the target
voice, and another clip of A. The conversion is made one-shot from B's clip and, when the
model trained on B, also from B's name (its mean speaker code over the training clips). A
conversion counts as the target's when Resemblyzer's embedding of it is closer to B's clip
than to A's source clip (and, separately, than to A's other clip, which does not share its
words). ``--speakers`` draws both sides from a few speakers only: the ones a model
trained without, to measure one-shot conversion between voices it never heard. There is
no parallel truth for real voices. Writes benchmarks/results/voice-real.json
(or --output) and the first pairs' WAVs in a folder of the same name.
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


def scores(converted: np.ndarray, e: dict) -> dict:
    """Cosines of a conversion's embedding to the target clip, the source clip, the source's other clip."""
    return {"cos_to_target": float(converted @ e["t"]), "cos_to_source": float(converted @ e["s"]),
            "cos_to_source_speaker": float(converted @ e["o"])}


def summarise(rows: list[dict], suffix: str) -> dict:
    """Shares judged the target and mean cosines, for the conversions named by ``suffix``."""
    to_target = np.array([r["cos_to_target" + suffix] for r in rows])
    return {"pairs": len(rows),
            "judged_target" + suffix: float(np.mean(to_target > [r["cos_to_source" + suffix] for r in rows])),
            "judged_target_vs_source_speaker" + suffix:
                float(np.mean(to_target > [r["cos_to_source_speaker" + suffix] for r in rows])),
            "mean_cos_to_target" + suffix: float(to_target.mean()),
            "mean_cos_to_source" + suffix: float(np.mean([r["cos_to_source" + suffix] for r in rows]))}


def measure(vm, judges: Judges, source, target, other, by_name: bool) -> tuple[dict, dict]:
    """One pair's cosines and its WAVs (source, target, the conversions)."""
    from aekit.voice.audio import load_audio

    clip = {k: load_audio(u.path) for k, u in (("s", source), ("t", target), ("o", other))}
    e = {k: judges.embed(wav) for k, wav in clip.items()}
    row = {"source": source.path.name, "source_speaker": source.speaker, "target": target.path.name,
           "target_speaker": target.speaker, "cos_source_to_target": float(e["s"] @ e["t"]),
           "cos_source_to_other": float(e["s"] @ e["o"])}
    wavs = {"source": clip["s"], "target": clip["t"], "converted": vm.convert(source.path, target=target.path)}
    row.update(scores(judges.embed(wavs["converted"]), e))
    if by_name:
        wavs["converted-by-name"] = vm.convert(source.path, target_speaker=target.speaker)
        row.update({f"{k}_by_name": v for k, v in scores(judges.embed(wavs["converted-by-name"]), e).items()})
    return row, wavs


def main(argv=None) -> dict:
    from aekit.voice.audio import save_wav
    from aekit.voice.converter import VoiceModel
    from aekit.voice.corpora import load_corpus
    from aekit.voice.shipped import SHIPPED, resolve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--model", default="espeak")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--examples", type=int, default=2, help="pairs whose WAVs are kept")
    parser.add_argument("--speakers", default=None,
                        help="comma-separated tuxpaint speakers to draw both sides of each pair from "
                             "(e.g. those a model was trained without)")
    args = parser.parse_args(argv)
    start = time.time()
    shipped = resolve(args.model) in SHIPPED.values()  # exported without the adversary: its weight is not kept
    vm, judges = VoiceModel.load(args.model), Judges()
    rows = []
    clips = load_corpus("tuxpaint", "held-out")
    if args.speakers:
        clips = [u for u in clips if u.speaker in args.speakers.split(",")]
    by_name = all(u.speaker in vm.speakers for u in clips)
    for i, triple in enumerate(choose(clips, args.pairs, np.random.default_rng(args.seed))):
        row, wavs = measure(vm, judges, *triple, by_name)
        rows.append(row)
        for name, wav in wavs.items() if i < args.examples else ():
            save_wav(wav, args.output.with_suffix("") / f"pair{i}-{row['source_speaker']}-to-"
                                                         f"{row['target_speaker']}-{name}.wav")
    summary = summarise(rows, "") | (summarise(rows, "_by_name") if by_name else {})
    summary["mean_cos_source_to_target"] = float(np.mean([r["cos_source_to_target"] for r in rows]))
    results = {"benchmark": "voice-real", "model": args.model, "corpus": vm.info.get("corpus"),
               "steps": vm.info.get("steps"),
               "adversary_weight": None if shipped else vm.net.config["adversary_weight"],
               "excluded_speakers": vm.info.get("excluded_speakers", []), "speakers": args.speakers,
               "strength": DEFAULT_STRENGTH, "seed": args.seed, "summary": summary, "pairs": rows,
               "machine": machine(), "wall_seconds": time.time() - start}
    save(results, args.output)
    print({k: round(v, 3) for k, v in summary.items()})
    return results


if __name__ == "__main__":
    main()
