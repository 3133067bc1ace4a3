"""`tinygrad-lite gpt`: train a character-level GPT on a text file, and sample from one.

    tinygrad-lite gpt train [--data PATH] [--iters N] [--out DIR] [model/optimizer options]
    tinygrad-lite gpt sample --model DIR [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K]

The defaults are nanoGPT's CPU recipe for shakespeare_char: 4 layers, 4 heads, 128 wide, context
64, batch 12, 2,000 iterations, no dropout, no biases, AdamW (lr 1e-3, betas 0.9/0.99, weight
decay 0.1 on matrices) with 100 warm-up iterations and cosine decay to 1e-4, gradient clipping at
1.0, a 90/10 train/val split; its published validation loss is about 1.88. DIR receives the
checkpoint (config.json, model.safetensors, vocab.json: GPT.from_pretrained reads it),
metrics.json, loss.png and samples.txt.
"""
import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict

SHAKESPEARE = os.path.join("..", "shared", "data", "tinyshakespeare", "input.txt")


def add_parser(sub):
    g = sub.add_parser("gpt", help="train a character-level GPT, or sample from one")
    gsub = g.add_subparsers(dest="gpt_command", required=True)
    t = gsub.add_parser("train", help="train a GPT on a text file (nanoGPT's shakespeare_char CPU recipe)",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    t.add_argument("--data", default=None, help=f"a text file (default: {SHAKESPEARE}, also searched beside the "
                                                "repository)")
    t.add_argument("--iters", type=int, default=2000, help="training iterations")
    t.add_argument("--out", default=None, help="output directory (default: runs/gpt-<time>)")
    t.add_argument("--batch-size", type=int, default=12)
    t.add_argument("--block-size", type=int, default=64, help="context length")
    t.add_argument("--n-layer", type=int, default=4)
    t.add_argument("--n-head", type=int, default=4)
    t.add_argument("--n-embd", type=int, default=128)
    t.add_argument("--dropout", type=float, default=0.0)
    t.add_argument("--bias", action="store_true", help="biases in the Linears and LayerNorms")
    t.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    t.add_argument("--min-lr", type=float, default=1e-4, help="learning rate at the end of the cosine decay")
    t.add_argument("--warmup-iters", type=int, default=100)
    t.add_argument("--weight-decay", type=float, default=0.1)
    t.add_argument("--beta1", type=float, default=0.9)
    t.add_argument("--beta2", type=float, default=0.99)
    t.add_argument("--grad-clip", type=float, default=1.0, help="clip the gradient norm (0: off)")
    t.add_argument("--eval-interval", type=int, default=250, help="estimate train/val loss every N iterations")
    t.add_argument("--eval-iters", type=int, default=20, help="batches per periodic loss estimate")
    t.add_argument("--final-eval-iters", type=int, default=200, help="batches for the final loss estimate")
    t.add_argument("--seed", type=int, default=1337)
    t.add_argument("--threads", type=int, default=None, help="kernel threads (tinygrad_lite.set_num_threads)")
    t.add_argument("--sample-tokens", type=int, default=500, help="characters sampled at the end (0: none)")
    t.add_argument("--temperature", type=float, default=0.8)
    t.add_argument("--top-k", type=int, default=200)
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(run=train)
    s = gsub.add_parser("sample", help="sample text from a trained GPT directory",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    s.add_argument("--model", required=True, help="a directory written by `gpt train`")
    s.add_argument("--prompt", default="\n")
    s.add_argument("--tokens", type=int, default=500)
    s.add_argument("--temperature", type=float, default=0.8)
    s.add_argument("--top-k", type=int, default=200)
    s.add_argument("--num-samples", type=int, default=1)
    s.add_argument("--seed", type=int, default=1337)
    s.set_defaults(run=sample)


def find_data(path):
    """The text file: `path`, else the shared Shakespeare (from the cwd or beside the checkout)."""
    if path:
        if not os.path.isfile(path):
            raise SystemExit(f"gpt train: no text file at {path!r}")
        return path
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for cand in (SHAKESPEARE, os.path.join(repo, SHAKESPEARE)):
        if os.path.isfile(cand):
            return cand
    raise SystemExit(f"gpt train: no --data given and {SHAKESPEARE} was not found")


def lr_at(it, lr, min_lr, warmup_iters, decay_iters):
    """nanoGPT's schedule: linear warm-up, cosine decay to min_lr at decay_iters, then min_lr."""
    if it < warmup_iters:
        return lr * (it + 1) / (warmup_iters + 1)
    if it > decay_iters:
        return min_lr
    ratio = (it - warmup_iters) / max(1, decay_iters - warmup_iters)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


def estimate_loss(model, corpus, args, eval_iters):
    """Mean loss over eval_iters random batches of each split (eval mode, no graph)."""
    import tinygrad_lite as tl

    out = {}
    model.eval()
    with tl.no_grad():
        for split in ("train", "val"):
            losses = [model(*corpus.get_batch(split, args.batch_size, args.block_size)).loss.item()
                      for _ in range(eval_iters)]
            out[split] = sum(losses) / len(losses)
    model.train()
    return out


def save_plot(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    its = [h["iter"] for h in history]
    ax.plot(its, [h["train"] for h in history], marker="o", label="train")
    ax.plot(its, [h["val"] for h in history], marker="o", label="val")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cross-entropy (nats/char)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train(args):
    import tinygrad_lite as tl
    from tinygrad_lite.datasets.text import CharCorpus
    from tinygrad_lite.models.gpt import GPT, GPTConfig

    log = print
    if args.iters < 0 or args.batch_size < 1 or args.block_size < 1:
        raise SystemExit("gpt train: --iters must be >= 0, --batch-size and --block-size >= 1")
    if args.threads:
        tl.set_num_threads(args.threads)
    path = find_data(args.data)
    tl.manual_seed(args.seed)
    corpus = CharCorpus(path, seed=args.seed)
    log(f"data: {path} ({len(corpus.text):,} characters, vocabulary {corpus.vocab_size}, "
        f"{len(corpus.train_data):,} train / {len(corpus.val_data):,} val)")
    config = GPTConfig(block_size=args.block_size, vocab_size=corpus.vocab_size, n_layer=args.n_layer,
                       n_head=args.n_head, n_embd=args.n_embd, dropout=args.dropout, bias=args.bias)
    model = GPT(config)
    model.vocab = corpus.vocab.itos
    log(f"model: {model.get_num_params() / 1e6:.2f} M parameters, {config}")
    optimizer = model.configure_optimizers(args.weight_decay, args.lr, (args.beta1, args.beta2))
    out = args.out or os.path.join("runs", time.strftime("gpt-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)

    history, t0 = [], time.perf_counter()
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=args.iters, unit="it", desc="gpt train", file=sys.stdout)
    train_time = 0.0
    for it in range(args.iters + 1):
        if it % args.eval_interval == 0 or it == args.iters:
            losses = estimate_loss(model, corpus, args, args.eval_iters)
            history.append({"iter": it, **losses})
            msg = f"iter {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}"
            bar.write(msg) if bar else log(msg)
        if it == args.iters:
            break
        lr = lr_at(it, args.lr, args.min_lr, args.warmup_iters, args.iters)
        for group in optimizer.param_groups:
            group["lr"] = lr
        ts = time.perf_counter()
        x, y = corpus.get_batch("train", args.batch_size, args.block_size)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip:
            tl.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        train_time += time.perf_counter() - ts
        if bar:
            bar.update(1)
            if it % 10 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}", lr=f"{lr:.2e}")
    if bar:
        bar.close()
    final = estimate_loss(model, corpus, args, args.final_eval_iters)
    elapsed = time.perf_counter() - t0
    log(f"final ({args.final_eval_iters} batches per split): train loss {final['train']:.4f}, "
        f"val loss {final['val']:.4f}; {train_time:.1f} s training "
        f"({1e3 * train_time / max(1, args.iters):.1f} ms/iter), {elapsed:.1f} s in all")

    model.save_pretrained(out)
    metrics = {"final_train_loss": final["train"], "final_val_loss": final["val"], "history": history,
               "iters": args.iters, "train_seconds": train_time, "seconds": elapsed,
               "ms_per_iter": 1e3 * train_time / max(1, args.iters), "data": os.path.abspath(path),
               "config": asdict(config),
               "threads": tl.get_num_threads()}
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    if history:
        save_plot(history, os.path.join(out, "loss.png"))
    if args.sample_tokens > 0:
        text = generate_text(model, corpus.vocab, "\n", args.sample_tokens, args.temperature, args.top_k)
        with open(os.path.join(out, "samples.txt"), "w") as f:
            f.write(text)
        log("---- sample ----")
        log(text)
        log("----------------")
    log(f"wrote {out}/ (config.json, model.safetensors, vocab.json, metrics.json, loss.png"
        f"{', samples.txt' if args.sample_tokens > 0 else ''})")
    return 0


def generate_text(model, vocab, prompt, tokens, temperature, top_k):
    import tinygrad_lite as tl

    ids = vocab.encode(prompt) or [0]
    x = tl.tensor([ids])
    model.eval()
    y = model.generate(x, tokens, temperature=temperature, top_k=top_k)
    return vocab.decode(y[0].tolist())


def sample(args):
    import tinygrad_lite as tl
    from tinygrad_lite.datasets.text import CharVocab
    from tinygrad_lite.models.gpt import GPT

    model = GPT.from_pretrained(args.model)
    if model.vocab is None:
        raise SystemExit(f"gpt sample: {args.model!r} has no vocab.json")
    vocab = CharVocab(model.vocab)
    tl.manual_seed(args.seed)
    for k in range(args.num_samples):
        if k:
            print("---------------")
        print(generate_text(model, vocab, args.prompt, args.tokens, args.temperature, args.top_k))
    return 0
