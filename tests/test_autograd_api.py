"""torch.autograd's API: autograd.grad (several outputs and inputs, grad_outputs, allow_unused,
retain_graph), create_graph=True second-order gradients (against torch, and the graph
derivatives of every pointwise row against the row's native derivative kernel),
Tensor.register_hook / retain_grad, backward(inputs=...), and torch's autograd.Function
convention (ctx.save_for_backward, saved_tensors, needs_input_grad, mark_non_differentiable,
several outputs, double backward through it).

Tolerances: float64 throughout, atol 1e-10 against torch (the same formulas), 1e-8 for the
graph derivatives against the native kernels.
"""
import numpy as np
import pytest

import tinygrad_lite as tl
from helpers import tl_np
from tinygrad_lite.ops import pointwise as P
from tinygrad_lite.ops import pointwise_graph as PG

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).uniform(-1.5, 1.5, (3, 4))
B = np.random.default_rng(1).uniform(-1.5, 1.5, (4, 2))


def lib_pair():
    return (torch, torch.tensor(A, requires_grad=True)), (tl, tl.tensor(A, requires_grad=True))


# ---- second order --------------------------------------------------------------------------------
SECOND_ORDER = {
    "cube": lambda T, x: (x ** 3).sum(),
    "tanh_sq": lambda T, x: (x.tanh() ** 2).sum(),
    "mlp": lambda T, x: ((x @ T.tensor(B)).tanh() @ T.ones(2, 1, dtype=T.float64)).sigmoid().sum(),
    "softmax": lambda T, x: (T.softmax(x, 1) * T.arange(4.0, dtype=T.float64)).sum(),
    "log_softmax": lambda T, x: T.log_softmax(x, 0)[0].sum(),
    "cross_entropy": lambda T, x: T.nn.functional.cross_entropy(x, T.tensor([0, 3, 1])),
    "exp_log": lambda T, x: (x.exp() + (x * x + 1).log()).sum(),
    "div_pow": lambda T, x: (x / (x * x + 2) + (x.abs() + 1) ** 1.5).sum(),
    "reductions": lambda T, x: x.var(1).sum() + x.std(0).sum() + (x.mean(0) ** 2).sum() + x.amax(1).sum(),
    "views": lambda T, x: (x.t().reshape(2, 6)[:, 1:4].expand(3, 2, 3) ** 2).sum() + T.cat([x, x * 2], 1).prod(),
    "gather": lambda T, x: (x.gather(1, T.tensor([[0], [3], [2]])) ** 3).sum() + (x[T.tensor([2, 0])] ** 2).sum(),
    "where_max": lambda T, x: (T.where(x > 0, x ** 2, -x) * T.maximum(x, x.flip(1))).sum(),
    "activations": lambda T, x: (T.nn.functional.gelu(x) + T.nn.functional.silu(x) + T.nn.functional.softplus(x) +
                                 T.nn.functional.elu(x) + T.nn.functional.leaky_relu(x, 0.1) ** 2).sum(),
    "cumsum_norm": lambda T, x: (x.cumsum(1) ** 2).sum() + x.norm(),
    "einsum": lambda T, x: (T.einsum("ij,jk->ik", x, T.tensor(B)) ** 2).sum(),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_order_vs_torch(name):
    fn = SECOND_ORDER[name]
    out = []
    for T, x in lib_pair():
        (g,) = T.autograd.grad(fn(T, x), x, create_graph=True)
        (h,) = T.autograd.grad((g * g).sum() + g.sum(), x)
        out.append((g.detach(), h))
    for t, ours in zip(out[0], out[1]):
        np.testing.assert_allclose(tl_np(ours), t.numpy(), atol=1e-10, rtol=1e-9)


def test_backward_create_graph_accumulates_a_differentiable_grad():
    for T, x in lib_pair():
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        x.grad = None
        g.sum().backward()
        if T is torch:
            want = x.grad.numpy()
        else:
            np.testing.assert_allclose(tl_np(x.grad), want, atol=1e-12)


def test_unsupported_node_in_create_graph_raises():
    x = tl.tensor([2.0, 0.0], requires_grad=True)  # cumprod's zero-aware derivative is native (first order) only
    with pytest.raises(NotImplementedError, match="create_graph"):
        tl.autograd.grad(x.cumprod(0).sum(), x, create_graph=True)


ROWS = [n for n in PG.UNARY if n in P.OPS]


@pytest.mark.parametrize("name", ROWS)
def test_graph_derivative_matches_the_native_kernel(name):
    """The Tensor formula of each row's derivative (pointwise_graph.py) equals its native kernel."""
    op = P.OPS[name]
    params = {"clamp_min": (0.1,), "clamp_max": (0.1,), "clamp": (-0.3, 0.4), "pow_scalar": (2.5,),
              "rdiv_scalar": (1.5,), "rpow_scalar": (1.7,), "leaky_relu": (0.1,), "elu": (1.0, 1.05, 1.0),
              "softplus": (1.0, 20.0), "hardtanh": (-0.5, 0.5), "hardshrink": (0.3,), "softshrink": (0.3,),
              "threshold": (0.2, -1.0), "nan_to_num": (0.0, 1e30, -1e30)}.get(name, ())
    x = np.random.default_rng(2).uniform(-0.9, 0.9, 40)
    if name in ("log", "log2", "log10", "sqrt", "rsqrt", "rdiv_scalar", "reciprocal", "pow_scalar", "acosh"):
        x = np.abs(x) + (1.1 if name == "acosh" else 0.1)
    x = x[np.abs(np.abs(x) - 0.3) > 0.02]  # away from the kinks of the piecewise rows
    xt = tl.tensor(x, requires_grad=True)
    y = P.Unary.apply(xt, op, params)
    g = tl.tensor(np.random.default_rng(3).standard_normal(x.shape))
    (native,) = tl.autograd.grad(y, xt, grad_outputs=g)
    (graph,) = tl.autograd.grad(P.Unary.apply(xt, op, params), xt, grad_outputs=g, create_graph=True)
    np.testing.assert_allclose(tl_np(graph.detach()), tl_np(native), atol=1e-8, rtol=1e-8)


# ---- autograd.grad ---------------------------------------------------------------------------
def test_autograd_grad_forms_vs_torch():
    for T, x in lib_pair():
        w = T.tensor(B, requires_grad=True)
        y = (x @ w).tanh()
        g1 = T.autograd.grad(y, [x, w], grad_outputs=T.ones(3, 2, dtype=T.float64), retain_graph=True)
        g2 = T.autograd.grad([y.sum(), (x ** 2).sum()], x)
        unused = T.autograd.grad(x.sum(), [x, T.ones(2, requires_grad=True)], allow_unused=True)[1]
        assert unused is None
        assert x.grad is None and w.grad is None  # grad() accumulates nowhere
        if T is torch:
            want = [t.numpy() for t in (*g1, *g2)]
        else:
            for t, wv in zip((*g1, *g2), want):
                np.testing.assert_allclose(tl_np(t), wv, atol=1e-12)
    x = tl.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used"):
        tl.autograd.grad(x.sum(), [x, tl.ones(2, requires_grad=True)])
    y = (x * 2).sum()
    tl.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        tl.autograd.grad(y, x)


def test_grad_of_non_leaf_and_backward_inputs():
    for T, x in lib_pair():
        h = x * 3
        y = (h ** 2).sum()
        (gh,) = T.autograd.grad(y, h, retain_graph=True)
        y.backward(inputs=[x])
        if T is torch:
            want = (gh.numpy(), x.grad.numpy())
        else:
            np.testing.assert_allclose(tl_np(gh), want[0], atol=1e-12)
            np.testing.assert_allclose(tl_np(x.grad), want[1], atol=1e-12)


# ---- hooks -----------------------------------------------------------------------------------
def test_register_hook_and_retain_grad_vs_torch():
    results = []
    for T, x in lib_pair():
        seen = []
        h = x * 2
        handle = h.register_hook(lambda g: g * 3)
        x.register_hook(lambda g: seen.append(g.sum().item()))
        h.retain_grad()
        (h ** 2).sum().backward()
        handle.remove()
        x2 = x.detach().requires_grad_()
        h2 = x2 * 2
        h2.sum().backward()
        results.append((x.grad, h.grad, seen, x2.grad))
    (tx, th, tseen, tx2), (lx, lh, lseen, lx2) = results
    np.testing.assert_allclose(tl_np(lx), tx.numpy(), atol=1e-12)
    np.testing.assert_allclose(tl_np(lh), th.numpy(), atol=1e-12)
    np.testing.assert_allclose(lseen, tseen, atol=1e-10)
    np.testing.assert_allclose(tl_np(lx2), tx2.numpy())


def test_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError):
        tl.ones(2).register_hook(lambda g: g)


