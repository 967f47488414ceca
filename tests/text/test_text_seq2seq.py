"""Seq2seq fine-tuning: BERT2BERT initialisation from an mlm model, row layout, a tiny
fine-tune with save/reload, the reuters-headline rule and split, and the CLI's errors."""
import json

import pytest
import torch
from text_fixtures import OBJECTS, TINY, VERBS, sentences

from aekit.cli import main
from aekit.errors import ConfigError, OutputExistsError
from aekit.text.bart import BART
from aekit.text.documents import Document
from aekit.text.gpt import GPT
from aekit.text.labelled import Example
from aekit.text.mlm import MaskedLanguageModel
from aekit.text.saving import save_text_model
from aekit.text.seq2seq import (default_init, encode_pairs, evaluate_seq2seq, finetune_seq2seq, init_from_mlm,
                                load_seq2seq, predict, rouge_l, seq2seq_model)
from aekit.text.labelled import headline_examples
from aekit.text.tasks import TaskData, task_split
from aekit.text.tokenizer import BOS_ID, CLS_ID, EOS_ID, PAD_ID, SEP_ID

L = TINY["max_len"]
FAST = dict(epochs=2, batch_size=16, lr=2e-3, progress=False, patience=None, seed=0)


def _save(path, model, tokenizer):
    save_text_model(path, model, tokenizer)
    return path


@pytest.fixture
def mlm_dir(tmp_path, tokenizer):
    torch.manual_seed(0)
    return _save(tmp_path / "mlm", MaskedLanguageModel(tokenizer.vocab_size, **TINY), tokenizer)


# ------------------------------------------------------------------ BERT2BERT


@pytest.mark.parametrize("pair_task", [None, "sop"])
def test_mlm_init_copies_the_encoder_and_the_decoder_layers_but_not_cross_attention(pair_task, tokenizer, tmp_path):
    torch.manual_seed(1)
    mlm = MaskedLanguageModel(tokenizer.vocab_size, **TINY, pair_task=pair_task)
    bart, tok = seq2seq_model(_save(tmp_path / "m", mlm, tokenizer), "mlm", seed=3)
    assert tok.fingerprint == tokenizer.fingerprint and bart.config["n_layers"] == TINY["n_layers"]
    for key, value in mlm.encoder.state_dict().items():
        assert torch.equal(bart.encoder.state_dict()[key], value), key
    token, mlm_token = bart.embedding.token.weight, mlm.embedding.token.weight
    assert torch.equal(token[BOS_ID], mlm_token[CLS_ID]) and torch.equal(token[EOS_ID], mlm_token[SEP_ID])
    others = [i for i in range(len(token)) if i not in (BOS_ID, EOS_ID)]
    assert torch.equal(token[others], mlm_token[others])
    for block, source in zip(bart.decoder.blocks, mlm.encoder.blocks):
        assert torch.equal(block.self_attention.query.weight, source.self_attention.query.weight)
        assert torch.equal(block.mlp[0].weight, source.mlp[0].weight)
        assert not torch.equal(block.cross_attention.query.weight, source.self_attention.query.weight)
    torch.manual_seed(3)  # cross-attention keeps the seeded BART initialisation
    fresh = BART(**{k: mlm.config[k] for k in ("vocab_size", "max_len", "d_model", "n_layers", "n_heads", "dropout")})
    assert torch.equal(bart.decoder.blocks[0].cross_attention.key_value.weight,
                       fresh.decoder.blocks[0].cross_attention.key_value.weight)
    # The encoder computes what the MLM computed on [CLS] text [SEP] (segment 0 folded in for SOP).
    ids = tokenizer.encode("The farmer sold wheat.")
    mlm.eval(), bart.eval()
    expected = mlm.encode(torch.tensor([[CLS_ID] + ids + [SEP_ID]]))
    assert torch.allclose(bart.encode(torch.tensor([bart.wrap(ids)])), expected, atol=1e-5)


