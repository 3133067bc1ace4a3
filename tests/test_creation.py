"""Creation, dtypes and interop: tensor / zeros / ones / full / empty / arange / rand / randn /
randint / *_like / from_numpy (memory sharing), numpy both ways, .item / .tolist, repr like
torch's, dtypes float32 / float64 / int64 / bool and type promotion, manual_seed.
"""
import math

import numpy as np
import pytest

import tinygrad_lite as tl
from helpers import dtype_name, tl_np


def _torch():
    return pytest.importorskip("torch")


DTYPES = {"float32": "float32", "float64": "float64", "int64": "int64", "bool": "bool"}


def tl_dtype(name):
    return getattr(tl, name)


# ----------------------------------------------------------------------------- tl.tensor
@pytest.mark.parametrize("data,dtype,shape", [
    ([1.0, 2.0, 3.0], "float32", (3,)),
    ([[1, 2], [3, 4]], "int64", (2, 2)),
    ([True, False], "bool", (2,)),
    (3.5, "float32", ()),
    (7, "int64", ()),
    (True, "bool", ()),
    ([1, 2.5], "float32", (2,)),            # mixed int/float -> default float dtype
    ([[[1.0]], [[2.0]]], "float32", (2, 1, 1)),
    ([], "float32", (0,)),
])
def test_tensor_from_python_infers_dtype_and_shape(data, dtype, shape, device):
    t = tl.tensor(data, device=device)
    assert tuple(t.shape) == shape
    assert dtype_name(t.dtype) == dtype, f"tl.tensor({data!r}).dtype = {t.dtype}, torch gives {dtype}"
    np.testing.assert_array_equal(tl_np(t), np.array(data, dtype=dtype))


@pytest.mark.parametrize("np_dtype", ["float32", "float64", "int64", "bool"])
def test_tensor_from_numpy_keeps_dtype_and_copies(np_dtype, device):
    a = (np.arange(6).reshape(2, 3) % 3).astype(np_dtype)
    t = tl.tensor(a, device=device)
    assert dtype_name(t.dtype) == np_dtype
    np.testing.assert_array_equal(tl_np(t), a)
    a[0, 0] = 1  # tl.tensor copies (torch.tensor semantics)
    assert tl_np(t)[0, 0] == 0


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_tensor_explicit_dtype(dtype, device):
    t = tl.tensor([0, 1, 2], dtype=tl_dtype(dtype), device=device)
    assert t.dtype == tl_dtype(dtype)
    np.testing.assert_array_equal(tl_np(t), np.array([0, 1, 2]).astype(dtype))


def test_tensor_from_noncontiguous_numpy(device):
    a = np.arange(24.0).reshape(4, 6)[::2, 1::2].T
    np.testing.assert_array_equal(tl_np(tl.tensor(a, device=device)), a)


def test_tensor_from_tensor_and_requires_grad(device):
    t = tl.tensor([1.0, 2.0], requires_grad=True, device=device)
    assert t.requires_grad and t.is_leaf and t.grad is None
    assert not tl.tensor([1.0]).requires_grad


# ----------------------------------------------------------------------------- factories
@pytest.mark.parametrize("factory,value", [("zeros", 0.0), ("ones", 1.0)])
def test_zeros_ones(factory, value, device):
    f = getattr(tl, factory)
    for t in (f(2, 3, device=device), f((2, 3), device=device), f([2, 3], device=device)):
        assert tuple(t.shape) == (2, 3)
        assert dtype_name(t.dtype) == "float32"
        np.testing.assert_array_equal(tl_np(t), np.full((2, 3), value, np.float32))
    t = f(4, dtype=tl.int64, device=device)
    assert dtype_name(t.dtype) == "int64" and tl_np(t).tolist() == [int(value)] * 4
    t = f(2, 2, dtype=tl.float64, requires_grad=True, device=device)
    assert dtype_name(t.dtype) == "float64" and t.requires_grad
    assert tuple(f(0, 3, device=device).shape) == (0, 3)


