"""Quick numpy-vs-ours smoke test of the elementwise and reduction kernels (backend/interface.py).

Every check runs on contiguous, transposed, broadcast and sliced inputs, and on every SIMD
path this CPU supports. The full spec tests live elsewhere.
"""
import math

import numpy as np
import pytest

import tinygrad_lite._C as C

LEVELS = [l for l in ("portable", "avx2", "avx512")
          if ["portable", "avx2", "avx512"].index(l) <= ["portable", "avx2", "avx512"].index(C.simd_max_level())]


@pytest.fixture(params=LEVELS, autouse=True)
def simd(request):
    old = C.simd_level()
    C.set_simd_level(request.param)
    yield request.param
    C.set_simd_level(old)


rng = np.random.default_rng(0)


def layouts(shape=(37, 45), dtype=np.float32, lo=-3.0, hi=3.0):
    """(name, numpy array) in several memory layouts, all of `shape`."""
    def r(s):
        if dtype == np.int64:
            return rng.integers(-5, 6, size=s).astype(np.int64)
        if dtype == np.bool_:
            return rng.random(s) < 0.5
        return rng.uniform(lo, hi, size=s).astype(dtype)
    big = r((shape[0] * 2, shape[1] + 3))
    return [
        ("contig", r(shape)),
        ("transposed", r(shape[::-1]).T),
        ("sliced", big[::2, 1:shape[1] + 1]),
        ("broadcast", np.broadcast_to(r((1, shape[1])), shape)),
    ]


def T(a):
    return C.from_numpy(a)


def N(x):
    return np.array(x.numpy())


def close(ours, ref, rtol=1e-5, atol=1e-6):
    ours = N(ours)
    assert ours.shape == np.shape(ref), (ours.shape, np.shape(ref))
    assert ours.dtype == np.asarray(ref).dtype, (ours.dtype, np.asarray(ref).dtype)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol)


def erf(x):
    return np.vectorize(math.erf)(x)


def phi(x):
    return 0.5 * (1 + erf(x / math.sqrt(2)))


UNARY = {
    "exp": (np.exp, (-10, 10)),
    "log": (np.log, (0.01, 10)),
    "sqrt": (np.sqrt, (0, 10)),
    "tanh": (np.tanh, (-6, 6)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-20, 20)),
    "gelu": (lambda x: x * phi(x), (-8, 8)),
    "gelu_tanh": (lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))), (-8, 8)),
    "sin": (np.sin, (-6, 6)),
    "cos": (np.cos, (-6, 6)),
    "neg": (np.negative, (-3, 3)),
    "abs": (np.abs, (-3, 3)),
    "relu": (lambda x: np.maximum(x, 0), (-3, 3)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, dtype):
    fn, (lo, hi) = UNARY[name]
    for lay, a in layouts(dtype=dtype, lo=lo, hi=hi):
        ref = fn(a.astype(np.float64)).astype(dtype)
        close(getattr(C, name)(T(a)), ref, rtol=2e-6 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_unary_large_and_special():
    x = rng.standard_normal(100003).astype(np.float32) * 30
    close(C.exp(T(x)), np.exp(x.astype(np.float64)).astype(np.float32), rtol=1e-6, atol=1e-44)
    sp = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.7, -87.0, -100.0, 200.0, -200.0], np.float32)
    with np.errstate(all="ignore"):
        close(C.exp(T(sp)), np.exp(sp), rtol=1e-6, atol=1e-44)
        close(C.tanh(T(sp)), np.tanh(sp), rtol=1e-6, atol=0)
        close(C.sigmoid(T(sp)), (1 / (1 + np.exp(-sp.astype(np.float64)))).astype(np.float32), rtol=1e-6, atol=0)
    assert np.isnan(N(C.relu(T(sp)))[0])


