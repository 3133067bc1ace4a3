"""models/gpt.py, datasets/text.py and `tinygrad-lite gpt`: the GPT is one program run in torch
and here (its source with torch's imports), so logits, loss and every gradient agree (float32,
atol 1e-5 / 1e-4); a few AdamW steps agree; checkpoints round-trip; bad input raises.
The full recipe (2,000 iterations, val loss ≈ 1.88) is `python -m benchmarks.gpt_shakespeare`."""
import inspect
import json
import math
import os
import pathlib
import types

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite.datasets.text import CharCorpus, CharVocab
from tinygrad_lite.models.gpt import GPT, GPTConfig

REPO = pathlib.Path(__file__).resolve().parents[1]
SHAKESPEARE = REPO.parent / "shared" / "data" / "tinyshakespeare" / "input.txt"
SMALL = dict(block_size=16, vocab_size=11, n_layer=2, n_head=2, n_embd=16, dropout=0.0)


def torch_gpt():
    torch = pytest.importorskip("torch")
    src = (REPO / "tinygrad_lite" / "models" / "gpt.py").read_text()
    src = src.replace("import tinygrad_lite as torch", "import torch").replace(
        "import tinygrad_lite.nn as nn", "import torch.nn as nn").replace(
        "import tinygrad_lite.nn.functional as F", "import torch.nn.functional as F")
    mod = types.ModuleType("gpt_torch")
    exec(compile(src, "gpt_torch", "exec"), mod.__dict__)
    return torch, mod


