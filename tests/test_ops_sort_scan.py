"""Ordering, scans and sampling: sort / argsort / topk / kthvalue / median / unique /
searchsorted, cumsum / cumprod (native kernels, csrc/cpu/sort.cpp), multinomial (native, with
a Generator), against torch (values, indices, dtypes, gradients) and by float64 finite
differences; the kernels against the numpy reference; hypothesis over shapes and dims.

Tolerances: indices and int results exact; float values exact (they are copies) except the
scans (atol 1e-5, rtol 1e-5: torch accumulates float32 in double too, the last bit may differ).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
import tinygrad_lite._C as C
from helpers import gradcheck, helper_test_op, hsettings, shape_and_axis, tl_np
from tinygrad_lite.backend import numpy_ref as R

torch = pytest.importorskip("torch")

EXACT = dict(atol=0.0, rtol=0.0, grad_atol=1e-6, grad_rtol=1e-6)
SCAN = dict(atol=1e-5, rtol=1e-5, grad_atol=1e-4, grad_rtol=1e-4)


def distinct(shape, seed=0):
    """Values without ties (sort and topk orders of ties are not specified by torch)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if shape else 1
    return (rng.permutation(n).astype(np.float32) / n - 0.5).reshape(shape)


SORT_CASES = {
    "sort_last": ((3, 5), lambda x: x.sort()[0]),
    "sort_dim0_desc": ((4, 3), lambda x: x.sort(0, descending=True)[0]),
    "sort_indices": ((3, 5), lambda x: x.sort(1)[1]),
    "argsort_desc": ((2, 3, 4), lambda x: x.argsort(1, descending=True)),
    "topk": ((3, 6), lambda x: x.topk(2)[0]),
    "topk_smallest_dim0": ((5, 3), lambda x: x.topk(3, 0, largest=False)[0]),
    "topk_indices": ((3, 6), lambda x: x.topk(4, 1)[1]),
    "kthvalue": ((3, 5), lambda x: x.kthvalue(2, 1)[0]),
    "median_dim": ((3, 5), lambda x: x.median(1)[0]),
    "median_all": ((3, 4), lambda x: x.median()),
    "msort": ((4, 3), lambda x: x.msort()),
    "sort_3d_mid": ((2, 4, 3), lambda x: x.sort(1)[0] * 2),
}


@pytest.mark.parametrize("name", list(SORT_CASES))
def test_ordering_vs_torch(name):
    shape, fn = SORT_CASES[name]
    helper_test_op(None, fn, vals=[distinct(shape)], **EXACT)


def test_sort_is_stable_and_nan_is_largest():
    x = [3.0, float("nan"), 1.0, 3.0, 1.0, float("nan")]
    for desc in (False, True):
        want = torch.sort(torch.tensor(x), descending=desc, stable=True)
        got = tl.sort(tl.tensor(x), descending=desc)
        np.testing.assert_array_equal(tl_np(got.indices), want.indices.numpy())
        np.testing.assert_array_equal(tl_np(got.values), want.values.numpy())
    ints = tl.tensor([2, 1, 2, 1, 0])
    np.testing.assert_array_equal(tl_np(ints.argsort()), [4, 1, 3, 0, 2])


@hsettings
@given(sa=shape_and_axis(1, 4, 5), desc=st.booleans(), data=st.data())
def test_sort_and_topk_hypothesis(sa, desc, data):
    shape, axis = sa
    x = distinct(shape, seed=len(shape))
    k = data.draw(st.integers(0, shape[axis]))
    helper_test_op(None, lambda t: t.sort(axis, descending=desc)[0], vals=[x], **EXACT)
    helper_test_op(None, lambda t: t.topk(k, axis, largest=not desc)[0], vals=[x], **EXACT)


def test_sort_topk_gradcheck():
    x = distinct((3, 4)).astype(np.float64)
    gradcheck(lambda t: t.sort(1)[0] * tl.arange(4.0, dtype=tl.float64), [x])
    gradcheck(lambda t: t.topk(2, 0)[0], [x])


def test_topk_errors():
    with pytest.raises(RuntimeError, match="topk"):
        tl.ones(3).topk(4)
    with pytest.raises(IndexError):
        tl.ones(3).sort(2)


