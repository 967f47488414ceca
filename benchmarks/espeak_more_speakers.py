"""A speaker folder with the built-in espeak corpus's 32 training speakers and N more
espeak-ng voices, to measure whether one-shot conversion gains from more training speakers.

The extra speakers use the accent+variant combinations the corpus leaves unused (so none
shares a held-out speaker's voice), a pitch and speed drawn like the corpus's, and
40 sentences each from the fortunes the held-out speakers do not say. ``--pitch-variants R``
adds, for every voice in the folder, R more speakers with that accent+variant and a fresh
pitch and speed (espeak-ng has only 84 accent+variant voices; pitch and speed are what else
tells its speakers apart). The corpus's own files are linked, not copied. Train on the
folder and judge on the usual held-out pairs:

    python benchmarks/espeak_more_speakers.py benchmarks/work/voice72/corpus --extra 40
    aekit voice train benchmarks/work/voice72/corpus -o benchmarks/work/voice-72spk --steps 14500
    python benchmarks/voice.py --model benchmarks/work/voice-72spk --examples 0 \\
        --output benchmarks/results/voice-72-speakers.json
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from aekit.voice import corpora


def build(folder: Path, extra: int, seed: int = 1, pitch_variants: int = 0) -> int:
    """Fill ``folder``; returns the number of speakers in it."""
    for u in corpora.load_corpus("espeak", "train"):
        link = folder / u.speaker / u.path.name
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(u.path)
    corpus_speakers = corpora.espeak_speakers(0)
    used = {s.voice for s in corpus_speakers}
    combos = [(a, v) for a in corpora.ACCENTS for v in corpora.VARIANTS if f"{a}+{v}" not in used]
    if extra > len(combos):
        raise SystemExit(f"--extra: at most {len(combos)} unused accent+variant combinations")
    held_out_texts = {u.text for u in corpora.load_corpus("espeak", "held-out")}
    sentences = [s for s in corpora.fortune_sentences() if s not in held_out_texts]
    rng = np.random.default_rng(seed)
    picked = [combos[k] for k in rng.choice(len(combos), size=extra, replace=False)]
    for i, combo in enumerate(picked):
        _record(folder, corpora.random_speaker(f"ex{i:02d}", *combo, rng), sentences, rng)
    # A separate stream, so that adding variants leaves the extra speakers above unchanged.
    rng = np.random.default_rng(seed + 1000)
    training_voices = [tuple(s.voice.split("+")) for s in corpus_speakers[:-corpora.HELD_OUT]]
    for r in range(pitch_variants):
        for combo in training_voices + picked:
            _record(folder, corpora.random_speaker(f"pv{r}", *combo, rng), sentences, rng)
    return sum(1 for d in folder.iterdir() if d.is_dir())


def _record(folder: Path, speaker: corpora.Speaker, sentences: list[str], rng: np.random.Generator) -> None:
    """``speaker`` saying SENTENCES_PER_SPEAKER of ``sentences``, drawn with ``rng``."""
    (folder / speaker.name).mkdir(parents=True, exist_ok=True)
    for j, t in enumerate(rng.choice(len(sentences), size=corpora.SENTENCES_PER_SPEAKER, replace=False)):
        wav = folder / speaker.name / f"{j:03d}.wav"
        if not wav.exists():
            corpora.synthesize(speaker, sentences[t], wav)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--extra", type=int, default=40, help="espeak-ng voices to add")
    parser.add_argument("--pitch-variants", type=int, default=0,
                        help="more speakers per voice, each with a fresh pitch and speed")
    args = parser.parse_args(argv)
    print(f"{args.folder}: {build(args.folder, args.extra, pitch_variants=args.pitch_variants)} speakers")


if __name__ == "__main__":
    main()
