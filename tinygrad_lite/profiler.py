"""Where the time goes: kernel time by family versus the Python around it.

    with tinygrad_lite.profiler.profile() as prof:
        train_step()
    print(prof.table())            # per kernel: calls, total, mean; per family; Python overhead

While the block runs, every kernel call of the CPU device goes through a timing wrapper (the
device's backend is swapped for a recording proxy, then restored). Families: gemm (matmul,
linear, convolution products), elementwise (the pointwise table, where, in-place updates),
reduce, nn (softmax, cross-entropy, norms, attention, dropout), index, optimizer, random,
memory (allocation, copies, conversions). "python" is the wall time of the block minus the
time spent inside kernels: autograd bookkeeping, argument checks, the interpreter.
"""
import time
from collections import defaultdict

from .device import CPU

_FAMILIES = [
    ("gemm", ("matmul", "linear", "conv", "baddbmm", "bmm", "quant_matmul", "gemm")),
    ("nn", ("softmax", "log_softmax", "cross_entropy", "dropout", "layer_norm", "rms_norm", "batch_norm", "group_norm",
            "attention", "sdpa", "embedding", "pool", "interpolate", "pad")),
    ("reduce", ("sum", "mean", "max", "min", "var", "argmax", "argmin", "cumsum", "cumprod", "topk", "sort")),
    ("index", ("index_", "gather", "scatter", "cat", "nonzero", "take", "masked_select")),
    ("optimizer", ("sgd_step", "adam_step", "rmsprop", "adagrad")),
    ("random", ("rand", "randn", "randint", "randperm", "uniform_", "normal_", "manual_seed", "multinomial")),
    ("memory", ("empty", "full", "arange", "clone", "contiguous", "astype", "copy_", "to_device", "to_host",
                "from_numpy")),
]


def family(kernel):
    """The family a kernel name belongs to (everything else is elementwise or other)."""
    for fam, prefixes in _FAMILIES:
        if kernel.startswith(prefixes):
            return fam
    return "elementwise"


class _Recorder:
    """Stands in for a backend module: each kernel it hands out times its calls."""

    def __init__(self, inner, stats):
        self._inner, self._stats, self._cache = inner, stats, {}

    def __getattr__(self, name):
        fn = self._cache.get(name)
        if fn is not None:
            return fn
        target = getattr(self._inner, name)
        if not callable(target) or isinstance(target, type):
            return target
        stats = self._stats

        def timed(*args, **kwargs):
            t0 = time.perf_counter_ns()
            try:
                return target(*args, **kwargs)
            finally:
                s = stats[name]
                s[0] += 1
                s[1] += time.perf_counter_ns() - t0

        timed.__name__ = name
        self._cache[name] = timed
        return timed


class profile:
    """Context manager recording kernel calls of the CPU device (see the module docstring)."""

    def __init__(self, device=CPU):
        self.device = device
        self.stats = defaultdict(lambda: [0, 0])  # kernel -> [calls, ns]
        self.wall_ns = 0

    def __enter__(self):
        self._saved = self.device._backend
        self.device._backend = _Recorder(self.device.backend, self.stats)
        self._t0 = time.perf_counter_ns()
        return self

    def __exit__(self, *exc):
        self.wall_ns += time.perf_counter_ns() - self._t0
        self.device._backend = self._saved
        return False

    def families(self):
        """{family: seconds} over the recorded kernels, plus "python" for the rest of the wall time."""
        out = defaultdict(float)
        for name, (_, ns) in self.stats.items():
            out[family(name)] += ns / 1e9
        out["python"] = max(0.0, self.wall_ns / 1e9 - sum(out.values()))
        return dict(out)

    def table(self, top=15):
        total = self.wall_ns / 1e9 or 1e-12
        lines = [f"{'kernel':<28}{'calls':>8}{'total ms':>11}{'mean µs':>10}{'share':>8}"]
        rows = sorted(self.stats.items(), key=lambda kv: -kv[1][1])[:top]
        for name, (calls, ns) in rows:
            lines.append(f"{name:<28}{calls:>8}{ns / 1e6:>11.3f}{ns / 1e3 / max(calls, 1):>10.2f}"
                         f"{100 * ns / 1e9 / total:>7.1f}%")
        lines.append("")
        lines.append(f"{'family':<28}{'':>8}{'total ms':>11}{'':>10}{'share':>8}")
        for fam, s in sorted(self.families().items(), key=lambda kv: -kv[1]):
            lines.append(f"{fam:<28}{'':>8}{s * 1e3:>11.3f}{'':>10}{100 * s / total:>7.1f}%")
        lines.append(f"{'wall':<28}{'':>8}{total * 1e3:>11.3f}")
        return "\n".join(lines)
