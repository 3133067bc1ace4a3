"""Reverse-mode autograd graph cases: a node used twice, diamonds, fan-out, a 100,000-op chain
(iterative topological sort: no RecursionError), gradient accumulation over two backward calls,
retain_graph and the error for a second backward through freed buffers, no_grad, detach,
requires_grad_, backward(gradient=...), leaf / non-leaf .grad.

Values: float64 against closed forms (atol 1e-12) or central finite differences (eps 1e-6,
atol 1e-5, rtol 1e-4); float32 against torch atol 1e-6 rtol 1e-5.
"""
import gc
import math
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tinygrad_lite as tl
from helpers import gradcheck, helper_test_op, tl_np

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def leaf(v, device="cpu", dtype=np.float64):
    return tl.tensor(np.asarray(v, dtype=dtype), requires_grad=True, device=device)


# ----------------------------------------------------------------------------- graph shapes
def test_node_used_twice(device):
    v = np.array([-1.5, 0.5, 2.0])
    x = leaf(v, device)
    (x * x + x).sum().backward()
    np.testing.assert_allclose(tl_np(x.grad), 2 * v + 1, atol=1e-12)


def test_node_used_twice_gradcheck(device):
    gradcheck(lambda x: x * x + x, [np.array([[-1.5, 0.5], [2.0, 0.25]])], device=device)


def test_diamond(device):
    #      x
    #    /   \
    #  b=2a  c=tanh(a)   with a = exp(x)
    #    \   /
    #    d = b*c
    v = np.array([0.3, -0.7])
    x = leaf(v, device)
    a = x.exp()
    b = a * 2.0
    c = a.tanh()
    d = b * c
    d.sum().backward()
    ea = np.exp(v)
    want = (2 * np.tanh(ea) + 2 * ea * (1 - np.tanh(ea) ** 2)) * ea
    np.testing.assert_allclose(tl_np(x.grad), want, atol=1e-12, rtol=1e-12)


def test_diamonds_uneven_depths_gradcheck(device):
    def f(x, y):
        a = x * y
        b = a.exp() + x          # x reaches b directly and through a
        c = (a * b).tanh() - y   # y at depth 1 and 3
        return c * b + a
    rng = np.random.default_rng(0)
    gradcheck(f, [rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (3,))], device=device)


@needs_torch
def test_graph_program_vs_torch(device):
    def prog(x, w, b):
        h = (x @ w + b).relu()
        h2 = h * h.sigmoid() + h
        return (h2 - h2.mean(dim=1, keepdim=True)) * x.sum(dim=1, keepdim=True)
    helper_test_op([(4, 3), (3, 5), (5,)], prog, atol=1e-5, rtol=1e-5, grad_atol=1e-5, grad_rtol=1e-4,
                   device=device)


def test_fan_out_many_uses(device):
    x = leaf([2.0], device)
    y = x * 0.0
    for _ in range(1000):
        y = y + x
    y.sum().backward()
    assert tl_np(x.grad).tolist() == [1000.0]


def test_unused_branch_and_constant_leaf(device):
    x = leaf([1.0, 2.0], device)
    c = tl.tensor(np.array([3.0, 4.0]), device=device)   # does not require grad
    _unused = x * 5.0
    y = (x * c).sum()
    assert y.requires_grad and not c.requires_grad
    y.backward()
    assert tl_np(x.grad).tolist() == [3.0, 4.0]
    assert c.grad is None


def test_backward_from_intermediate(device):
    x = leaf([1.0, 2.0], device)
    y = x * 2.0
    z = y * 3.0
    y.sum().backward()
    assert tl_np(x.grad).tolist() == [2.0, 2.0]
    del z


def test_nonleaf_grad_is_none_and_leaf_flags(device):
    x = leaf([1.0, 2.0], device)
    y = x * 2.0
    y.sum().backward()
    assert x.is_leaf and not y.is_leaf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch warns when a non-leaf's .grad is read
        assert y.grad is None             # torch keeps .grad on leaves only
    assert tl_np(x.grad).tolist() == [2.0, 2.0]


def test_requires_grad_propagates(device):
    x = leaf([1.0], device)
    k = tl.tensor([2.0], device=device)
    assert (x * k).requires_grad
    assert (k * k).requires_grad is False
    assert (x.exp() + 1.0).requires_grad


def test_grad_dtype_and_shape_match_leaf(device):
    for dt in (np.float32, np.float64):
        x = tl.tensor(np.ones((2, 3), dtype=dt), requires_grad=True, device=device)
        (x * 3.0).sum().backward()
        assert tuple(x.grad.shape) == (2, 3)
        assert x.grad.dtype == x.dtype
        assert x.grad.requires_grad is False


