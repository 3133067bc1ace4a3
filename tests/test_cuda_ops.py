"""Device tests of the CUDA backend: every kernel of tinygrad_lite.backend.cuda against the CPU
kernel of the same name in tinygrad_lite._C on the same inputs (or, for random numbers,
against the properties and the reproducibility the spec asks for).

Skipped as a whole when no GPU is usable (backend.cuda.is_available() is False: no driver, no
device, or libtl_cuda.so not built). A CPU kernel that does not exist yet skips its test.
"""
import numpy as np
import pytest

from tinygrad_lite import _C

cuda = pytest.importorskip("tinygrad_lite.backend.cuda")
pytestmark = pytest.mark.skipif(not cuda.is_available(),
                                reason=f"no CUDA device ({cuda.load_error() or 'no GPU'})")

RNG = np.random.default_rng(0)
F32, F64, I64, BOOL = _C.FLOAT32, _C.FLOAT64, _C.INT64, _C.BOOL
NP = {F32: np.float32, F64: np.float64, I64: np.int64, BOOL: np.bool_}
TOL = {F32: dict(rtol=2e-5, atol=2e-6), F64: dict(rtol=1e-12, atol=1e-12),
       I64: dict(rtol=0, atol=0), BOOL: dict(rtol=0, atol=0)}


def ref(name):
    f = getattr(_C, name, None)
    if f is None:
        pytest.skip(f"CPU kernel _C.{name} not available")
    return f


def H(x):  # numpy array -> CPU Array
    return _C.from_numpy(np.ascontiguousarray(x))


def D(x):  # numpy array -> CUDA Array
    return cuda.to_device(H(x), 0)


def back(a):  # CUDA Array -> numpy
    assert a.device.startswith("cuda"), a.device
    return cuda.to_host(a).numpy().copy()


def npy(a):
    return a.numpy().copy()


def randn(shape, dt=F32):
    return RNG.standard_normal(shape).astype(NP[dt])


def close(got, want, dt, scale=1.0):
    tol = TOL[dt]
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol["rtol"] * scale, atol=tol["atol"] * scale)


def same(name, *args, dt=F32, scale=1.0):
    """Run `name` on CPU and CUDA with the same numpy-built args; compare the results."""
    cpu_args = [H(a) if isinstance(a, np.ndarray) else a for a in args]
    dev_args = [D(a) if isinstance(a, np.ndarray) else a for a in args]
    want = ref(name)(*cpu_args)
    got = getattr(cuda, name)(*dev_args)
    if isinstance(want, tuple):
        for g, w in zip(got, want):
            close(back(g), npy(w), dt, scale)
    else:
        close(back(got), npy(want), dt, scale)


# ----------------------------------------------------------------------------- memory / layout

@pytest.mark.parametrize("dt", [F32, F64, I64, BOOL])
@pytest.mark.parametrize("shape", [(), (0,), (5,), (3, 4), (2, 3, 4, 5)])
def test_roundtrip(dt, shape):
    x = (RNG.standard_normal(shape) * 10).astype(NP[dt])
    d = D(x)
    assert d.device == "cuda:0" and tuple(d.shape) == shape and d.dtype == dt
    np.testing.assert_array_equal(back(d), x)


def test_roundtrip_strided_host_input():
    x = randn((6, 8))
    np.testing.assert_array_equal(back(cuda.to_device(H(x).transpose(0, 1), 0)), x.T)


@pytest.mark.parametrize("src,dst", [(a, b) for a in (F32, F64, I64, BOOL) for b in (F32, F64, I64, BOOL)])
def test_astype(src, dst):
    x = (RNG.standard_normal((4, 5)) * 5).astype(NP[src])
    want = ref("astype")(H(x), dst)
    close(back(cuda.astype(D(x), dst)), npy(want), dst)