def test_sizes_and_model_kinds_that_do_not_fit_are_refused(mlm_dir, tokenizer, tmp_path):
    mlm = MaskedLanguageModel(tokenizer.vocab_size, **TINY)
    with pytest.raises(ConfigError, match="n_layers is 3 in the BART and 2 in the MLM"):
        init_from_mlm(BART(tokenizer.vocab_size, **{**TINY, "n_layers": 3}), mlm)
    with pytest.raises(ConfigError, match="d_model is 16 in the BART and 32 in the MLM"):
        init_from_mlm(BART(tokenizer.vocab_size, **{**TINY, "d_model": 16}), mlm)
    with pytest.raises(ConfigError, match="unknown init 'bert'; choose from bart, mlm, scratch"):
        seq2seq_model(mlm_dir, "bert")
    with pytest.raises(ConfigError, match="init 'bart' needs a pretrained bart model; this is a mlm model"):
        seq2seq_model(mlm_dir, "bart")
    gpt_dir = _save(tmp_path / "gpt", GPT(tokenizer.vocab_size, **TINY), tokenizer)
    with pytest.raises(ConfigError, match="a gpt model cannot start a seq2seq model"):
        default_init(gpt_dir)
    assert default_init(mlm_dir) == "mlm"
    scratch, _ = seq2seq_model(gpt_dir, "scratch")  # the sizes of any text model
    assert scratch.config["d_model"] == TINY["d_model"] and scratch.config["n_layers"] == TINY["n_layers"]
    assert not torch.equal(scratch.embedding.token.weight, seq2seq_model(mlm_dir, "mlm")[0].embedding.token.weight)


# ------------------------------------------------------------------ rows, metric


def test_rows_hold_the_wrapped_source_then_the_wrapped_target(tokenizer):
    rows = encode_pairs([Example("d", "grain " * 40, "wheat up")], tokenizer, L)
    source, target = rows[0, :L].tolist(), rows[0, L:].tolist()
    assert rows.shape == (1, 2 * L) and source[0] == BOS_ID and source[-1] == EOS_ID  # cut to max_len - 2
    wheat_up = tokenizer.encode("wheat up")
    assert target[:len(wheat_up) + 2] == [BOS_ID] + wheat_up + [EOS_ID] and set(target[len(wheat_up) + 2:]) == {PAD_ID}
    assert encode_pairs([], tokenizer, L).shape == (0, 2 * L)


def test_rouge_l_on_hand_made_pairs():
    assert rouge_l("Wheat prices rise", "wheat prices rise.") == 1.0
    assert rouge_l("prices of wheat rise", "wheat prices rise") == pytest.approx(2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3))
    assert rouge_l("", "wheat") == 0.0 and rouge_l("corn", "wheat") == 0.0


# ------------------------------------------------------------------ fine-tune, save, reload


def _headline_data(n=120):
    """Source: a sentence; target: its verb and grain (readable from the source)."""
    examples = []
    for i, text in enumerate(sentences(n, seed=5)):
        words = text.lower().rstrip(".").split()
        target = " ".join(w for w in words if w in VERBS or w in OBJECTS)
        examples.append(Example(f"doc-{i}", text, target, where=f"doc-{i}"))
    return TaskData("toy-headlines", "seq2seq", examples)


def test_finetune_lowers_the_loss_and_the_saved_model_reloads_to_the_same_outputs(mlm_dir, tmp_path):
    data = _headline_data()
    model, history, metrics = finetune_seq2seq(mlm_dir, data, tmp_path / "s2s", init="mlm", trainer_args=FAST)
    assert len(history) == 2 and history[1]["train_loss"] < history[0]["train_loss"] and "val_loss" in history[0]
    assert set(metrics) == {"loss", "perplexity", "rouge_l", "examples"}
    assert metrics["examples"] == len(data.split("test")) and 0 <= metrics["rouge_l"] <= 1
    assert sorted(p.name for p in (tmp_path / "s2s").iterdir()) == ["config.json", "metrics.csv", "model.safetensors",
                                                                    "tokenizer.json"]
    loaded, tokenizer, config = load_seq2seq(tmp_path / "s2s")
    assert config["seq2seq"]["init"] == "mlm" and config["seq2seq"]["test_metrics"] == metrics
    sources = [ex.text for ex in data.split("test")]
    assert predict(loaded, tokenizer, sources) == predict(model, tokenizer, sources)
    assert evaluate_seq2seq(loaded, tokenizer, data.split("test")) == pytest.approx(metrics)
    assert not (tmp_path / "s2s.partial").exists()
    with pytest.raises(OutputExistsError):
        finetune_seq2seq(mlm_dir, data, tmp_path / "s2s", init="mlm", trainer_args=FAST)
    with pytest.raises(ConfigError, match="not a seq2seq model"):
        load_seq2seq(mlm_dir)


