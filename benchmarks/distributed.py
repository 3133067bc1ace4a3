"""Data-parallel scaling on this machine (MPI, 2 ranks), and the measured numbers a ring
all-reduce cost model needs to extrapolate to more machines.

    python -m benchmarks.distributed [--steps 60] [--out benchmarks/results]

Runs itself under `mpiexec -n 1` and `mpiexec -n 2` and reports, at equal global batch:
  * step time of the seed MLP and of LeNet-5 with 1 and 2 ranks,
  * the share of all-reduce time hidden behind the backward pass (1 − exposed/total),
  * bytes each rank sends per step,
  * MPI all-reduce latency α and bandwidth β over message sizes 8 B … 64 MiB (2 ranks),
and writes distributed.json / distributed.md. Each rank runs 1 thread (2 ranks = the 2 cores).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _rank_main(args):
    sys.path.insert(0, ROOT)
    import tinygrad_lite as tl
    import tinygrad_lite.distributed as dist
    import tinygrad_lite.nn as nn
    from tinygrad_lite.models import MLP
    from tinygrad_lite.nn.parallel import DistributedDataParallel as DDP

    tl.set_num_threads(1)
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    out = {"world": world}

    # all-reduce latency/bandwidth
    sizes = [2 ** k for k in range(3, 27, 2)]  # bytes
    curve = []
    for nbytes in sizes:
        t = tl.zeros(max(1, nbytes // 4))
        reps = max(3, min(200, (1 << 24) // max(nbytes, 1)))
        dist.barrier()
        samples = []
        for _ in range(reps):
            t0 = time.perf_counter()
            dist.all_reduce(t)
            samples.append(time.perf_counter() - t0)
        curve.append((nbytes, statistics.median(samples)))
    out["allreduce"] = curve

    # the seed MLP and LeNet-5, global batch 64 split over the ranks
    from tinygrad_lite.models import LeNet

    for name, make, shape in (("mlp", MLP, (784,)), ("lenet", LeNet, (1, 28, 28))):
        tl.manual_seed(0)
        net = make()
        model = DDP(net) if world > 1 else net
        opt = tl.optim.SGD(net.parameters(), lr=0.01)
        per = 64 // world
        rng = np.random.default_rng(rank)
        x = tl.tensor(rng.standard_normal((per, *shape)).astype(np.float32))
        y = tl.tensor(rng.integers(0, 10, per))
        times = []
        for step in range(args.steps):
            dist.barrier()
            t0 = time.perf_counter()
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        res = out[name] = {"step_s": statistics.median(times[5:])}
        if world > 1:
            st = model.stats
            res["comm_s_per_step"] = st["comm_s"] / st["steps"]
            res["exposed_s_per_step"] = st["exposed_s"] / st["steps"]
            res["bytes_per_step"] = st["bytes"] / st["steps"]
    if rank == 0:
        with open(args.result, "w") as f:
            json.dump(out, f)
    dist.destroy_process_group()


def _fit(curve):
    """α (s) and β (bytes/s) of t = α + n/β, least squares over the measured sizes."""
    n = np.array([c[0] for c in curve], float)
    t = np.array([c[1] for c in curve], float)
    A = np.stack([np.ones_like(n), n], 1)
    (alpha, inv_beta), *_ = np.linalg.lstsq(A, t, rcond=None)
    return max(alpha, 1e-9), 1.0 / max(inv_beta, 1e-15)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.distributed")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--rank-main", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rank_main:
        return _rank_main(args)
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        print("mpiexec not found: pip install 'tinygrad_lite[dist]'")
        return 1
    os.makedirs(args.out, exist_ok=True)
    res = {}
    for n in (1, 2):
        path = os.path.join(args.out, f"distributed-{n}.json")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        subprocess.run([mpiexec, "-n", str(n), sys.executable, "-m", "benchmarks.distributed", "--rank-main",
                        "--steps", str(args.steps), "--result", path], cwd=ROOT, env=env, check=True)
        res[n] = json.load(open(path))
    two = res[2]
    alpha, beta = _fit(two["allreduce"][len(two["allreduce"]) // 2:])
    summary = {"alpha_us": 1e6 * alpha, "beta_GBps": beta / 1e9, "allreduce_curve": two["allreduce"]}
    lines = ["| global batch 64 | seed MLP | LeNet-5 |", "|---|---|---|"]
    rows = {k: [] for k in ("one", "two", "speedup", "hidden", "bytes")}
    for name in ("mlp", "lenet"):
        a, b = res[1][name], two[name]
        hidden = 1.0 - b["exposed_s_per_step"] / max(b["comm_s_per_step"], 1e-12)
        summary[name] = {"step_ms_1_rank": 1e3 * a["step_s"], "step_ms_2_ranks": 1e3 * b["step_s"],
                         "speedup": a["step_s"] / b["step_s"], "allreduce_hidden_share": hidden,
                         "bytes_per_step_per_rank": b["bytes_per_step"]}
        rows["one"].append(f"{1e3 * a['step_s']:.3f} ms")
        rows["two"].append(f"{1e3 * b['step_s']:.3f} ms")
        rows["speedup"].append(f"{a['step_s'] / b['step_s']:.2f}×")
        rows["hidden"].append(f"{100 * hidden:.0f} %")
        rows["bytes"].append(f"{b['bytes_per_step'] / 1e3:.1f} kB")
    json.dump(summary, open(os.path.join(args.out, "distributed.json"), "w"), indent=2)
    lines += [f"| step, 1 rank × 64 | {' | '.join(rows['one'])} |",
              f"| step, 2 ranks × 32 | {' | '.join(rows['two'])} |",
              f"| speed-up | {' | '.join(rows['speedup'])} |",
              f"| all-reduce time hidden behind backward | {' | '.join(rows['hidden'])} |",
              f"| bytes sent per rank per step | {' | '.join(rows['bytes'])} |",
              f"| MPI all-reduce latency α (2 ranks, this machine) | {summary['alpha_us']:.1f} µs | |",
              f"| MPI all-reduce bandwidth β (2 ranks, this machine) | {summary['beta_GBps']:.2f} GB/s | |"]
    open(os.path.join(args.out, "distributed.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
