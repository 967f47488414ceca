"""Speech corpora for voice conversion: a user's folder, or two built-in corpora.

* A folder with one sub-folder per speaker (``DATA/<speaker>/*.wav|flac|ogg``).
* ``espeak``: synthetic multi-speaker English, built once with espeak-ng. Each speaker is
  an accent, a voice variant, a pitch and a speed; every speaker says *different*
  sentences (quotes from Debian's ``fortunes``), so the corpus is non-parallel. The last
  ``HELD_OUT`` speakers are kept out of training, to test one-shot conversion. Since
  espeak-ng can say any sentence in any of these voices, a benchmark can also make the
  parallel ground truth that real corpora lack.
* ``tuxpaint``: real recorded speech, the spoken descriptions shipped with Debian's
  ``tuxpaint-stamps-default`` (one speaker per language: fr, ro, ru, ca, bg, es, be, el,
  da, lt, nl, en, ml), for cross-lingual conversion between real voices.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit.data.cache import cache_root
from aekit.data.debian import package_path
from aekit.errors import DataError
from aekit.voice.audio import is_audio_file

BUILTIN = ("espeak", "tuxpaint")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd")
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
N_SPEAKERS = 40
HELD_OUT = 8
SENTENCES_PER_SPEAKER = 40
FORTUNE_FILES = ("wisdom", "people", "platitudes", "work", "science", "food", "love", "pets", "humorists",
                 "education", "kids", "sports", "miscellaneous", "politics", "law", "medicine", "news")
CORPUS_VERSION = 1


@dataclass(frozen=True)
class Utterance:
    path: Path
    speaker: str
    text: str | None = None


@dataclass(frozen=True)
class Speaker:
    """An espeak-ng voice: accent + variant, pitch (0-99) and speed (words per minute)."""
    name: str
    voice: str
    pitch: int
    speed: int

    def command(self, text: str, wav: Path) -> list[str]:
        return ["espeak-ng", "-v", self.voice, "-p", str(self.pitch), "-s", str(self.speed), "-w", str(wav), text]


def load_corpus(source: str | Path, split: str = "train") -> list[Utterance]:
    """Utterances of a built-in corpus (``split`` train / held-out / all) or of a folder."""
    if str(source) == "espeak":
        return espeak_corpus(split)
    if str(source) == "tuxpaint":
        return tuxpaint_corpus()
    return folder_corpus(Path(source))


def folder_corpus(root: Path) -> list[Utterance]:
    if not root.is_dir():
        raise DataError(f"{root}: not a folder or built-in corpus (built-in: {', '.join(BUILTIN)})")
    utterances = [Utterance(f, d.name) for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")
                  for f in sorted(d.rglob("*")) if f.is_file() and is_audio_file(f)]
    if not utterances:
        raise DataError(f"{root}: no audio files in speaker sub-folders (expected {root}/<speaker>/*.wav)")
    if len({u.speaker for u in utterances}) < 2:
        raise DataError(f"{root}: only one speaker; voice conversion needs at least two speaker sub-folders")
    return utterances


# --- espeak-ng synthetic corpus -----------------------------------------------------------------

def espeak_speakers(seed: int = 0) -> list[Speaker]:
    rng = np.random.default_rng(seed)
    combos = [(a, v) for a in ACCENTS for v in VARIANTS]
    picked = rng.choice(len(combos), size=N_SPEAKERS, replace=False)
    speakers = []
    for i, k in enumerate(picked):
        speakers.append(random_speaker(f"es{i:02d}", *combos[k], rng))
    return speakers


def random_speaker(prefix: str, accent: str, variant: str, rng: np.random.Generator) -> Speaker:
    """An espeak-ng voice named ``prefix-accent-variant``, with a pitch and a speed drawn from ``rng``."""
    return Speaker(f"{prefix}-{accent}-{variant}", f"{accent}+{variant}",
                   int(rng.integers(25, 76)), int(rng.integers(130, 181)))


def fortune_sentences(min_words: int = 5, max_words: int = 16) -> list[str]:
    """Short one-sentence English quotes from Debian's ``fortunes``, deduplicated, in a fixed order."""
    folder = package_path("fortunes", "usr/share/games/fortunes")
    sentences = []
    for name in FORTUNE_FILES:
        text = (folder / name).read_text(encoding="utf-8", errors="replace")
        for block in text.split("\n%\n"):
            line = " ".join(block.split())
            if re.fullmatch(r"[A-Za-z][A-Za-z ,.'?!;:-]*[.?!]", line) and min_words <= len(line.split()) <= max_words:
                sentences.append(line)
    return list(dict.fromkeys(sentences))


