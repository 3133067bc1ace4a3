"""Real PyTorch programs (tests/programs/*.py: the "Learning PyTorch with Examples" series,
the tensor / autograd / build-model / optimisation tutorials, "What is torch.nn really?", the
60-minute blitz, micrograd's engine test) run twice: as written, under torch, and with only
their imports changed to tinygrad_lite. Both runs must print the same thing.

Same random numbers: the programs draw weights and data with torch.randn, nn.Linear's init,
shuffling DataLoaders and Python's random; the two libraries have different generators, so
for the comparison both runs get their random numbers from one seeded numpy stream (the
harness replaces randn / rand / randint / randperm / normal and Tensor.uniform_ / normal_ in
the library under test, and seeds `random`). The program text is untouched.

Comparison: the printed text with whitespace collapsed, the library name, object addresses
and grad_fn names normalised, must be equal; every number in it must agree within rtol 2e-3,
atol 1e-4 (float32 training runs of up to a few thousand steps).
"""
import builtins
import contextlib
import io
import math
import os
import random
import re
import sys
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
REPO = os.path.dirname(HERE)
MNIST = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist")

IMPORT_RE = re.compile(r"^(\s*)(import|from)\s+torch\b(.*)$")


def rewrite_imports(src):
    """The one change a program gets: `torch` → `tinygrad_lite` in its import lines."""
    out = []
    for line in src.split("\n"):
        m = IMPORT_RE.match(line)
        if not m:
            out.append(line)
            continue
        indent, kw, rest = m.groups()
        if kw == "import" and rest.strip() == "":
            out.append(f"{indent}import tinygrad_lite as torch")
        elif kw == "import" and rest.startswith("."):
            out.append(f"{indent}import tinygrad_lite{rest}")
        else:
            out.append(f"{indent}{kw} tinygrad_lite{rest}")
    return "\n".join(out)


@contextlib.contextmanager
def shared_random(lib, seed=0):
    """Route lib's random draws (and Python's random) through one numpy stream."""
    rs = np.random.RandomState(seed)
    random.seed(seed)

    def shape_of(size):
        if len(size) == 1 and isinstance(size[0], (tuple, list)) or (len(size) == 1 and type(size[0]).__name__ == "Size"):
            return tuple(size[0])
        return tuple(size)

    def make(values, dtype, device, requires_grad):
        t = lib.tensor(np.asarray(values, dtype=np.float32), dtype=dtype or lib.float32)
        if device is not None:
            t = t.to(device)
        return t.requires_grad_(True) if requires_grad else t

    def randn(*size, dtype=None, device=None, requires_grad=False, generator=None, **kw):
        return make(rs.standard_normal(shape_of(size)), dtype, device, requires_grad)

    def rand(*size, dtype=None, device=None, requires_grad=False, generator=None, **kw):
        return make(rs.random_sample(shape_of(size)), dtype, device, requires_grad)

    def rand_like(t, dtype=None, **kw):
        return make(rs.random_sample(tuple(t.shape)), dtype or (t.dtype if t.is_floating_point() else None), None, False)

    def randn_like(t, dtype=None, **kw):
        return make(rs.standard_normal(tuple(t.shape)), dtype or t.dtype, None, False)

    def randint(low, high=None, size=None, generator=None, dtype=None, **kw):
        if high is None or isinstance(high, (tuple, list)):
            low, high, size = 0, low, high if size is None else size
        return lib.tensor(rs.randint(low, high, size=tuple(size)).astype(np.int64))

    def randperm(n, generator=None, **kw):
        return lib.tensor(rs.permutation(n).astype(np.int64))

    def manual_seed(s):
        rs.seed(int(s) % (2 ** 32))
        return orig["manual_seed"](s)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        with lib.no_grad():
            return self.copy_(lib.tensor(rs.uniform(a, b, tuple(self.shape)).astype(np.float32)))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        with lib.no_grad():
            return self.copy_(lib.tensor(rs.normal(mean, std, tuple(self.shape)).astype(np.float32)))

    funcs = dict(randn=randn, rand=rand, rand_like=rand_like, randn_like=randn_like, randint=randint,
                 randperm=randperm, manual_seed=manual_seed)
    methods = dict(uniform_=uniform_, normal_=normal_)
    orig = {k: getattr(lib, k) for k in funcs}
    orig_m = {k: getattr(lib.Tensor, k) for k in methods}
    for k, f in funcs.items():
        setattr(lib, k, f)
    for k, f in methods.items():
        setattr(lib.Tensor, k, f)
    try:
        yield
    finally:
        for k, f in orig.items():
            setattr(lib, k, f)
        for k, f in orig_m.items():
            setattr(lib.Tensor, k, f)


