"""The text models: contract (dict outputs, loss parts, backward), registry, causality,
generation, embeddings by layer, pair tasks, MASS targets."""
import pytest
import torch
from text_fixtures import TINY

from aekit.errors import ConfigError
from aekit.text.common import IGNORE
from aekit.text.registry import create_text_model, text_model_names
from aekit.text.tokenizer import BOS_ID, CLS_ID, EOS_ID, MASK_ID, N_SPECIAL, PAD_ID, SEP_ID

VOCAB = 120
VARIANTS = [("mlm", {}), ("mlm", {"pair_task": "sop"}), ("mlm", {"pair_task": "nsp"}), ("gpt", {}),
            ("bart", {}), ("bart", {"noise": ["mask", "delete", "rotate"]}), ("bart", {"noise": ["mass"]})]


def build(name, **kw):
    torch.manual_seed(0)
    return create_text_model(name, vocab_size=VOCAB, **{**TINY, **kw})


def block_for(model, n_rows=4, seed=0):
    """A batch shaped like the model's pretraining blocks, with some padding."""
    g = torch.Generator().manual_seed(seed)
    length = model.block_length
    ids = torch.randint(N_SPECIAL, VOCAB, (n_rows, length), generator=g)
    if model.registry_name == "bart":
        ids[:, 0], ids[:, -4], ids[:, -3:] = BOS_ID, EOS_ID, PAD_ID
    elif model.registry_name == "mlm":
        ids[:, 0], ids[:, -1] = CLS_ID, SEP_ID
        if model.pair_task:
            ids[:, 1 + model.half_length] = SEP_ID
    return ids


def test_registry_names_and_unknown_objective():
    assert text_model_names() == ["bart", "gpt", "mlm"]
    with pytest.raises(ConfigError, match="unknown text objective 'bert'.*bart, gpt, mlm"):
        create_text_model("bert", vocab_size=VOCAB)


@pytest.mark.parametrize("name,kw", VARIANTS, ids=lambda v: str(v))
def test_contract_forward_loss_backward(name, kw):
    model = build(name, **kw).train()
    block = block_for(model)
    out = model(block)
    assert isinstance(out, dict) and "logits" in out and out["logits"].shape[-1] == VOCAB
    parts = model.loss(block, out)
    assert torch.isfinite(parts["loss"]) and parts["loss"].requires_grad
    assert all(not v.requires_grad for k, v in parts.items() if k != "loss")
    parts["loss"].backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert model.config["vocab_size"] == VOCAB


@pytest.mark.parametrize("name,kw", VARIANTS, ids=lambda v: str(v))
def test_validation_loss_is_repeatable(name, kw):
    model = build(name, **kw).eval()
    block = block_for(model)
    assert model.loss(block, model(block))["loss"] == model.loss(block, model(block))["loss"]


def test_bad_settings():
    with pytest.raises(ConfigError, match="pair_task"):
        build("mlm", pair_task="qa")
    with pytest.raises(ConfigError, match="noise"):
        build("bart", noise=["shuffle"])
    with pytest.raises(ConfigError, match="mass"):
        build("bart", noise=["mass", "infill"])
    with pytest.raises(ConfigError, match="vocab_size"):
        create_text_model("gpt", vocab_size=5)
    with pytest.raises(ConfigError, match="multiple of n_heads"):
        build("gpt", d_model=30, n_heads=4)


# ------------------------------------------------------------------ gpt


def test_gpt_is_causal():
    model = build("gpt").eval()
    ids = torch.randint(N_SPECIAL, VOCAB, (2, 20), generator=torch.Generator().manual_seed(0))
    changed = ids.clone()
    changed[:, 12] = (changed[:, 12] + 1 - N_SPECIAL) % (VOCAB - N_SPECIAL) + N_SPECIAL
    a, b = model.logits(ids), model.logits(changed)
    assert torch.allclose(a[:, :12], b[:, :12], atol=1e-5)
    assert not torch.allclose(a[:, 12:], b[:, 12:], atol=1e-4)


def test_gpt_targets_are_the_next_tokens():
    model = build("gpt")
    block = block_for(model)
    block[0, -2:] = PAD_ID
    out = model(block)
    assert out["logits"].shape[1] == model.max_len
    assert torch.equal(out["targets"][1], block[1, 1:])
    assert (out["targets"][0, -2:] == IGNORE).all()


