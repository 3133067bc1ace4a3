"""A core subset of op comparisons under each SIMD path the CPU supports:
tinygrad_lite._C.set_simd_level('portable' | 'avx2' | 'avx512'), restored afterwards.

Each path is compared with a float64 numpy reference (float32 results: elementwise atol 1e-6
rtol 1e-5, reductions / matmul / softmax atol 1e-4 rtol 1e-4 with the sizes used) and with the
portable path (every path gives the same results within floating-point reassociation:
elementwise atol 1e-6 rtol 2e-6, the rest atol 1e-5 rtol 1e-5).  Sizes straddle the
4/8/16-lane vector widths and the GEMM tiles.
"""
import math

import numpy as np
import pytest

import tinygrad_lite as tl
from helpers import tl_np

_C = tl._C
LEVELS = ["portable", "avx2", "avx512"]
_RANK = {name: i for i, name in enumerate(LEVELS)}


def F():
    import tinygrad_lite.nn.functional as LF
    return LF


@pytest.fixture(params=LEVELS)
def simd(request):
    want = request.param
    old = _C.simd_level()
    if _RANK[want] > _RANK[_C.simd_max_level()]:
        pytest.skip(f"this CPU's best SIMD path is {_C.simd_max_level()}, not {want}")
    try:
        got = _C.set_simd_level(want)
        assert got == want and _C.simd_level() == want
        yield want
    finally:
        _C.set_simd_level(old)
    assert _C.simd_level() == old


SIZES = [1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 64, 100, 1027]

_erf = np.vectorize(math.erf)
UNARY = {
    "exp": (lambda x: x.exp(), np.exp, -10, 10),
    "log": (lambda x: x.log(), np.log, 1e-3, 100),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, 0, 100),
    "tanh": (lambda x: x.tanh(), np.tanh, -10, 10),
    "sigmoid": (lambda x: x.sigmoid(), lambda v: 1 / (1 + np.exp(-v)), -20, 20),
    "relu": (lambda x: x.relu(), lambda v: np.maximum(v, 0), -5, 5),
    "abs": (lambda x: x.abs(), np.abs, -5, 5),
    "neg": (lambda x: -x, np.negative, -5, 5),
    "gelu": (lambda x: F().gelu(x), lambda v: v / 2 * (1 + _erf(v / math.sqrt(2))), -6, 6),
    "gelu_tanh": (lambda x: F().gelu(x, approximate="tanh"),
                  lambda v: v / 2 * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))), -6, 6),
}


def _at_level(level, fn):
    old = _C.simd_level()
    _C.set_simd_level(level)
    try:
        return fn()
    finally:
        _C.set_simd_level(old)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_paths(simd, name):
    fn, ref, lo, hi = UNARY[name]
    for n in SIZES:
        v = np.random.default_rng(n).uniform(lo, hi, n).astype(np.float32)
        got = tl_np(fn(tl.tensor(v)))
        want = ref(v.astype(np.float64))
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-5, err_msg=f"{name} n={n} on {simd}")
        base = _at_level("portable", lambda: tl_np(fn(tl.tensor(v))))
        np.testing.assert_allclose(got, base, atol=1e-6, rtol=2e-6, err_msg=f"{name} n={n}: {simd} vs portable")
        # float64 too
        got64 = tl_np(fn(tl.tensor(v.astype(np.float64))))
        np.testing.assert_allclose(got64, want, atol=1e-12, rtol=1e-10, err_msg=f"{name} float64 n={n} on {simd}")


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "gelu", "gelu_tanh", "exp", "sqrt", "log"])
def test_unary_backward_paths(simd, name):
    fn, ref, lo, hi = UNARY[name]
    for n in (7, 16, 33, 1027):
        v = np.random.default_rng(n + 1).uniform(max(lo, -6), min(hi, 6), n).astype(np.float32)
        v = np.where(np.abs(v) < 1e-2, 0.5, v).astype(np.float32) if name != "log" else np.maximum(v, 0.01)
        h = 1e-6
        v64 = v.astype(np.float64)
        want = (ref(v64 + h) - ref(v64 - h)) / (2 * h)
        x = tl.tensor(v, requires_grad=True)
        fn(x).sum().backward()
        np.testing.assert_allclose(tl_np(x.grad), want, atol=2e-5, rtol=1e-4, err_msg=f"d{name} n={n} on {simd}")


BINARY = {
    "add": (lambda a, b: a + b, np.add), "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply), "div": (lambda a, b: a / b, np.divide),
    "maximum": (lambda a, b: tl.maximum(a, b), np.maximum), "minimum": (lambda a, b: tl.minimum(a, b), np.minimum),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b),
    "lt": (lambda a, b: a < b, np.less),
}


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("sa,sb", [((33,), (33,)), ((1027,), (1027,)), ((5, 17), (17,)), ((5, 1), (1, 17)),
                                   ((3, 16), (3, 1)), ((2, 3, 9), ())])
