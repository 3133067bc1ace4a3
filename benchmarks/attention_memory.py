"""Peak memory of causal attention forward + backward against the sequence length, ours vs torch.

    python -m benchmarks.attention_memory [--lengths 512,1024,2048,4096,8192] [--head-dim 64]

Each measurement is a fresh subprocess (B = 1, H = 1, float32; q = k = v requiring grad) whose
peak resident set (ru_maxrss) is reported, minus the same process's peak after only importing
the library and making the inputs: what attention itself added. The L×L score matrix would be
4·L² bytes (64 MiB at L = 4096, 256 MiB at 8192); a flash kernel needs O(L·E).
torch runs F.scaled_dot_product_attention (its CPU flash kernel) and, for reference, the
explicit softmax(q·kᵀ)·v it replaces.
"""
import argparse
import os
import subprocess
import sys

CODE = r"""
import resource, sys
lib, kind, T, E = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if lib == "ours":
    import tinygrad_lite as t
    import tinygrad_lite.nn.functional as F
    t.set_num_threads(1)
else:
    import torch as t
    import torch.nn.functional as F
    t.set_num_threads(1)
q = t.randn(1, 1, T, E, requires_grad=True)
k = t.randn(1, 1, T, E, requires_grad=True)
v = t.randn(1, 1, T, E, requires_grad=True)
g = t.randn(1, 1, T, E)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if kind == "sdpa":
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
else:  # the explicit L×L computation
    s = (q @ k.transpose(-2, -1)) * E ** -0.5
    mask = t.tensor(__import__("numpy").triu(__import__("numpy").ones((T, T), dtype=bool), 1))
    y = F.softmax(s.masked_fill(mask, float("-inf")) if hasattr(s, "masked_fill") else s, dim=-1) @ v
y.backward(g)
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(lib, kind, T, E):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                       os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-c", CODE, lib, kind, str(T), str(E)], capture_output=True, text=True, env=env,
                       timeout=1800)
    if r.returncode != 0:
        return None
    base, peak = map(int, r.stdout.split()[-2:])
    return (peak - base) / 1024.0  # MiB


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.attention_memory", description=__doc__.split("\n\n")[0])
    p.add_argument("--lengths", default="512,1024,2048,4096,8192")
    p.add_argument("--head-dim", type=int, default=64)
    args = p.parse_args(argv)
    lengths = [int(x) for x in args.lengths.split(",")]
    print(f"peak RSS added by causal attention forward+backward, B=1 H=1 E={args.head_dim} float32 (MiB)")
    print(f"{'T':>6} {'ours sdpa':>10} {'torch sdpa':>11} {'torch explicit':>15} {'4·T² (MiB)':>11}")
    for T in lengths:
        row = [measure("ours", "sdpa", T, args.head_dim), measure("torch", "sdpa", T, args.head_dim),
               measure("torch", "explicit", T, args.head_dim)]
        cells = [f"{x:10.1f}" if x is not None else f"{'failed':>10}" for x in row]
        print(f"{T:>6} {cells[0]} {cells[1]:>11} {cells[2]:>15} {4 * T * T / 2**20:>11.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
