"""The measures of the voice benchmark that are ours: word error rate, MCD, the summary."""
import numpy as np
import pytest

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
    keys = ("cos_truth_to_target", "cos_source_to_target", "wer_converted", "wer_resynth", "wer_source",
            "mcd_converted", "mcd_source", "mcd_resynth", "convert_s", "seconds")
    rows = [{**dict.fromkeys(keys, 1.0), "cos_to_target": t, "cos_to_source": s, "mcd_converted": 6.0,
             "mcd_source": 8.0, "wer_converted": 0.3, "wer_resynth": 0.2}
            for t, s in ((0.8, 0.7), (0.6, 0.7), (0.9, 0.5), (0.5, 0.5))]
    summary = voice.summarise(rows)
    assert summary["judged_target"] == 0.5  # a tie is not a win
    assert summary["mcd_reduction"] == pytest.approx(0.25)
    assert summary["wer_increase_points"] == pytest.approx(10.0)


def test_table_footer_names_the_content_code_and_the_adversary_weight():
    tables = load_script("tables")
    assert tables.model_note({"adversary_weight": 0.3}) == ", speaker adversary weight 0.3"
    assert tables.model_note({"adversary_weight": 0.0}) == tables.model_note({}) == ""
    assert tables.model_note({"content_dim": 16, "content_stride": 4, "adversary_weight": 0.3}) == \
        ", content code 16 channels every 4 frames, speaker adversary weight 0.3"