def test_binary_paths(simd, name, sa, sb):
    fn, ref = BINARY[name]
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2, sa).astype(np.float32) * rng.choice([-1, 1], sa).astype(np.float32)
    b = rng.uniform(0.5, 2, sb).astype(np.float32)
    got = tl_np(fn(tl.tensor(a), tl.tensor(b)))
    want = ref(a.astype(np.float64), b.astype(np.float64))
    if want.dtype == bool:
        np.testing.assert_array_equal(got, want)
        return
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-5, err_msg=f"{name} {sa} {sb} on {simd}")
    # the strided (non-contiguous) path too
    got_t = tl_np(fn(tl.tensor(a).T, tl.tensor(b).T)) if len(sa) == 2 and len(sb) == 2 else None
    if got_t is not None:
        np.testing.assert_allclose(got_t, ref(a.T.astype(np.float64), b.T.astype(np.float64)), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("n", [1, 15, 16, 17, 1000, 4099])
def test_reduce_paths(simd, n):
    v = np.random.default_rng(n).uniform(-1, 1, (3, n)).astype(np.float32)
    x = tl.tensor(v)
    v64 = v.astype(np.float64)
    checks = {
        "sum": (x.sum(dim=1), v64.sum(axis=1)),
        "sum0": (x.sum(dim=0), v64.sum(axis=0)),
        "mean": (x.mean(dim=1), v64.mean(axis=1)),
        "max": (x.amax(dim=1), v64.max(axis=1)),
        "min": (x.amin(dim=1), v64.min(axis=1)),
        "argmax": (x.argmax(dim=1), v64.argmax(axis=1)),
        "sum_all": (x.sum(), v64.sum()),
        "sum_T": (x.T.sum(dim=0), v64.sum(axis=1)),
    }
    if n > 1:
        checks["var"] = (x.var(dim=1), v64.var(axis=1, ddof=1))
    for k, (got, want) in checks.items():
        np.testing.assert_allclose(tl_np(got), want, atol=1e-4, rtol=1e-4, err_msg=f"{k} n={n} on {simd}")
        base = _at_level("portable", lambda: tl_np({
            "sum": lambda: x.sum(dim=1), "sum0": lambda: x.sum(dim=0), "mean": lambda: x.mean(dim=1),
            "max": lambda: x.amax(dim=1), "min": lambda: x.amin(dim=1), "argmax": lambda: x.argmax(dim=1),
            "sum_all": lambda: x.sum(), "sum_T": lambda: x.T.sum(dim=0), "var": lambda: x.var(dim=1)}[k]()))
        np.testing.assert_allclose(tl_np(got), base, atol=1e-5, rtol=1e-5, err_msg=f"{k} n={n}: {simd} vs portable")


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (3, 5, 7), (8, 8, 8), (16, 16, 16), (17, 33, 9), (67, 129, 35),
                                   (128, 256, 64), (1, 300, 129)])
@pytest.mark.parametrize("layout", ["nn", "tn", "nt"])
def test_matmul_paths(simd, m, k, n, layout):
    rng = np.random.default_rng(m * k + n)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    A = tl.tensor(a) if layout != "tn" else tl.tensor(np.ascontiguousarray(a.T)).T
    B = tl.tensor(b) if layout != "nt" else tl.tensor(np.ascontiguousarray(b.T)).T
    got = tl_np(A @ B)
    want = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-4, err_msg=f"matmul {m}x{k}x{n} {layout} on {simd}")
    base = _at_level("portable", lambda: tl_np(A @ B))
    np.testing.assert_allclose(got, base, atol=1e-5, rtol=1e-5, err_msg=f"matmul {m}x{k}x{n}: {simd} vs portable")
    # float64 and the gradients
    got64 = tl_np(tl.tensor(a.astype(np.float64)) @ tl.tensor(b.astype(np.float64)))
    np.testing.assert_allclose(got64, want, atol=1e-12, rtol=1e-10)
    At = tl.tensor(a, requires_grad=True)
    Bt = tl.tensor(b, requires_grad=True)
    g = rng.standard_normal((m, n)).astype(np.float32)
    ((At @ Bt) * tl.tensor(g)).sum().backward()
    np.testing.assert_allclose(tl_np(At.grad), g.astype(np.float64) @ b.T, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(tl_np(Bt.grad), a.T.astype(np.float64) @ g, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("n", [1, 7, 16, 17, 1000])
def test_softmax_cross_entropy_paths(simd, n):
    rng = np.random.default_rng(n)
    v = rng.uniform(-5, 5, (4, n)).astype(np.float32)
    v64 = v.astype(np.float64)
    e = np.exp(v64 - v64.max(axis=1, keepdims=True))
    sm = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(tl_np(tl.tensor(v).softmax(dim=1)), sm, atol=1e-6, rtol=1e-4)
    np.testing.assert_allclose(tl_np(tl.tensor(v).log_softmax(dim=1)), np.log(sm), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(tl_np(tl.tensor(v.T).softmax(dim=0)), sm.T, atol=1e-6, rtol=1e-4)
    t = rng.integers(0, n, 4).astype(np.int64)
    want = float(np.mean(-np.log(sm[np.arange(4), t])))
    x = tl.tensor(v, requires_grad=True)
    loss = F().cross_entropy(x, tl.tensor(t))
    assert abs(loss.item() - want) < 1e-4 * max(1.0, abs(want))
    loss.backward()
    onehot = np.eye(n)[t]
    np.testing.assert_allclose(tl_np(x.grad), (sm - onehot) / 4, atol=1e-6, rtol=1e-4)


def test_set_simd_level_reports_and_clamps():
    old = _C.simd_level()
    try:
        assert _C.simd_max_level() in LEVELS
        assert _C.set_simd_level("portable") == "portable"
        assert _C.simd_level() == "portable"
        got = _C.set_simd_level("avx512")   # clamps to what the CPU has
        assert got == _C.simd_max_level() == _C.simd_level()
        with pytest.raises(ValueError, match="set_simd_level"):
            _C.set_simd_level("neon9")
    finally:
        _C.set_simd_level(old)
