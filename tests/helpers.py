"""The op-test harness.

helper_test_op(shapes, torch_fn, tl_fn=None, ...)
    Builds the same random inputs for torch and tinygrad_lite, runs the same program on both,
    and compares forward values, shapes and dtypes, then (after a backward through
    sum(out * g) with a random upstream gradient g) the gradients of every input, each with
    explicit tolerances.  torch runs on the CPU; tinygrad_lite on the `device` given.

gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)
    Central finite differences in float64 against the analytic gradient of sum(fn(*x) * g).
    Needs no torch.

Hypothesis strategies: shapes(), broadcastable_pair(), shape_and_axes(), shape_and_axis().
"""
import re

import numpy as np
import tinygrad_lite as tl
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# per-test hypothesis settings; max_examples comes from the profile loaded in conftest.py
SUPPRESS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
hsettings = settings(deadline=None, suppress_health_check=SUPPRESS)

FLOAT_DTYPES = ("float32", "float64")
_DTYPE_RE = re.compile(r"(float32|float64|int64|bool)")


# ----------------------------------------------------------------------------- conversions
def dtype_name(dt):
    """'float32' | 'float64' | 'int64' | 'bool' for a torch, tinygrad_lite or numpy dtype."""
    if isinstance(dt, np.dtype) or (isinstance(dt, type) and issubclass(dt, np.generic)):
        return np.dtype(dt).name
    m = _DTYPE_RE.search(str(dt))
    return m.group(1) if m else str(dt)


def tl_np(t):
    """A tinygrad_lite tensor (any device) as a numpy array (a copy when it lives elsewhere)."""
    if isinstance(t, np.ndarray):
        return t
    if not hasattr(t, "numpy"):
        return np.asarray(t)
    if hasattr(t, "detach"):
        t = t.detach()
    if hasattr(t, "cpu"):
        t = t.cpu()
    return np.asarray(t.numpy())


def torch_np(t):
    return t.detach().cpu().numpy()


def tl_tensor(a, device="cpu", requires_grad=False):
    return tl.tensor(np.array(a, order="C"), requires_grad=requires_grad, device=device)


def random_array(rng, shape, dtype="float32", low=-2.0, high=2.0):
    shape = tuple(shape)
    if dtype in FLOAT_DTYPES:
        return rng.uniform(low, high, size=shape).astype(dtype)
    if dtype == "int64":
        return rng.integers(int(low), int(high), size=shape, dtype=np.int64)
    if dtype == "bool":
        return rng.random(size=shape) < 0.5
    raise ValueError(f"unsupported test dtype {dtype}")


def away_from(a, points=(0.0,), gap=0.05):
    """Moves values within `gap` of any kink point to point ± gap (keeps finite differences
    and torch's subgradient conventions out of the comparison)."""
    a = np.array(a, copy=True)
    for p in points:
        d = a - p
        close = np.abs(d) < gap
        a[close] = p + np.where(d[close] >= 0, gap, -gap)
    return a


# ----------------------------------------------------------------------------- comparison
def assert_close(name, got, want, atol, rtol):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{name}: shape {got.shape} != expected {want.shape}"
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=f"{name}: values differ")
    else:
        np.testing.assert_allclose(
            got.astype(np.float64), want.astype(np.float64), atol=atol, rtol=rtol,
            err_msg=f"{name}: values differ (atol={atol}, rtol={rtol})")