def test_contiguous_clone_copy_views():
    x = randn((4, 5, 6))
    d = D(x)
    t = d.permute([2, 0, 1])
    assert not t.is_contiguous()
    np.testing.assert_array_equal(back(cuda.contiguous(t)), x.transpose(2, 0, 1))
    c = cuda.clone(d)
    assert c.data_ptr != d.data_ptr
    np.testing.assert_array_equal(back(c), x)
    # copy_ with broadcast into a strided view
    dst = D(np.zeros((4, 6), np.float32))
    row = D(np.arange(3, dtype=np.float64))
    cuda.copy_(dst.slice(1, 0, 6, 2), row)
    want = np.zeros((4, 6), np.float32)
    want[:, ::2] = np.arange(3)
    np.testing.assert_array_equal(back(dst), want)
    # host -> device and device -> host copy_
    h = H(np.zeros((4, 6), np.float32))
    cuda.copy_(h, dst)
    np.testing.assert_array_equal(npy(h), want)
    # reshape of a non-contiguous view copies on the device
    np.testing.assert_array_equal(back(cuda.reshape(t, [6, 20])), x.transpose(2, 0, 1).reshape(6, 20))


def test_mixed_devices_raise():
    with pytest.raises(RuntimeError, match="same device"):
        cuda.add(D(randn(3)), H(randn(3)))


# ----------------------------------------------------------------------------- elementwise

FLOAT_UNARY = ["exp", "log", "sqrt", "tanh", "sigmoid", "gelu", "gelu_tanh", "sin", "cos", "neg", "abs", "relu"]


@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("name", FLOAT_UNARY)
def test_unary_float(name, dt):
    x = randn((37, 29), dt)
    if name in ("log", "sqrt"):
        x = np.abs(x) + 0.1
    same(name, x, dt=dt, scale=4)
    # a transposed view is read in place
    want = ref(name)(H(x).transpose(0, 1))
    close(back(getattr(cuda, name)(D(x).transpose(0, 1))), npy(want), dt, 4)


@pytest.mark.parametrize("name", ["neg", "abs", "relu"])
def test_unary_int(name):
    same(name, RNG.integers(-50, 50, (7, 9)).astype(np.int64), dt=I64)


def test_logical_not():
    same("logical_not", RNG.integers(0, 2, (5, 6)).astype(bool), dt=BOOL)


@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("name", ["relu_backward", "gelu_backward", "gelu_tanh_backward",
                                  "sigmoid_backward", "tanh_backward"])
def test_fused_backward(name, dt):
    x = randn((16, 33), dt)
    if name in ("sigmoid_backward",):
        x = 1 / (1 + np.exp(-x))
    if name == "tanh_backward":
        x = np.tanh(x)
    same(name, x, randn((16, 33), dt), dt=dt, scale=4)


BCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((1,), (5, 2)), ((), (2, 3)),
         ((2, 3, 4, 5, 2, 3, 2, 2, 3), (3,))]


@pytest.mark.parametrize("dt", [F32, F64, I64])
@pytest.mark.parametrize("name", ["add", "sub", "mul", "maximum", "minimum", "div", "pow"])
@pytest.mark.parametrize("shapes", BCAST)
def test_binary(name, dt, shapes):
    if dt == I64 and name in ("div", "pow"):
        pytest.skip("float only")
    a = (randn(shapes[0], F64) * 5).astype(NP[dt])
    b = (randn(shapes[1], F64) * 5).astype(NP[dt])
    if name in ("pow", "div"):
        a, b = np.abs(a) + 0.5, np.abs(b) * 0.3 + 0.5
    same(name, a, b, dt=dt, scale=4)


@pytest.mark.parametrize("dt", [F32, I64, BOOL])
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_compare(name, dt):
    a = RNG.integers(0, 3, (4, 5)).astype(NP[dt])
    b = RNG.integers(0, 3, (5,)).astype(NP[dt])
    same(name, a, b, dt=BOOL)