def espeak_corpus(split: str = "train", seed: int = 0) -> list[Utterance]:
    speakers = espeak_speakers(seed)
    folder = cache_root() / "voice" / f"espeak-v{CORPUS_VERSION}-seed{seed}"
    index = folder / "index.json"
    if not index.exists():
        _build_espeak(speakers, folder, seed)
    rows = json.loads(index.read_text())
    held_out = {s.name for s in speakers[-HELD_OUT:]}
    keep = {"train": lambda s: s not in held_out, "held-out": lambda s: s in held_out, "all": lambda s: True}
    if split not in keep:
        raise DataError(f"unknown split {split!r} (train, held-out or all)")
    return [Utterance(folder / r["file"], r["speaker"], r["text"]) for r in rows if keep[split](r["speaker"])]


def _build_espeak(speakers: list[Speaker], folder: Path, seed: int) -> None:
    if shutil.which("espeak-ng") is None:
        raise DataError("the espeak corpus needs espeak-ng (Debian package espeak-ng)")
    sentences = fortune_sentences()
    need = len(speakers) * SENTENCES_PER_SPEAKER
    if len(sentences) < need:
        raise DataError(f"only {len(sentences)} usable sentences in fortunes, need {need}")
    order = np.random.default_rng(seed).permutation(len(sentences))
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for i, speaker in enumerate(speakers):
        (tmp / speaker.name).mkdir(parents=True)
        for j in range(SENTENCES_PER_SPEAKER):  # disjoint sentences per speaker: non-parallel
            text = sentences[order[i * SENTENCES_PER_SPEAKER + j]]
            rel = f"{speaker.name}/{j:03d}.wav"
            synthesize(speaker, text, tmp / rel)
            rows.append({"file": rel, "speaker": speaker.name, "text": text})
    (tmp / "index.json").write_text(json.dumps(rows, indent=1))
    (tmp / "speakers.json").write_text(json.dumps([s.__dict__ for s in speakers], indent=1))
    tmp.rename(folder)


def synthesize(speaker: Speaker, text: str, wav: Path) -> None:
    """Say ``text`` in ``speaker``'s voice into ``wav`` (22.05 kHz mono)."""
    done = subprocess.run(speaker.command(text, wav), capture_output=True, text=True)
    if done.returncode != 0 or not wav.exists():
        raise DataError(f"espeak-ng failed for voice {speaker.voice}: {done.stderr.strip()[:200]}")


# --- real speech: tuxpaint stamp descriptions ---------------------------------------------------

def tuxpaint_corpus() -> list[Utterance]:
    """``*_desc[_LANG].ogg`` clips; speaker = language (no suffix = en); text from the stamp's .txt."""
    root = package_path("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps")
    utterances = []
    for clip in sorted(root.rglob("*_desc*.ogg")):
        match = re.fullmatch(r"(.+)_desc(?:_([a-z]{2,3}))?\.ogg", clip.name)
        if match is None:
            continue
        language = match.group(2) or "en"
        utterances.append(Utterance(clip, language, _stamp_text(clip.with_name(match.group(1) + ".txt"), language)))
    if not utterances:
        raise DataError(f"{root}: no spoken stamp descriptions found")
    return utterances


def _stamp_text(path: Path, language: str) -> str | None:
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if language == "en":
        return lines[0].strip() if lines else None
    for line in lines[1:]:
        key, _, value = line.partition("=")
        if key.split(".")[0] == language:
            return value.strip()
    return None


def corpus_id(utterances: list[Utterance]) -> str:
    """A short stable id of a corpus (speakers and files), saved with a trained model."""
    digest = hashlib.sha256("\n".join(f"{u.speaker}/{u.path.name}" for u in utterances).encode())
    return digest.hexdigest()[:12]
