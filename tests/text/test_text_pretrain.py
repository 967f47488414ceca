"""Blocks, pretraining through the Trainer, model folders, resume after a kill, inference."""
import json

import numpy as np
import pytest
import torch
from text_fixtures import TINY

from aekit.errors import DataError, ModelFileError, OutputExistsError
from aekit.text.blocks import make_blocks, packed_blocks, pair_blocks, window_blocks
from aekit.text.corpora import load_corpus
from aekit.text.inference import embed_texts, generate_text
from aekit.text.pretrain import partial_dir, pretrain
from aekit.text.saving import load_text_model
from aekit.text.tokenizer import BOS_ID, CLS_ID, EOS_ID, PAD_ID, SEP_ID, TOKENIZER_NAME, TextTokenizer

FAST = dict(epochs=3, batch_size=8, progress=False, patience=None, seed=1)

# ------------------------------------------------------------------ blocks


def test_packed_gpt_blocks_keep_every_token():
    docs = [[10, 11, 12], [20, 21], [30] * 7]
    blocks = packed_blocks(docs, 5, "gpt")
    stream = [t for d in docs for t in [BOS_ID] + d + [EOS_ID]]
    assert blocks.shape == (4, 5)
    assert blocks.flatten().tolist()[:len(stream)] == stream
    assert (blocks.flatten()[len(stream):] == PAD_ID).all()


def test_packed_mlm_blocks_are_wrapped_in_cls_and_sep():
    blocks = packed_blocks([[10, 11, 12, 13, 14]], 6, "mlm")
    assert blocks.tolist() == [[CLS_ID, 10, 11, 12, 13, SEP_ID], [CLS_ID, 14, SEP_ID, SEP_ID, PAD_ID, PAD_ID]]


def test_long_documents_are_windowed_not_truncated():
    doc = list(range(10, 30))
    blocks = window_blocks([doc, [40]], 8)
    assert blocks.shape == (5, 8)
    content = [t for row in blocks[:4].tolist() for t in row if t not in (BOS_ID, EOS_ID, PAD_ID)]
    assert content == doc
    assert blocks[4].tolist() == [BOS_ID, 40, EOS_ID] + [PAD_ID] * 5


def test_pair_blocks_layout():
    blocks = pair_blocks([list(range(10, 17)), [50], [60, 61]], 10)  # n = 3: windows of 6 tokens
    # the one-token window [16] and the one-token document [50] are dropped; short halves are padded
    assert blocks.tolist() == [[CLS_ID, 10, 11, 12, SEP_ID, 13, 14, 15, SEP_ID],
                               [CLS_ID, 60, PAD_ID, PAD_ID, SEP_ID, 61, PAD_ID, PAD_ID, SEP_ID]]


def test_make_blocks_from_texts(tokenizer, texts):
    blocks = make_blocks(tokenizer, texts, "packed", 33, "gpt")
    assert blocks.dtype == torch.long and blocks.shape[1] == 33
    n_tokens = sum(len(tokenizer.encode(t)) + 2 for t in texts)
    assert int((blocks != PAD_ID).sum()) == n_tokens


# ------------------------------------------------------------------ pretraining


def run(corpus_file, out, objective="gpt", **kw):
    settings = dict(vocab_size=300, model_args=dict(TINY), trainer_args=dict(FAST))
    for key in ("model_args", "trainer_args"):
        settings[key].update(kw.pop(key, {}))
    settings.update(kw)
    return pretrain(load_corpus(corpus_file, val_fraction=0.2), objective, out, **settings)


def weights(model):
    return torch.cat([p.detach().flatten() for p in model.state_dict().values()])


@pytest.mark.parametrize("objective", ["gpt", "mlm", "bart"])
def test_pretrain_saves_a_loadable_model_folder(corpus_file, tmp_path, objective):
    model, tokenizer, history = run(corpus_file, tmp_path / "m", objective)
    folder = tmp_path / "m"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "metrics.csv", "model.safetensors",
                                                        TOKENIZER_NAME]
    assert not partial_dir(folder).exists()
    assert len(history) == 3 and "val_loss" in history[0]
    config = json.loads((folder / "config.json").read_text())
    assert config["task"] == "text" and config["model"] == objective
    assert config["tokenizer_fingerprint"] == tokenizer.fingerprint
    loaded, loaded_tokenizer, _ = load_text_model(folder)
    assert torch.equal(weights(loaded), weights(model))
    vectors = embed_texts(loaded, loaded_tokenizer, ["the farmer sold wheat", "a bank"])
    assert vectors.shape == (2, TINY["d_model"]) and np.isfinite(vectors).all()


def test_training_lowers_the_loss(corpus_file, tmp_path):
    _, _, history = run(corpus_file, tmp_path / "m", "gpt", trainer_args=dict(epochs=6, lr=3e-3))
    assert history[-1]["train_loss"] < 0.8 * history[0]["train_loss"]


class KillAfter:
    def __init__(self, epoch):
        self.epoch = epoch

    def __call__(self, trainer, metrics):
        if metrics["epoch"] == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("objective,extra", [("gpt", {}), ("mlm", {"pair_task": "sop"}), ("bart", {})])