def test_full_and_fill(device):
    t = tl.full((2, 3), 1.5, device=device)
    assert dtype_name(t.dtype) == "float32"
    np.testing.assert_array_equal(tl_np(t), np.full((2, 3), 1.5, np.float32))
    t = tl.full((4,), 7, dtype=tl.int64, device=device)
    assert tl_np(t).tolist() == [7, 7, 7, 7]
    t = tl.full((2,), True, device=device)
    assert dtype_name(t.dtype) == "bool"          # torch infers the dtype from the fill value
    t = tl.full((2,), 3, device=device)
    assert dtype_name(t.dtype) == "int64"
    z = tl.zeros(3, 2, device=device)
    r = z.fill_(2.5)
    assert r is z
    np.testing.assert_array_equal(tl_np(z), np.full((3, 2), 2.5, np.float32))
    z.zero_()
    assert float(tl_np(z).sum()) == 0.0


def test_empty(device):
    t = tl.empty(3, 4, device=device)
    assert tuple(t.shape) == (3, 4) and dtype_name(t.dtype) == "float32"
    t = tl.empty((2, 0), dtype=tl.int64, device=device)
    assert tuple(t.shape) == (2, 0) and dtype_name(t.dtype) == "int64"


@pytest.mark.parametrize("args,kwargs", [
    ((5,), {}), ((2, 7), {}), ((1, 10, 3), {}), ((0, 1, 0.1), {}), ((5, 0, -1), {}), ((0.5, 3.0), {}),
    ((4,), {"dtype": "float32"}), ((3,), {"dtype": "float64"}), ((-3, 3, 2), {}), ((10, 2, -3), {}),
    ((0, 1, 0.3), {}), ((1.0, 2.0, 0.25), {}),
])
def test_arange_vs_torch(args, kwargs, device):
    torch = _torch()
    tkw = {k: getattr(torch, v) for k, v in kwargs.items()}
    lkw = {k: tl_dtype(v) for k, v in kwargs.items()}
    want = torch.arange(*args, **tkw)
    got = tl.arange(*args, **lkw, device=device)
    assert tuple(got.shape) == tuple(want.shape), f"arange{args}: shape {tuple(got.shape)} vs {tuple(want.shape)}"
    assert dtype_name(got.dtype) == dtype_name(want.dtype), f"arange{args}: dtype {got.dtype} vs {want.dtype}"
    np.testing.assert_allclose(tl_np(got), want.numpy(), rtol=1e-6, atol=1e-6)


def test_arange_numpy():
    assert tl_np(tl.arange(5)).tolist() == [0, 1, 2, 3, 4]
    assert dtype_name(tl.arange(5).dtype) == "int64"
    assert tl_np(tl.arange(1, 10, 3)).tolist() == [1, 4, 7]
    assert dtype_name(tl.arange(0.0, 1.0, 0.25).dtype) == "float32"
    np.testing.assert_allclose(tl_np(tl.arange(0.0, 1.0, 0.25)), [0, 0.25, 0.5, 0.75])
    assert tuple(tl.arange(0, 1, 0.1).shape) == (10,)


# ----------------------------------------------------------------------------- random
@pytest.mark.parametrize("name", ["rand", "randn"])
def test_random_seeded_reproducible(name, device):
    f = getattr(tl, name)
    tl.manual_seed(123)
    a = tl_np(f(4, 5, device=device))
    b = tl_np(f(4, 5, device=device))
    tl.manual_seed(123)
    c = tl_np(f(4, 5, device=device))
    d = tl_np(f((4, 5), device=device))
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    assert not np.array_equal(a, b), "two draws after one seed gave the same numbers"
    tl.manual_seed(124)
    assert not np.array_equal(a, tl_np(f(4, 5, device=device)))


def test_random_reproducible_across_thread_counts():
    from tinygrad_lite import _C
    old = _C.get_num_threads()
    try:
        outs = []
        for n in (1, 2):
            _C.set_num_threads(n)
            tl.manual_seed(5)
            outs.append((tl_np(tl.rand(300_001)), tl_np(tl.randn(100_003))))
        np.testing.assert_array_equal(outs[0][0], outs[1][0])
        np.testing.assert_array_equal(outs[0][1], outs[1][1])
    finally:
        _C.set_num_threads(old)