def test_gpt_generate_is_seeded_and_stays_in_the_vocabulary():
    model = build("gpt")
    prompt = [10, 11, 12]
    a = model.generate(prompt, max_tokens=15, temperature=1.0, top_k=20, seed=3, stop_at_eos=False)
    assert a == model.generate(prompt, max_tokens=15, temperature=1.0, top_k=20, seed=3, stop_at_eos=False)
    assert a != model.generate(prompt, max_tokens=15, temperature=1.0, top_k=20, seed=4, stop_at_eos=False)
    assert len(a) == 15 and min(a) >= N_SPECIAL and max(a) < VOCAB
    greedy = model.generate(prompt, max_tokens=5, temperature=0, seed=1)
    assert greedy == model.generate(prompt, max_tokens=5, temperature=0, seed=2)
    assert model.training  # generate leaves the mode as it found it


def test_gpt_prompt_longer_than_the_context():
    model = build("gpt")
    out = model.generate(list(range(N_SPECIAL, N_SPECIAL + 3 * model.max_len)), max_tokens=4, stop_at_eos=False)
    assert len(out) == 4


def test_gpt_generate_top_1_equals_greedy():
    model = build("gpt")
    assert model.generate([9, 10], 6, temperature=1.0, top_k=1, seed=0) == model.generate([9, 10], 6, temperature=0)
    with pytest.raises(ConfigError):
        model.generate([9], 3, top_k=0)


# ------------------------------------------------------------------ mlm


def test_mlm_never_masks_special_tokens():
    model = build("mlm").train()
    block = block_for(model, n_rows=16)
    block[:, 10:] = PAD_ID
    block[:, 9] = SEP_ID
    out = model(block)
    special = block < N_SPECIAL
    assert (out["targets"][special] == IGNORE).all()
    assert torch.equal(out["corrupted"][special], block[special])
    assert (out["targets"] != IGNORE).any()


def test_mlm_embed_uses_the_first_k_layers():
    model = build("mlm").eval()
    ids = block_for(model)
    first, both = model.embed(ids, layer=1), model.embed(ids)
    assert first.shape == both.shape == (4, TINY["d_model"])
    assert not torch.allclose(first, both)
    assert torch.allclose(model.embed(ids, layer=2), both)
    assert model.embed(ids, pool="cls").shape == (4, TINY["d_model"])
    with pytest.raises(ConfigError, match="layer"):
        model.embed(ids, layer=3)


@pytest.mark.parametrize("task", ["sop", "nsp"])
def test_pair_tasks_change_half_the_rows_as_labelled(task):
    model = build("mlm", pair_task=task)
    n = model.half_length
    block = block_for(model, n_rows=64)
    pairs, labels = model._make_pairs(block, torch.Generator().manual_seed(0))
    a, b = block[:, 1:1 + n], block[:, 2 + n:2 + 2 * n]
    new_a, new_b = pairs[:, 1:1 + n], pairs[:, 2 + n:2 + 2 * n]
    assert 16 < labels.sum() < 48
    same = labels == 0
    assert torch.equal(pairs[same], block[same])
    if task == "sop":
        assert torch.equal(new_a[~same], b[~same]) and torch.equal(new_b[~same], a[~same])
    else:
        assert torch.equal(new_a, a) and torch.equal(new_b[~same], b.roll(1, dims=0)[~same])
    assert (pairs[:, 1 + n] == SEP_ID).all() and (pairs[:, 0] == CLS_ID).all()


def test_pair_blocks_of_the_wrong_length():
    model = build("mlm", pair_task="sop")
    with pytest.raises(ConfigError, match="blocks must be"):
        model(torch.full((2, model.block_length - 2), 20))


# ------------------------------------------------------------------ bart


def test_bart_corrupts_the_encoder_input_only():
    model = build("bart").train()
    block = block_for(model, n_rows=8)
    out = model(block)
    assert not torch.equal(out["corrupted"][:, :block.shape[1]], block)
    assert (out["corrupted"] == MASK_ID).any()
    assert torch.equal(out["targets"][:, :-3], block[:, 1:-3])


def test_mass_predicts_only_the_span():
    model = build("bart", noise=["mass"]).train()
    block = block_for(model, n_rows=6)
    out = model(block)
    content = block.shape[1] - 5  # [BOS] content [EOS] pad pad pad
    for row in range(6):
        masked = (out["corrupted"][row] == MASK_ID).nonzero().flatten()
        start, end = int(masked[0]), int(masked[-1]) + 1
        assert end - start == round(content * 0.5)
        scored = (out["targets"][row] != IGNORE).nonzero().flatten()
        assert scored.tolist() == list(range(start - 1, end - 1))
        assert torch.equal(out["targets"][row, start - 1:end - 1], block[row, start:end])


def test_bart_generate_returns_tokens():
    model = build("bart")
    out = model.generate([10, 11, 12, MASK_ID, 14], max_tokens=6)
    assert len(out) <= 6 and all(N_SPECIAL <= t < VOCAB for t in out)