def test_broadcast_gradients_reduce_to_input_shape(device):
    a = leaf(np.ones((3, 1)), device)
    b = leaf(np.ones((4,)), device)
    s = leaf(2.0, device)
    (a * b * s).sum().backward()
    assert tuple(a.grad.shape) == (3, 1) and tl_np(a.grad).ravel().tolist() == [8.0] * 3
    assert tuple(b.grad.shape) == (4,) and tl_np(b.grad).tolist() == [6.0] * 4
    assert tuple(s.grad.shape) == () and float(tl_np(s.grad)) == 12.0


# ----------------------------------------------------------------------------- a 100,000-op chain
def test_chain_of_100k_ops_no_recursion_error(device):
    n = 100_000
    x = leaf([1.0], device)
    y = x
    for _ in range(n):
        y = y * 1.00001
    y.sum().backward()      # must not raise RecursionError
    want = 1.00001 ** n
    np.testing.assert_allclose(tl_np(x.grad), [want], rtol=1e-9)
    np.testing.assert_allclose(tl_np(y), [want], rtol=1e-9)
    del y
    gc.collect()


def test_chain_of_100k_ops_mixed_ops(device):
    n = 100_000
    x = leaf([0.5], device)
    y = x
    for _ in range(n // 3):
        y = -y
        y = y + 0.0
        y = y * 1.0
    y.sum().backward()
    sign = -1.0 if (n // 3) % 2 else 1.0
    np.testing.assert_allclose(tl_np(x.grad), [sign], rtol=1e-12)


def test_dropping_an_unbackwarded_100k_chain_does_not_crash():
    # freeing a long graph must not overflow the C stack either (run in a child interpreter so a
    # crash is reported as a failure instead of killing the test session)
    code = textwrap.dedent("""
        import gc, tinygrad_lite as tl
        x = tl.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 1.0
        del y
        gc.collect()
        print("ok")
    """)
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, f"child exited with {r.returncode}: {r.stderr[-2000:]}"


# ----------------------------------------------------------------------------- accumulation, retain_graph
def test_gradients_accumulate_over_two_backward_calls(device):
    x = leaf([1.0, -2.0], device)
    (x * 2.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(tl_np(x.grad), [2.0 + 2.0, 2.0 - 4.0], atol=1e-12)
    x.grad = None                 # resetting (what zero_grad(set_to_none=True) does)
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(tl_np(x.grad), [3.0, 3.0], atol=1e-12)


def test_retain_graph_allows_second_backward(device):
    x = leaf([1.0, 2.0], device)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(tl_np(x.grad), 4 * np.array([1.0, 2.0]), atol=1e-12)


@pytest.mark.parametrize("op", ["mul", "exp", "matmul", "tanh"])
def test_second_backward_through_freed_graph_raises(op, device):
    x = leaf(np.array([[0.5, 1.0], [1.5, -1.0]]), device)
    fns = {"mul": lambda t: t * t, "exp": lambda t: t.exp(), "matmul": lambda t: t @ t, "tanh": lambda t: t.tanh()}
    y = fns[op](x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"(?i)retain_graph|freed"):
        y.backward()
    # the interpreter and the tensor are fine afterwards
    assert tl_np(x.grad).shape == (2, 2)


# ----------------------------------------------------------------------------- backward(gradient=...)
def test_backward_with_explicit_gradient(device):
    v = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.array([[0.5, -1.0], [2.0, 0.0]])
    x = leaf(v, device)
    y = x * x
    y.backward(gradient=tl.tensor(g, device=device))
    np.testing.assert_allclose(tl_np(x.grad), 2 * v * g, atol=1e-12)
    x2 = leaf(v, device)
    (x2 * 3.0).backward(tl.tensor(g, device=device))   # positional, as torch
    np.testing.assert_allclose(tl_np(x2.grad), 3 * g, atol=1e-12)


def test_scalar_backward_gradient_none_means_one(device):
    x = leaf([1.0, 2.0], device)
    (x * 4.0).sum().backward(gradient=None)
    assert tl_np(x.grad).tolist() == [4.0, 4.0]
    x.grad = None
    (x * 4.0).sum().backward(tl.tensor(0.5, dtype=tl.float64, device=device))
    assert tl_np(x.grad).tolist() == [2.0, 2.0]


@needs_torch
def test_backward_with_gradient_vs_torch(device):
    rng = np.random.default_rng(0)
    v = rng.standard_normal((3, 4)).astype(np.float32)
    g = rng.standard_normal((3, 4)).astype(np.float32)
    xt = torch.tensor(v, requires_grad=True)
    (xt.tanh() * xt).backward(torch.tensor(g))
    xl = tl.tensor(v, requires_grad=True, device=device)
    (xl.tanh() * xl).backward(tl.tensor(g, device=device))
    np.testing.assert_allclose(tl_np(xl.grad), xt.grad.numpy(), atol=1e-6, rtol=1e-5)


# ----------------------------------------------------------------------------- no_grad, detach, requires_grad_
def test_no_grad_context(device):
    x = leaf([1.0, 2.0], device)
    with tl.no_grad():
        y = x * 2.0
        z = (y + x).exp()
    assert not y.requires_grad and not z.requires_grad
    w = x * 3.0                   # grad mode restored on exit
    assert w.requires_grad
    w.sum().backward()
    assert tl_np(x.grad).tolist() == [3.0, 3.0]


def test_no_grad_nested_and_restored_after_exception(device):
    x = leaf([1.0], device)
    with tl.no_grad():
        with tl.no_grad():
            pass
        assert not (x * 2.0).requires_grad   # still off after the inner block
    assert (x * 2.0).requires_grad
    with pytest.raises(ZeroDivisionError):
        with tl.no_grad():
            1 / 0
    assert (x * 2.0).requires_grad, "no_grad left gradients disabled after an exception"


def test_no_grad_as_decorator(device):
    x = leaf([1.0], device)

    @tl.no_grad()
    def f(t):
        return t * 2.0

    assert not f(x).requires_grad
    assert (x * 2.0).requires_grad


def test_no_grad_leaf_update_then_backward(device):
    # the optimizer pattern: update a leaf in place under no_grad, then use it again
    w = leaf([1.0, 2.0], device)
    (w * w).sum().backward()
    with tl.no_grad():
        w -= w.grad * 0.1
    assert w.requires_grad and w.is_leaf
    np.testing.assert_allclose(tl_np(w), [0.8, 1.6], atol=1e-12)
    w.grad = None
    (w * 1.0).sum().backward()
    assert tl_np(w.grad).tolist() == [1.0, 1.0]


def test_detach_stops_gradient(device):
    v = np.array([1.5, -0.5])
    x = leaf(v, device)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(tl_np(d), v)
    (d * x).sum().backward()    # d is a constant: d/dx = d
    np.testing.assert_allclose(tl_np(x.grad), v, atol=1e-12)
    y = x.exp()
    (y.detach() * y).sum().backward()
    np.testing.assert_allclose(tl_np(x.grad), v + np.exp(v) ** 2, atol=1e-12)


def test_detach_shares_storage(device):
    x = leaf([1.0, 2.0], device)
    d = x.detach()
    d.fill_(5.0)                # torch: detach() returns a view of the same data
    assert tl_np(x).tolist() == [5.0, 5.0]


def test_requires_grad_(device):
    x = tl.tensor(np.array([1.0, 2.0]), device=device)
    assert not x.requires_grad
    r = x.requires_grad_()
    assert r is x and x.requires_grad
    (x * x).sum().backward()
    assert tl_np(x.grad).tolist() == [2.0, 4.0]
    x.requires_grad_(False)
    assert not x.requires_grad
    assert not (x * 2.0).requires_grad
    y = tl.tensor([1.0], device=device)
    y.requires_grad = True     # the attribute is settable, as in torch
    (y * 2.0).sum().backward()
    assert tl_np(y.grad).tolist() == [2.0]


def test_grad_is_not_a_graph_node(device):
    x = leaf([1.0], device)
    (x * x).sum().backward()
    g = x.grad
    assert not g.requires_grad
    (x * 3.0).sum().backward()
    assert tl_np(x.grad).tolist() == [5.0]
    del g


def test_float32_chain_precision_vs_closed_form(device):
    # float32 leaves get float32 gradients that agree with a float64 closed form
    v = np.array([0.1, 0.7, -1.3], dtype=np.float32)
    x = tl.tensor(v, requires_grad=True, device=device)
    (x.sigmoid() * x.tanh()).sum().backward()
    s = 1 / (1 + np.exp(-v.astype(np.float64)))
    t = np.tanh(v.astype(np.float64))
    want = s * (1 - s) * t + s * (1 - t ** 2)
    np.testing.assert_allclose(tl_np(x.grad), want, atol=1e-6, rtol=1e-5)
    assert math.isfinite(float(tl_np(x.grad).sum()))
