"""Which CPU convolution algorithm wins where: every pass (forward, ∂L/∂x, ∂L/∂w) of every
benchmark shape with each of our three algorithms forced, beside torch, at one thread.

    python -m benchmarks.conv_algorithms [--batch 64] [--threads 1]

Prints a markdown table of the best of several samples (microseconds; the fastest of ours in
bold, * marks the one the automatic choice takes). Algorithms: gemm = im2col + our GEMM, direct =
vectors along output rows (conv_direct.cpp), channels = vectors across output channels
(conv_channels.cpp), tiles = 8 channels × 2 rows × 16 columns in AVX-512 registers
(conv_tiles.cpp; its ∂L/∂w is direct's). The rule they support is in conv_direct.cpp (`choose`).
"""
import argparse
import time

import numpy as np

from .cases_cnn import CONVS

ALGOS = {1: "gemm", 2: "direct", 3: "channels", 4: "tiles"}


def best_of(fn, samples=7, min_s=0.01):
    fn()
    best = float("inf")
    for _ in range(samples):
        t0, k = time.perf_counter(), 0
        while True:
            fn()
            k += 1
            dt = time.perf_counter() - t0
            if dt >= min_s:
                break
        best = min(best, dt / k)
    return best * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    import torch

    import tinygrad_lite as tl
    import tinygrad_lite._C as C
    tl.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"batch {args.batch}, {args.threads} thread(s); best of 7, µs")
    print("| layer | pass | torch | gemm | direct | channels | tiles |")
    print("|---|---|---|---|---|---|---|")
    old = C.conv2d_get_algorithm()
    for name, c, size, o, k, groups in CONVS:
        n, pad = args.batch, (k - 1) // 2
        x = rng.standard_normal((n, c, size, size)).astype(np.float32)
        w = rng.standard_normal((o, c // groups, k, k)).astype(np.float32)
        oh = size + 2 * pad - k + 1
        g = rng.standard_normal((n, o, oh, oh)).astype(np.float32)
        tx, tw, tg = torch.tensor(x), torch.tensor(w), torch.tensor(g)
        cx, cw, cg = C.from_numpy(x), C.from_numpy(w), C.from_numpy(g)
        geo = ([1, 1], [pad, pad], [1, 1], groups)
        passes = {
            "forward": (lambda: torch.nn.functional.conv2d(tx, tw, None, 1, pad, 1, groups),
                        lambda: C.conv2d(cx, cw, None, *geo)),
            "∂L/∂x": (lambda: torch.ops.aten.convolution_backward(tg, tx, tw, [o], [1, 1], [pad, pad], [1, 1], False,
                                                                   [0, 0], groups, [True, False, False]),
                      lambda: C.conv2d_backward_input(cg, cw, [size, size], *geo)),
            "∂L/∂w": (lambda: torch.ops.aten.convolution_backward(tg, tx, tw, [o], [1, 1], [pad, pad], [1, 1], False,
                                                                   [0, 0], groups, [False, True, False]),
                      lambda: C.conv2d_backward_weight(cx, cg, [k, k], *geo)),
        }
        for pi, (pname, (theirs, ours)) in enumerate(passes.items()):
            t_torch = best_of(theirs)
            times = {}
            for a, aname in ALGOS.items():
                if aname == "tiles" and pname == "∂L/∂w":  # runs direct's: nothing of its own to time
                    continue
                C.conv2d_set_algorithm(a)
                times[aname] = best_of(ours)
            C.conv2d_set_algorithm(old)
            auto = ALGOS[C.conv2d_algorithm_for(list(x.shape), list(w.shape), *geo, pi)]
            fastest = min(times, key=times.get)
            cells = [("**%.0f**" if a == fastest else "%.0f") % times[a] + ("*" if a == auto else "") if a in times else "-"
                     for a in ALGOS.values()]
            print(f"| {name} | {pname} | {t_torch:.0f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
