import json

import pytest

from aekit.errors import DataError
from aekit.voice import corpora


@pytest.fixture
def fortunes(tmp_path, monkeypatch):
    folder = tmp_path / "fortunes"
    folder.mkdir()
    quotes = [f"Quote number {word} is a short and sensible sentence." for word in
              ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")]
    rejects = ["Too short.", "Has digits 42 in it, which we do not keep here.", "  -- attribution without end"]
    for i, name in enumerate(corpora.FORTUNE_FILES):
        chunk = quotes[i::len(corpora.FORTUNE_FILES)] + (rejects if i == 0 else []) + (quotes[:1] if i == 1 else [])
        (folder / name).write_text("\n%\n".join(chunk) + "\n%\n")
    monkeypatch.setattr(corpora, "package_path", lambda package, inner: folder)
    return quotes


def test_fortune_sentences_keep_short_clean_unique_quotes(fortunes):
    assert sorted(corpora.fortune_sentences()) == sorted(fortunes)


def test_espeak_corpus_is_non_parallel_and_holds_speakers_out(fortunes, fake_espeak):
    said = fake_espeak
    train, held_out = corpora.espeak_corpus("train"), corpora.espeak_corpus("held-out")
    base = [t for name, texts in said.items() if name.startswith("es") for t in texts]
    assert len(base) == 12 and len(set(base)) == 12  # the first speakers say different sentences
    extra = {name: texts for name, texts in said.items() if name.startswith("ex")}
    held_out_texts = {u.text for u in held_out}
    assert len(extra) == 2 and all(len(set(t)) == 3 and not set(t) & held_out_texts for t in extra.values())
    assert len({u.speaker for u in train}) == 5 and len({u.speaker for u in held_out}) == 1
    assert {u.speaker for u in held_out} == {corpora.espeak_speakers(0)[-1].name}
    assert all(u.path.exists() for u in train + held_out) and len(corpora.espeak_corpus("all")) == 18
    assert sum(map(len, said.values())) == 18  # built once, then read from the cache
    with pytest.raises(DataError, match="unknown split"):
        corpora.espeak_corpus("test")


def test_tuxpaint_clips_get_language_and_transcript(tmp_path, monkeypatch):
    stamps = tmp_path / "stamps" / "animals"
    stamps.mkdir(parents=True)
    (stamps / "frog.txt").write_text("A frog.\nfr.utf8=Une grenouille.\nes.utf8=Una rana.\n")
    for name in ("frog_desc.ogg", "frog_desc_fr.ogg", "frog_desc_de.ogg", "frog.ogg"):
        (stamps / name).write_bytes(b"")
    monkeypatch.setattr(corpora, "package_path", lambda package, inner: tmp_path / "stamps")
    found = {u.speaker: u.text for u in corpora.tuxpaint_corpus()}
    assert found == {"en": "A frog.", "fr": "Une grenouille.", "de": None}


def test_speakers_are_seeded_and_extra_ones_use_unused_voices(tmp_path):
    a, b = corpora.espeak_speakers(0), corpora.espeak_speakers(0)
    assert a == b and len({s.name for s in a}) == corpora.N_SPEAKERS + corpora.EXTRA_SPEAKERS
    assert len({s.voice for s in a}) == len(a)  # every speaker its own accent+variant
    base = [s for s in a if s.name.startswith("es")]
    assert base[-corpora.HELD_OUT:] == a[-corpora.HELD_OUT:]  # held out: the last of the first set
    assert corpora.espeak_speakers(1) != a
    assert json.dumps([s.__dict__ for s in a])  # stored in speakers.json


def test_heard_voice_drops_the_variant_only_after_plain_en_gb():
    from aekit.voice.corpora import heard_voice

    assert heard_voice("en-gb+f3") == "en-gb"
    assert heard_voice("en-gb-scotland+f3") == "en-gb-scotland+f3" and heard_voice("en-us+m1") == "en-us+m1"


@pytest.fixture
def stamps(tmp_path, monkeypatch):
    """A fake tuxpaint stamp folder: 40 stamps, each described in English and French."""
    folder = tmp_path / "stamps"
    folder.mkdir()
    for i in range(40):
        (folder / f"stamp{i}.txt").write_text(f"Stamp {i}.\nfr.utf8=Tampon {i}.\n")
        for name in (f"stamp{i}_desc.ogg", f"stamp{i}_desc_fr.ogg"):
            (folder / name).write_bytes(b"")
    others = corpora.package_path  # e.g. the fortunes fixture's, when that one comes first
    monkeypatch.setattr(corpora, "package_path", lambda package, inner:
                        folder if package == "tuxpaint-stamps-default" else others(package, inner))
    return folder


def test_tuxpaint_holds_a_fixed_tenth_of_each_speakers_clips_out(stamps):
    train, held_out = corpora.load_corpus("tuxpaint", "train"), corpora.load_corpus("tuxpaint", "held-out")
    everything = corpora.load_corpus("tuxpaint", "all")
    assert {u.path for u in train} | {u.path for u in held_out} == {u.path for u in everything}
    assert not {u.path for u in train} & {u.path for u in held_out}
    assert 0 < len(held_out) < len(everything) / 4 and {u.speaker for u in held_out} == {"en", "fr"}
    assert all(corpora.tuxpaint_held_out(u.path) for u in held_out)
    assert [u.path for u in corpora.tuxpaint_corpus("held-out")] == [u.path for u in held_out]  # never moves
    with pytest.raises(DataError, match="unknown split"):
        corpora.tuxpaint_corpus("test")


def test_built_in_corpora_join_with_plus(fortunes, fake_espeak, stamps):
    joined = corpora.load_corpus("espeak+tuxpaint", "held-out")
    alone = corpora.load_corpus("espeak", "held-out") + corpora.load_corpus("tuxpaint", "held-out")
    assert joined == alone and {"en", "fr"} < {u.speaker for u in joined}
    assert corpora.load_corpus("tuxpaint+tuxpaint") == corpora.load_corpus("tuxpaint")  # named twice, read once
    with pytest.raises(DataError, match="espeak\\+nope"):
        corpora.load_corpus("espeak+nope")


def test_without_speakers_drops_only_the_named_ones_and_rejects_unknown_names(tmp_path):
    utterances = [corpora.Utterance(tmp_path / f"{s}{i}.wav", s) for s in ("fr", "ru", "en") for i in range(2)]
    kept = corpora.without_speakers(utterances, ("fr", "en"))
    assert [u.path.name for u in kept] == ["ru0.wav", "ru1.wav"]
    assert corpora.without_speakers(utterances, ()) == utterances
    with pytest.raises(DataError, match="unknown speaker.*: de"):
        corpora.without_speakers(utterances, ("fr", "de"))
