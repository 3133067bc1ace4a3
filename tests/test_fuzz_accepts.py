"""Calls torch accepts that tinygrad_lite used to reject (the fuzzer's 'rejected-good' class), each
compared with torch."""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def same(ours, ref):
    assert tuple(ours.shape) == tuple(ref.shape)
    assert str(ours.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy().astype(np.float64), ref.detach().numpy().astype(np.float64),
                               rtol=1e-6, atol=1e-6, equal_nan=True)


def both(a):
    return tl.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("index", [(Ellipsis, Ellipsis), (Ellipsis, 0, Ellipsis), (0, Ellipsis, Ellipsis),
                                   (Ellipsis, None, Ellipsis), (Ellipsis, Ellipsis, Ellipsis),
                                   (0, Ellipsis, 1, Ellipsis), (Ellipsis, slice(1, None), Ellipsis)])
def test_several_ellipses(index):
    """torch: the first Ellipsis takes the dims left over, later ones none."""
    x, t = both(np.arange(24.0).reshape(2, 3, 4))
    same(x[index], t[index])
    x[index] = 7.0
    t[index] = 7.0
    same(x, t)


def test_setitem_value_with_leading_ones():
    x, t = both(np.zeros((4, 5)))
    v = np.arange(4.0).reshape(1, 4)
    x[:, -1] = tl.tensor(v)
    t[:, -1] = torch.tensor(v)
    same(x, t)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_max_min_of_bools(dim):
    a = np.array([[True, False, False], [False, False, True]])
    x, t = both(a)
    if dim is None:
        for f in ("max", "min", "amax", "amin"):
            same(getattr(x, f)(), getattr(t, f)())
        return
    for f in ("amax", "amin"):
        same(getattr(x, f)(dim), getattr(t, f)(dim))
    for f in ("max", "min"):
        (v, i), (tv, ti) = getattr(x, f)(dim, keepdim=True), getattr(t, f)(dim, keepdim=True)
        same(v, tv)
        same(i, ti)


def test_max_of_empty_tensor_along_a_nonempty_dim():
    x, t = both(np.zeros((2, 0, 3)))
    for dim in (0, -1):
        same(x.max(dim=dim)[0], t.max(dim=dim)[0])
        same(x.min(dim=dim)[1], t.min(dim=dim)[1])
    with pytest.raises(RuntimeError):
        x.max(dim=1)


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3, 5)), ((2, 1, 3, 4), (5, 4, 2))])
def test_int64_matmul_is_exact(sa, sb):
    rng = np.random.default_rng(0)
    a, b = rng.integers(-2**40, 2**40, sa), rng.integers(-2**40, 2**40, sb)  # products wrap as in torch
    same(tl.tensor(a) @ tl.tensor(b), torch.tensor(a) @ torch.tensor(b))
    if len(sa) == 2 and len(sb) == 2:
        same(tl.mm(tl.tensor(a), tl.tensor(b)), torch.mm(torch.tensor(a), torch.tensor(b)))


def test_int64_matmul_strided_and_dot():
    a = np.arange(24).reshape(4, 6)
    x, t = both(a)
    same(x.t() @ x, t.t() @ t)
    same(x[:, ::2] @ x[:3, ::3], t[:, ::2] @ t[:3, ::3])
    same(tl.dot(x[0], x[1]), torch.dot(t[0], t[1]))


@pytest.mark.parametrize("xs,ws,bs", [((3,), (3,), None), ((2, 3), (3,), None), ((3,), (4, 3), None),
                                      ((2, 2, 4), (5, 4), ()), ((2, 4), (5, 4), (2, 5)), ((2, 3), (4, 3), (4,))])
def test_linear_shapes_torch_takes(xs, ws, bs):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    b = None if bs is None else rng.standard_normal(bs).astype(np.float32)
    ours = F.linear(tl.tensor(x), tl.tensor(w), None if b is None else tl.tensor(b))
    ref = TF.linear(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b))
    same(ours, ref)


def test_linear_int64():
    x, w, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(4, 3) - 5, np.arange(4)
    same(F.linear(tl.tensor(x), tl.tensor(w), tl.tensor(b)), TF.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)))


def test_masked_fill_broadcasts_the_input():
    a, m = np.zeros((1, 4), np.float32), np.array([[[True, False, True, False]], [[False, False, False, True]]])
    same(tl.tensor(a).masked_fill(tl.tensor(m), 2.5), torch.tensor(a).masked_fill(torch.tensor(m), 2.5))
    with pytest.raises(RuntimeError):
        tl.tensor(a).masked_fill_(tl.tensor(m), 2.5)


def test_gather_with_an_empty_index():
    x, t = both(np.zeros((2, 0, 3), np.float32))
    same(tl.gather(x, -2, tl.zeros(0, 0, 0)), torch.gather(t, -2, torch.zeros(0, 0, 0)))
    y, u = both(np.arange(5.0))
    same(tl.gather(y, 0, tl.zeros(2, 0, 3, dtype=tl.int64)), torch.gather(u, 0, torch.zeros(2, 0, 3, dtype=torch.long)))


def test_mT_of_a_0d_tensor_is_itself():
    same(tl.tensor(2.5).mT, torch.tensor(2.5).mT)
    with pytest.raises(RuntimeError):
        tl.tensor([1.0, 2.0]).mT


@pytest.mark.parametrize("size", [0, (0, 2), (2, 0)])
def test_adaptive_pool_to_size_zero(size):
    x, t = both(np.zeros((2, 1, 3, 3), np.float32))
    same(F.adaptive_avg_pool2d(x, size), TF.adaptive_avg_pool2d(t, size))
    same(F.adaptive_max_pool2d(x, size), TF.adaptive_max_pool2d(t, size))


@pytest.mark.parametrize("method,other", [("__radd__", [1, "x"]), ("__rtruediv__", [[1, 2], [3]]), ("__matmul__", object()),
                                          ("__and__", "a"), ("__and__", None), ("__iadd__", "a"), ("__itruediv__", None),
                                          ("__imul__", "a"), ("__ge__", [1, "x"]), ("__iadd__", [[1, 2], [3]])])
def test_operators_decline_non_numeric_operands(method, other):
    """torch's dunder methods return NotImplemented (Python then raises its own TypeError)."""
    x, t = both(np.ones((2, 3)))
    assert getattr(t, method)(other) is NotImplemented
    assert getattr(x, method)(other) is NotImplemented


def test_index_tensor_into_an_empty_tensor_reads_nothing():
    """torch checks no index of a tensor with no elements (along a non-empty dim)."""
    x, t = both(np.zeros((2, 0, 3), np.float32))
    same(x[tl.tensor([3, 4])], t[torch.tensor([3, 4])])
    with pytest.raises(IndexError):
        x[:, tl.tensor([3, 4])]


def test_kthvalue_of_a_0d_tensor():
    x, t = both(np.float32(2.5))
    (v, i), (tv, ti) = tl.kthvalue(x, 1), torch.kthvalue(t, 1)
    same(v, tv)
    same(i, ti)
