"""Elementwise ops: unary, binary with numpy broadcasting, scalar operands, comparisons, where.

Forward and backward against torch (float32 unless stated; tolerances per op in the tables
below), and central finite differences in float64 (no torch needed; eps=1e-6, atol=1e-5,
rtol=1e-4).  (gelu lives in test_ops_nn.py.)
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import (away_from, broadcastable_pair, gradcheck, helper_test_op, hsettings, shapes,
                     tl_np, tl_tensor)

try:
    import torch
except ImportError:  # torch comparisons are skipped; finite-difference tests still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

# name: (fn (same program for both libraries), low, high, kink points, atol, rtol, grad_atol, grad_rtol)
UNARY = {
    "neg":     (lambda x: -x,          -2.0, 2.0, (),    0.0,  0.0,  0.0,  0.0),
    "abs":     (lambda x: x.abs(),     -2.0, 2.0, (0.0,), 0.0,  0.0,  0.0,  0.0),
    "relu":    (lambda x: x.relu(),    -2.0, 2.0, (0.0,), 0.0,  0.0,  0.0,  0.0),
    "exp":     (lambda x: x.exp(),     -3.0, 3.0, (),    1e-6, 1e-5, 1e-5, 1e-5),
    "log":     (lambda x: x.log(),      0.1, 4.0, (),    1e-6, 1e-5, 1e-5, 1e-5),
    "sqrt":    (lambda x: x.sqrt(),     0.1, 4.0, (),    1e-6, 1e-5, 1e-5, 1e-5),
    "tanh":    (lambda x: x.tanh(),    -3.0, 3.0, (),    1e-6, 1e-5, 1e-5, 1e-5),
    "sigmoid": (lambda x: x.sigmoid(), -6.0, 6.0, (),    1e-6, 1e-5, 1e-5, 1e-5),
}
UNARY_NAMES = sorted(UNARY)


def _unary_vals(name, shape, seed=0, dtype="float32"):
    fn, lo, hi, kinks, *_ = UNARY[name]
    a = np.random.default_rng(seed).uniform(lo, hi, size=shape)
    return away_from(a, kinks, 0.05).astype(dtype)


# ----------------------------------------------------------------------------- unary
@needs_torch
@pytest.mark.parametrize("name", UNARY_NAMES)
@hsettings
@given(shape=shapes(0, 4, 1, 5))
def test_unary_vs_torch(name, shape, device):
    fn, lo, hi, kinks, atol, rtol, gatol, grtol = UNARY[name]
    helper_test_op(None, fn, vals=[_unary_vals(name, shape)], atol=atol, rtol=rtol,
                   grad_atol=gatol, grad_rtol=grtol, device=device)


@needs_torch
@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_float64_vs_torch(name, device):
    fn = UNARY[name][0]
    helper_test_op(None, fn, vals=[_unary_vals(name, (4, 5), dtype="float64")], atol=1e-12, rtol=1e-12,
                   grad_atol=1e-12, grad_rtol=1e-12, device=device)


@needs_torch
@pytest.mark.parametrize("name", UNARY_NAMES)
@pytest.mark.parametrize("n", [1, 7, 8, 15, 16, 17, 33, 1031])
def test_unary_vector_tails_vs_torch(name, n, device):
    # lengths around SIMD widths (4/8/16 lanes) and a large odd size exercise remainder loops
    fn, lo, hi, kinks, atol, rtol, gatol, grtol = UNARY[name]
    helper_test_op(None, fn, vals=[_unary_vals(name, (n,), seed=n)], atol=atol, rtol=rtol,
                   grad_atol=gatol, grad_rtol=grtol, device=device)


@needs_torch
@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_noncontiguous_vs_torch(name, device):
    fn, lo, hi, kinks, atol, rtol, gatol, grtol = UNARY[name]
    helper_test_op(None, lambda x: fn(x.transpose(0, 1)[::2]), vals=[_unary_vals(name, (5, 6))],
                   atol=atol, rtol=rtol, grad_atol=gatol, grad_rtol=grtol, device=device)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_gradcheck(name, device):
    gradcheck(UNARY[name][0], [_unary_vals(name, (3, 4), seed=1, dtype="float64")], device=device)


@needs_torch
@pytest.mark.parametrize("name,tl_name", [("neg", "neg"), ("abs", "abs"), ("exp", "exp"), ("log", "log"),
                                          ("sqrt", "sqrt"), ("tanh", "tanh"), ("sigmoid", "sigmoid"),
                                          ("relu", "relu")])
def test_unary_module_functions(name, tl_name, device):
    # torch.exp(x) etc. exist as module functions too
    helper_test_op(None, lambda x: getattr(torch, name)(x), lambda x: getattr(tl, tl_name)(x),
                   vals=[_unary_vals(name, (3, 4))], atol=1e-6, rtol=1e-5, grad_atol=1e-5, grad_rtol=1e-5,
                   device=device)


@needs_torch
@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "neg"])
def test_unary_extreme_values_vs_torch(name):
    # overflow to inf, underflow to 0, log(0) = -inf, sqrt(-1) = nan, saturating tanh/sigmoid
    vals = np.array([-1000.0, -100.0, -89.0, -20.0, -1.0, -0.0, 0.0, 1e-30, 1.0, 20.0, 88.0, 89.0, 100.0,
                     1000.0, np.inf, -np.inf], dtype=np.float32)
    fn = UNARY[name][0]
    with np.errstate(all="ignore"):
        want = fn(torch.tensor(vals)).numpy()
    got = tl_np(fn(tl.tensor(vals)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True,
                               err_msg=f"{name} on extreme inputs {vals}")


# ----------------------------------------------------------------------------- binary
def _binary_vals(name, sa, sb, seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    if name in ("maximum", "minimum"):
        # a and b on interleaved grids: |a - b| >= 0.125 everywhere, so no ties
        a = rng.integers(-8, 8, size=sa) * 0.25
        b = rng.integers(-8, 8, size=sb) * 0.25 + 0.125
    elif name == "pow":
        a = rng.uniform(0.5, 2.0, size=sa)
        b = rng.uniform(-2.0, 2.0, size=sb)
    elif name == "div":
        a = rng.uniform(-2.0, 2.0, size=sa)
        b = rng.uniform(0.5, 2.0, size=sb) * rng.choice([-1.0, 1.0], size=sb)
    else:
        a = rng.uniform(-2.0, 2.0, size=sa)
        b = rng.uniform(-2.0, 2.0, size=sb)
    return [np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)]


# name: (torch fn, tl fn, atol, rtol, grad_atol, grad_rtol)
BINARY = {
    "add": (lambda a, b: a + b, None, 1e-6, 1e-6, 1e-5, 1e-5),
    "sub": (lambda a, b: a - b, None, 1e-6, 1e-6, 1e-5, 1e-5),
    "mul": (lambda a, b: a * b, None, 1e-6, 1e-6, 1e-5, 1e-5),
    "div": (lambda a, b: a / b, None, 1e-6, 1e-6, 1e-5, 1e-5),
    "pow": (lambda a, b: a ** b, None, 1e-5, 1e-5, 1e-5, 1e-5),
    "maximum": (lambda a, b: torch.maximum(a, b), lambda a, b: tl.maximum(a, b), 0.0, 0.0, 1e-6, 1e-6),
    "minimum": (lambda a, b: torch.minimum(a, b), lambda a, b: tl.minimum(a, b), 0.0, 0.0, 1e-6, 1e-6),
}
BINARY_NAMES = list(BINARY)


@needs_torch
@pytest.mark.parametrize("name", BINARY_NAMES)
@hsettings
@given(pair=broadcastable_pair(4, 4))
def test_binary_broadcast_vs_torch(name, pair, device):
    tfn, lfn, atol, rtol, gatol, grtol = BINARY[name]
    helper_test_op(None, tfn, lfn, vals=_binary_vals(name, *pair), atol=atol, rtol=rtol,
                   grad_atol=gatol, grad_rtol=grtol, device=device)


@needs_torch
@pytest.mark.parametrize("name", BINARY_NAMES)
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
                                   ((), (2, 3)), ((5, 1, 3), (1, 4, 1)), ((1,), (7,)), ((37,), (37,)),
                                   ((2, 1, 17), (3, 17))])
def test_binary_shapes_vs_torch(name, sa, sb, device):
    tfn, lfn, atol, rtol, gatol, grtol = BINARY[name]
    helper_test_op(None, tfn, lfn, vals=_binary_vals(name, sa, sb), atol=atol, rtol=rtol,
                   grad_atol=gatol, grad_rtol=grtol, device=device)


@needs_torch
@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_float64_vs_torch(name, device):
    tfn, lfn = BINARY[name][:2]
    helper_test_op(None, tfn, lfn, vals=_binary_vals(name, (3, 4), (4,), dtype="float64"),
                   atol=1e-12, rtol=1e-12, grad_atol=1e-12, grad_rtol=1e-12, device=device)


@needs_torch
@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_noncontiguous_vs_torch(name, device):
    tfn, lfn, atol, rtol, gatol, grtol = BINARY[name]
    lfn = lfn or tfn
    vals = _binary_vals(name, (4, 6), (6, 4))
    helper_test_op(None, lambda a, b: tfn(a[:, ::2], b.transpose(0, 1)[:, ::2]),
                   lambda a, b: lfn(a[:, ::2], b.transpose(0, 1)[:, ::2]),
                   vals=vals, atol=atol, rtol=rtol, grad_atol=gatol, grad_rtol=grtol, device=device)


@pytest.mark.parametrize("name", BINARY_NAMES)
@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((2, 1, 3), (4, 1)), ((3,), ())])
def test_binary_gradcheck(name, sa, sb, device):
    fns = {"maximum": lambda a, b: tl.maximum(a, b), "minimum": lambda a, b: tl.minimum(a, b)}
    fn = fns.get(name, BINARY[name][0] if name not in fns else None)
    gradcheck(fn, _binary_vals(name, sa, sb, seed=3, dtype="float64"), device=device)


@needs_torch
def test_same_tensor_both_operands(device):
    helper_test_op([(3, 4)], lambda x: x * x + x / (x.abs() + 1.0) - x, atol=1e-6, rtol=1e-6,
                   grad_atol=1e-5, grad_rtol=1e-5, device=device)


# ----------------------------------------------------------------------------- python scalars
SCALAR_OPS = {
    "x+s": lambda x: x + 2.5, "s+x": lambda x: 2.5 + x, "x-s": lambda x: x - 1.5, "s-x": lambda x: 1.5 - x,
    "x*s": lambda x: x * 3.0, "s*x": lambda x: 3.0 * x, "x/s": lambda x: x / 4.0, "s/x": lambda x: 4.0 / x,
    "x**2": lambda x: x ** 2, "x**0.5": lambda x: x ** 0.5, "x**-1.5": lambda x: x ** -1.5,
    "2**x": lambda x: 2.0 ** x, "x+int": lambda x: x + 2, "int*x": lambda x: 3 * x, "-x*s": lambda x: -x * 0.5,
}


@needs_torch
@pytest.mark.parametrize("name", list(SCALAR_OPS))
def test_scalar_operand_vs_torch(name, device):
    # positive inputs so that fractional powers and s/x are defined
    helper_test_op([(3, 5)], SCALAR_OPS[name], low=0.5, high=2.0, atol=1e-6, rtol=1e-5,
                   grad_atol=1e-5, grad_rtol=1e-5, device=device)


@pytest.mark.parametrize("name", list(SCALAR_OPS))
def test_scalar_operand_gradcheck(name, device):
    x = np.random.default_rng(5).uniform(0.5, 2.0, size=(2, 3))
    gradcheck(SCALAR_OPS[name], [x], device=device)


@needs_torch
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_int64_arithmetic_vs_torch(op, device):
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}[op]
    rng = np.random.default_rng(0)
    vals = [rng.integers(-50, 50, size=(3, 4)), rng.integers(-50, 50, size=(4,))]
    helper_test_op(None, fn, vals=vals, forward_only=True, device=device)


# ----------------------------------------------------------------------------- comparisons, where
CMP = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


@needs_torch
@pytest.mark.parametrize("name", list(CMP))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@hsettings
@given(pair=broadcastable_pair(3, 4), seed=st.integers(0, 2**16))
def test_comparison_vs_torch(name, dtype, pair, seed, device):
    # values from a small integer grid so that ties (==, <=, >=) actually occur
    rng = np.random.default_rng(seed)
    vals = [rng.integers(-2, 3, size=s).astype(dtype) for s in pair]
    t_out, l_out = helper_test_op(None, CMP[name], vals=vals, forward_only=True, device=device)
    assert l_out[0].requires_grad is False


@needs_torch
@pytest.mark.parametrize("name", list(CMP))
def test_comparison_with_scalar_vs_torch(name, device):
    vals = [np.array([[-1.0, 0.0, 0.5], [1.0, 2.0, 0.5]], dtype=np.float32)]
    helper_test_op(None, lambda x: CMP[name](x, 0.5), vals=vals, forward_only=True, device=device)
    helper_test_op(None, lambda x: CMP[name](0.5, x), vals=vals, forward_only=True, device=device)


def test_comparison_returns_bool_without_grad(device):
    x = tl.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = tl.tensor([2.0, 2.0, 2.0], device=device)
    for r in (x < y, x <= y, x > y, x >= y, x == y, x != y, x > 1.5):
        assert "bool" in str(r.dtype)
        assert r.requires_grad is False
    assert tl_np(x < y).tolist() == [True, False, False]
    assert tl_np(x == y).tolist() == [False, True, False]


@needs_torch
@hsettings
@given(pair=broadcastable_pair(3, 4), cdrop=st.integers(0, 3), cmask=st.lists(st.booleans(), min_size=3, max_size=3),
       seed=st.integers(0, 2**16))
def test_where_broadcast_vs_torch(pair, cdrop, cmask, seed, device):
    rng = np.random.default_rng(seed)
    # the condition broadcasts too: the result shape with some leading dims dropped, some dims set to 1
    out_shape = np.broadcast_shapes(*pair)
    cs = tuple(1 if m else d for m, d in zip(cmask, out_shape[min(cdrop, len(out_shape)):]))
    cond = rng.random(size=cs) < 0.5
    a = rng.uniform(-2, 2, size=pair[0]).astype(np.float32)
    b = rng.uniform(-2, 2, size=pair[1]).astype(np.float32)
    helper_test_op(None, lambda c, x, y: torch.where(c, x, y), lambda c, x, y: tl.where(c, x, y),
                   vals=[cond, a, b], atol=0.0, rtol=0.0, grad_atol=1e-6, grad_rtol=1e-6, device=device)


@needs_torch
def test_where_from_comparison_vs_torch(device):
    # the usual pattern: where(x > 0, x, 0.1 * x)
    helper_test_op([(4, 5)], lambda x: torch.where(x > 0, x, x * 0.1),
                   lambda x: tl.where(x > 0, x, x * 0.1), vals=[away_from(
                       np.random.default_rng(0).uniform(-2, 2, (4, 5))).astype(np.float32)],
                   atol=1e-7, rtol=1e-6, grad_atol=1e-6, grad_rtol=1e-6, device=device)


@needs_torch
def test_where_scalar_branch_vs_torch(device):
    helper_test_op([(3, 4)], lambda x: torch.where(x > 0, x, 0.0), lambda x: tl.where(x > 0, x, 0.0),
                   atol=0.0, rtol=0.0, grad_atol=1e-7, grad_rtol=1e-7, device=device)


def test_where_gradcheck(device):
    rng = np.random.default_rng(2)
    cond = rng.random((3, 4)) < 0.5
    gradcheck(lambda c, a, b: tl.where(c, a, b), [cond, rng.standard_normal((3, 4)), rng.standard_normal((4,))],
              device=device)


# ----------------------------------------------------------------------------- empty tensors
@needs_torch
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4)])
def test_empty_elementwise_vs_torch(shape, device):
    helper_test_op([shape], lambda x: (x * 2.0 + 1.0).exp(), forward_only=True, device=device)
    helper_test_op([shape, shape[-1:]], lambda a, b: a + b, forward_only=True, device=device)
