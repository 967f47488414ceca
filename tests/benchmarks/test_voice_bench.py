"""The measures of the voice benchmark that are ours: word error rate, MCD, the summary."""
import numpy as np
import pytest
import soundfile

from bench_scripts import load_script

voice = load_script("voice")


@pytest.mark.parametrize("reference, hypothesis, expected", [
    ("the cat sat", "the cat sat", 0.0),
    ("The cat, sat!", "the cat sat", 0.0),          # case and punctuation do not count
    ("the cat sat", "the dog sat", 1 / 3),          # substitution
    ("the cat sat", "the sat", 1 / 3),              # deletion
    ("the cat sat", "the big cat sat down", 2 / 3),  # insertions
    ("the cat sat", "", 1.0),
])
def test_word_error_rate(reference, hypothesis, expected):
    assert voice.word_error_rate(reference, hypothesis) == pytest.approx(expected)


def tone(freq, seconds=0.5, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * freq * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def test_mel_cepstral_distortion():
    a, b = tone(200), tone(900)
    assert voice.mel_cepstral_distortion(a, a) == pytest.approx(0.0, abs=1e-6)
    assert voice.mel_cepstral_distortion(a, b) > 1.0
    assert voice.mel_cepstrum(a).shape[0] == voice.N_CEPSTRA


def test_summary_counts_pairs_judged_the_target():
    keys = ("cos_truth_to_target", "cos_source_to_target", "cos_truth_to_source", "cos_truth_to_source_speaker",
            "wer_converted", "wer_resynth", "wer_source", "mcd_converted", "mcd_source", "mcd_resynth", "convert_s",
            "seconds")
    rows = [{**dict.fromkeys(keys, 1.0), "cos_to_target": t, "cos_to_source": s, "cos_to_source_speaker": o,
             "mcd_converted": 6.0, "mcd_source": 8.0, "wer_converted": 0.3, "wer_resynth": 0.2}
            for t, s, o in ((0.8, 0.7, 0.7), (0.6, 0.7, 0.5), (0.9, 0.5, 0.95), (0.5, 0.5, 0.4))]
    rows[0]["cos_truth_to_source"] = 0.5  # the truth closer to the target than to the source recording once
    summary = voice.summarise(rows)
    assert summary["judged_target"] == 0.5  # a tie is not a win
    assert summary["judged_target_vs_source_speaker"] == 0.75  # the other reference of the source voice
    assert summary["truth_judged_target"] == 0.25
    assert summary["truth_judged_target_vs_source_speaker"] == 0.0
    assert summary["mcd_reduction"] == pytest.approx(0.25)
    assert summary["wer_increase_points"] == pytest.approx(10.0)


def test_table_footer_names_the_content_code_and_the_adversary_weight():
    tables = load_script("tables")
    assert tables.model_note({"adversary_weight": 0.3}) == ", speaker adversary weight 0.3"
    assert tables.model_note({"adversary_weight": 0.0}) == tables.model_note({}) == ""
    assert tables.model_note({"content_dim": 16, "content_stride": 4, "adversary_weight": 0.3}) == \
        ", content code 16 channels every 4 frames, speaker adversary weight 0.3"


def test_source_references_are_other_recordings_of_the_source_speaker():
    from types import SimpleNamespace as U

    held_out = [U(speaker=s, path=f"{s}{i}.wav") for s in "ab" for i in range(3)]
    pairs = [(held_out[0], held_out[3]), (held_out[4], held_out[1])]
    references = voice.source_references(held_out, pairs, np.random.default_rng(0))
    for (source, _), reference in zip(pairs, references):
        assert reference.speaker == source.speaker and reference.path != source.path


def test_unit_scores_purity_and_nmi():
    units = np.array([0, 0, 1, 1, 2, 2])
    phones = ["a", "a", "b", "c", "d", "d"]
    scores = voice.unit_scores(units, phones, ["x"] * 3 + ["y"] * 3)
    assert scores["units_used"] == 3
    assert scores["phoneme_purity"] == pytest.approx(5 / 6)  # unit 1 mixes b and c
    assert scores["speaker_purity"] == pytest.approx(5 / 6)  # unit 1 spans both speakers
    assert 0 < scores["phoneme_nmi"] < 1 and 0 <= scores["speaker_nmi"] < scores["phoneme_nmi"]
    assert voice.unit_scores(np.array([0, 1, 0, 1]), ["a", "b", "a", "b"], list("xxyy"))["phoneme_nmi"] == \
        pytest.approx(1.0)


def test_frame_labels_follow_the_phoneme_start_times():
    from bench_scripts import load_script

    espeak = load_script("espeak_phonemes")
    phonemes = [(0.05, "h"), (0.10, "@"), (0.30, "l")]
    labels = espeak.frame_labels(phonemes, np.array([0.0, 0.06, 0.10, 0.2999, 0.5]))
    assert labels == ["h", "h", "@", "@", "l"]  # before the first: the first; a start time belongs to the new one


def test_espeak_reports_phonemes_while_it_speaks():
    from bench_scripts import load_script

    espeak = load_script("espeak_phonemes")
    try:
        wav, rate, phonemes = espeak.speak_with_phonemes("en+m3", 50, 160, "Hello world")
    except OSError:
        pytest.skip("libespeak-ng is not installed")
    starts = [start for start, _ in phonemes]
    assert rate > 8000 and len(wav) > rate // 2 and np.abs(wav).max() > 0.01
    assert len(phonemes) >= 6 and starts == sorted(starts) and starts[-1] < len(wav) / rate
    assert "l" in [name for _, name in phonemes]
    with pytest.raises(ValueError, match="no voice"):
        espeak.speak_with_phonemes("xx-nowhere", 50, 160, "Hello")


def test_speaker_sets_keep_the_base_set_or_add_pitch_variants(fake_espeak, tmp_path, monkeypatch):
    from aekit.voice import corpora

    more = load_script("espeak_more_speakers")
    monkeypatch.setattr(corpora, "fortune_sentences", lambda: [f"Quote {i} is a sentence." for i in range(12)])
    said = fake_espeak
    train, held_out = corpora.load_corpus("espeak", "train"), corpora.load_corpus("espeak", "held-out")
    said.clear()
    assert more.build(tmp_path / "base", base_only=True) == 3 and not said  # linked, nothing synthesised
    assert {d.name for d in (tmp_path / "base").iterdir()} == {u.speaker for u in train if u.speaker.startswith("es")}
    assert all((tmp_path / "base" / u.speaker / u.path.name).is_symlink() for u in train if u.speaker.startswith("es"))
    assert more.build(tmp_path / "varied", pitch_variants=1) == 10  # 5 training speakers, each voice again
    assert len(said) == 5 and all(name.startswith("pv0-") for name in said)
    held_out_texts = {u.text for u in held_out}
    assert all(len(texts) == 3 and not set(texts) & held_out_texts for texts in said.values())
    speakers = {s.name: s.voice for s in corpora.espeak_speakers(0)}
    assert {n.split("-", 1)[1] for n in said} == {speakers[u.speaker].replace("+", "-") for u in train}


def test_speakers_table_reads_every_run_on_three_pair_sets(tmp_path):
    import json

    tables = load_script("tables")
    for i, (_, run) in enumerate(tables.VOICE_SPEAKER_RUNS):
        for j, path in enumerate(tables.speaker_run_paths(tmp_path, run)):
            summary = {"judged_target": 0.8 + 0.01 * j, "mcd_reduction": 0.3, "truth_judged_target": 0.9 + i / 100}
            path.write_text(json.dumps({"summary": summary}))
    assert (tmp_path / "voice.json").exists()  # the default model on the first pair set
    lines = tables.voice_speakers_table(tmp_path).splitlines()
    assert len(lines) == 2 + len(tables.VOICE_SPEAKER_RUNS) + 1
    assert lines[2].endswith("| 80.0% | 81.0% | 82.0% | 81.0% | 30.0% |")
    assert lines[-1] == "| ceiling: espeak's parallel truth | 90.0% | 90.0% | 90.0% | 90.0% | |"
    (tmp_path / "voice-216-speakers-pairs-seed2-strength-1.5.json").unlink()
    row = next(line for line in tables.voice_speakers_table(tmp_path).splitlines() if line.startswith("| 216"))
    assert row.endswith("| 80.0% | 81.0% | — | — | — |")  # a pair set not yet measured
    for path in tmp_path.iterdir():
        path.unlink()
    assert tables.voice_speakers_table(tmp_path) is None  # nothing measured leaves the README as it is


def test_corpus_language_model_is_arpa_of_the_normalised_words(tmp_path):
    pytest.importorskip("pocketsphinx")
    probe = load_script("voice_wer_lm")
    text = probe.build_lm(["The cat sat.", "A dog, it ran!"], tmp_path / "lm.arpa").read_text()
    assert "\\data\\\nngram 1=" in text and "ngram 3=" in text and "\\end\\" in text
    unigrams = text.split("\\1-grams:")[1].split("\\2-grams:")[0].split()
    assert {"the", "cat", "sat", "a", "dog", "it", "ran", "<s>", "</s>"} <= set(unigrams)
    assert "The" not in unigrams and "ran!" not in unigrams  # the words the WER counts


def test_parallel_truth_is_read_back_and_leaves_no_file(tmp_path, monkeypatch):
    from aekit.voice import corpora

    written = []

    def fake_synthesize(speaker, text, wav):
        written.append(wav)
        soundfile.write(wav, tone(300, rate=22050), 22050)

    monkeypatch.setattr(corpora, "synthesize", fake_synthesize)
    truth = voice.parallel_truth(corpora.espeak_speakers(0)[0], "Hello there.")
    assert truth.ndim == 1 and len(truth) > 4000 and np.abs(truth).max() > 0.1  # resampled to 16 kHz
    assert not written[0].exists() and not written[0].parent.exists()
    voice.parallel_truth(corpora.espeak_speakers(0)[0], "Again.")
    assert written[1].parent != written[0].parent  # a folder of its own each time


def test_other_variants_add_unused_voices_one_speaker_each_and_never_plain_en_gb(fake_espeak, tmp_path, monkeypatch):
    from aekit.voice import corpora

    more = load_script("espeak_more_speakers")
    monkeypatch.setattr(corpora, "fortune_sentences", lambda: [f"Quote {i} is a sentence." for i in range(12)])
    monkeypatch.setattr(more, "other_variant_names", lambda: ["Andy", "grandma"])
    said = fake_espeak
    held_out_texts = {u.text for u in corpora.load_corpus("espeak", "held-out")}
    said.clear()
    combos = (len(corpora.ACCENTS) - 1) * 2
    assert more.build(tmp_path / "more", other_variants=100) == 5 + combos  # capped at the voices there are
    assert len(said) == combos and all(name.startswith("ov-") for name in said)
    assert not [n for n in said if n.startswith("ov-en-gb-") and n.count("-") == 3]  # plain en-gb ignores variants
    assert {n.rsplit("-", 1)[1] for n in said} == {"Andy", "grandma"}
    assert all(len(texts) == 3 and not set(texts) & held_out_texts for texts in said.values())


def test_other_variant_names_are_espeak_variants_outside_the_corpus(monkeypatch):
    more = load_script("espeak_more_speakers")
    listing = ("Pty Language Age/Gender VoiceName File Other Languages\n"
               " 7 variant -- Andy !v/Andy\n 7 variant -/M male1 !v/m1\n 7 variant -/F whisper !v/whisper\n")
    monkeypatch.setattr(more.subprocess, "run", lambda *a, **k: type("Done", (), {"stdout": listing})())
    assert more.other_variant_names() == ["Andy"]


def test_misses_table_counts_judged_pairs_by_kind(tmp_path):
    import json

    from aekit.voice.corpora import espeak_speakers

    tables = load_script("tables")
    held = {s.name[:4]: s.name for s in espeak_speakers(0)[-8:]}
    speakers = {s.name: s for s in espeak_speakers(0)}
    assert tables.pair_group(held["es32"], held["es38"], speakers) == "twins"  # both m6, pitch 72 and 75
    assert tables.pair_group(held["es36"], held["es37"], speakers) == "plain-en-gb"
    assert tables.pair_group(held["es37"], held["es36"], speakers) == "other"

    def pair(source, target, judged, truth):
        return {"source": f"{held[source]}/001.wav", "target": f"{held[target]}/002.wav",
                "cos_to_target": 0.8 if judged else 0.6, "cos_to_source": 0.7,
                "cos_truth_to_target": 0.9 if truth else 0.5, "cos_truth_to_source": 0.7}

    pairs = [pair("es32", "es38", False, True), pair("es36", "es37", True, True), pair("es37", "es36", True, False)]
    assert tables.voice_misses_table(tmp_path) is None
    for path in tables.speaker_run_paths(tmp_path, ""):
        path.write_text(json.dumps({"pairs": pairs}))
    lines = tables.voice_misses_table(tmp_path).splitlines()
    assert len(lines) == 4
    assert lines[2].endswith("| 0 / 3 | 3 / 3 | 3 / 3 | 66.7% |")  # each pair once per pair set
    assert lines[3] == "| espeak's parallel truth | 3 / 3 | 3 / 3 | 0 / 3 | 66.7% |"


def test_real_voice_pairs_are_between_speakers_with_another_clip_of_the_source(tmp_path):
    from aekit.voice.corpora import Utterance

    real = load_script("voice_real")
    utterances = []
    for speaker, n in (("fr", 3), ("ro", 2), ("ml", 1)):
        for i in range(n):
            path = tmp_path / f"{speaker}{i}.wav"
            soundfile.write(path, tone(200 + 50 * i, seconds=2.0), 16000)
            utterances.append(Utterance(path, speaker))
    short = tmp_path / "short.wav"
    soundfile.write(short, tone(300, seconds=0.5), 16000)
    utterances.append(Utterance(short, "ro"))
    triples = real.choose(utterances, 12, np.random.default_rng(0))
    assert len(triples) == 12
    for source, target, other in triples:
        assert source.speaker == other.speaker != target.speaker and source.path != other.path
        assert source.speaker != "ml" and short not in (source.path, target.path, other.path)


def test_real_voice_summary_counts_conversions_nearer_the_target_than_the_source():
    real = load_script("voice_real")
    e = {"t": np.array([1.0, 0.0]), "s": np.array([0.0, 1.0]), "o": np.array([0.6, 0.8])}
    near_target, near_source = real.scores(np.array([0.8, 0.6]), e), real.scores(np.array([0.1, 0.99]), e)
    assert near_target == pytest.approx({"cos_to_target": 0.8, "cos_to_source": 0.6, "cos_to_source_speaker": 0.96})
    rows = [near_target, near_source]
    summary = real.summarise(rows, "")
    assert summary["pairs"] == 2 and summary["judged_target"] == 0.5
    assert summary["judged_target_vs_source_speaker"] == 0.0  # near_target is nearer the source's other clip
    named = real.summarise([{k + "_by_name": v for k, v in near_target.items()}], "_by_name")
    assert named["judged_target_by_name"] == 1.0 and named["mean_cos_to_target_by_name"] == pytest.approx(0.8)


def test_real_voice_table_has_a_row_per_model_and_a_scale_row(tmp_path):
    import json

    tables = load_script("tables")
    assert tables.voice_real_table(tmp_path) is None
    pair = {"cos_source_to_other": 0.7, "cos_source_to_target": 0.5}
    one_shot = {"pairs": 40, "judged_target": 0.55, "mean_cos_to_target": 0.475, "mean_cos_to_source": 0.482}
    named = one_shot | {"judged_target_by_name": 0.9, "mean_cos_to_target_by_name": 0.6,
                        "mean_cos_to_source_by_name": 0.4}
    (tmp_path / "voice-real.json").write_text(
        json.dumps({"model": "espeak", "corpus": "espeak", "steps": 14500, "summary": one_shot, "pairs": [pair]}))
    (tmp_path / "voice-real-tuxpaint.json").write_text(
        json.dumps({"model": "runs/tux", "corpus": "tuxpaint", "steps": 900, "summary": named, "pairs": [pair]}))
    lines = tables.voice_real_table(tmp_path).splitlines()
    assert len(lines) == 5
    assert lines[2] == "| espeak, 14500 steps: shipped | 40 | 55% | — | 0.475 / 0.482 | — |"
    assert lines[3] == "| tuxpaint, 900 steps | 40 | 55% | 90% | 0.475 / 0.482 | 0.600 / 0.400 |"
    assert lines[4].startswith("| for scale") and "0.700 / 0.500" in lines[4]


def test_unheard_table_says_which_models_heard_the_voices_and_names_what_they_left_out(tmp_path):
    import json

    tables = load_script("tables")
    assert tables.voice_unheard_table(tmp_path) is None
    (tmp_path / "voice-real-unheard").mkdir()
    pair = {"cos_source_to_other": 0.7, "cos_source_to_target": 0.5}
    one_shot = {"pairs": 40, "judged_target": 0.5, "mean_cos_to_target": 0.5, "mean_cos_to_source": 0.45}
    named = one_shot | {"judged_target_by_name": 1.0, "mean_cos_to_target_by_name": 0.6,
                        "mean_cos_to_source_by_name": 0.4}
    common = {"corpus": "espeak+tuxpaint", "steps": 12000, "adversary_weight": 0.0, "speakers": "fr,ru", "seed": 0,
              "pairs": [pair]}
    for name, extra in (("joint", {"summary": named}),
                        ("without", {"summary": one_shot, "excluded_speakers": ["fr", "ru"]})):
        (tmp_path / "voice-real-unheard" / f"{name}.json").write_text(
            json.dumps(common | extra | {"model": f"runs/{name}"}))
    lines = tables.voice_unheard_table(tmp_path).splitlines()
    assert lines[2] == ("| espeak+tuxpaint, 12000 steps, no adversary | yes | 40 | 50% | 100% | 0.500 / 0.450 | "
                        "0.600 / 0.400 |")
    assert lines[3].startswith("| espeak+tuxpaint, 12000 steps, no adversary, without fr, ru | no | 40 | 50% | — |")
    assert lines[4].startswith("| for scale") and lines[4].count("|") == lines[2].count("|")


def test_strength_table_shows_strengths_measured_on_all_three_pair_sets(tmp_path):
    import json

    tables = load_script("tables")
    assert tables.voice_strength_table(tmp_path) is None
    for strength, share in ((1.5, 0.8), (1.75, 0.9)):
        for path in tables.speaker_run_paths(tmp_path, "", strength):
            path.write_text(json.dumps({"summary": {"judged_target": share, "mcd_reduction": 0.25,
                                                    "mean_cos_to_target": 0.7, "mean_cos_to_source": 0.6}}))
    tables.speaker_run_paths(tmp_path, "", 2.0)[0].write_text("{}")  # one pair set only: no row yet
    assert (tmp_path / "voice.json").exists() and (tmp_path / "voice-pairs-seed2-strength-1.75.json").exists()
    lines = tables.voice_strength_table(tmp_path).splitlines()
    assert lines[2:] == ["| 1.5 | 80.0% | 80.0% | 80.0% | 80.0% | 25.0% | 0.700 / 0.600 |",
                         "| 1.75 | 90.0% | 90.0% | 90.0% | 90.0% | 25.0% | 0.700 / 0.600 |"]


def test_real_voice_pair_is_converted_one_shot_and_by_name_only_when_asked(tmp_path):
    from aekit.voice.corpora import Utterance

    real = load_script("voice_real")
    clips = []
    for name, speaker, freq in (("source", "fr", 200), ("target", "ro", 300), ("other", "fr", 250)):
        soundfile.write(tmp_path / f"{name}.wav", tone(freq, seconds=2.0), 16000)
        clips.append(Utterance(tmp_path / f"{name}.wav", speaker))

    class Model:
        calls = []

        def convert(self, path, target=None, target_speaker=None):
            self.calls.append((target, target_speaker))
            return np.full(16000, 0.1, np.float32)

    class Judge:
        def embed(self, wav):
            v = np.array([np.abs(wav).mean(), wav.std() + 0.01])
            return v / np.linalg.norm(v)

    row, wavs = real.measure(Model(), Judge(), *clips, by_name=True)
    assert set(wavs) == {"source", "target", "converted", "converted-by-name"}
    assert Model.calls == [(clips[1].path, None), (None, "ro")]
    assert row["source_speaker"] == "fr" and row["target_speaker"] == "ro"
    assert row["cos_to_target_by_name"] == pytest.approx(row["cos_to_target"])  # the same conversion here
    row, wavs = real.measure(Model(), Judge(), *clips, by_name=False)
    assert "converted-by-name" not in wavs and not [k for k in row if k.endswith("_by_name")]
