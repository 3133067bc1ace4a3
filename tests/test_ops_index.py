"""gather, index_select, embedding-style lookup, and their backward (scatter_add / index_add
semantics: gradients of repeated indices accumulate).

Against torch: forward exact (atol 0); gradients atol 1e-6 rtol 1e-6 (repeated indices sum).
Central finite differences in float64: eps 1e-6, atol 1e-5, rtol 1e-4.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import gradcheck, helper_test_op, hsettings, shapes, tl_np

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

TOL = dict(atol=0.0, rtol=0.0, grad_atol=1e-6, grad_rtol=1e-6)


def F():
    import tinygrad_lite.nn.functional as LF
    return LF


# ----------------------------------------------------------------------------- index_select
@needs_torch
@hsettings
@given(shape=shapes(1, 4, 1, 4), data=st.data())
def test_index_select_vs_torch(shape, data, device):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    idx = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=6)), dtype=np.int64)
    rng = np.random.default_rng(0)
    vals = [rng.uniform(-2, 2, shape).astype(np.float32), idx]
    helper_test_op(None, lambda x, i: torch.index_select(x, dim, i), lambda x, i: tl.index_select(x, dim, i),
                   vals=vals, device=device, **TOL)
    helper_test_op(None, lambda x, i: x.index_select(dim, i), vals=vals, device=device, **TOL)


def test_index_select_backward_accumulates_numpy(device):
    x = tl.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True, device=device)
    idx = tl.tensor(np.array([2, 0, 2, 2, 3], dtype=np.int64), device=device)
    y = x.index_select(0, idx)
    np.testing.assert_array_equal(tl_np(y), np.arange(8.0).reshape(4, 2)[[2, 0, 2, 2, 3]])
    y.sum().backward()
    np.testing.assert_array_equal(tl_np(x.grad), [[1, 1], [0, 0], [3, 3], [1, 1]])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_gradcheck(dim, device):
    rng = np.random.default_rng(2)
    idx = np.array([1, 0, 1, 2], dtype=np.int64)
    gradcheck(lambda x, i: x.index_select(dim, i) * 1.5, [rng.standard_normal((3, 3, 2) if dim == 0 else (2, 3, 3)),
                                                          idx], wrt=[0], device=device)


# ----------------------------------------------------------------------------- embedding lookup
@needs_torch
@pytest.mark.parametrize("idx_shape", [(5,), (2, 3), (2, 2, 2), ()])
def test_embedding_vs_torch(idx_shape, device):
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((6, 4)).astype(np.float32)
    idx = rng.integers(0, 6, size=idx_shape).astype(np.int64)
    if idx.size > 1:
        idx.flat[0] = idx.flat[-1]  # at least one repeat
    helper_test_op(None, lambda i, w: TF.embedding(i, w), lambda i, w: F().embedding(i, w), vals=[idx, weight],
                   device=device, **TOL)
    # the same lookup by indexing the weight with an index tensor
    helper_test_op(None, lambda i, w: w[i], vals=[idx, weight], device=device, **TOL)


def test_embedding_gradcheck(device):
    rng = np.random.default_rng(3)
    idx = np.array([[0, 3], [3, 3]], dtype=np.int64)
    gradcheck(lambda i, w: F().embedding(i, w).tanh(), [idx, rng.standard_normal((4, 3))], wrt=[1], device=device)
    gradcheck(lambda i, w: w[i] * w[i], [idx, rng.standard_normal((4, 3))], wrt=[1], device=device)


# ----------------------------------------------------------------------------- gather
@needs_torch
@hsettings
@given(shape=shapes(1, 3, 1, 4), data=st.data())
def test_gather_vs_torch(shape, data, device):
    # torch.gather: out[i][j] = x[idx[i][j]][j] (dim 0); idx has the same ndim, sizes <= x's off `dim`
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    ishape = tuple(data.draw(st.integers(1, 4)) if d == dim % len(shape) else data.draw(st.integers(1, s))
                   for d, s in enumerate(shape))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    idx = rng.integers(0, shape[dim], size=ishape).astype(np.int64)
    vals = [rng.uniform(-2, 2, shape).astype(np.float32), idx]
    helper_test_op(None, lambda x, i: torch.gather(x, dim, i), lambda x, i: tl.gather(x, dim, i), vals=vals,
                   device=device, **TOL)
    helper_test_op(None, lambda x, i: x.gather(dim, i), vals=vals, device=device, **TOL)


def test_gather_backward_is_scatter_add_numpy(device):
    x = tl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, device=device)
    idx = tl.tensor(np.array([[2, 2, 0, 2], [1, 1, 1, 0]], dtype=np.int64), device=device)
    y = x.gather(1, idx)
    np.testing.assert_array_equal(tl_np(y), [[2, 2, 0, 2], [4, 4, 4, 3]])
    g = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])
    (y * tl.tensor(g, device=device)).sum().backward()
    np.testing.assert_array_equal(tl_np(x.grad), [[3, 0, 7], [40, 60, 0]])


@pytest.mark.parametrize("dim", [0, 1])
def test_gather_gradcheck(dim, device):
    rng = np.random.default_rng(4)
    idx = np.array([[0, 1, 1], [1, 0, 1]], dtype=np.int64) if dim == 0 else np.array([[2, 2], [0, 1]], dtype=np.int64)
    gradcheck(lambda x, i: x.gather(dim, i).exp(), [rng.standard_normal((2, 3)), idx], wrt=[0], device=device)


@needs_torch
def test_gather_picks_log_probs_like_nll_vs_torch(device):
    # the classic use: pick log p[i, target[i]]
    rng = np.random.default_rng(6)
    vals = [rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 4, (5, 1)).astype(np.int64)]
    helper_test_op(None, lambda x, t: -x.log_softmax(dim=1).gather(1, t).mean(), vals=vals,
                   atol=1e-6, rtol=1e-5, grad_atol=1e-6, grad_rtol=1e-5, device=device)


@needs_torch
def test_index_ops_on_noncontiguous_input_vs_torch(device):
    rng = np.random.default_rng(7)
    vals = [rng.standard_normal((4, 5)).astype(np.float32), np.array([4, 0, 4], dtype=np.int64)]
    helper_test_op(None, lambda x, i: x.T.index_select(0, i), vals=vals, device=device, **TOL)
    helper_test_op(None, lambda x, i: x.T[i], vals=vals, device=device, **TOL)
    gi = np.array([[0, 3], [2, 2], [1, 0], [3, 3], [0, 0]], dtype=np.int64)
    helper_test_op(None, lambda x, i: x.T.gather(1, i), vals=[vals[0], gi], device=device, **TOL)