SCAN_CASES = {
    "cumsum_0": ((4, 3), lambda x: x.cumsum(0)),
    "cumsum_last": ((2, 3, 5), lambda x: x.cumsum(-1)),
    "cumsum_mid": ((2, 3, 5), lambda x: x.cumsum(1)),
    "cumprod_1": ((3, 4), lambda x: x.cumprod(1)),
    "cumprod_0": ((4, 2, 3), lambda x: x.cumprod(0)),
    "prod_dim": ((3, 4), lambda x: x.prod(1)),
    "prod_all": ((2, 3), lambda x: x.prod()),
    "logcumsumexp": ((3, 4), lambda x: torch.logcumsumexp(x, 1) if isinstance(x, torch.Tensor) else tl.logcumsumexp(x, 1)),
}


@pytest.mark.parametrize("name", list(SCAN_CASES))
def test_scans_vs_torch(name):
    shape, fn = SCAN_CASES[name]
    helper_test_op([shape], fn, **SCAN)


def test_scan_dtypes_vs_torch():
    for vals in ([1, 2, 3], [True, False, True]):
        want = torch.tensor(vals).cumsum(0)
        got = tl.tensor(vals).cumsum(0)
        assert got.dtype.name == str(want.dtype).split(".")[-1]
        np.testing.assert_array_equal(tl_np(got), want.numpy())
    assert tl.tensor([2, 3]).cumprod(0).tolist() == [2, 6]


def test_cumprod_gradient_with_zeros():
    # the native backward handles zeros exactly: check against finite differences and torch
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, -2.0, 0.0], [1.0, 2.0, 0.0, 4.0]])
    gradcheck(lambda t: t.cumprod(1), [x])
    gradcheck(lambda t: t.prod(1), [x])
    helper_test_op(None, lambda t: t.cumprod(1), vals=[x.astype(np.float32)], **SCAN)


def test_cumsum_second_order():
    x = tl.tensor([[0.5, -1.0, 2.0]], dtype=tl.float64, requires_grad=True)
    y = (x.cumsum(1) ** 2).sum()
    (g,) = tl.autograd.grad(y, x, create_graph=True)
    (h,) = tl.autograd.grad(g.sum(), x)
    xt = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    (gt,) = torch.autograd.grad((xt.cumsum(1) ** 2).sum(), xt, create_graph=True)
    (ht,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(tl_np(h), ht.numpy(), atol=1e-12)


def test_kernels_match_numpy_reference():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 4)).astype(np.float32)
    x[0, 1, 0] = np.nan
    x[1, 2, 1] = x[1, 3, 1]
    a = C.from_numpy(x)
    for ax in (0, 1, 2, -1):
        for desc in (False, True):
            np.testing.assert_array_equal(C.sort(a, ax, desc)[1].numpy(), R.sort(a, ax, desc)[1].numpy())
            np.testing.assert_array_equal(C.topk(a, 2, ax, desc)[1].numpy(), R.topk(a, 2, ax, desc)[1].numpy())
        np.testing.assert_allclose(C.cumsum(a, ax).numpy(), R.cumsum(a, ax).numpy(), rtol=1e-6, equal_nan=True)
        np.testing.assert_allclose(C.cumprod(a, ax).numpy(), R.cumprod(a, ax).numpy(), rtol=1e-6, equal_nan=True)
    y = rng.standard_normal((3, 5, 4))
    y[0, 2, 1] = y[1, 0, 0] = y[1, 3, 0] = 0.0
    g = rng.standard_normal(y.shape)
    for ax in (0, 1, 2):
        np.testing.assert_allclose(C.cumprod_backward(C.from_numpy(y), C.from_numpy(g), ax).numpy(),
                                   R.cumprod_backward(C.from_numpy(y), C.from_numpy(g), ax).numpy(), atol=1e-12)
    idx = np.array([[0, 1, 2], [2, 0, 1]])
    z, src = np.zeros((3, 3)), rng.standard_normal((2, 3))
    np.testing.assert_array_equal(C.scatter(C.from_numpy(z), 0, C.from_numpy(idx), C.from_numpy(src)).numpy(),
                                  R.scatter(C.from_numpy(z), 0, C.from_numpy(idx), C.from_numpy(src)).numpy())


