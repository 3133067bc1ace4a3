"""Timing: both libraries pinned to the same thread count, warmed up, then timed in alternation.

Per (case, thread count): warm up each side (which also checks that their first results agree),
choose for each side enough inner calls that one sample lasts ≥ `min_sample_s`, then take
`samples` samples of each, alternating ours/torch and swapping who goes first every round so
drift on a shared machine hits both alike. A sample's time / its inner calls is one figure;
the median and min–max of those are reported. The garbage collector stays on (it is part of
what a user pays) but is run before every sample so no side inherits the other's garbage,
followed by one untimed call, since the collector's walk over memory evicts the caches;
`freeze_imports()` first moves everything the imports made out of its reach, so that costs
microseconds, not the ~0.1 s of a full collection with torch loaded.
"""
import gc
import math
import statistics
import time
from dataclasses import dataclass

import numpy as np

from .registry import to_numpy


@dataclass
class Settings:
    samples: int = 5
    min_sample_s: float = 1e-2
    warmup_s: float = 0.02      # each side warms up for at least this long ...
    warmup_calls: int = 2       # ... and at least this many calls (one if a call takes ≥ 0.5 s)


QUICK = Settings(samples=3, min_sample_s=5e-4, warmup_s=5e-3, warmup_calls=2)


def freeze_imports():
    """Call once after the imports: later collections skip the modules' objects (gc.freeze)."""
    gc.collect()
    gc.freeze()


def set_threads(n):
    import tinygrad_lite as tl
    import torch
    (getattr(tl, "set_num_threads", None) or tl._C.set_num_threads)(n)
    torch.set_num_threads(n)
    try:  # numpy's BLAS, a further reference of the GEMM cases, on the same count (when threadpoolctl is there)
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        pass


def _warm_up(fn, settings):
    """Call fn until warm; return (first result, seconds of the last call)."""
    first, calls, start = None, 0, time.perf_counter()
    while True:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        if calls == 0:
            first = out
        calls += 1
        done = calls >= settings.warmup_calls and time.perf_counter() - start >= settings.warmup_s
        if done or dt >= 0.5:
            return first, dt


def _sample(fn, inner):
    gc.collect()
    fn()  # re-warm the caches the collection walked over; not timed
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def summarize(times):
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "samples": times}


def compare(a, b, rtol=1e-3):
    """None when both results agree (or there is nothing to compare), else a short description."""
    a, b = to_numpy(a), to_numpy(b)
    if a is None or b is None:
        return None
    if a.shape != b.shape:
        return f"shape {a.shape} vs torch {b.shape}"
    if a.size == 0:
        return None
    scale = max(1.0, float(np.max(np.abs(b))))
    err = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
    return None if err <= rtol * scale else f"max |ours - torch| = {err:.3g} (scale {scale:.3g})"


def measure(ours, theirs, settings, check=True, extras=None):
    """Time the pair (and any further references in `extras`, {name: callable}, in the same rounds);
    returns (ours summary, torch summary, mismatch or None, {name: summary})."""
    names = list(extras or {})
    fns = (ours, theirs) + tuple(extras[k] for k in names)
    warm = [_warm_up(f, settings) for f in fns]
    mismatch = compare(warm[0][0], warm[1][0]) if check else None
    inner = [max(1, math.ceil(settings.min_sample_s / max(t, 1e-9))) for _, t in warm]
    del warm
    times = tuple([] for _ in fns)
    order = list(range(len(fns)))
    for s in range(settings.samples):
        for side in (order if s % 2 == 0 else order[::-1]):
            times[side].append(_sample(fns[side], inner[side]))
    out = [summarize(t) for t in times]
    for o, i in zip(out, inner):
        o["inner"] = i
    return out[0], out[1], mismatch, dict(zip(names, out[2:]))