def test_binary_transposed_operands():
    a, b = randn((8, 6)), randn((6, 8))
    want = ref("add")(H(a), H(b).transpose(0, 1))
    close(back(cuda.add(D(a), D(b).transpose(0, 1))), npy(want), F32)


@pytest.mark.parametrize("dt", [F32, F64, I64])
@pytest.mark.parametrize("name", ["add_scalar", "mul_scalar", "rsub_scalar", "clamp_min",
                                  "clamp_max", "div_scalar", "rdiv_scalar", "pow_scalar",
                                  "rpow_scalar", "eq_scalar", "ne_scalar", "lt_scalar", "le_scalar",
                                  "gt_scalar", "ge_scalar"])
def test_scalar(name, dt):
    if dt == I64 and name in ("div_scalar", "rdiv_scalar", "pow_scalar", "rpow_scalar"):
        pytest.skip("float only")
    x = (np.abs(randn((6, 7), F64)) * 3 + 0.5).astype(NP[dt])
    s = 2.0 if dt != I64 else 2
    same(name, x, s, dt=BOOL if name.endswith(("eq_scalar", "ne_scalar", "lt_scalar", "le_scalar",
                                                "gt_scalar", "ge_scalar")) else dt, scale=4)


@pytest.mark.parametrize("name,args", [("add_", ()), ("sub_", ()), ("mul_", ()), ("axpy_", (0.5,)),
                                       ("add_scalar_", (2.0,)), ("mul_scalar_", (3.0,)),
                                       ("fill_", (7.0,))])
def test_inplace_on_strided_view(name, args):
    base = randn((6, 8))
    b = randn((4,))
    h, d = H(base.copy()), D(base)
    hv, dv = h.slice(1, 0, 8, 2), d.slice(1, 0, 8, 2)  # (6, 4) strided view
    if name in ("add_", "sub_", "mul_"):
        ref(name)(hv, H(b))
        getattr(cuda, name)(dv, D(b))
    elif name == "axpy_":
        ref(name)(hv, args[0], H(b))
        cuda.axpy_(dv, args[0], D(b))
    else:
        ref(name)(hv, *args)
        getattr(cuda, name)(dv, *args)
    close(back(d), npy(h), F32)


def test_where():
    c = RNG.integers(0, 2, (3, 1, 5)).astype(bool)
    same("where", c, randn((4, 5)), randn((3, 4, 1)))


def test_full_arange():
    close(back(cuda.full([3, 4], 2.5, F64)), np.full((3, 4), 2.5), F64)
    close(back(cuda.full([5], 1, BOOL)), np.ones(5, bool), BOOL)
    want = ref("arange")(0, 10, 3, I64)
    close(back(cuda.arange(0, 10, 3, I64)), npy(want), I64)
    want = ref("arange")(-1.0, 1.0, 0.25, F32)
    close(back(cuda.arange(-1.0, 1.0, 0.25, F32)), npy(want), F32)


# ----------------------------------------------------------------------------- reductions

RED_CASES = [((5, 7), []), ((5, 7), [0]), ((5, 7), [1]), ((5, 7), [-1]), ((3, 4, 5), [0, 2]),
             ((2, 3, 4, 5), [1, 3]), ((64, 4096), [0]), ((4096, 3), [1]), ((3000, 17), [0]),
             ((1, 70000), [1]), ((), [])]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,axes", RED_CASES)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reduce(name, shape, axes, keepdim):
    x = randn(shape, F64).astype(np.float32)
    same(name, x, axes, keepdim, scale=50)


@pytest.mark.parametrize("shape,axes", RED_CASES[:7])
def test_reduce_transposed(shape, axes):
    x = randn(shape + (3,))
    hx, dx = H(x).transpose(0, -1), D(x).transpose(0, -1)
    close(back(cuda.sum(dx, axes, False)), npy(ref("sum")(hx, axes, False)), F32, 50)