# ---- unique, searchsorted -----------------------------------------------------------------
def test_unique_vs_torch():
    v = [3, 1, 3, 0, 1, 1, 7]
    for kw in ({}, {"return_counts": True}, {"return_inverse": True}, {"return_inverse": True, "return_counts": True}):
        want = torch.unique(torch.tensor(v), **kw)
        got = tl.unique(tl.tensor(v), **kw)
        want, got = (want, got) if isinstance(want, tuple) else ((want,), (got,))
        for w, g in zip(want, got):
            np.testing.assert_array_equal(tl_np(g), w.numpy())
    np.testing.assert_array_equal(tl_np(tl.unique_consecutive(tl.tensor([1, 1, 2, 1]))), [1, 2, 1])


def test_searchsorted_bucketize_vs_torch():
    seq, vals = [1.0, 2.0, 2.0, 3.0], [0.5, 2.0, 2.5, 4.0]
    for right in (False, True):
        np.testing.assert_array_equal(tl_np(tl.searchsorted(tl.tensor(seq), tl.tensor(vals), right=right)),
                                      torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right).numpy())
    np.testing.assert_array_equal(tl_np(tl.bucketize(tl.tensor(vals), tl.tensor(seq))),
                                  torch.bucketize(torch.tensor(vals), torch.tensor(seq)).numpy())


# ---- multinomial ----------------------------------------------------------------------------
def test_multinomial_with_replacement_follows_the_probabilities():
    p = tl.tensor([[0.1, 0.2, 0.7, 0.0], [1.0, 1.0, 1.0, 1.0]])
    s = tl.multinomial(p, 20000, replacement=True, generator=tl.Generator().manual_seed(0))
    assert s.shape == (2, 20000) and s.dtype is tl.int64
    f0 = np.bincount(tl_np(s[0]), minlength=4) / 20000
    f1 = np.bincount(tl_np(s[1]), minlength=4) / 20000
    np.testing.assert_allclose(f0, [0.1, 0.2, 0.7, 0.0], atol=0.015)  # ~5 standard errors
    np.testing.assert_allclose(f1, [0.25] * 4, atol=0.015)


def test_multinomial_without_replacement():
    p = tl.tensor([0.1, 0.2, 0.3, 0.4])
    draws = np.stack([tl_np(tl.multinomial(p, 4)) for _ in range(3000)])
    assert all(sorted(r) == [0, 1, 2, 3] for r in draws[:50])  # a permutation: no repeats
    first = np.bincount(draws[:, 0], minlength=4) / 3000
    np.testing.assert_allclose(first, [0.1, 0.2, 0.3, 0.4], atol=0.03)
    # zero-weight categories come only once the positive ones are used up (as torch)
    np.testing.assert_array_equal(tl_np(tl.multinomial(tl.tensor([0.0, 1.0, 0.0]), 3)), [1, 0, 2])


def test_multinomial_is_reproducible_with_a_generator():
    p = tl.tensor([[0.3, 0.7], [0.5, 0.5]])
    g = tl.Generator().manual_seed(42)
    a = tl.multinomial(p, 8, True, generator=g)
    g.manual_seed(42)
    b = tl.multinomial(p, 8, True, generator=g)
    assert a.tolist() == b.tolist()
    tl.manual_seed(1)
    c = tl.multinomial(p, 8, True)
    tl.manual_seed(1)
    assert tl.multinomial(p, 8, True).tolist() == c.tolist()


@pytest.mark.parametrize("probs, n, repl, exc", [
    ([0.5, -0.1], 1, True, RuntimeError), ([0.0, 0.0], 1, True, RuntimeError), ([0.5, float("nan")], 1, True, RuntimeError),
    ([0.5, 0.5], 3, False, ValueError), ([[[0.5]]], 1, True, ValueError), ([0.5, 0.5], 0, True, ValueError),
])
def test_multinomial_bad_input_raises(probs, n, repl, exc):
    with pytest.raises(exc, match="multinomial"):
        tl.multinomial(tl.tensor(probs), n, repl)
