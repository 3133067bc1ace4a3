"""The transformer's ops and the GPT recipe's training iteration, ours vs torch.

- GPT train iteration at nanoGPT's shakespeare_char CPU recipe (4 layers, 4 heads, 128 wide,
  context 64, batch 12, no biases): forward, cross-entropy, backward, gradient clipping, AdamW.
  The model is tinygrad_lite/models/gpt.py in both libraries (benchmarks/gpt_shakespeare.py
  swaps its imports for torch's); ours starts from torch's weights. Target ≤ 1.0× torch.
- Causal scaled_dot_product_attention forward + backward, B = 4, H = 4, T = 64…1024, head dim
  32–128 (FLOP: 2·2·B·H·T²/2·E forward + 2.5× that backward). Target ≤ 0.8× torch at T = 1024.
- LayerNorm forward + backward over GPT-sized and large rows; the embedding backward of a
  GPT-2-sized vocabulary (50,257 × 768, 768 token ids): the dense gradient is written once.
"""
from .registry import case, libraries, pair, randint, randn, ratio_at_most


def _gpt_modules():
    from .gpt_shakespeare import gpt_module
    return gpt_module("ours"), gpt_module("torch")


def _clip(lib, params, max_norm):
    from .gpt_shakespeare import clip_grad_norm
    return clip_grad_norm(lib, params, max_norm)


@case("GPT train iter (nanoGPT CPU recipe)", "model step", targets=[ratio_at_most(1.0)])
def _gpt_iter():
    tl, torch = libraries()
    ogpt, tgpt = _gpt_modules()
    cfg = dict(block_size=64, vocab_size=65, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False)
    torch.manual_seed(0)
    theirs = tgpt.GPT(tgpt.GPTConfig(**cfg))
    ours = ogpt.GPT(ogpt.GPTConfig(**cfg))
    ours.load_state_dict({k: tl.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    (x, tx), (y, ty) = pair(randint(65, 12, 64)), pair(randint(65, 12, 64))

    def step_fn(lib, model, x, y):
        opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99))

        def step():
            _, loss = model(x, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            _clip(lib, model.parameters(), 1.0)
            opt.step()
            return loss
        return step
    return step_fn(tl, ours, x, y), step_fn(torch, theirs, tx, ty)


def _sdpa_case(T, E, B=4, H=4):
    flops = 3.5 * 2 * 2 * B * H * (T * T / 2) * E

    @case(f"SDPA causal fwd+bwd B{B} H{H} T{T} E{E}", "attention", flops=flops,
          targets=[ratio_at_most(0.8)] if T >= 1024 else [], heavy=T * E >= 1024 * 64)
    def build():
        tl, torch = libraries()
        qkv = [pair(randn(B, H, T, E), requires_grad=True) for _ in range(3)]
        g, tg = pair(randn(B, H, T, E))
        ours, theirs = [a for a, _ in qkv], [b for _, b in qkv]

        def run(lib, q, k, v, g):
            def f():
                for t in (q, k, v):
                    t.grad = None
                y = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
                y.backward(g)
                return q.grad
            return f
        return run(tl, *ours, g), run(torch, *theirs, tg)
    return build


for _T, _E in ((64, 64), (256, 64), (1024, 32), (1024, 64), (1024, 128)):
    _sdpa_case(_T, _E)


def _layer_norm_case(R, C):
    @case(f"LayerNorm fwd+bwd {R}x{C}", "nn", bytes=4 * R * C * 5, targets=[ratio_at_most(1.0)], heavy=R * C > 1 << 20)
    def build():
        tl, torch = libraries()
        x, tx = pair(randn(R, C), requires_grad=True)
        w, tw = pair(randn(C), requires_grad=True)
        b, tb = pair(randn(C), requires_grad=True)
        g, tg = pair(randn(R, C))

        def run(lib, x, w, b, g):
            def f():
                for t in (x, w, b):
                    t.grad = None
                lib.nn.functional.layer_norm(x, (C,), w, b).backward(g)
                return x.grad
            return f
        return run(tl, x, w, b, g), run(torch, tx, tw, tb, tg)
    return build


for _R, _C in ((768, 128), (4096, 1024)):
    _layer_norm_case(_R, _C)


@case("Embedding fwd+bwd vocab 50257x768, 12x64 ids", "nn", bytes=4 * 50257 * 768, targets=[ratio_at_most(1.0)])
def _embedding():
    tl, torch = libraries()
    w, tw = pair(randn(50257, 768) * 0.02, requires_grad=True)
    idx, tidx = pair(randint(50257, 12, 64))
    g, tg = pair(randn(12, 64, 768))

    def run(lib, w, idx, g):
        def f():
            w.grad = None
            lib.nn.functional.embedding(idx, w).backward(g)
            return w.grad
        return f
    return run(tl, w, idx, g), run(torch, tw, tidx, tg)