# ---- torch's autograd.Function convention --------------------------------------------------
def make_functions(T):
    class LegendreP3(T.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class ScaleShift(T.autograd.Function):  # a non-tensor argument, two outputs, needs_input_grad
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.flags = ctx.needs_input_grad
            return x * k + y, x - y

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * ctx.k + g2, None, g1 - g2

    class ArgmaxAndMax(T.autograd.Function):  # a non-differentiable integer output
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax(1)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return x.max(1).values, idx

        @staticmethod
        def backward(ctx, g, _g_idx):
            x, idx = ctx.saved_tensors
            return T.zeros_like(x).scatter(1, idx.unsqueeze(1), g.unsqueeze(1))

    return LegendreP3, ScaleShift, ArgmaxAndMax


def test_custom_function_vs_torch():
    outs = []
    for T, x in lib_pair():
        P3, SS, AM = make_functions(T)
        y = T.tensor(A[::-1].copy(), requires_grad=True)
        a = P3.apply(x)
        s1, s2 = SS.apply(x, 3.0, y)
        m, idx = AM.apply(x * 1)
        assert not idx.requires_grad and m.requires_grad
        (a.sum() + (s1 * s2).sum() + (m * 2).sum()).backward()
        flags = s1.grad_fn is not None
        (g,) = T.autograd.grad(P3.apply(x).sum(), x, create_graph=True)  # double backward through it
        (h,) = T.autograd.grad(g.sum(), x)
        outs.append((a.detach(), s1.detach(), x.grad, y.grad, h, idx, flags))
    for t, ours in zip(outs[0], outs[1]):
        if isinstance(t, bool):
            assert ours == t
        else:
            np.testing.assert_allclose(tl_np(ours), t.detach().numpy(), atol=1e-10)


def test_custom_function_errors():
    class Wrong(tl.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g  # one gradient for two inputs

    x = tl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Wrong.apply(x, x).sum().backward()

    class Once(tl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Once.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    with tl.no_grad():
        assert not Once.apply(x).requires_grad