def test_rand_statistics(device):
    tl.manual_seed(0)
    n = 200_000
    x = tl.rand(n, device=device)
    assert dtype_name(x.dtype) == "float32"
    v = tl_np(x).astype(np.float64)
    assert v.min() >= 0.0 and v.max() < 1.0
    assert abs(v.mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    assert abs(v.var() - 1 / 12) < 0.002
    hist = np.histogram(v, bins=10, range=(0, 1))[0] / n
    assert np.abs(hist - 0.1).max() < 0.005, f"rand is not uniform: bin fractions {hist}"
    x64 = tl.rand(1000, dtype=tl.float64, device=device)
    assert dtype_name(x64.dtype) == "float64"
    assert len(np.unique(tl_np(x64))) == 1000


def test_randn_statistics(device):
    tl.manual_seed(0)
    n = 200_000
    v = tl_np(tl.randn(n, device=device)).astype(np.float64)
    assert abs(v.mean()) < 5 / math.sqrt(n)
    assert abs(v.std() - 1.0) < 0.01
    assert abs((np.abs(v) < 1).mean() - 0.6827) < 0.005
    assert abs((np.abs(v) < 2).mean() - 0.9545) < 0.003
    assert abs(np.mean(v ** 3)) < 0.03           # symmetric
    assert abs(np.mean(v ** 4) - 3.0) < 0.1      # gaussian kurtosis
    assert dtype_name(tl.randn(3, dtype=tl.float64, device=device).dtype) == "float64"


def test_randint(device):
    tl.manual_seed(0)
    x = tl.randint(-3, 4, (50_000,), device=device)
    assert dtype_name(x.dtype) == "int64"
    v = tl_np(x)
    assert v.min() == -3 and v.max() == 3
    counts = np.bincount(v + 3) / v.size
    assert np.abs(counts - 1 / 7).max() < 0.01
    y = tl.randint(5, (2, 3), device=device)  # torch: randint(high, size)
    assert tuple(y.shape) == (2, 3) and tl_np(y).min() >= 0 and tl_np(y).max() < 5
    tl.manual_seed(9)
    a = tl_np(tl.randint(0, 100, (20,), device=device))
    tl.manual_seed(9)
    np.testing.assert_array_equal(a, tl_np(tl.randint(0, 100, (20,), device=device)))


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_like_factories(name, dtype, device):
    x = tl.zeros(2, 3, dtype=tl_dtype(dtype), device=device)
    y = getattr(tl, name)(x)
    assert tuple(y.shape) == (2, 3) and dtype_name(y.dtype) == dtype
    assert not y.requires_grad
    if name == "zeros_like":
        assert float(tl_np(y).sum()) == 0.0
    if name == "ones_like":
        assert float(tl_np(y).sum()) == 6.0
    y = getattr(tl, name)(x, dtype=tl.float64)
    assert dtype_name(y.dtype) == "float64"


def test_full_like(device):
    x = tl.zeros(2, 3, device=device)
    y = tl.full_like(x, 4.0)
    assert tuple(y.shape) == (2, 3) and dtype_name(y.dtype) == "float32"
    np.testing.assert_array_equal(tl_np(y), np.full((2, 3), 4.0, np.float32))
    z = tl.full_like(tl.zeros(2, dtype=tl.int64, device=device), 3)
    assert dtype_name(z.dtype) == "int64"


# ----------------------------------------------------------------------------- numpy interop
@pytest.mark.parametrize("np_dtype", ["float32", "float64", "int64", "bool"])
def test_from_numpy_shares_memory_both_ways(np_dtype):
    a = np.zeros((2, 3), dtype=np_dtype)
    t = tl.from_numpy(a)
    assert dtype_name(t.dtype) == np_dtype and tuple(t.shape) == (2, 3)
    a[1, 2] = 1                   # numpy write is seen by the tensor
    assert tl_np(t)[1, 2] == 1
    t.numpy()[0, 0] = 1           # tensor write (through its numpy view) is seen by numpy
    assert a[0, 0] == 1
    if np_dtype.startswith("float"):
        t.fill_(5)
        assert (a == 5).all()


def test_from_numpy_noncontiguous_shares_memory():
    base = np.zeros((4, 6), np.float32)
    a = base[::2, 1::2].T
    t = tl.from_numpy(a)
    assert tuple(t.shape) == a.shape
    base[2, 3] = 7.0   # a[1, 1]
    assert tl_np(t)[1, 1] == 7.0


def test_numpy_shares_memory_with_tensor():
    t = tl.zeros(3, 4)
    a = t.numpy()
    assert a.dtype == np.float32 and a.shape == (3, 4)
    a[2, 1] = 3.0
    assert t[2, 1].item() == 3.0
    t.fill_(1.0)
    assert (a == 1.0).all()


def test_numpy_of_tensor_requiring_grad_raises_like_torch():
    t = tl.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    assert tl_np(t.detach()).tolist() == [0, 0, 0]


def test_np_asarray_and_roundtrip():
    v = np.random.default_rng(0).standard_normal((3, 4))
    t = tl.tensor(v)
    np.testing.assert_array_equal(np.asarray(t.numpy()), v)
    np.testing.assert_array_equal(tl.from_numpy(t.numpy()).numpy(), v)


# ----------------------------------------------------------------------------- item, tolist, repr
def test_item_and_tolist(device):
    assert tl.tensor(2.5, device=device).item() == 2.5
    assert isinstance(tl.tensor(2.5, device=device).item(), float)
    assert tl.tensor([7], device=device).item() == 7
    assert isinstance(tl.tensor(7, device=device).item(), int)
    assert tl.tensor(True, device=device).item() is True
    assert tl.tensor([[1, 2], [3, 4]], device=device).tolist() == [[1, 2], [3, 4]]
    l = tl.tensor([[1.5, 2.0]], device=device).tolist()
    assert l == [[1.5, 2.0]] and isinstance(l[0][0], float)
    assert tl.tensor([True, False], device=device).tolist() == [True, False]
    assert tl.tensor(3.0, device=device).tolist() == 3.0
    assert tl.tensor([1.0, 2.0, 3.0], device=device).T.tolist() == [1.0, 2.0, 3.0]
    assert tl.tensor(np.arange(6.0).reshape(2, 3), device=device).T.tolist() == [[0, 3], [1, 4], [2, 5]]
    x = tl.tensor([1.0, 2.0], requires_grad=True, device=device)
    assert (x * 2).sum().item() == 6.0   # item works on tensors that require grad


def test_python_scalar_conversions():
    assert float(tl.tensor(2.5)) == 2.5
    assert int(tl.tensor(3)) == 3
    assert bool(tl.tensor(True)) is True
    assert bool(tl.tensor([0.0])) is False


REPR_CASES = [
    ("float", lambda m: m.tensor([1.0, 2.0, 3.0])),
    ("float_frac", lambda m: m.tensor([0.5, 1.25, -3.0])),
    ("int", lambda m: m.tensor([1, 2, 3])),
    ("bool", lambda m: m.tensor([True, False])),
    ("scalar", lambda m: m.tensor(3.0)),
    ("int_scalar", lambda m: m.tensor(-4)),
    ("2d", lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]])),
    ("2d_int", lambda m: m.tensor([[1, -20], [300, 4]])),
    ("requires_grad", lambda m: m.tensor([1.0, 2.0], requires_grad=True)),
    ("empty", lambda m: m.tensor([])),
]