def test_resume_equals_uninterrupted(corpus_file, tmp_path, objective, extra):
    full, _, full_history = run(corpus_file, tmp_path / "full", objective, model_args=extra)
    with pytest.raises(KeyboardInterrupt):
        run(corpus_file, tmp_path / "resumed", objective, model_args=extra,
            trainer_args={"callbacks": [KillAfter(1)]})
    assert (partial_dir(tmp_path / "resumed") / TOKENIZER_NAME).exists()
    assert not (tmp_path / "resumed").exists()  # no half-written model
    resumed, _, history = run(corpus_file, tmp_path / "resumed", objective, model_args=extra, resume=True)
    assert torch.equal(weights(full), weights(resumed))
    assert [h["train_loss"] for h in history] == [h["train_loss"] for h in full_history]


def test_continued_pretraining_starts_from_the_saved_weights_and_extends_the_history(corpus_file, tmp_path):
    first, tokenizer, _ = run(corpus_file, tmp_path / "m", "mlm", trainer_args=dict(epochs=2))
    start = weights(first)
    seen = []
    record = lambda trainer, metrics: seen.append(weights(trainer.model)) if metrics["epoch"] == 1 else None  # noqa: E731
    with pytest.raises(KeyboardInterrupt):  # the first epoch's weights, then stop
        run(corpus_file, tmp_path / "probe", "mlm", init_from=tmp_path / "m", trainer_args=dict(
            epochs=1, lr=0.0, weight_decay=0.0, callbacks=[record, KillAfter(1)]))
    assert torch.equal(seen[0], start)  # lr 0: still exactly the saved weights
    more, more_tokenizer, history = run(corpus_file, tmp_path / "m", "mlm", init_from=tmp_path / "m",
                                        force=True, trainer_args=dict(epochs=2))  # in place
    assert more_tokenizer.fingerprint == tokenizer.fingerprint and len(history) == 2
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert [h["epoch"] for h in config["history"]] == [1, 2, 3, 4]
    assert config["continued_from"]["epochs"] == 2
    assert not torch.equal(weights(more), start)
    from aekit.errors import ConfigError

    with pytest.raises(ConfigError, match="'mlm' model, not 'gpt'"):
        run(corpus_file, tmp_path / "g", "gpt", init_from=tmp_path / "m")


def test_existing_output_empty_corpus_and_unknown_objective(corpus_file, tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(OutputExistsError):
        run(corpus_file, tmp_path / "taken")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(DataError, match="no text"):
        run(tmp_path / "empty.txt", tmp_path / "m")
    from aekit.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown text objective"):
        run(corpus_file, tmp_path / "m2", "t5")
    assert not (tmp_path / "m").exists() and not (tmp_path / "m2").exists()


# ------------------------------------------------------------------ model folders


@pytest.fixture
def gpt_folder(corpus_file, tmp_path):
    run(corpus_file, tmp_path / "gpt", "gpt", trainer_args=dict(epochs=1))
    return tmp_path / "gpt"


def test_tokenizer_from_another_model(gpt_folder, texts):
    other = TextTokenizer.train(texts[:5] + ["完全不同的文字。"] * 3, vocab_size=300, min_frequency=1)
    with pytest.raises(ModelFileError, match="tokenizer from another model"):
        load_text_model(gpt_folder, tokenizer=other)
    other.save(gpt_folder)  # swapped by hand inside the folder
    with pytest.raises(ModelFileError, match="tokenizer from another model"):
        load_text_model(gpt_folder)


def test_broken_folders(gpt_folder, tmp_path):
    with pytest.raises(ModelFileError, match="not a model folder"):
        load_text_model(tmp_path / "nothing")
    config = json.loads((gpt_folder / "config.json").read_text())
    (gpt_folder / "config.json").write_text(json.dumps({**config, "task": None}))
    with pytest.raises(ModelFileError, match="not a text model"):
        load_text_model(gpt_folder)
    (gpt_folder / "config.json").write_text(json.dumps(config))
    (gpt_folder / "model.safetensors").write_bytes(b"truncated")
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        load_text_model(gpt_folder)


def test_generation_from_a_folder_is_seeded(gpt_folder):
    model, tokenizer, _ = load_text_model(gpt_folder)
    a = generate_text(model, tokenizer, "The farmer", max_tokens=8, top_k=10, seed=5)
    assert a == generate_text(model, tokenizer, "The farmer", max_tokens=8, top_k=10, seed=5)
    assert isinstance(a, str)


def test_over_long_texts_are_truncated_for_embedding(gpt_folder, texts):
    model, tokenizer, _ = load_text_model(gpt_folder)
    long_text = " ".join(texts)  # far more than max_len tokens
    assert len(tokenizer.encode(long_text)) > 3 * model.max_len
    head = tokenizer.decode(tokenizer.encode(long_text)[: model.max_len - 1])
    a, b = embed_texts(model, tokenizer, [long_text, head])
    assert np.allclose(a, b, atol=1e-5)
