"""The case registry, the targets a case is judged by, and helpers that give both libraries the same data.

A case is a function of no arguments that builds its inputs and returns a pair of callables
(ours, torch) doing the same work; the harness calls each many times. A callable may return a
tensor: the first call's results are compared (same shape, close values) before anything is timed.
A case may return a third element, {name: callable}: further references (numpy's BLAS, our own
float32 path for a bf16 case) timed in the same rounds and reported as ours/name.
"""
import re
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Target:
    """A goal shown in the table: kind "ratio" means ours/torch ≤ value (ours/`vs` when `vs` names one
    of the case's further references); kind "limit" means our speed ≥ value × the machine's limit
    (FMA peak or triad bandwidth at that thread count). `threads` restricts it to those thread counts
    (None: every count)."""
    kind: str
    value: float
    threads: tuple = None
    vs: str = None

    def applies(self, threads):
        return self.threads is None or threads in self.threads

    def label(self):
        if self.kind == "ratio":
            return f"≤{self.value:g}×" + (f" {self.vs}" if self.vs else "")
        return f"≥{self.value * 100:g}%lim"

    def met(self, ratio, frac_of_limit, extra_ratio=None):
        """True/False, or None when the figure it needs is missing."""
        if self.kind == "ratio":
            got = (extra_ratio or {}).get(self.vs) if self.vs else ratio
        else:
            got = frac_of_limit
        if got is None:
            return None
        return got <= self.value if self.kind == "ratio" else got >= self.value


def ratio_at_most(value, threads=None, vs=None):
    return Target("ratio", value, tuple(threads) if threads else None, vs)


def limit_at_least(fraction, threads=None):
    return Target("limit", fraction, tuple(threads) if threads else None)


@dataclass
class Case:
    name: str
    group: str
    build: callable            # () -> (ours, torch)
    flops: float = 0.0         # FLOP per call (for % of FMA peak)
    bytes: float = 0.0         # bytes read + written per call (for % of bandwidth)
    targets: list = field(default_factory=list)
    heavy: bool = False        # skipped by --quick
    check: bool = True         # compare the first results of ours and torch


REGISTRY = []


def case(name, group, flops=0.0, bytes=0.0, targets=(), heavy=False, check=True):
    """Register the decorated builder as a case; returns it unchanged."""
    def register(build):
        if any(c.name == name for c in REGISTRY):
            raise ValueError(f"benchmark case {name!r} is registered twice")
        REGISTRY.append(Case(name, group, build, float(flops), float(bytes), list(targets), heavy, check))
        return build
    return register


def load_cases():
    """Import every cases_* module (registering their cases) and return the registry."""
    import importlib

    from . import CASE_MODULES
    for mod in CASE_MODULES:
        importlib.import_module(f"{__package__}.{mod}")
    return REGISTRY


def select(cases, pattern=None, quick=False):
    rx = re.compile(pattern) if pattern else None
    return [c for c in cases
            if (rx is None or rx.search(c.name) or rx.search(c.group)) and not (quick and c.heavy)]


# ---- the same data for both libraries ----------------------------------------------------------

_rng = np.random.default_rng(0)


def randn(*shape):
    return _rng.standard_normal(shape, dtype=np.float32)


def randint(high, *shape):
    return _rng.integers(0, high, shape, dtype=np.int64)


def libraries():
    """(tinygrad_lite, torch), with tinygrad_lite's nn, optim and utils.data loaded as `import torch` does."""
    import importlib

    import torch

    import tinygrad_lite as tl
    for sub in ("nn", "nn.functional", "optim", "utils.data"):
        try:
            importlib.import_module(f"tinygrad_lite.{sub}")
        except ModuleNotFoundError as e:  # absent: only the cases that use it fail, on `tl.<sub>`
            if not (e.name and f"tinygrad_lite.{sub}".startswith(e.name)):
                raise
    return tl, torch


def pair(array, requires_grad=False):
    """(tinygrad_lite tensor, torch tensor), each with its own copy of `array`."""
    import tinygrad_lite as tl
    import torch
    ours = tl.tensor(np.array(array), requires_grad=requires_grad)
    theirs = torch.tensor(np.array(array), requires_grad=requires_grad)
    return ours, theirs


def to_numpy(result):
    """A numpy array from a tensor of either library (or a number), for the correctness check."""
    if result is None:
        return None
    if hasattr(result, "detach"):
        result = result.detach()
    if hasattr(result, "numpy"):
        return np.asarray(result.numpy())
    return np.asarray(result)
