"""API probe: common torch usages, each run in torch and in tinygrad_lite, classified

    equal    the same values (within float tolerance), shapes and dtypes — or both raise
    wrong    both run, results differ (or ours runs where torch raises)
    missing  ours lacks the name or the feature (AttributeError, NotImplementedError, an
             unexpected keyword argument)
    error    ours raises something else where torch runs

    python tools/api_probe.py            # the figures, and every case that is not equal
    python tools/api_probe.py -v         # every case
    python tools/api_probe.py --json F   # the per-case results as JSON

A case is an expression (or a few statements whose last line is the result) written once
with `T` for the library; the namespace has the same inputs for both, built from numpy:
    a (3, 4) f32, b (4, 5) f32, c (3, 4) f32, v (4,) f32, w (5,) f32, s 0-d f32,
    x3 (2, 3, 4) f32, i (3,) int64 in [0, 3), j (3, 4) int64, m (3, 4) bool, p (3, 4)
    f32 in (0, 1), pos (3, 4) f32 > 0, idx2 (3, 2) int64 in [0, 4), d64 (3, 4) f64,
    y01 (3, 4) f32 labels in {0, 1}, cls (3,) int64 class indices in [0, 4), ag (3, 4) f32
    leaf requiring grad; F = T.nn.functional, nn = T.nn, np = numpy.
A result prefixed by the helper `shape_only(...)` is compared by shape and dtype only
(random draws); `grad_of(fn, *xs)` returns the gradients of fn(*xs).sum().
"""
import argparse
import json
import math
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

RTOL, ATOL = 1e-4, 1e-5


class ShapeOnly:
    def __init__(self, t):
        self.t = t


def _inputs(T):
    rng = np.random.default_rng(0)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    env = dict(
        a=f32(3, 4), b=f32(4, 5), c=f32(3, 4), v=f32(4), w=f32(5), s=np.float32(0.7), x3=f32(2, 3, 4),
        i=rng.integers(0, 3, 3), j=rng.integers(-3, 4, (3, 4)), m=rng.random((3, 4)) < 0.5,
        p=rng.uniform(0.05, 0.95, (3, 4)).astype(np.float32), pos=rng.uniform(0.5, 2, (3, 4)).astype(np.float32),
        idx2=rng.integers(0, 4, (3, 2)), d64=rng.standard_normal((3, 4)), y01=(rng.random((3, 4)) < 0.5).astype(
            np.float32), cls=rng.integers(0, 4, 3), x4=f32(2, 3, 4, 5), seq=f32(5, 2, 3), vi=rng.integers(0, 6, 8),
        sq=f32(4, 4),
    )
    out = {k: T.tensor(np.asarray(val)) for k, val in env.items()}
    out["ag"] = T.tensor(env["a"], requires_grad=True)
    out["T"], out["np"], out["math"] = T, np, math
    out["F"], out["nn"] = T.nn.functional, T.nn
    out["shape_only"] = ShapeOnly

    def grad_of(fn, *xs):
        leaves = [x.detach().clone().requires_grad_(True) for x in xs]
        fn(*leaves).sum().backward()
        return tuple(x.grad for x in leaves)

    out["grad_of"] = grad_of

    def seeded(n_params, make, steps=3, **kw):
        """A tiny regression trained a few steps with optimizer `make(params)`: the final weights."""
        T.manual_seed(0)
        wt = T.tensor(np.linspace(-1, 1, n_params, dtype=np.float32), requires_grad=True)
        opt = make([wt])
        xs = T.tensor(np.linspace(0, 1, n_params, dtype=np.float32))
        for _ in range(steps):
            opt.zero_grad()
            ((wt * xs - 0.5) ** 2).sum().backward()
            opt.step()
        return wt.detach()

    out["trained"] = seeded

    def det(module):
        """Every parameter set to fixed values (the same in both libraries): 0.3·sin(0.37k + n)."""
        with T.no_grad():
            for n, (_, prm) in enumerate(module.named_parameters()):
                vals = 0.3 * np.sin(0.37 * np.arange(prm.numel()) + n).reshape(tuple(prm.shape))
                prm.copy_(T.tensor(vals.astype(np.float32)))
        return module

    out["det"] = det

    def lrs(make, n=12, metric=None, opt="SGD"):
        """The lr after construction and after each of n steps of the scheduler make(optimizer)."""
        prm = T.zeros(2, requires_grad=True)
        o = getattr(T.optim, opt)([prm], lr=0.1)
        sched = make(o)
        seq = [sched.get_last_lr()[0]]
        for k in range(n):
            o.step()
            sched.step(metric(k)) if metric else sched.step()
            seq.append(sched.get_last_lr()[0])
        return seq

    out["lrs"] = lrs
    return out


