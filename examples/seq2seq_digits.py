"""Train a small encoder–decoder transformer to reverse (or sort) digit strings, then decode
greedily and report exact-match accuracy on held-out strings.

    python examples/seq2seq_digits.py [--task reverse|sort] [--steps 1500] [--max-digits 8] [--threads 1]

Source "3 1 4 1 5" → target "5 1 4 1 3" (reverse) or "1 1 3 4 5" (sort), lengths 1..max-digits,
padded with id 0. Ids: 0 PAD, 1 BOS, 2 EOS, 3..12 the digits 0..9. Training is teacher forcing
with cross-entropy (padding ignored) and AdamW; evaluation decodes with model.greedy_decode.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tinygrad_lite as torch  # noqa: E402
import tinygrad_lite.nn.functional as F  # noqa: E402
from tinygrad_lite.models.seq2seq import BOS, EOS, PAD, Seq2SeqConfig, Seq2SeqTransformer  # noqa: E402

DIGIT0 = 3


def make_batch(rng, batch, max_digits, task):
    """(src (B, S), tgt_in (B, T), tgt_out (B, T), targets as lists of ids)."""
    lens = rng.integers(1, max_digits + 1, size=batch)
    S, T = max_digits, max_digits + 1
    src = np.full((batch, S), PAD, dtype=np.int64)
    tin = np.full((batch, T), PAD, dtype=np.int64)
    tout = np.full((batch, T), PAD, dtype=np.int64)
    targets = []
    for b, n in enumerate(lens):
        digits = rng.integers(0, 10, size=n) + DIGIT0
        out = digits[::-1] if task == "reverse" else np.sort(digits)
        src[b, :n] = digits
        tin[b, 0], tin[b, 1:n + 1] = BOS, out
        tout[b, :n], tout[b, n] = out, EOS
        targets.append(out.tolist())
    return src, tin, tout, targets


def train(model, steps, rng, args, log=print):
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    model.train()
    for step in range(steps):
        src, tin, tout, _ = make_batch(rng, args.batch_size, args.max_digits, args.task)
        logits = model(torch.tensor(src), torch.tensor(tin))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.tensor(tout).reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log and (step % max(1, steps // 10) == 0 or step == steps - 1):
            log(f"step {step}: loss {loss.item():.4f}")
    return loss.item()


def evaluate(model, rng, n, args):
    """Exact-match accuracy of greedy decoding on n fresh strings."""
    model.eval()
    src, _, _, targets = make_batch(rng, n, args.max_digits, args.task)
    pred = model.greedy_decode(torch.tensor(src), args.max_digits + 1)
    return float(np.mean([p == t for p, t in zip(pred, targets)]))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", choices=["reverse", "sort"], default="reverse")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-digits", type=int, default=8)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--eval", type=int, default=500, help="held-out strings to decode")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    return p.parse_args(argv)


def build(args):
    return Seq2SeqTransformer(Seq2SeqConfig(d_model=args.d_model, nhead=4, num_encoder_layers=args.layers,
                                            num_decoder_layers=args.layers, dim_feedforward=2 * args.d_model,
                                            dropout=args.dropout, max_len=args.max_digits + 1))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build(args)
    t0 = time.perf_counter()
    train(model, args.steps, rng, args)
    acc = evaluate(model, np.random.default_rng(args.seed + 1), args.eval, args)
    print(f"{args.task} digit strings (1..{args.max_digits} digits): exact-match accuracy {100 * acc:.1f}% "
          f"on {args.eval} held-out strings after {args.steps} steps ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