# ------------------------------------------------------------------ the reuters-headline dataset


def test_headline_rule_gives_body_and_lower_cased_headline_split_by_document():
    docs = [Document(f"reuters:{i}", "", {"headline": f"WHEAT  EXPORTS\nRISE {i}", "body": f"Body of article {i}."})
            for i in range(300)]
    docs += [Document("reuters:no-body", "", {"headline": "X", "body": ""}), Document("reuters:none", "text", {})]
    examples = headline_examples(docs)
    assert len(examples) == 300
    assert (examples[7].text, examples[7].text_b, examples[7].doc_id) == ("Body of article 7.", "wheat exports rise 7",
                                                                           "reuters:7")
    data = TaskData("reuters-headline", "seq2seq", examples)
    parts = {s: {e.doc_id for e in data.split(s)} for s in ("train", "validation", "test")}
    assert all(parts.values()) and sum(map(len, parts.values())) == 300
    assert all(task_split(doc_id) == split for split, ids in parts.items() for doc_id in ids)


# ------------------------------------------------------------------ CLI


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def reuters_cache(tmp_path, monkeypatch):
    """A fixture copy of the Reuters source (no network): ALL-CAPS headline, then the body."""
    rows = []
    for i in range(60):
        grain = OBJECTS[i % len(OBJECTS)]
        rows.append(f"'{grain.upper()} REPORT NUMBER {i} {' '.join(sentences(2, seed=i))} The {grain} market "
                    "was calm.\\n Reuter\\n&#3;',1")
    folder = tmp_path / "cache" / "text" / "weka"
    folder.mkdir(parents=True)
    (folder / "train.arff").write_text("@relation 'grain'\n\n@attribute Text string\n@attribute class {0,1}\n\n"
                                       "@data\n\n" + "\n".join(rows) + "\n")
    (folder / "test.arff").write_text("@relation 'grain'\n\n@attribute Text string\n@attribute class {0,1}\n\n@data\n")
    (folder / "source.json").write_text("{}")
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))


def test_cli_finetunes_evaluates_and_generates_on_reuters_headlines(reuters_cache, mlm_dir, tmp_path, capsys):
    from aekit.text.corpora import load_corpus
    from aekit.text.tasks import load_task_data

    data = load_task_data("reuters-headline", "seq2seq")
    first = data.examples[0]
    assert first.text_b == "wheat report number 0" and first.text.endswith("The wheat market was calm.")
    held_out = {d.id for d in load_corpus("reuters").documents("validation")}  # pretraining's held-out share
    assert {e.doc_id for e in data.split("test")} == held_out
    out = tmp_path / "s2s"
    assert run("text", "finetune", mlm_dir, "reuters-headline", "--task", "seq2seq", "-o", out,
               "--epochs", "1", "--batch-size", "16") == 0
    printed = capsys.readouterr().out
    assert "saved seq2seq model (mlm init" in printed and "rouge_l" in printed
    assert json.loads((out / "config.json").read_text())["model"] == "bart"
    assert run("text", "eval", out, "reuters-headline", "--split", "validation") == 0
    assert "perplexity" in capsys.readouterr().out
    assert run("text", "generate", out, "--prompt", "The farmer sold wheat.", "--max-tokens", "5") == 0


def test_cli_errors_are_one_line_exit_code_2_and_leave_nothing(mlm_dir, tmp_path, capsys):
    out = tmp_path / "s2s"
    cases = [(["--init", "bert"], "unknown init 'bert'"),
             (["--init", "bart"], "init 'bart' needs a pretrained bart model"),
             (["--init", "mlm", "--scratch"], "--scratch contradicts --init mlm")]
    for extra, message in cases:
        assert run("text", "finetune", mlm_dir, "reuters-headline", "--task", "seq2seq", "-o", out, *extra) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err
    assert run("text", "finetune", mlm_dir, "reuters-headline", "--task", "cls", "--init", "mlm", "-o", out) == 2
    assert "--init is for --task seq2seq" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "s2s.partial").exists()
    assert run("text", "finetune", mlm_dir, "reuters-headline", "--task", "seq2seq", "-o", mlm_dir) == 2
    assert "already exists" in capsys.readouterr().err
