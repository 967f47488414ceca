"""Speech corpora for voice conversion: a user's folder, or two built-in corpora.

* A folder with one sub-folder per speaker (``DATA/<speaker>/*.wav|flac|ogg``).
* ``espeak``: synthetic multi-speaker English, built once with espeak-ng. Each speaker is
  an accent, a voice variant, a pitch and a speed, saying quotes from Debian's ``fortunes``.
  The first ``N_SPEAKERS`` each say *different* sentences, and the last ``HELD_OUT`` of them
  are kept out of training, to test one-shot conversion. ``EXTRA_SPEAKERS`` more training
  speakers (version 2) use the accent+variant voices the first ones leave unused, because
  a one-shot converter learns to render unseen voices from the voices it trains on; there
  are not enough quotes for them to be disjoint too, so each draws its sentences from those
  no held-out speaker says: some sentences are said by two training speakers, by chance,
  none by a held-out speaker and another. Since espeak-ng can say any sentence in any of these voices, a
  benchmark can also make the parallel ground truth that real corpora lack. A known flaw,
  kept so that results stay comparable: espeak-ng 1.51 ignores the variant after the plain
  ``en-gb`` voice name (``en-gb+f3`` sounds as ``en-gb``; ``gmw/en+f3`` would not), so the
  12 ``en-gb`` speakers (11 training, 1 held out) share one timbre and differ only in pitch
  and speed: 62 distinct timbres train, not 72.
* ``tuxpaint``: real recorded speech, the spoken descriptions shipped with Debian's
  ``tuxpaint-stamps-default`` (one speaker per language: fr, ro, ru, ca, bg, es, be, el,
  da, lt, nl, en, ml), for cross-lingual conversion between real voices. Every speaker
  keeps about a tenth of their clips out of training (``TUXPAINT_HELD_OUT``, chosen by a
  hash of the file name), so conversions between trained speakers can be tested on
  recordings the model never heard.

Built-in corpora join with "+" (``espeak+tuxpaint``): their speakers train together.
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
EXTRA_SPEAKERS = 40
SENTENCES_PER_SPEAKER = 40
FORTUNE_FILES = ("wisdom", "people", "platitudes", "work", "science", "food", "love", "pets", "humorists",
                 "education", "kids", "sports", "miscellaneous", "politics", "law", "medicine", "news")
CORPUS_VERSION = 2  # 1: the first N_SPEAKERS only (its files are version 2's es* files)
TUXPAINT_HELD_OUT = 0.1
SPLITS = ("train", "held-out", "all")


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
    """Utterances of a built-in corpus (``split`` train / held-out / all), of several joined
    with "+", or of a folder (all of it: a folder has no held-out part)."""
    check_split(split)
    key = str(source)
    if "+" in key and all(part in BUILTIN for part in key.split("+")):
        return [u for part in dict.fromkeys(key.split("+")) for u in load_corpus(part, split)]
    if key == "espeak":
        return espeak_corpus(split)
    if key == "tuxpaint":
        return tuxpaint_corpus(split)
    return folder_corpus(Path(source))


def check_split(split: str) -> None:
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r} (train, held-out or all)")


def without_speakers(utterances: list[Utterance], names) -> list[Utterance]:
    """The utterances of every speaker but ``names``; an unknown name is an error, not a no-op."""
    known = {u.speaker for u in utterances}
    unknown = sorted(set(names) - known)
    if unknown:
        raise DataError(f"unknown speaker(s) to exclude: {', '.join(unknown)} (the corpus has "
                        f"{', '.join(sorted(known)[:20])}{', ...' if len(known) > 20 else ''})")
    return [u for u in utterances if u.speaker not in set(names)]


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
    """The corpus's speakers: training speakers first, the ``HELD_OUT`` ones last."""
    base = _draw_speakers("es", [(a, v) for a in ACCENTS for v in VARIANTS], N_SPEAKERS, seed)
    used = {s.voice for s in base}
    unused = [(a, v) for a in ACCENTS for v in VARIANTS if f"{a}+{v}" not in used]
    extra = _draw_speakers("ex", unused, EXTRA_SPEAKERS, seed + 1)  # own stream: the base set stays version 1's
    return base[:-HELD_OUT] + extra + base[-HELD_OUT:]


def _draw_speakers(prefix: str, combos: list[tuple[str, str]], count: int, seed: int) -> list[Speaker]:
    if count > len(combos):
        raise DataError(f"{count} {prefix} speakers asked for, only {len(combos)} accent+variant voices left")
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(combos), size=count, replace=False)
    return [random_speaker(f"{prefix}{i:02d}", *combos[k], rng) for i, k in enumerate(picked)]


