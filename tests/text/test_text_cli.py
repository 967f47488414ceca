"""``aekit text ...`` end to end on a tiny corpus: outputs, exit codes, no partial files."""
import json

import numpy as np
import pytest

from aekit.cli import main

TINY_ARGS = ["--vocab-size", "300", "--max-len", "32", "--d-model", "32", "--layers", "2", "--heads", "2",
             "--epochs", "2", "--batch-size", "8"]


def run(*args):
    return main([str(a) for a in args])


def test_tokenizer_command(corpus_file, tmp_path, capsys):
    assert run("text", "tokenizer", corpus_file, "-o", tmp_path / "tok", "--kind", "wordpiece",
               "--vocab-size", "200") == 0
    assert [p.name for p in (tmp_path / "tok").iterdir()] == ["tokenizer.json"]
    assert "wordpiece tokenizer" in capsys.readouterr().out
    assert run("text", "tokenizer", corpus_file, "-o", tmp_path / "tok") == 2
    assert "already exists" in capsys.readouterr().err


@pytest.fixture
def gpt_dir(corpus_file, tmp_path):
    assert run("text", "pretrain", corpus_file, "--objective", "gpt", "-o", tmp_path / "gpt", *TINY_ARGS) == 0
    return tmp_path / "gpt"


def test_pretrain_generate_embed(capsys, gpt_dir, tmp_path):  # capsys first: it sees the fixture
    assert "saved gpt model" in capsys.readouterr().out
    assert run("text", "generate", gpt_dir, "--prompt", "The farmer", "--max-tokens", "5", "--seed", "2") == 0
    first = capsys.readouterr().out
    assert run("text", "generate", gpt_dir, "--prompt", "The farmer", "--max-tokens", "5", "--seed", "2") == 0
    assert capsys.readouterr().out == first
    assert run("text", "embed", gpt_dir, "grain prices", "a bank", "--layer", "1") == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 2 and len(rows[0].split(",")) == 32
    assert run("text", "embed", gpt_dir, "grain prices", "-o", tmp_path / "v.npy") == 0
    assert np.load(tmp_path / "v.npy").shape == (1, 32)


def test_pretrain_with_a_given_tokenizer_and_mlm_pairs(corpus_file, tmp_path):
    assert run("text", "tokenizer", corpus_file, "-o", tmp_path / "tok", "--vocab-size", "300") == 0
    assert run("text", "pretrain", corpus_file, "--objective", "mlm", "--pair-task", "sop", "--tokenizer",
               tmp_path / "tok", "-o", tmp_path / "mlm", *TINY_ARGS) == 0
    assert run("text", "embed", tmp_path / "mlm", "wheat", "--pool", "cls") == 0
    # continued pretraining, into a new folder; the pretrained model's objective is kept
    assert run("text", "pretrain", corpus_file, "--objective", "mlm", "--init-from", tmp_path / "mlm",
               "-o", tmp_path / "mlm2", *TINY_ARGS) == 0
    assert json.loads((tmp_path / "mlm2" / "config.json").read_text())["continued_from"]["epochs"] > 0
    assert run("text", "pretrain", corpus_file, "--objective", "gpt", "--init-from", tmp_path / "mlm",
               "-o", tmp_path / "gpt2", *TINY_ARGS) == 2
    assert not (tmp_path / "gpt2").exists()


def test_user_errors_are_one_line_and_leave_nothing(corpus_file, tmp_path, capsys):
    out = tmp_path / "m"
    assert run("text", "pretrain", corpus_file, "--objective", "bert", "-o", out, *TINY_ARGS) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown text objective 'bert'" in err
    assert run("text", "pretrain", tmp_path / "missing.txt", "--objective", "gpt", "-o", out) == 2
    assert "unknown corpus" in capsys.readouterr().err
    (tmp_path / "garbage.txt").write_bytes(b"\xff\xfe\x00\x01" * 64)
    assert run("text", "pretrain", tmp_path / "garbage.txt", "--objective", "gpt", "-o", out, *TINY_ARGS) == 2
    assert "no text" in capsys.readouterr().err
    assert run("text", "pretrain", corpus_file, "--objective", "gpt", "--noise", "mask", "-o", out) == 2
    assert "--noise" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "m.partial").exists()


def test_generate_needs_a_generator(corpus_file, tmp_path, capsys):
    assert run("text", "pretrain", corpus_file, "--objective", "mlm", "-o", tmp_path / "mlm", *TINY_ARGS) == 0
    assert run("text", "generate", tmp_path / "mlm", "--prompt", "x") == 2
    assert "does not generate text" in capsys.readouterr().err


def test_corpora_listing(capsys):
    assert run("text", "corpora") == 0
    out = capsys.readouterr().out
    assert "reuters" in out and "people-daily" in out and "Debian package weka" in out