@pytest.mark.parametrize("name,make", REPR_CASES, ids=[c[0] for c in REPR_CASES])
def test_repr_like_torch(name, make):
    torch = _torch()
    assert repr(make(tl)) == repr(make(torch))


def test_repr_names_non_default_dtype():
    r = repr(tl.tensor([1.0, 2.0], dtype=tl.float64))
    assert r.startswith("tensor([1., 2.], dtype=") and "float64" in r, r
    r = repr(tl.tensor([1, 2], dtype=tl.int64))
    assert "dtype" not in r, r   # int64 is the default integer dtype: not shown (as torch)


# ----------------------------------------------------------------------------- dtypes and promotion
def test_dtype_objects():
    for name in DTYPES:
        d = tl_dtype(name)
        assert d == tl_dtype(name)
        assert name in str(d)
    assert tl.float32 != tl.float64 and tl.int64 != tl.bool


@pytest.mark.parametrize("method,dtype", [("float", "float32"), ("double", "float64"), ("long", "int64"),
                                          ("bool", "bool")])
def test_dtype_conversions(method, dtype, device):
    x = tl.tensor([0.0, 1.5, -2.7], device=device)
    y = getattr(x, method)()
    z = x.to(tl_dtype(dtype))
    want = np.array([0.0, 1.5, -2.7], np.float32).astype(dtype)
    for r in (y, z):
        assert dtype_name(r.dtype) == dtype
        np.testing.assert_array_equal(tl_np(r), want)