def heard_voice(voice: str) -> str:
    """The voice espeak-ng 1.51 actually speaks for ``accent+variant``: it ignores the variant
    after the plain ``en-gb`` name (the corpus keeps such speakers, see the module notes)."""
    accent, _, _ = voice.partition("+")
    return accent if accent == "en-gb" else voice


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
    check_split(split)
    speakers = espeak_speakers(seed)
    folder = cache_root() / "voice" / f"espeak-v{CORPUS_VERSION}-seed{seed}"
    index = folder / "index.json"
    if not index.exists():
        _build_espeak(speakers, folder, seed)
    rows = json.loads(index.read_text())
    held_out = {s.name for s in speakers[-HELD_OUT:]}
    keep = {"train": lambda s: s not in held_out, "held-out": lambda s: s in held_out, "all": lambda s: True}
    return [Utterance(folder / r["file"], r["speaker"], r["text"]) for r in rows if keep[split](r["speaker"])]


def _build_espeak(speakers: list[Speaker], folder: Path, seed: int) -> None:
    if shutil.which("espeak-ng") is None:
        raise DataError("the espeak corpus needs espeak-ng (Debian package espeak-ng)")
    scripts = speaker_sentences(speakers, fortune_sentences(), seed)
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for speaker in speakers:
        (tmp / speaker.name).mkdir(parents=True)
        for j, text in enumerate(scripts[speaker.name]):
            rel = f"{speaker.name}/{j:03d}.wav"
            synthesize(speaker, text, tmp / rel)
            rows.append({"file": rel, "speaker": speaker.name, "text": text})
    (tmp / "index.json").write_text(json.dumps(rows, indent=1))
    (tmp / "speakers.json").write_text(json.dumps([s.__dict__ for s in speakers], indent=1))
    tmp.rename(folder)


def speaker_sentences(speakers: list[Speaker], sentences: list[str], seed: int) -> dict[str, list[str]]:
    """What each speaker says: disjoint sentences for the ``es`` speakers (as in version 1), then
    for each ``ex`` speaker a random draw from the sentences no held-out speaker says."""
    base = [s for s in speakers if s.name.startswith("es")]
    need = len(base) * SENTENCES_PER_SPEAKER
    if len(sentences) < need:
        raise DataError(f"only {len(sentences)} usable sentences in fortunes, need {need}")
    order = np.random.default_rng(seed).permutation(len(sentences))
    scripts = {s.name: [sentences[k] for k in order[i * SENTENCES_PER_SPEAKER:(i + 1) * SENTENCES_PER_SPEAKER]]
               for i, s in enumerate(base)}
    held_out = {t for s in speakers[-HELD_OUT:] for t in scripts[s.name]}
    pool = [t for t in sentences if t not in held_out]
    rng = np.random.default_rng(seed + 2)
    for s in speakers:
        if s.name not in scripts:
            scripts[s.name] = [pool[k] for k in rng.choice(len(pool), size=SENTENCES_PER_SPEAKER, replace=False)]
    return scripts


def synthesize(speaker: Speaker, text: str, wav: Path) -> None:
    """Say ``text`` in ``speaker``'s voice into ``wav`` (22.05 kHz mono)."""
    done = subprocess.run(speaker.command(text, wav), capture_output=True, text=True)
    if done.returncode != 0 or not wav.exists():
        raise DataError(f"espeak-ng failed for voice {speaker.voice}: {done.stderr.strip()[:200]}")


# --- real speech: tuxpaint stamp descriptions ---------------------------------------------------

def tuxpaint_corpus(split: str = "all") -> list[Utterance]:
    """``*_desc[_LANG].ogg`` clips; speaker = language (no suffix = en); text from the stamp's .txt."""
    check_split(split)
    root = package_path("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps")
    utterances = []
    for clip in sorted(root.rglob("*_desc*.ogg")):
        match = re.fullmatch(r"(.+)_desc(?:_([a-z]{2,3}))?\.ogg", clip.name)
        if match is None:
            continue
        language = match.group(2) or "en"
        if split != "all" and (split == "held-out") != tuxpaint_held_out(clip):
            continue
        utterances.append(Utterance(clip, language, _stamp_text(clip.with_name(match.group(1) + ".txt"), language)))
    if not utterances:
        raise DataError(f"{root}: no spoken stamp descriptions found")
    return utterances


def tuxpaint_held_out(clip: Path) -> bool:
    """Whether a clip is in the held-out tenth: a hash of its name, so the split never moves."""
    return hashlib.sha256(clip.name.encode()).digest()[0] < 256 * TUXPAINT_HELD_OUT


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