@pytest.mark.parametrize("dt", [I64, BOOL])
def test_sum_int(dt):
    same("sum", RNG.integers(0, 3, (40, 50)).astype(NP[dt]), [1], False, dt=I64)


@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("shape,axes", RED_CASES[:-1])
def test_var(shape, axes, correction):
    same("var", randn(shape, F64), axes, correction, False, dt=F64, scale=100)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("shape,axis", [((5, 7), 0), ((5, 7), 1), ((3, 4, 5), -1), ((3000, 17), 0),
                                        ((2, 70000), 1)])
def test_argmax(name, shape, axis):
    x = RNG.integers(0, 5, shape).astype(np.float32)  # many ties: first occurrence wins
    same(name, x, axis, False, dt=I64)


# ----------------------------------------------------------------------------- matmul

MM_SIZES = [(1, 1, 1), (7, 13, 5), (16, 16, 16), (64, 64, 64), (128, 256, 64), (129, 257, 65),
            (300, 200, 100), (5, 300, 1000)]


@pytest.fixture(params=[0, 1, 2], ids=["auto", "v1", "v2"])
def mm_version(request):
    cuda.set_matmul_version(request.param)
    yield request.param
    cuda.set_matmul_version(0)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("M,N,K", MM_SIZES)
def test_matmul_2d(M, N, K, ta, tb, mm_version):
    a = randn((K, M) if ta else (M, K))
    b = randn((N, K) if tb else (K, N))
    ha, hb, da, db = H(a), H(b), D(a), D(b)
    if ta:
        ha, da = ha.transpose(0, 1), da.transpose(0, 1)
    if tb:
        hb, db = hb.transpose(0, 1), db.transpose(0, 1)
    want = ref("matmul")(ha, hb)
    close(back(cuda.matmul(da, db)), npy(want), F32, scale=10 * max(1, K // 64))


@pytest.mark.parametrize("sa,sb", [((2, 3, 70, 40), (2, 3, 40, 90)), ((3, 33, 20), (20, 17)),
                                   ((2, 1, 65, 8), (3, 8, 130)), ((4,), (4,)), ((5,), (3, 5, 2)),
                                   ((6, 5), (5,)), ((2, 7, 5), (5,))])
def test_matmul_batched(sa, sb, mm_version):
    same("matmul", randn(sa), randn(sb), scale=10)


@pytest.mark.parametrize("M,N,K", [(7, 13, 5), (130, 70, 64)])
def test_matmul_f64(M, N, K, mm_version):
    same("matmul", randn((M, K), F64), randn((K, N), F64), dt=F64, scale=100)


@pytest.mark.parametrize("xs", [(10,), (7, 10), (2, 65, 10)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(xs, bias, mm_version):
    x, w = randn(xs), randn((70, 10))
    b = randn((70,)) if bias else None
    want = ref("linear")(H(x), H(w), H(b) if bias else None)
    got = cuda.linear(D(x), D(w), D(b) if bias else None)
    close(back(got), npy(want), F32, 10)


def test_matmul_shape_error():
    with pytest.raises(ValueError, match="matmul"):
        cuda.matmul(D(randn((3, 4))), D(randn((5, 6))))


# ----------------------------------------------------------------------------- softmax

SM_CASES = [((8, 10), -1), ((8, 10), 0), ((4, 2000), 1), ((3, 5, 7), 1), ((2, 3, 4), 0), ((50,), 0),
            ((1000, 33), 1)]


@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("shape,axis", SM_CASES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, shape, axis, dt):
    same(name, randn(shape, dt) * 3, axis, dt=dt, scale=10)


@pytest.mark.parametrize("shape,axis", SM_CASES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_backward(name, shape, axis):
    x = randn(shape, F64)
    y = npy(ref(name)(H(x), axis))
    same(name + "_backward", y, randn(shape, F64), axis, dt=F64, scale=100)


# ----------------------------------------------------------------------------- cross-entropy

@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("N,C", [(8, 10), (33, 1000), (4, 5000)])
def test_cross_entropy(N, C, smoothing, reduction, dt):
    logits = randn((N, C), dt) * 3
    target = RNG.integers(0, C, (N,)).astype(np.int64)
    target[1] = -100  # ignored row
    want_loss, want_lse = ref("cross_entropy")(H(logits), H(target), -100, smoothing, reduction)
    got_loss, got_lse = cuda.cross_entropy(D(logits), D(target), -100, smoothing, reduction)
    close(back(got_loss), npy(want_loss), dt, 20)
    close(back(got_lse), npy(want_lse), dt, 20)
    g = randn((N,), dt) if reduction == 0 else np.array(1.7, NP[dt])
    want = ref("cross_entropy_backward")(H(logits), H(target), want_lse, H(g), -100, smoothing, reduction)
    got = cuda.cross_entropy_backward(D(logits), D(target), got_lse, D(g), -100, smoothing, reduction)
    close(back(got), npy(want), dt, 20)


def test_cross_entropy_bad_target():
    with pytest.raises(IndexError, match="cross_entropy"):
        cuda.cross_entropy(D(randn((3, 4))), D(np.array([0, 4, 1], np.int64)), -100, 0.0, 1)


# ----------------------------------------------------------------------------- indexing

@pytest.mark.parametrize("dt", [F32, I64])
def test_index_select_add(dt):
    x = (randn((10, 6), F64) * 5).astype(NP[dt])
    idx = np.array([3, 0, 9, 3, 3], np.int64)
    same("index_select", x, 0, idx, dt=dt)
    same("index_select", x, 1, np.array([5, 1], np.int64), dt=dt)
    src = (randn((5, 6), F64) * 5).astype(NP[dt])
    same("index_add", [10, 6], 0, idx, src, dt=dt, scale=4)
    # transposed input
    want = ref("index_select")(H(x).transpose(0, 1), 1, H(idx))
    close(back(cuda.index_select(D(x).transpose(0, 1), 1, D(idx))), npy(want), dt)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather_scatter_add(axis):
    x = randn((5, 6, 7))
    ax = axis % 3
    ishape = [4, 5, 3]
    idx = RNG.integers(0, x.shape[ax], ishape).astype(np.int64)
    same("gather", x, axis, idx)
    src = randn((4, 6, 3))
    same("scatter_add", [5, 6, 7], axis, idx, src, scale=4)


def test_index_out_of_range():
    with pytest.raises(IndexError, match="index_select"):
        cuda.index_select(D(randn((4, 3))), 0, D(np.array([0, 4], np.int64)))
    with pytest.raises(IndexError, match="gather"):
        cuda.gather(D(randn((4, 3))), 1, D(np.array([[0], [3]], np.int64)))


def test_cat():
    arrs = [randn((2, 3)), randn((4, 3)), randn((0, 3))]
    want = ref("cat")([H(a) for a in arrs], 0)
    close(back(cuda.cat([D(a) for a in arrs], 0)), npy(want), F32)
    arrs = [randn((2, 3)), randn((2, 5))]
    want = ref("cat")([H(a) for a in arrs], 1)
    close(back(cuda.cat([D(a) for a in arrs], 1)), npy(want), F32)


@pytest.mark.parametrize("shape", [(7,), (30, 50), (3, 4, 5), (2000, 3)])
def test_nonzero(shape):
    x = RNG.integers(0, 3, shape).astype(np.float32) * (RNG.random(shape) < 0.3)
    same("nonzero", x, dt=I64)


# ----------------------------------------------------------------------------- random

@pytest.mark.parametrize("fn", ["rand", "randn"])
@pytest.mark.parametrize("dt", [F32, F64])
def test_random_reproducible(fn, dt):
    cuda.manual_seed(1234)
    a = back(getattr(cuda, fn)([1001, 7], dt))
    b = back(getattr(cuda, fn)([1001, 7], dt))
    cuda.manual_seed(1234)
    a2 = back(getattr(cuda, fn)([1001, 7], dt))
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(a, b)
    if fn == "rand":
        assert a.min() >= 0 and a.max() < 1 and abs(a.mean() - 0.5) < 0.02
    else:
        assert abs(a.mean()) < 0.05 and abs(a.std() - 1) < 0.05


def test_uniform_normal_inplace_strided():
    cuda.manual_seed(0)
    d = D(np.zeros((100, 40), np.float32))
    v = d.slice(1, 0, 40, 2)
    cuda.uniform_(v, -2.0, 3.0)
    out = back(d)
    assert (out[:, 1::2] == 0).all()
    assert out[:, ::2].min() >= -2 and out[:, ::2].max() < 3
    cuda.normal_(v, 5.0, 0.5)
    out = back(d)
    assert abs(out[:, ::2].mean() - 5) < 0.1 and (out[:, 1::2] == 0).all()


def test_randint_randperm():
    cuda.manual_seed(7)
    r = back(cuda.randint(-3, 5, [10001]))
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 4
    p = back(cuda.randperm(1000))
    np.testing.assert_array_equal(np.sort(p), np.arange(1000))
    cuda.manual_seed(7)
    np.testing.assert_array_equal(back(cuda.randint(-3, 5, [10001])), r)
    np.testing.assert_array_equal(back(cuda.randperm(1000)), p)
    assert cuda.initial_seed() == 7


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_dropout(p):
    cuda.manual_seed(3)
    x = randn((200, 50))
    y, mask = cuda.dropout(D(x), p)
    y, m = back(y), back(mask).astype(bool)
    assert abs(m.mean() - (1 - p)) < 0.02
    want = np.where(m, x / (1 - p) if p < 1 else 0, 0).astype(np.float32)
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-7)
    cuda.manual_seed(3)
    y2, _ = cuda.dropout(D(x), p)
    np.testing.assert_array_equal(back(y2), y)


# ----------------------------------------------------------------------------- optimizers

@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("momentum,nesterov,wd,maximize", [(0.0, False, 0.0, False), (0.9, False, 0.01, False),
                                                            (0.9, True, 0.0, True)])
def test_sgd(dt, momentum, nesterov, wd, maximize):
    p, g = randn((33, 7), dt), randn((33, 7), dt)
    buf = randn((33, 7), dt) if momentum else None
    hp, dp = H(p.copy()), D(p)
    hb, db = (H(buf.copy()), D(buf)) if momentum else (None, None)
    for step in range(3):
        ref("sgd_step_")(hp, H(g), hb, 0.1, momentum, 0.1, wd, nesterov, maximize, step == 0)
        cuda.sgd_step_(dp, D(g), db, 0.1, momentum, 0.1, wd, nesterov, maximize, step == 0)
    close(back(dp), npy(hp), dt, 10)
    if momentum:
        close(back(db), npy(hb), dt, 10)


@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("wd,decoupled,maximize", [(0.0, False, False), (0.01, False, False),
                                                    (0.01, True, True)])
def test_adam(dt, wd, decoupled, maximize):
    p = randn((40, 9), dt)
    hp, dp = H(p.copy()), D(p)
    hm, hv = H(np.zeros_like(p)), H(np.zeros_like(p))
    dm, dv = D(np.zeros_like(p)), D(np.zeros_like(p))
    for step in range(1, 4):
        g = randn((40, 9), dt)
        ref("adam_step_")(hp, H(g), hm, hv, 1e-2, 0.9, 0.999, 1e-8, wd, decoupled, step, maximize)
        cuda.adam_step_(dp, D(g), dm, dv, 1e-2, 0.9, 0.999, 1e-8, wd, decoupled, step, maximize)
    close(back(dp), npy(hp), dt, 20)
    close(back(dm), npy(hm), dt, 20)
    close(back(dv), npy(hv), dt, 20)