def test_unary_int64():
    for lay, a in layouts(dtype=np.int64):
        close(C.relu(T(a)), np.maximum(a, 0))
        close(C.abs(T(a)), np.abs(a))
        close(C.neg(T(a)), -a)
    with pytest.raises(TypeError):
        C.exp(T(np.arange(3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward(dtype):
    for lay, x in layouts(dtype=dtype, lo=-6, hi=6):
        g = rng.standard_normal(x.shape).astype(dtype)
        x64, g64 = x.astype(np.float64), g.astype(np.float64)
        close(C.relu_backward(T(x), T(g)), (g64 * (x64 > 0)).astype(dtype))
        pdf = np.exp(-x64 ** 2 / 2) / math.sqrt(2 * math.pi)
        close(C.gelu_backward(T(x), T(g)), (g64 * (phi(x64) + x64 * pdf)).astype(dtype), rtol=1e-5, atol=1e-6)
        k = math.sqrt(2 / math.pi)
        u = k * (x64 + 0.044715 * x64 ** 3)
        th = np.tanh(u)
        ref = 0.5 * (1 + th) + 0.5 * x64 * (1 - th ** 2) * k * (1 + 3 * 0.044715 * x64 ** 2)
        close(C.gelu_tanh_backward(T(x), T(g)), (g64 * ref).astype(dtype), rtol=1e-5, atol=1e-5)
        y = 1 / (1 + np.exp(-x64))
        close(C.sigmoid_backward(T(y.astype(dtype)), T(g)), (g64 * y * (1 - y)).astype(dtype), rtol=1e-5, atol=1e-6)
        y = np.tanh(x64)
        close(C.tanh_backward(T(y.astype(dtype)), T(g)), (g64 * (1 - y * y)).astype(dtype), rtol=1e-5, atol=1e-6)


BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power,
          "maximum": np.maximum, "minimum": np.minimum}
CMP = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
       "ge": np.greater_equal}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("name", list(BINARY) + list(CMP))
def test_binary(name, dtype):
    if name in ("div", "pow") and dtype == np.int64:
        with pytest.raises(TypeError):
            getattr(C, name)(T(np.arange(3)), T(np.arange(3)))
        return
    fn = BINARY.get(name) or CMP[name]
    lo = 0.1 if name == "pow" else -3
    A = layouts(dtype=dtype, lo=lo)
    B = layouts(dtype=dtype, lo=lo)
    extra = [(A[0][1], B[0][1][0]),            # row vector over matrix
             (A[0][1], B[0][1][:, :1]),        # column broadcast
             (A[0][1], np.array(B[0][1][0, 0])),  # tensor (+) 0-d
             (np.array(A[0][1][0, 0]), B[1][1]),  # 0-d (+) strided tensor
             (A[2][1][:, None, :7], B[0][1][None, :5, :7])]  # 3-d both broadcast
    for a, b in [(a, b) for (_, a) in A for (_, b) in B] + extra:
        if dtype == np.int64 and name in CMP:
            b = b.copy()
            b.flat[::3] = np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)).flat[0]
        ref = fn(a, b)
        close(getattr(C, name)(T(a), T(b)), ref, rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_binary_errors():
    with pytest.raises(ValueError, match="add"):
        C.add(T(np.zeros((3, 4), np.float32)), T(np.zeros((5,), np.float32)))
    with pytest.raises(TypeError, match="add"):
        C.add(T(np.zeros(3, np.float32)), T(np.zeros(3, np.float64)))
    with pytest.raises(ValueError):
        C.add_(T(np.zeros((3,), np.float32)), T(np.zeros((2, 3), np.float32)))


def test_nan_maximum():
    a = np.array([np.nan, 1, 2, np.nan], np.float32)
    b = np.array([0, np.nan, 1, np.nan], np.float32)
    close(C.maximum(T(a), T(b)), np.maximum(a, b))
    close(C.minimum(T(a), T(b)), np.minimum(a, b))


def test_bool_ops():
    for lay, a in layouts(dtype=np.bool_):
        b = layouts(dtype=np.bool_)[0][1]
        close(C.eq(T(a), T(b)), a == b)
        close(C.ne(T(a), T(b)), a != b)
        close(C.logical_not(T(a)), ~a)
        x, y = rng.standard_normal(a.shape), rng.standard_normal(a.shape)
        close(C.where(T(a), T(x), T(y)), np.where(a, x, y))
    c = rng.random((4, 1, 5)) < 0.5
    x = rng.standard_normal((3, 1)).astype(np.float32)
    y = np.float32(2.5) * np.ones((1, 5), np.float32)
    close(C.where(T(c), T(x), T(y)), np.where(c, x, y))
    with pytest.raises(TypeError):
        C.where(T(np.ones(3)), T(np.ones(3)), T(np.ones(3)))


SCALAR = {"add_scalar": lambda x, s: x + s, "mul_scalar": lambda x, s: x * s, "div_scalar": lambda x, s: x / s,
          "rsub_scalar": lambda x, s: s - x, "rdiv_scalar": lambda x, s: s / x, "pow_scalar": lambda x, s: x ** s,
          "rpow_scalar": lambda x, s: s ** x, "clamp_min": np.maximum, "clamp_max": np.minimum,
          "eq_scalar": np.equal, "ne_scalar": np.not_equal, "lt_scalar": np.less, "le_scalar": np.less_equal,
          "gt_scalar": np.greater, "ge_scalar": np.greater_equal}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(SCALAR))