PROMOTIONS = [
    # (a dtype, b dtype or python scalar, result dtype) -- torch's rules
    ("int64", "float32", "float32"),
    ("float32", "float64", "float64"),
    ("int64", "float64", "float64"),
    ("bool", "int64", "int64"),
    ("bool", "float32", "float32"),
    ("int64", 2.5, "float32"),       # python float with an int tensor -> default float dtype
    ("int64", 2, "int64"),
    ("float32", 2, "float32"),
    ("float64", 2.5, "float64"),     # python scalars don't promote float tensors
    ("bool", 2, "int64"),
    ("float32", True, "float32"),
]


@pytest.mark.parametrize("a,b,want", PROMOTIONS)
@pytest.mark.parametrize("op", ["add", "mul", "sub", "maximum"])
def test_type_promotion(a, b, want, op, device):
    if op == "sub" and (a == "bool" or b is True):
        return  # torch refuses bool subtraction
    if op == "maximum" and not isinstance(b, str):
        return  # maximum takes two tensors
    fns = {"add": lambda x, y: x + y, "mul": lambda x, y: x * y, "sub": lambda x, y: x - y,
           "maximum": lambda x, y: tl.maximum(x, y)}
    x = tl.tensor(np.array([1, 0, 1]).astype(a), device=device)
    y = tl.tensor(np.array([1, 1, 0]).astype(b), device=device) if isinstance(b, str) else b
    r = fns[op](x, y)
    assert dtype_name(r.dtype) == want, f"{a} {op} {b!r} -> {r.dtype}, torch gives {want}"
    if isinstance(b, str):
        r2 = fns[op](y, x)
        assert dtype_name(r2.dtype) == want, f"{b} {op} {a} -> {r2.dtype}, torch gives {want}"


def test_promotion_values_vs_torch():
    torch = _torch()
    a = np.array([1, -2, 3], np.int64)
    b = np.array([0.5, 0.25, -1.5], np.float32)
    got = tl.tensor(a) * tl.tensor(b) + tl.tensor(a)
    want = torch.tensor(a) * torch.tensor(b) + torch.tensor(a)
    assert dtype_name(got.dtype) == dtype_name(want.dtype)
    np.testing.assert_allclose(tl_np(got), want.numpy(), rtol=1e-6)


def test_int_true_division_gives_float():
    r = tl.tensor([1, 2, 3]) / tl.tensor([2, 2, 2])
    assert dtype_name(r.dtype) == "float32"
    np.testing.assert_allclose(tl_np(r), [0.5, 1.0, 1.5])
    r = tl.tensor([1, 2]) / 2
    assert dtype_name(r.dtype) == "float32"


def test_comparisons_and_bool_dtype():
    r = tl.tensor([1, 2, 3]) > 1.5
    assert dtype_name(r.dtype) == "bool"
    assert tl_np(r).tolist() == [False, True, True]
    assert dtype_name((tl.tensor([1.0]) == tl.tensor([1], dtype=tl.int64)).dtype) == "bool"


def test_unary_float_ops_promote_ints_like_torch():
    torch = _torch()
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid"):
        got = getattr(tl.tensor([1, 2, 3]), name)()
        want = getattr(torch.tensor([1, 2, 3]), name)()
        assert dtype_name(got.dtype) == dtype_name(want.dtype), f"{name} on int64 -> {got.dtype}, torch {want.dtype}"
        np.testing.assert_allclose(tl_np(got), want.numpy(), rtol=1e-6)


def test_mean_of_float64_keeps_float64():
    assert dtype_name(tl.tensor([1.0, 2.0], dtype=tl.float64).mean().dtype) == "float64"
    assert dtype_name(tl.tensor([1.0, 2.0], dtype=tl.float64).sum().dtype) == "float64"


def test_manual_seed_returns_and_initial_seed():
    tl.manual_seed(42)
    assert tl.initial_seed() == 42