def pair(bias):
    torch, tg = torch_gpt()
    torch.manual_seed(0)
    theirs = tg.GPT(tg.GPTConfig(bias=bias, **SMALL))
    ours = GPT(GPTConfig(bias=bias, **SMALL))
    ours.load_state_dict({k: tl.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return torch, theirs, ours


@pytest.mark.parametrize("bias", [False, True])
def test_gpt_forward_backward_and_adamw_steps_match_torch(bias):
    torch, theirs, ours = pair(bias)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours.get_num_params() == theirs.get_num_params()
    assert ours.transformer.wte.weight is ours.lm_head.weight  # tied
    topt, oopt = theirs.configure_optimizers(0.1, 1e-2, (0.9, 0.99)), ours.configure_optimizers(0.1, 1e-2, (0.9, 0.99))
    assert [len(g["params"]) for g in oopt.param_groups] == [len(g["params"]) for g in topt.param_groups]
    rng = np.random.default_rng(0)
    for step in range(3):
        x, y = rng.integers(0, 11, (3, 16)), rng.integers(0, 11, (3, 16))
        tlog, tloss = theirs(torch.tensor(x), torch.tensor(y))
        olog, oloss = ours(tl.tensor(x), tl.tensor(y))
        np.testing.assert_allclose(olog.detach().numpy(), tlog.detach().numpy(), atol=1e-5, rtol=1e-4)
        assert abs(oloss.item() - tloss.item()) < 1e-5
        topt.zero_grad()
        oopt.zero_grad()
        tloss.backward()
        oloss.backward()
        for (n, tp), (_, op) in zip(theirs.named_parameters(), ours.named_parameters()):
            np.testing.assert_allclose(op.grad.numpy(), tp.grad.numpy(), atol=1e-4, rtol=1e-3, err_msg=n)
        topt.step()
        oopt.step()
    # inference: logits of the last position only (nanoGPT), also readable as .logits
    out = ours(tl.tensor(x))
    assert out.loss is None and tuple(out.logits.shape) == (3, 1, 11)


def test_generate_greedy_topk_and_bad_input():
    tl.manual_seed(0)
    m = GPT(GPTConfig(**SMALL))
    m.eval()
    x = tl.tensor([[1, 2, 3]])
    a = m.generate(x, 20, temperature=0)
    b = m.generate(x, 20, temperature=0)
    assert tuple(a.shape) == (1, 23) and a.tolist() == b.tolist()  # greedy is deterministic
    assert a[:, :3].tolist() == [[1, 2, 3]]
    tl.manual_seed(1)
    s1 = m.generate(x, 30, temperature=1.0, top_k=3).tolist()
    tl.manual_seed(1)
    assert m.generate(x, 30, temperature=1.0, top_k=3).tolist() == s1  # seeded sampling reproduces
    assert m.generate(x, 0).tolist() == [[1, 2, 3]]
    with pytest.raises(ValueError, match="temperature"):
        m.generate(x, 5, temperature=-0.5)
    with pytest.raises(ValueError, match="top_k"):
        m.generate(x, 5, top_k=0)
    with pytest.raises(ValueError, match="block_size"):
        m(tl.tensor(np.zeros((1, 17), dtype=np.int64)))
    with pytest.raises(IndexError, match="out of range"):
        m(tl.tensor([[1, 11]]))
    with pytest.raises(ValueError, match="n_head"):
        GPT(GPTConfig(n_embd=10, n_head=3))


def test_top_k_one_equals_greedy():
    tl.manual_seed(2)
    m = GPT(GPTConfig(**SMALL))
    x = tl.tensor([[4, 5]])
    assert m.generate(x, 10, temperature=0.7, top_k=1).tolist() == m.generate(x, 10, temperature=0).tolist()


def test_save_pretrained_round_trip(tmp_path):
    tl.manual_seed(0)
    m = GPT(GPTConfig(**SMALL))
    vocab = list("abcdefghij\n")
    m.save_pretrained(tmp_path, vocab=vocab)
    assert {p.name for p in tmp_path.iterdir()} == {"config.json", "model.safetensors", "vocab.json"}
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert cfg["model_type"] == "gpt" and cfg["n_layer"] == 2
    m2 = GPT.from_pretrained(tmp_path)
    assert m2.vocab == vocab and m2.transformer.wte.weight is m2.lm_head.weight
    x = tl.tensor([[1, 2, 3, 4]])
    with tl.no_grad():
        np.testing.assert_array_equal(m(x).logits.numpy(), m2(x).logits.numpy())
    with pytest.raises(FileNotFoundError):
        GPT.from_pretrained(tmp_path / "missing")


def test_char_corpus(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("hello world\n" * 20)
    c = CharCorpus(str(p), seed=0)
    assert c.vocab.itos == sorted(set("hello world\n")) and c.vocab_size == 9
    assert len(c.train_data) == int(0.9 * 240) and len(c.train_data) + len(c.val_data) == 240
    x, y = c.get_batch("train", 4, 8)
    assert tuple(x.shape) == (4, 8) and x.dtype is tl.int64
    np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])
    assert c.vocab.decode(c.vocab.encode("hello")) == "hello"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        c.vocab.encode("xyz")
    with pytest.raises(ValueError, match="split"):
        c.get_batch("test", 1, 4)
    with pytest.raises(ValueError, match="block_size"):
        c.get_batch("val", 1, 100)
    v = CharVocab.load(_save(c.vocab, tmp_path / "v.json"))
    assert v.itos == c.vocab.itos


def _save(vocab, path):
    vocab.save(path)
    return path


def test_cli_gpt_train_and_sample(tmp_path, capsys):
    from tinygrad_lite.cli import main
    data = tmp_path / "corpus.txt"
    data.write_text(("To be, or not to be, that is the question.\n" * 40))
    out = tmp_path / "run"
    rc = main(["gpt", "train", "--data", str(data), "--iters", "6", "--out", str(out), "--n-layer", "1",
               "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--eval-interval", "3",
               "--eval-iters", "2", "--final-eval-iters", "2", "--sample-tokens", "20", "--quiet", "--threads", "1"])
    assert rc == 0
    for name in ("config.json", "model.safetensors", "vocab.json", "metrics.json", "loss.png", "samples.txt"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert [h["iter"] for h in metrics["history"]] == [0, 3, 6] and np.isfinite(metrics["final_val_loss"])
    capsys.readouterr()
    assert main(["gpt", "sample", "--model", str(out), "--prompt", "To", "--tokens", "10"]) == 0
    assert capsys.readouterr().out.startswith("To")


@pytest.mark.skipif(not SHAKESPEARE.is_file(), reason="../shared/data/tinyshakespeare/input.txt is absent")
def test_shakespeare_corpus_is_the_recipes():
    c = CharCorpus(str(SHAKESPEARE))
    assert c.vocab_size == 65 and len(c.train_data) == 1003854 and len(c.val_data) == 111540


def _nanogpt_idioms(torch, nn, F):
    """The lines of nanoGPT's model.py that models/gpt.py does not use itself, as written there:
    the manual attention path (a tril buffer, masked_fill with -inf), crop_block_size's surgery,
    configure_optimizers' signature probe and parameter groups, generate's top-k masking and
    sampling, the init through Module.apply. Returns what each produced."""
    out = {}
    rng = np.random.default_rng(0)
    B, T, nh, C, bs = 2, 5, 2, 8, 8

    def f32(*shape):
        return torch.tensor(rng.standard_normal(shape).astype(np.float32))

    q, k, v = f32(B, nh, T, C // nh).requires_grad_(), f32(B, nh, T, C // nh), f32(B, nh, T, C // nh)

    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("bias", torch.tril(torch.ones(bs, bs)).view(1, 1, bs, bs))

    a = Attn()
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    att = att.masked_fill(a.bias[:, :, :T, :T] == 0, float('-inf'))
    y = F.softmax(att, dim=-1) @ v
    flash = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal=True)
    out["manual - flash"] = (y - flash).abs().max().item()
    y.transpose(1, 2).contiguous().view(B, T, C).sum().backward()
    out["q.grad"] = q.grad.numpy().copy()
    out["buffers"] = [n for n, _ in a.named_buffers()]
    out["fused in AdamW's signature"] = "fused" in inspect.signature(torch.optim.AdamW).parameters
    emb = nn.Embedding(bs, 4)
    emb.weight = nn.Parameter(emb.weight[:3])
    a.bias = a.bias[:, :, :3, :3]
    out["cropped"] = (tuple(emb.weight.shape), tuple(a.bias.shape))
    logits = f32(2, 7)
    top, _ = torch.topk(logits, min(3, logits.size(-1)))
    logits[logits < top[:, [-1]]] = -float('Inf')
    out["top-k masked"] = logits.numpy().copy()
    probs = F.softmax(logits, dim=-1)
    assert probs != None  # noqa: E711 (nanoGPT's line: a tensor compared with None is True)
    nxt = torch.multinomial(probs, num_samples=1)
    out["sample in the top k"] = (tuple(nxt.shape), bool(np.isfinite(logits.numpy()[[0, 1], nxt.numpy()[:, 0]]).all()))
    x = f32(2, 3, 4)
    out["x[:, [-1], :]"] = tuple(x[:, [-1], :].shape)
    out["rms"] = (x / (x.norm(2, dim=-1, keepdim=True) / math.sqrt(x.size(-1)))).numpy()
    out["pow(2, x - max)"] = torch.pow(2.0, x - x.max(dim=-1, keepdim=True).values).numpy()
    lin = nn.Linear(4, 4)
    mods = nn.ModuleDict(dict(h=nn.ModuleList([lin]), ln_f=nn.LayerNorm(4)))

    def init(m):
        if isinstance(m, nn.Linear):
            torch.nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)

    mods.apply(init)
    out["bias after init"] = lin.bias.abs().sum().item()
    out["count"] = f"{sum(p.numel() for p in mods.parameters()):,} with dims {[p.dim() for p in mods.parameters()]}"
    groups = [{"params": [lin.weight], "weight_decay": 0.1}, {"params": [lin.bias], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95))
    out["groups"] = [g["weight_decay"] for g in opt.param_groups]
    idx = torch.zeros((1, 1), dtype=torch.long)
    out["arange on idx.device"] = torch.arange(0, 3, dtype=torch.long, device=idx.device).tolist()

    @torch.no_grad()
    def grow(t):
        return torch.cat((t, t + 1), dim=1)

    out["no_grad decorator"] = grow(idx).tolist()
    out["ignore_index=-1"] = F.cross_entropy(f32(4, 3), torch.tensor([0, -1, 2, 1]), ignore_index=-1).item()
    return out


def test_nanogpt_idioms_match_torch():
    torch = pytest.importorskip("torch")
    theirs = _nanogpt_idioms(torch, torch.nn, torch.nn.functional)
    ours = _nanogpt_idioms(tl, tl.nn, tl.nn.functional)
    assert ours.keys() == theirs.keys()
    for key, want in theirs.items():
        if isinstance(want, (np.ndarray, float)):
            np.testing.assert_allclose(ours[key], want, atol=1e-5, rtol=1e-5, err_msg=key)
        else:
            assert ours[key] == want, key