def run_program(name, ours):
    """The program's printed output, run under torch (ours=False) or tinygrad_lite."""
    import tinygrad_lite

    path = os.path.join(PROGRAMS, name)
    with open(path) as fh:
        src = fh.read()
    if ours:
        src = rewrite_imports(src)
    lib = tinygrad_lite if ours else torch
    buf = io.StringIO()
    env = {"__name__": "__main__", "__file__": path, "__builtins__": builtins}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread pool at a time on this machine (PERF-NOTES: traps)
    try:
        with shared_random(lib), contextlib.redirect_stdout(buf):
            exec(compile(src, path, "exec"), env)  # noqa: S102  (the project's own test programs)
    finally:
        torch.set_num_threads(threads)
    return buf.getvalue()


NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")


def normalise(text):
    text = text.replace("tinygrad_lite", "torch")
    text = re.sub(r"<(\w*Backward\w*)( object at 0x[0-9a-f]+)?>", "<Backward>", text)
    text = re.sub(r"grad_fn=<\w+>", "grad_fn=<Backward>", text)
    text = re.sub(r"0x[0-9a-f]+", "0x?", text)
    return " ".join(text.split())


def assert_same_output(ours, theirs, rtol=2e-3, atol=1e-4):
    a, b = normalise(ours), normalise(theirs)
    na, nb = NUM.findall(a), NUM.findall(b)
    sa, sb = NUM.sub("#", a), NUM.sub("#", b)
    assert sa == sb, f"the printed text differs:\n ours:  {sa[:2000]}\n torch: {sb[:2000]}"
    assert len(na) == len(nb)
    for k, (x, y) in enumerate(zip(na, nb)):
        fx, fy = float(x), float(y)
        if math.isnan(fy):
            assert math.isnan(fx), f"number {k}: {x} vs torch {y}"
            continue
        assert math.isclose(fx, fy, rel_tol=rtol, abs_tol=atol), \
            f"number {k} differs: ours {x} vs torch {y}\n ours:  {a[:3000]}\n torch: {b[:3000]}"


NEEDS_CONV = {"blitz_neural_networks.py", "blitz_classifier.py", "nn_really_cnn.py"}
NEEDS_MNIST = {"optimization_tutorial.py", "nn_really.py", "nn_really_cnn.py", "blitz_classifier.py"}
ALL = sorted(f for f in os.listdir(PROGRAMS) if f.endswith(".py") and not f.startswith("_"))


@pytest.mark.parametrize("name", ALL)
def test_program_prints_what_torch_prints(name):
    import tinygrad_lite

    if name in NEEDS_CONV and not hasattr(tinygrad_lite.nn, "Conv2d"):
        pytest.skip("needs nn.Conv2d / F.max_pool2d (the convolution work, merged separately)")
    if name in NEEDS_MNIST and not os.path.exists(os.path.join(MNIST, "train-labels-idx1-ubyte")):
        pytest.skip(f"MNIST not found at {MNIST}")
    t0 = time.perf_counter()
    theirs = run_program(name, ours=False)
    t1 = time.perf_counter()
    ours = run_program(name, ours=True)
    t2 = time.perf_counter()
    assert theirs.strip(), "the program printed nothing"
    assert_same_output(ours, theirs)
    print(f"{name}: torch {t1 - t0:.2f} s, ours {t2 - t1:.2f} s", file=sys.stderr)


def test_rewrite_changes_only_imports():
    src = "import torch\nimport torch.nn as nn\nfrom torch import optim\nfrom torch.utils.data import DataLoader\n" \
          "x = torch.ones(2)  # torch stays torch here\n    import torch.nn.functional as F"
    assert rewrite_imports(src) == (
        "import tinygrad_lite as torch\nimport tinygrad_lite.nn as nn\nfrom tinygrad_lite import optim\n"
        "from tinygrad_lite.utils.data import DataLoader\nx = torch.ones(2)  # torch stays torch here\n"
        "    import tinygrad_lite.nn.functional as F")
