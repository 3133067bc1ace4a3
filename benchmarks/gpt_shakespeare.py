"""nanoGPT's shakespeare_char CPU recipe, run in torch and in tinygrad_lite side by side.

    python -m benchmarks.gpt_shakespeare [--lib both|torch|ours] [--iters 2000] [--seed 1337] [--threads 1]

The model is tinygrad_lite/models/gpt.py itself: for torch its three import lines are swapped for
torch's, so both libraries run one program (the same architecture, init, optimizer groups and
generate). Both start from torch's initial weights and draw the same batches (numpy, seeded), so
their validation losses differ only by floating-point rounding. The recipe (nanoGPT README,
"I only have a macbook"): 4 layers, 4 heads, 128 wide, context 64, batch 12, 2,000 iterations,
dropout 0, no biases, AdamW lr 1e-3 (betas 0.9/0.99, weight decay 0.1), 100 warm-up iterations,
cosine decay to 1e-4, gradient clipping 1.0, 90/10 split; published validation loss ≈ 1.88
(nanoGPT estimates it on 20 batches; the final figure here averages `--final-eval-iters`).
Prints the periodic losses, the final train/val loss and the time per iteration of each library.
"""
import argparse
import json
import math
import os
import pathlib
import sys
import time
import types

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "tinyshakespeare" / "input.txt"


def gpt_module(lib_name):
    """models/gpt.py as a module for 'ours' (imported) or 'torch' (its source with torch's imports)."""
    if lib_name == "ours":
        from tinygrad_lite.models import gpt
        return gpt
    src = (REPO / "tinygrad_lite" / "models" / "gpt.py").read_text()
    for a, b in (("import tinygrad_lite as torch", "import torch"), ("import tinygrad_lite.nn as nn", "import torch.nn as nn"),
                 ("import tinygrad_lite.nn.functional as F", "import torch.nn.functional as F")):
        assert a in src, f"models/gpt.py no longer has the line {a!r}"
        src = src.replace(a, b)
    mod = types.ModuleType("gpt_torch")
    exec(compile(src, str(REPO / "tinygrad_lite" / "models" / "gpt.py"), "exec"), mod.__dict__)
    return mod


def lr_at(it, lr, min_lr, warmup, decay_iters):
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay_iters:
        return min_lr
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * (it - warmup) / (decay_iters - warmup))) * (lr - min_lr)


class Batches:
    """nanoGPT's get_batch over numpy arrays: random windows of block_size + 1 characters."""

    def __init__(self, path, seed):
        text = pathlib.Path(path).read_text(encoding="utf-8")
        self.chars = sorted(set(text))
        stoi = {c: i for i, c in enumerate(self.chars)}
        data = np.array([stoi[c] for c in text], dtype=np.int64)
        n = int(0.9 * len(data))
        self.split = {"train": data[:n], "val": data[n:]}
        self.rng = np.random.default_rng(seed)

    def get(self, split, batch, block):
        d = self.split[split]
        ix = self.rng.integers(0, len(d) - block, size=batch)
        w = d[ix[:, None] + np.arange(block + 1)[None, :]]
        return np.ascontiguousarray(w[:, :-1]), np.ascontiguousarray(w[:, 1:])


def clip_grad_norm(lib, params, max_norm):
    return lib.nn.utils.clip_grad_norm_(params, max_norm)


def run(lib, gpt, init_state, args, log):
    """Train with the recipe; → dict of the losses and times."""
    model = gpt.GPT(gpt.GPTConfig(block_size=args.block_size, vocab_size=65, n_layer=4, n_head=4, n_embd=128,
                                  dropout=0.0, bias=False))
    model.load_state_dict({k: lib.tensor(v.copy()) for k, v in init_state.items()})
    opt = model.configure_optimizers(0.1, args.lr, (0.9, 0.99))
    data = Batches(args.data, args.seed)

    def estimate(n):
        out = {}
        model.eval()
        with lib.no_grad():
            for split in ("train", "val"):
                out[split] = float(np.mean([model(*(lib.tensor(a) for a in data.get(split, 12, args.block_size)))[1].item()
                                            for _ in range(n)]))
        model.train()
        return out

    history, train_s = [], 0.0
    for it in range(args.iters + 1):
        if it % 250 == 0 or it == args.iters:
            losses = estimate(args.eval_iters)
            history.append({"iter": it, **losses})
            log(f"  [{lib.__name__}] iter {it}: train {losses['train']:.4f}  val {losses['val']:.4f}")
        if it == args.iters:
            break
        lr = lr_at(it, args.lr, args.lr / 10, 100, args.iters)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = (lib.tensor(a) for a in data.get("train", 12, args.block_size))
        t0 = time.perf_counter()
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        clip_grad_norm(lib, model.parameters(), 1.0)
        opt.step()
        train_s += time.perf_counter() - t0
    final = estimate(args.final_eval_iters)
    return {"final_train": final["train"], "final_val": final["val"], "val_at_end_20": history[-1]["val"],
            "train_seconds": train_s, "ms_per_iter": 1e3 * train_s / max(1, args.iters), "history": history}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpt_shakespeare", description=__doc__.split("\n\n")[0])
    p.add_argument("--lib", choices=["both", "torch", "ours"], default="both")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--block-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--eval-iters", type=int, default=20)
    p.add_argument("--final-eval-iters", type=int, default=200)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=None, help="write the results as JSON here")
    args = p.parse_args(argv)
    if not os.path.isfile(args.data):
        print(f"no data at {args.data}", file=sys.stderr)
        return 1
    import torch

    import tinygrad_lite as tl
    torch.set_num_threads(args.threads)
    tl.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tgpt = gpt_module("torch")
    init = {k: v.detach().numpy() for k, v in tgpt.GPT(tgpt.GPTConfig(
        block_size=args.block_size, vocab_size=65, n_layer=4, n_head=4, n_embd=128, dropout=0.0,
        bias=False)).state_dict().items()}
    results = {}
    for name, lib in (("torch", torch), ("ours", tl)):
        if args.lib in (name, "both"):
            print(f"{name}: training {args.iters} iterations ({args.threads} thread(s))", flush=True)
            results[name] = run(lib, tgpt if name == "torch" else gpt_module("ours"), init, args,
                                lambda m: print(m, flush=True))
            r = results[name]
            print(f"{name}: final val loss {r['final_val']:.4f} (train {r['final_train']:.4f}), "
                  f"{r['ms_per_iter']:.1f} ms/iter, {r['train_seconds']:.1f} s training", flush=True)
    if len(results) == 2:
        print(f"time ours/torch: {results['ours']['ms_per_iter'] / results['torch']['ms_per_iter']:.2f}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