def test_scalar(name, dtype):
    for s in (2.0, 0.5, 1.5):
        for lay, a in layouts(dtype=dtype, lo=0.1, hi=3):
            if name.endswith(("eq_scalar", "ne_scalar")):
                a = a.copy()
                a.flat[::4] = s
            ref = SCALAR[name](a, dtype(s))
            close(getattr(C, name)(T(a), s), ref, rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_scalar_int64():
    a = np.arange(-5, 6, dtype=np.int64)
    close(C.add_scalar(T(a), 3), a + 3)
    close(C.mul_scalar(T(a), -2), a * -2)
    close(C.rsub_scalar(T(a), 1), 1 - a)
    close(C.lt_scalar(T(a), 2.5), a < 2.5)
    close(C.ge_scalar(T(a), 2), a >= 2)
    close(C.eq_scalar(T(a), 2), a == 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_inplace(dtype):
    for lay, a0 in layouts(dtype=dtype):
        if lay == "broadcast":
            continue  # an expanded view can't be written in place
        for bshape in [a0.shape, a0.shape[1:], (a0.shape[0], 1), ()]:
            b = (rng.integers(-3, 4, size=bshape) if dtype == np.int64 else rng.standard_normal(bshape)).astype(dtype)
            for name, ref in [("add_", lambda x, y: x + y), ("sub_", lambda x, y: x - y), ("mul_", lambda x, y: x * y),
                              ("axpy_", lambda x, y: x + dtype(3) * y)]:
                base = np.array(a0)
                if lay == "transposed":
                    base = np.ascontiguousarray(a0.T).T
                elif lay == "sliced":
                    big = np.zeros((a0.shape[0] * 2, a0.shape[1] + 3), dtype)
                    big[::2, 1:a0.shape[1] + 1] = a0
                    base = big[::2, 1:a0.shape[1] + 1]
                expect = ref(np.array(a0), b)
                t = T(base)
                if name == "axpy_":
                    C.axpy_(t, 3.0, T(b))
                else:
                    getattr(C, name)(t, T(b))
                np.testing.assert_allclose(base, expect, rtol=1e-6, atol=1e-6)
        base = np.array(a0)
        C.add_scalar_(T(base), 2.0)
        np.testing.assert_allclose(base, a0 + dtype(2))
        C.mul_scalar_(T(base), 3.0)
        np.testing.assert_allclose(base, (a0 + dtype(2)) * dtype(3), rtol=1e-6)
        C.fill_(T(base[:, ::2]), 7.0)
        assert (base[:, ::2] == 7).all()


def test_large_parallel():
    old = C.get_num_threads()
    C.set_num_threads(2)
    try:
        x = rng.standard_normal((300, 1000)).astype(np.float32)
        y = rng.standard_normal((300, 1000)).astype(np.float32)
        close(C.add(T(x), T(y)), x + y)
        close(C.add(T(x), T(y[0])), x + y[0])
        close(C.relu(T(x.T)), np.maximum(x.T, 0))
        close(C.sum(T(x), [0], False), x.astype(np.float64).sum(0).astype(np.float32), rtol=1e-5, atol=1e-4)
        close(C.sum(T(x), [], False), np.float32(x.astype(np.float64).sum()), rtol=1e-5, atol=1e-3)
        xx = np.array(x)
        C.add_(T(xx), T(y))
        np.testing.assert_allclose(xx, x + y)
    finally:
        C.set_num_threads(old)


# ---------------------------------------------------------------- reductions
AXES = [[], [0], [1], [-1], [0, 1]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_max_min(dtype, keepdim):
    shapes = [(37, 45), (3, 4, 5, 6)]
    for shape in shapes:
        for lay, a in layouts(shape=shape[-2:], dtype=dtype):
            if len(shape) == 4:
                a = rng.standard_normal(shape).astype(dtype).transpose(0, 2, 1, 3) if lay != "contig" else \
                    rng.standard_normal(shape).astype(dtype)
            axes_list = AXES if a.ndim == 2 else [[], [0], [1, 2], [0, 2], [-1], [1, 3], [0, 1, 2, 3], [2]]
            for axes in axes_list:
                ax = tuple(axes) if axes else None
                ref = a.sum(axis=ax, keepdims=keepdim, dtype=np.float64 if dtype != np.int64 else np.int64).astype(dtype)
                close(C.sum(T(a), axes, keepdim), ref, rtol=1e-5, atol=1e-4)
                close(C.max(T(a), axes, keepdim), a.max(axis=ax, keepdims=keepdim))
                close(C.min(T(a), axes, keepdim), a.min(axis=ax, keepdims=keepdim))
                if dtype != np.int64:
                    a64 = a.astype(np.float64)
                    close(C.mean(T(a), axes, keepdim), a64.mean(axis=ax, keepdims=keepdim).astype(dtype), rtol=1e-5, atol=1e-6)
                    close(C.var(T(a), axes, 1, keepdim), a64.var(axis=ax, ddof=1, keepdims=keepdim).astype(dtype),
                          rtol=1e-4, atol=1e-6)
                    close(C.var(T(a), axes, 0, keepdim), a64.var(axis=ax, keepdims=keepdim).astype(dtype),
                          rtol=1e-4, atol=1e-6)


def test_sum_bool_and_big():
    b = rng.random((33, 70)) < 0.3
    close(C.sum(T(b), [1], False), b.sum(1).astype(np.int64))
    x = rng.uniform(0, 1, 1_000_003).astype(np.float32)
    assert abs(float(N(C.sum(T(x), [], False))) - x.astype(np.float64).sum()) / x.sum() < 1e-6
    x = rng.uniform(0, 1, (20000, 3)).astype(np.float32)
    np.testing.assert_allclose(N(C.sum(T(x), [0], False)), x.astype(np.float64).sum(0), rtol=1e-6)
    x = rng.standard_normal((5, 3000)).astype(np.float32) + 1000
    np.testing.assert_allclose(N(C.var(T(x), [1], 1, False)), x.astype(np.float64).var(1, ddof=1), rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_argmax(dtype):
    for lay, a in layouts(dtype=dtype):
        if dtype != np.int64:
            a = np.round(a)  # ties: first occurrence
        for axis in (0, 1, -1):
            close(C.argmax(T(a), axis, False), a.argmax(axis))
            close(C.argmin(T(a), axis, True), np.expand_dims(a.argmin(axis), axis))
        close(C.argmax(T(a), None, False), np.int64(a.argmax()))
        close(C.argmin(T(a)), np.int64(a.argmin()))


def test_reduce_nan_and_errors():
    a = np.array([[1, np.nan, 3], [4, 5, 6]], np.float32)
    assert np.isnan(N(C.max(T(a), [1], False))[0]) and N(C.max(T(a), [1], False))[1] == 6
    assert np.isnan(N(C.min(T(a), [0], False))[1])
    assert N(C.argmax(T(a), 1, False))[0] == 1
    with pytest.raises(IndexError, match="sum"):
        C.sum(T(a), [2], False)
    with pytest.raises(IndexError):
        C.argmax(T(a), -3, False)
    with pytest.raises(ValueError):
        C.max(T(np.zeros((0, 3), np.float32)), [0], False)
    with pytest.raises(TypeError):
        C.mean(T(np.arange(3)), [], False)
    close(C.sum(T(np.zeros((0, 3), np.float32)), [0], False), np.zeros(3, np.float32))
    close(C.sum(T(np.array(3.0, np.float32)), [], False), np.float32(3.0))