def _canon(x, T):
    """A comparable form: ('t', array, dtype name) for tensors, recursively for containers."""
    if isinstance(x, ShapeOnly):
        c = _canon(x.t, T)
        return ("shape", c[1].shape, c[2]) if c[0] == "t" else c
    if hasattr(x, "detach") and hasattr(x, "shape") and hasattr(x, "dtype"):
        arr = x.detach().cpu().numpy() if hasattr(x, "cpu") else x.detach().numpy()
        return ("t", np.asarray(arr), str(x.dtype).split(".")[-1])
    if type(x).__name__ == "Size" or (isinstance(x, tuple) and type(x).__name__ in ("Size",)):
        return ("size", tuple(int(v) for v in x))
    if hasattr(x, "_fields") or isinstance(x, (tuple, list)):
        return ("seq", [_canon(v, T) for v in x])
    if isinstance(x, dict):
        return ("dict", {k: _canon(v, T) for k, v in x.items()})
    if type(x).__name__ == "dtype" or str(type(x)).endswith("dtype'>"):
        return ("dtype", str(x).split(".")[-1])
    if type(x).__name__ == "device":
        return ("device", str(x))
    if isinstance(x, (bool, np.bool_)):
        return ("bool", bool(x))
    if isinstance(x, (int, float, np.number)):
        return ("num", float(x))
    if isinstance(x, str):
        return ("str", x.replace("tinygrad_lite", "torch"))
    if x is None:
        return ("none",)
    return ("obj", type(x).__name__)


def _same(a, b):
    if a[0] != b[0]:
        return False
    kind = a[0]
    if kind == "t":
        if a[1].shape != b[1].shape or a[2] != b[2]:
            return False
        if a[1].dtype.kind in "biu":
            return bool(np.array_equal(a[1], b[1]))
        return bool(np.allclose(a[1].astype(np.float64), b[1].astype(np.float64), rtol=RTOL, atol=ATOL,
                                equal_nan=True))
    if kind == "seq":
        return len(a[1]) == len(b[1]) and all(_same(x, y) for x, y in zip(a[1], b[1]))
    if kind == "dict":
        return a[1].keys() == b[1].keys() and all(_same(a[1][k], b[1][k]) for k in a[1])
    if kind == "num":
        return math.isclose(a[1], b[1], rel_tol=RTOL, abs_tol=ATOL) or (math.isnan(a[1]) and math.isnan(b[1]))
    return a == b


def _run(code, env):
    lines = code.strip().split("\n")
    if len(lines) == 1:
        return eval(code, env)  # noqa: S307  (the probe's own cases)
    exec("\n".join(lines[:-1]), env)  # noqa: S102
    return eval(lines[-1], env)  # noqa: S307


def _missing(exc):
    if isinstance(exc, (AttributeError, NotImplementedError)):
        return True
    return isinstance(exc, TypeError) and ("unexpected keyword" in str(exc) or "positional argument" in str(exc))


def probe(cases):
    import torch

    import tinygrad_lite as tl

    warnings.simplefilter("ignore")
    results = []
    for code in cases:
        res = {"case": code}
        outs = []
        for lib in (torch, tl):
            lib.manual_seed(0)
            env = _inputs(lib)
            try:
                outs.append(("ok", _canon(_run(code, env), lib)))
            except Exception as e:  # noqa: BLE001
                outs.append(("raise", e))
        (kt, vt), (kl, vl) = outs
        if kt == "raise" and kl == "raise":
            res["status"] = "equal"
        elif kt == "raise":
            res["status"], res["detail"] = "wrong", f"torch raises {type(vt).__name__}: {vt}"[:200]
        elif kl == "raise":
            res["status"] = "missing" if _missing(vl) else "error"
            res["detail"] = f"{type(vl).__name__}: {vl}"[:200]
        elif _same(vt, vl):
            res["status"] = "equal"
        else:
            res["status"] = "wrong"
            res["detail"] = f"torch {str(vt)[:150]} | ours {str(vl)[:150]}"
        results.append(res)
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", action="store_true", help="list every case")
    ap.add_argument("--json", help="write the per-case results here")
    args = ap.parse_args(argv)
    from api_probe_cases import CASES, OWNED_ELSEWHERE

    report = {}
    for title, cases in (("usages", CASES), ("usages owned by other parts (conv, norms, attention, dtypes)",
                                             OWNED_ELSEWHERE)):
        results = probe(cases)
        counts = {k: sum(r["status"] == k for r in results) for k in ("equal", "wrong", "missing", "error")}
        for r in results:
            if args.v or r["status"] != "equal":
                print(f"[{r['status']:7}] {r['case']!r}  {r.get('detail', '')}")
        n = len(results)
        print(f"\n{n} {title}: " + ", ".join(f"{v} {k}" for k, v in counts.items()) +
              f"  ({100.0 * counts['equal'] / n:.1f} % equal)\n")
        report[title] = {"counts": counts, "results": results}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return report


if __name__ == "__main__":
    main()