def _as_list(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def _is_float_torch(t):
    return t.dtype.is_floating_point


def helper_test_op(shapes, torch_fn, tl_fn=None, *, atol=1e-5, rtol=1e-5, grad_atol=1e-4,
                   grad_rtol=1e-4, low=-2.0, high=2.0, dtype="float32", forward_only=False,
                   device="cpu", vals=None, seed=0, requires_grad=None, check_dtype=True):
    """Runs torch_fn on torch inputs and tl_fn (default: torch_fn) on tinygrad_lite inputs built
    from the same numpy arrays, and compares outputs and input gradients.

    shapes: list of input shapes (ignored when `vals`, a list of numpy arrays, is given).
    requires_grad: list of bools per input (default: every float input unless forward_only).
    Returns (torch_outputs, tl_outputs)."""
    import torch

    tl_fn = torch_fn if tl_fn is None else tl_fn
    rng = np.random.default_rng(seed)
    if vals is None:
        vals = [random_array(rng, s, dtype, low, high) for s in shapes]
    vals = [np.asarray(v) for v in vals]
    if requires_grad is None:
        requires_grad = [(not forward_only) and v.dtype.kind == "f" for v in vals]
    desc = f"inputs {[tuple(v.shape) for v in vals]} {[v.dtype.name for v in vals]}"

    t_in = [torch.tensor(v, requires_grad=bool(rg)) for v, rg in zip(vals, requires_grad)]
    l_in = [tl_tensor(v, device, bool(rg)) for v, rg in zip(vals, requires_grad)]

    t_out = _as_list(torch_fn(*t_in))
    l_out = _as_list(tl_fn(*l_in))
    assert len(t_out) == len(l_out), f"{desc}: {len(l_out)} outputs, torch gives {len(t_out)}"
    for k, (to, lo) in enumerate(zip(t_out, l_out)):
        name = f"forward output {k} for {desc}"
        assert tuple(lo.shape) == tuple(to.shape), f"{name}: shape {tuple(lo.shape)} != torch {tuple(to.shape)}"
        if check_dtype:
            assert dtype_name(lo.dtype) == dtype_name(to.dtype), \
                f"{name}: dtype {lo.dtype} != torch {to.dtype}"
        assert_close(name, tl_np(lo), torch_np(to), atol, rtol)

    if forward_only or not any(requires_grad):
        return t_out, l_out
    diff = [(to, lo) for to, lo in zip(t_out, l_out) if _is_float_torch(to) and to.requires_grad]
    if not diff:
        return t_out, l_out
    t_loss, l_loss = None, None
    for to, lo in diff:
        g = rng.standard_normal(tuple(to.shape)).astype(torch_np(to).dtype)
        tt = (to * torch.tensor(g)).sum()
        ll = (lo * tl_tensor(g, device)).sum()
        t_loss = tt if t_loss is None else t_loss + tt
        l_loss = ll if l_loss is None else l_loss + ll
    t_loss.backward()
    l_loss.backward()
    for i, (ti, li) in enumerate(zip(t_in, l_in)):
        if not requires_grad[i]:
            continue
        name = f"gradient of input {i} for {desc}"
        if ti.grad is None:
            if li.grad is not None:
                assert_close(name, tl_np(li.grad), np.zeros(vals[i].shape, vals[i].dtype), grad_atol, grad_rtol)
            continue
        assert li.grad is not None, f"{name}: tinygrad_lite left .grad None, torch has a gradient"
        assert tuple(li.grad.shape) == tuple(ti.grad.shape), \
            f"{name}: grad shape {tuple(li.grad.shape)} != torch {tuple(ti.grad.shape)}"
        if check_dtype:
            assert dtype_name(li.grad.dtype) == dtype_name(ti.grad.dtype), \
                f"{name}: grad dtype {li.grad.dtype} != torch {ti.grad.dtype}"
        assert_close(name, tl_np(li.grad), torch_np(ti.grad), grad_atol, grad_rtol)
    return t_out, l_out


# ----------------------------------------------------------------------------- finite differences
def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, device="cpu", seed=0, wrt=None):
    """Checks the analytic gradient of L = sum(fn(*x) * g) (g a fixed random upstream gradient)
    against central differences (L(x + eps e_j) - L(x - eps e_j)) / 2 eps, in float64.

    inputs: numpy arrays; float ones are cast to float64 and differentiated (or only those
    whose positions are listed in `wrt`); others (indices) are passed as they are."""
    rng = np.random.default_rng(seed)
    arrs = []
    for a in inputs:
        a = np.asarray(a)
        arrs.append(a.astype(np.float64) if a.dtype.kind == "f" else a)
    if wrt is None:
        wrt = [i for i, a in enumerate(arrs) if a.dtype.kind == "f"]

    ts = [tl_tensor(a, device, requires_grad=(i in wrt)) for i, a in enumerate(arrs)]
    out = fn(*ts)
    assert dtype_name(out.dtype) == "float64", f"gradcheck: float64 inputs gave a {out.dtype} output"
    g = rng.standard_normal(tuple(out.shape))
    (out * tl_tensor(g, device)).sum().backward()

    def loss_at(args):
        with tl.no_grad():
            o = fn(*[tl_tensor(a, device) for a in args])
        return float(np.sum(tl_np(o).astype(np.float64) * g))

    for i in wrt:
        grad = ts[i].grad
        analytic = np.zeros(arrs[i].shape) if grad is None else tl_np(grad).astype(np.float64)
        assert analytic.shape == arrs[i].shape, \
            f"gradcheck: input {i}: grad shape {analytic.shape} != input shape {arrs[i].shape}"
        numeric = np.zeros(arrs[i].shape)
        for j in range(arrs[i].size):
            args = [a.copy() for a in arrs]
            args[i].flat[j] += eps
            fp = loss_at(args)
            args[i].flat[j] -= 2 * eps
            fm = loss_at(args)
            numeric.flat[j] = (fp - fm) / (2 * eps)
        bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            j = int(np.argmax(np.where(bad, np.abs(analytic - numeric), -1)))
            idx = np.unravel_index(j, arrs[i].shape) if arrs[i].ndim else ()
            raise AssertionError(
                f"gradcheck failed for input {i} (shape {arrs[i].shape}) at index {tuple(int(k) for k in idx)}: "
                f"numeric {numeric.flat[j]:.10g} vs analytic {analytic.flat[j]:.10g} "
                f"({int(bad.sum())} of {bad.size} entries off; eps={eps}, atol={atol}, rtol={rtol})")


# ----------------------------------------------------------------------------- hypothesis strategies
@st.composite
def shapes(draw, min_dims=0, max_dims=4, min_side=1, max_side=5):
    nd = draw(st.integers(min_dims, max_dims))
    return tuple(draw(st.lists(st.integers(min_side, max_side), min_size=nd, max_size=nd)))


@st.composite
def broadcastable_pair(draw, max_dims=4, max_side=4):
    """Two shapes that broadcast together under numpy rules: each drops some leading dims of a
    common shape and sets some of the rest to 1."""
    nd = draw(st.integers(0, max_dims))
    base = draw(st.lists(st.integers(1, max_side), min_size=nd, max_size=nd))

    def derive():
        keep = draw(st.integers(0, nd))
        return tuple(1 if draw(st.booleans()) else d for d in base[nd - keep:])

    return derive(), derive()


@st.composite
def shape_and_axes(draw, min_dims=1, max_dims=4, max_side=4):
    """A shape and a non-empty set of distinct axes, some written negative."""
    shape = draw(shapes(min_dims, max_dims, 1, max_side))
    nd = len(shape)
    axes = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
    axes = tuple(a - nd if draw(st.booleans()) else a for a in axes)
    return shape, axes


@st.composite
def shape_and_axis(draw, min_dims=1, max_dims=4, max_side=4):
    shape = draw(shapes(min_dims, max_dims, 1, max_side))
    nd = len(shape)
    return shape, draw(st.integers(-nd, nd - 1))
