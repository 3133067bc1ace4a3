"""Reductions over any set of axes, with keepdim: sum, mean, max/min (values + indices, amax/amin
over several axes), argmax/argmin, var (correction 0 and 1).

Against torch in float32: sum/mean atol 1e-5 rtol 1e-5, var atol 1e-5 rtol 1e-4, max/min/argmax
exact; gradients atol 1e-5 rtol 1e-5.  Central finite differences in float64 (eps 1e-6,
atol 1e-5, rtol 1e-4) need no torch.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import gradcheck, helper_test_op, hsettings, shape_and_axes, shape_and_axis, shapes, tl_np

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _distinct(shape, seed=0, dtype="float32"):
    """Values with no ties (a shuffled grid), so max/min/argmax and their gradients are unique."""
    n = int(np.prod(shape)) if len(shape) else 1
    rng = np.random.default_rng(seed)
    v = (rng.permutation(n) - n / 2) * 0.125 + rng.uniform(-0.01, 0.01)
    return v.reshape(shape).astype(dtype)


# name: (fn(x, axes, keepdim), atol, rtol)
AXES_OPS = {
    "sum": (lambda x, ax, k: x.sum(dim=ax, keepdim=k), 1e-5, 1e-5),
    "mean": (lambda x, ax, k: x.mean(dim=ax, keepdim=k), 1e-5, 1e-5),
    "var": (lambda x, ax, k: x.var(dim=ax, keepdim=k), 1e-5, 1e-4),
    "var_c0": (lambda x, ax, k: x.var(dim=ax, keepdim=k, correction=0), 1e-5, 1e-4),
    "amax": (lambda x, ax, k: x.amax(dim=ax, keepdim=k), 0.0, 0.0),
    "amin": (lambda x, ax, k: x.amin(dim=ax, keepdim=k), 0.0, 0.0),
}


@needs_torch
@pytest.mark.parametrize("name", list(AXES_OPS))
@hsettings
@given(sa=shape_and_axes(1, 4, 4), keepdim=st.booleans())
def test_reduce_axes_vs_torch(name, sa, keepdim, device):
    shape, axes = sa
    fn, atol, rtol = AXES_OPS[name]
    if name.startswith("var") and all(shape[a] == 1 for a in axes):
        return  # var over one element with correction=1 is nan (torch warns); covered elsewhere
    helper_test_op(None, lambda x: fn(x, axes, keepdim), vals=[_distinct(shape)], atol=atol, rtol=rtol,
                   grad_atol=1e-5, grad_rtol=1e-5, device=device)


@needs_torch
@pytest.mark.parametrize("name", list(AXES_OPS))
@hsettings
@given(sa=shape_and_axis(1, 4, 4), keepdim=st.booleans())
def test_reduce_single_int_axis_vs_torch(name, sa, keepdim, device):
    shape, axis = sa
    fn, atol, rtol = AXES_OPS[name]
    if name.startswith("var") and shape[axis] == 1:
        return
    helper_test_op(None, lambda x: fn(x, axis, keepdim), vals=[_distinct(shape)], atol=atol, rtol=rtol,
                   grad_atol=1e-5, grad_rtol=1e-5, device=device)


FULL_OPS = {
    "sum": (lambda x: x.sum(), 1e-5, 1e-5), "mean": (lambda x: x.mean(), 1e-5, 1e-5),
    "var": (lambda x: x.var(), 1e-5, 1e-4), "max": (lambda x: x.max(), 0.0, 0.0),
    "min": (lambda x: x.min(), 0.0, 0.0), "amax": (lambda x: x.amax(), 0.0, 0.0),
}


@needs_torch
@pytest.mark.parametrize("name", list(FULL_OPS))
@hsettings
@given(shape=shapes(0, 4, 1, 5))
def test_reduce_all_vs_torch(name, shape, device):
    fn, atol, rtol = FULL_OPS[name]
    if name == "var" and int(np.prod(shape)) < 2:
        return
    helper_test_op(None, fn, vals=[_distinct(shape)], atol=atol, rtol=rtol, grad_atol=1e-5, grad_rtol=1e-5,
                   device=device)


@needs_torch
@pytest.mark.parametrize("name", ["max", "min"])
@hsettings
@given(sa=shape_and_axis(1, 4, 4), keepdim=st.booleans())
def test_max_min_with_dim_vs_torch(name, sa, keepdim, device):
    # x.max(dim) returns (values, indices) like torch
    shape, axis = sa
    helper_test_op(None, lambda x: tuple(getattr(x, name)(dim=axis, keepdim=keepdim)), vals=[_distinct(shape)],
                   atol=0.0, rtol=0.0, grad_atol=0.0, grad_rtol=0.0, device=device)


@needs_torch
@pytest.mark.parametrize("name", ["argmax", "argmin"])
@hsettings
@given(sa=shape_and_axis(1, 4, 5), keepdim=st.booleans(), seed=st.integers(0, 2**16))
def test_argmax_vs_torch(name, sa, keepdim, seed, device):
    shape, axis = sa
    helper_test_op(None, lambda x: getattr(x, name)(dim=axis, keepdim=keepdim), vals=[_distinct(shape, seed)],
                   forward_only=True, device=device)
    helper_test_op(None, lambda x: getattr(x, name)(), vals=[_distinct(shape, seed)], forward_only=True,
                   device=device)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_ties_first_occurrence(name, device):
    x = tl.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, -1.0]], device=device)
    want = {"argmax": [1, 0], "argmin": [3, 2]}[name]
    r = getattr(x, name)(dim=1)
    assert "int64" in str(r.dtype)
    assert tl_np(r).tolist() == want
    assert tl_np(getattr(x, name)(dim=1, keepdim=True)).tolist() == [[w] for w in want]
    assert int(getattr(x, name)().item()) == {"argmax": 1, "argmin": 6}[name]


@needs_torch
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_sum_of_int_and_bool_is_int64(dtype, device):
    rng = np.random.default_rng(0)
    v = rng.integers(-5, 5, size=(3, 4)) if dtype == "int64" else rng.random((3, 4)) < 0.5
    helper_test_op(None, lambda x: x.sum(), vals=[v], forward_only=True, device=device)
    helper_test_op(None, lambda x: x.sum(dim=1), vals=[v], forward_only=True, device=device)
    helper_test_op(None, lambda x: x.sum(dim=(0, 1), keepdim=True), vals=[v], forward_only=True, device=device)


@needs_torch
@pytest.mark.parametrize("name", ["sum", "mean", "var", "amax"])
def test_reduce_noncontiguous_vs_torch(name, device):
    fn, atol, rtol = AXES_OPS[name]
    helper_test_op(None, lambda x: fn(x.permute(2, 0, 1)[:, 1:], (0, 2), False), vals=[_distinct((3, 4, 5))],
                   atol=atol, rtol=rtol, grad_atol=1e-5, grad_rtol=1e-5, device=device)


@needs_torch
@pytest.mark.parametrize("n", [1, 15, 16, 17, 1000, 4099])
def test_sum_mean_lengths_vs_torch(n, device):
    # lengths around vector widths and several blocks
    helper_test_op([(n,)], lambda x: x.sum() + x.mean(), atol=1e-4, rtol=1e-5, device=device)
    helper_test_op([(3, n)], lambda x: x.sum(dim=1), atol=1e-4, rtol=1e-5, device=device)
    helper_test_op([(n, 3)], lambda x: x.sum(dim=0), atol=1e-4, rtol=1e-5, device=device)


def test_large_sum_accuracy_vs_float64(device):
    # 200,003 uniform [0, 1) float32 values: the float32 sum must be within rtol 1e-5 of the float64 sum
    v = np.random.default_rng(0).random(200_003).astype(np.float32)
    got = float(tl.tensor(v, device=device).sum().item())
    want = float(v.astype(np.float64).sum())
    assert abs(got - want) <= 1e-5 * abs(want), f"sum of 200003 floats: got {got}, float64 sum {want}"
    got_mean = float(tl.tensor(v, device=device).mean().item())
    assert abs(got_mean - want / v.size) <= 1e-5 * abs(want / v.size)


def test_var_single_element_correction1_is_nan(device):
    x = tl.tensor([[1.0], [2.0]], device=device)
    assert np.isnan(tl_np(x.var(dim=1))).all()
    assert tl_np(x.var(dim=1, correction=0)).tolist() == [0.0, 0.0]


# ----------------------------------------------------------------------------- finite differences
GRADCHECK_CASES = [
    ("sum", lambda x: x.sum(dim=(0, 2), keepdim=False)),
    ("sum_keep", lambda x: x.sum(dim=-1, keepdim=True)),
    ("sum_all", lambda x: x.sum()),
    ("mean", lambda x: x.mean(dim=(1,), keepdim=True)),
    ("mean_all", lambda x: x.mean()),
    ("var", lambda x: x.var(dim=(0, 2))),
    ("var_c0_keep", lambda x: x.var(dim=1, keepdim=True, correction=0)),
    ("var_all", lambda x: x.var()),
    ("max_dim", lambda x: x.max(dim=1)[0]),
    ("min_dim_keep", lambda x: x.min(dim=-1, keepdim=True)[0]),
    ("max_all", lambda x: x.max()),
    ("amax", lambda x: x.amax(dim=(0, 2))),
    ("amin_keep", lambda x: x.amin(dim=(1, 2), keepdim=True)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_reduce_gradcheck(name, fn, device):
    gradcheck(fn, [_distinct((2, 3, 4), seed=7, dtype="float64")], device=device)


def test_max_reduction_values_numpy(device):
    # torch-free check of values and indices
    v = _distinct((3, 4, 5), seed=1)
    x = tl.tensor(v, device=device)
    vals, idx = x.max(dim=1)
    np.testing.assert_array_equal(tl_np(vals), v.max(axis=1))
    np.testing.assert_array_equal(tl_np(idx), v.argmax(axis=1))
    np.testing.assert_array_equal(tl_np(x.amax(dim=(0, 2), keepdim=True)), v.max(axis=(0, 2), keepdims=True))
    np.testing.assert_array_equal(tl_np(x.amin(dim=(-1, 0))), v.min(axis=(2, 0)))
    np.testing.assert_allclose(tl_np(x.sum(dim=(0, 2))), v.sum(axis=(0, 2)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tl_np(x.var(dim=(0, 2), correction=0)), v.var(axis=(0, 2)), rtol=1e-4, atol=1e-5)
