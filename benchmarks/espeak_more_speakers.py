"""A speaker folder made from the built-in espeak corpus's training speakers, to measure how
one-shot conversion depends on the speakers a model learns from.

``--base-only`` keeps the 32 training speakers of corpus version 1 (the ``es`` speakers;
version 2 added 40 ``ex`` speakers with the accent+variant voices version 1 left unused).
``--pitch-variants R`` adds, for every voice in the folder, R more speakers with that
accent+variant and a fresh pitch and speed (espeak-ng has only 84 accent+variant voices;
pitch and speed are what else tells its speakers apart), each saying 40 sentences no
held-out speaker says. ``--other-variants N`` adds N speakers with voices the corpus does
not use at all: an accent and one of espeak-ng's other voice variants (named voices such as
``Andy`` or ``grandma``, Klatt-synthesiser voices; the whisper variants are left out, since
they have no voiced pitch), one speaker per accent+variant pair (not with the plain
``en-gb`` accent, which ignores variants). The corpus's own files are
linked, not copied. Train on the folder and judge on the usual held-out pairs:

    python benchmarks/espeak_more_speakers.py benchmarks/work/voice216/corpus --pitch-variants 2
    aekit voice train benchmarks/work/voice216/corpus -o benchmarks/work/voice-216spk --steps 14500
    python benchmarks/voice.py --model benchmarks/work/voice-216spk --examples 0 \\
        --output benchmarks/results/voice-216-speakers.json
"""
from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import numpy as np

from aekit.voice import corpora


def build(folder: Path, base_only: bool = False, pitch_variants: int = 0, other_variants: int = 0,
          seed: int = 1001) -> int:
    """Fill ``folder``; returns the number of speakers in it."""
    train = [u for u in corpora.load_corpus("espeak", "train") if not base_only or u.speaker.startswith("es")]
    for u in train:
        link = folder / u.speaker / u.path.name
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(u.path)
    names = {u.speaker for u in train}
    voices = [tuple(s.voice.split("+")) for s in corpora.espeak_speakers(0) if s.name in names]
    held_out_texts = {u.text for u in corpora.load_corpus("espeak", "held-out")}
    sentences = [s for s in corpora.fortune_sentences() if s not in held_out_texts]
    rng = np.random.default_rng(seed)
    for r in range(pitch_variants):
        for combo in voices:
            _record(folder, corpora.random_speaker(f"pv{r}", *combo, rng), sentences, rng)
    # an accent whose variants espeak-ng ignores would add one voice, not one per variant
    combos = [(a, v) for a in corpora.ACCENTS if corpora.heard_voice(f"{a}+x") != a for v in other_variant_names()]
    for k in rng.choice(len(combos), size=min(other_variants, len(combos)), replace=False):
        _record(folder, corpora.random_speaker("ov", *combos[k], rng), sentences, rng)
    return sum(1 for d in folder.iterdir() if d.is_dir())


def other_variant_names() -> list[str]:
    """espeak-ng's voice variants beyond the corpus's m1..m7, f1..f5, without the whispering ones."""
    listing = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True, check=True).stdout
    names = [line.split()[4].removeprefix("!v/") for line in listing.splitlines()[1:] if len(line.split()) > 4]
    return sorted(n for n in names if n not in corpora.VARIANTS and "whisper" not in n)


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
    parser.add_argument("--base-only", action="store_true", help="only corpus version 1's 32 training speakers")
    parser.add_argument("--pitch-variants", type=int, default=0,
                        help="more speakers per voice, each with a fresh pitch and speed")
    parser.add_argument("--other-variants", type=int, default=0,
                        help="more speakers, each with an accent and a voice variant the corpus does not use")
    args = parser.parse_args(argv)
    print(f"{args.folder}: {build(args.folder, args.base_only, args.pitch_variants, args.other_variants)} speakers")


if __name__ == "__main__":
    main()
