"""The content measure of the voice benchmarks: true phonemes per log-mel frame and the reader."""
import numpy as np
import pytest

from bench_scripts import load_script

content = load_script("voice_content")


def test_frame_features_stack_normalised_neighbours():
    mel = np.arange(2 * 6, dtype=np.float32).reshape(2, 6) ** 1.5
    X = content.frame_features(mel, context=1)
    assert X.shape == (6, 2 * 3)
    x = (mel - mel.mean(axis=1, keepdims=True)) / (mel.std(axis=1, keepdims=True) + 1e-3)
    assert np.allclose(X[2], np.concatenate([x[:, 1], x[:, 2], x[:, 3]]))  # frame 2: its left, itself, its right
    assert np.allclose(X[0, :2], x[:, 0])  # edges repeat the first frame
    assert np.allclose(content.frame_features(mel * 3 + 5, context=1), X, atol=1e-3)  # gain and offset removed


def test_frame_phonemes_account_for_the_trimmed_silence():
    phonemes = [(0.0, "_"), (0.5, "h"), (0.6, "@")]
    hop = 256 / 16000
    labels = content.frame_phonemes(phonemes, 4, offset=0.5 - hop / 2)  # frame 1 is centred at 0.5 + hop / 2
    assert labels == ["_", "h", "h", "h"]
    assert content.frame_phonemes(phonemes, 1, offset=0.61) == ["@"]


def test_trim_offset_is_the_leading_silence_the_loader_cuts():
    wav = np.zeros(16000, np.float32)
    wav[8000:12000] = 0.5 * np.sin(np.arange(4000) * 0.3)
    assert 0.4 <= content.trim_offset(wav) <= 0.5  # librosa trims in whole frames


def test_reader_learns_separable_frames_and_the_summary_compares_with_the_vocoded_source():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, (200, 4)), rng.normal(4, 1, (200, 4))])
    reader = content.PhonemeReader(X, ["a"] * 200 + ["b"] * 200, epochs=5)
    assert reader.names == ["a", "b"] and np.mean(np.array(reader.read(X)) == ["a"] * 200 + ["b"] * 200) > 0.95
    rows = [{"source_accuracy": 0.8, "resynth_accuracy": 0.7, "converted_accuracy": {"1.0": 0.6, "2.0": 0.5},
             "truth_accuracy": 0.8},
            {"source_accuracy": 0.8, "resynth_accuracy": 0.7, "converted_accuracy": {"1.0": 0.7, "2.0": 0.5},
             "truth_accuracy": 0.6}]
    summary = content.summarise(rows)
    assert summary["truth_accuracy"] == pytest.approx(0.7)
    assert summary["strength 1.0"]["converted_accuracy"] == pytest.approx(0.65)
    assert abs(summary["strength 1.0"]["drop_points_vs_resynth"] - 5.0) < 1e-9 and summary["strength 1.0"]["met"]
    assert abs(summary["strength 2.0"]["drop_points_vs_resynth"] - 20.0) < 1e-9 and not summary["strength 2.0"]["met"]


def test_content_table_marks_the_default_strength_against_the_target():
    tables = load_script("tables")
    summary = {"source_accuracy": 0.8, "resynth_accuracy": 0.75, "truth_accuracy": 0.7, "target_max_drop_points": 15,
               "strength 1.0": {"converted_accuracy": 0.7, "drop_points_vs_resynth": 5.0, "met": True},
               "strength 1.5": {"converted_accuracy": 0.55, "drop_points_vs_resynth": 20.0, "met": False}}
    lines = tables.voice_content_table({"summary": summary, "strengths": [1.0, 1.5],
                                        "reader": {"most_common_phoneme_share": 0.1}}).splitlines()
    assert lines[4] == "| converted, strength 1 | 70.0% | 5.0 |"
    assert lines[5] == "| converted, strength 1.5 (the default) | 55.0% | 20.0 (target ≤ 15: **missed**) |"
    assert len(lines) == 8 and lines[-1].endswith("| 10.0% | |")
