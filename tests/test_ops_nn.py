"""NN ops: softmax / log_softmax along any axis, cross_entropy (reductions, ignore_index,
label_smoothing), gelu (exact erf and tanh forms), dropout statistics.

Against torch in float32: softmax/log_softmax atol 1e-6 rtol 1e-5 (grads atol 1e-5 rtol 1e-5),
cross_entropy atol 1e-5 rtol 1e-5 (grads atol 1e-6 rtol 1e-4), gelu atol 1e-5 rtol 1e-5
(grads atol 1e-5 rtol 1e-5).  Central finite differences in float64: eps 1e-6, atol 1e-5, rtol 1e-4.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import gradcheck, helper_test_op, hsettings, shape_and_axis, shapes, tl_np

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def F():
    import tinygrad_lite.nn.functional as LF
    return LF


def test_nn_functional_reachable_after_plain_import():
    # torch.nn.functional is reachable after `import torch`; the same for tinygrad_lite (fresh interpreter)
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = "import tinygrad_lite as tl; tl.nn.functional.softmax; tl.nn.functional.cross_entropy; print('ok')"
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, f"`tl.nn.functional` after `import tinygrad_lite as tl`: {r.stderr[-800:]}"


# ----------------------------------------------------------------------------- softmax, log_softmax
SOFTMAX = {
    "softmax": (lambda x, d: x.softmax(dim=d), 1e-6, 1e-5),
    "log_softmax": (lambda x, d: x.log_softmax(dim=d), 1e-5, 1e-5),
}


@needs_torch
@pytest.mark.parametrize("name", list(SOFTMAX))
@hsettings
@given(sa=shape_and_axis(1, 4, 5))
def test_softmax_any_axis_vs_torch(name, sa, device):
    shape, axis = sa
    fn, atol, rtol = SOFTMAX[name]
    helper_test_op([shape], lambda x: fn(x, axis), low=-4.0, high=4.0, atol=atol, rtol=rtol,
                   grad_atol=1e-5, grad_rtol=1e-5, device=device)


@needs_torch
@pytest.mark.parametrize("name", list(SOFTMAX))
def test_softmax_functional_vs_torch(name, device):
    helper_test_op([(3, 7)], lambda x: getattr(TF, name)(x, dim=-1), lambda x: getattr(F(), name)(x, dim=-1),
                   atol=1e-5, rtol=1e-5, grad_atol=1e-5, grad_rtol=1e-5, device=device)


@needs_torch
@pytest.mark.parametrize("name", list(SOFTMAX))
@pytest.mark.parametrize("n", [1, 15, 16, 17, 1000])
def test_softmax_lengths_and_noncontiguous_vs_torch(name, n, device):
    fn, atol, rtol = SOFTMAX[name]
    helper_test_op([(3, n)], lambda x: fn(x, 1), low=-4, high=4, atol=atol, rtol=rtol, grad_atol=1e-5,
                   grad_rtol=1e-5, device=device)
    helper_test_op([(n, 3)], lambda x: fn(x.transpose(0, 1), -1), low=-4, high=4, atol=atol, rtol=rtol,
                   grad_atol=1e-5, grad_rtol=1e-5, device=device)


@needs_torch
@pytest.mark.parametrize("name", list(SOFTMAX))
def test_softmax_large_logits_stable_vs_torch(name, device):
    # max-subtraction: huge logits give finite results, not nan/inf
    v = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0], [0.0, 88.0, 89.0]], dtype=np.float32)
    t_out, l_out = helper_test_op(None, lambda x: SOFTMAX[name][0](x, -1), vals=[v], atol=1e-5, rtol=1e-5,
                                  grad_atol=1e-5, grad_rtol=1e-5, device=device)
    assert np.isfinite(tl_np(l_out[0])).all()


@pytest.mark.parametrize("name", list(SOFTMAX))
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_gradcheck(name, axis, device):
    x = np.random.default_rng(4).uniform(-3, 3, (3, 4, 2))
    gradcheck(lambda t: SOFTMAX[name][0](t, axis), [x], device=device)


def test_softmax_sums_to_one_numpy(device):
    v = np.random.default_rng(0).standard_normal((4, 5, 6)).astype(np.float32)
    for axis in range(-3, 3):
        y = tl_np(tl.tensor(v, device=device).softmax(dim=axis))
        e = np.exp(v - v.max(axis=axis, keepdims=True))
        np.testing.assert_allclose(y, e / e.sum(axis=axis, keepdims=True), atol=1e-6, rtol=1e-5)
        ly = tl_np(tl.tensor(v, device=device).log_softmax(dim=axis))
        np.testing.assert_allclose(ly, np.log(e / e.sum(axis=axis, keepdims=True)), atol=1e-5, rtol=1e-5)


# ----------------------------------------------------------------------------- cross entropy
def _ce_inputs(n, c, seed=0, ignore_index=-100, n_ignored=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    logits = rng.uniform(-3, 3, (n, c)).astype(dtype)
    target = rng.integers(0, c, size=n).astype(np.int64)
    if n_ignored:
        target[rng.choice(n, size=n_ignored, replace=False)] = ignore_index
    return logits, target


CE_CASES = [
    # (N, C, reduction, ignore_index or None (default -100), n_ignored, label_smoothing)
    (5, 4, "mean", None, 0, 0.0),
    (5, 4, "sum", None, 0, 0.0),
    (5, 4, "none", None, 0, 0.0),
    (6, 3, "mean", None, 2, 0.0),     # default ignore_index=-100
    (6, 3, "sum", None, 2, 0.0),
    (6, 3, "none", None, 2, 0.0),
    (6, 5, "mean", 2, 2, 0.0),        # custom ignore_index that is a valid class id
    (5, 4, "mean", None, 0, 0.1),
    (5, 4, "sum", None, 0, 0.3),
    (5, 4, "none", None, 0, 0.1),
    (7, 6, "mean", None, 3, 0.2),     # ignore + smoothing
    (7, 6, "none", 4, 2, 0.2),
    (1, 1, "mean", None, 0, 0.0),
    (33, 17, "mean", None, 5, 0.05),
]


def _ce_kwargs(reduction, ignore_index, smoothing):
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    if ignore_index is not None:
        kw["ignore_index"] = ignore_index
    return kw


@needs_torch
@pytest.mark.parametrize("n,c,reduction,ignore_index,n_ignored,smoothing", CE_CASES)
def test_cross_entropy_vs_torch(n, c, reduction, ignore_index, n_ignored, smoothing, device):
    logits, target = _ce_inputs(n, c, seed=n * c, ignore_index=-100 if ignore_index is None else ignore_index,
                                n_ignored=n_ignored)
    kw = _ce_kwargs(reduction, ignore_index, smoothing)
    helper_test_op(None, lambda x, t: TF.cross_entropy(x, t, **kw), lambda x, t: F().cross_entropy(x, t, **kw),
                   vals=[logits, target], atol=1e-5, rtol=1e-5, grad_atol=1e-6, grad_rtol=1e-4, device=device)


@needs_torch
@hsettings
@given(n=st.integers(1, 8), c=st.integers(1, 8), reduction=st.sampled_from(["mean", "sum", "none"]),
       smoothing=st.sampled_from([0.0, 0.1, 0.5]), seed=st.integers(0, 2**16), ignore_some=st.booleans())
def test_cross_entropy_hypothesis_vs_torch(n, c, reduction, smoothing, seed, ignore_some, device):
    logits, target = _ce_inputs(n, c, seed, n_ignored=(n // 2 if ignore_some else 0))
    if reduction == "mean" and (target == -100).all():
        return  # all rows ignored: covered by test_cross_entropy_all_ignored
    kw = _ce_kwargs(reduction, None, smoothing)
    helper_test_op(None, lambda x, t: TF.cross_entropy(x, t, **kw), lambda x, t: F().cross_entropy(x, t, **kw),
                   vals=[logits, target], atol=1e-5, rtol=1e-5, grad_atol=1e-6, grad_rtol=1e-4, device=device)


@needs_torch
def test_cross_entropy_all_ignored_mean_is_nan_like_torch(device):
    logits, target = _ce_inputs(3, 4, n_ignored=3)
    want = TF.cross_entropy(torch.tensor(logits), torch.tensor(target)).item()
    got = F().cross_entropy(tl.tensor(logits, device=device), tl.tensor(target, device=device)).item()
    assert math.isnan(want) and math.isnan(got), f"all targets ignored: torch {want}, tinygrad_lite {got}"


@needs_torch
def test_cross_entropy_large_logits_vs_torch(device):
    logits = np.array([[1000.0, 0.0, -1000.0], [50.0, 60.0, 70.0]], dtype=np.float32)
    target = np.array([2, 0], dtype=np.int64)
    helper_test_op(None, lambda x, t: TF.cross_entropy(x, t), lambda x, t: F().cross_entropy(x, t),
                   vals=[logits, target], atol=1e-3, rtol=1e-5, grad_atol=1e-6, grad_rtol=1e-4, device=device)


def test_cross_entropy_numpy_reference(device):
    # torch-free: loss_i = lse_i - ((1-eps) x[i, t_i] + eps/C sum_j x[i, j]); mean over non-ignored rows
    logits, target = _ce_inputs(6, 5, seed=1, n_ignored=2)
    eps = 0.1
    keep = target != -100
    lse = np.log(np.exp(logits.astype(np.float64)).sum(axis=1))
    picked = logits[np.arange(6), np.where(keep, target, 0)]
    per = lse - ((1 - eps) * picked + eps / 5 * logits.sum(axis=1))
    per = np.where(keep, per, 0.0)
    x = tl.tensor(logits, device=device)
    t = tl.tensor(target, device=device)
    np.testing.assert_allclose(tl_np(F().cross_entropy(x, t, reduction="none", label_smoothing=eps)), per,
                               atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(F().cross_entropy(x, t, label_smoothing=eps).item(), per.sum() / keep.sum(),
                               atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(F().cross_entropy(x, t, reduction="sum", label_smoothing=eps).item(), per.sum(),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_gradcheck(reduction, smoothing, device):
    logits, target = _ce_inputs(5, 4, seed=9, n_ignored=1, dtype="float64")
    gradcheck(lambda x, t: F().cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
              [logits, target], wrt=[0], device=device)


# ----------------------------------------------------------------------------- gelu
GELU = {"erf": {}, "tanh": {"approximate": "tanh"}}


@needs_torch
@pytest.mark.parametrize("form", list(GELU))
@hsettings
@given(shape=shapes(0, 4, 1, 5))
def test_gelu_vs_torch(form, shape, device):
    kw = GELU[form]
    helper_test_op([shape], lambda x: TF.gelu(x, **kw), lambda x: F().gelu(x, **kw), low=-4.0, high=4.0,
                   atol=1e-5, rtol=1e-5, grad_atol=1e-5, grad_rtol=1e-5, device=device)


@needs_torch
@pytest.mark.parametrize("form", list(GELU))
@pytest.mark.parametrize("n", [7, 16, 17, 1031])
def test_gelu_lengths_float64_and_extremes_vs_torch(form, n, device):
    kw = GELU[form]
    helper_test_op([(n,)], lambda x: TF.gelu(x, **kw), lambda x: F().gelu(x, **kw), low=-6.0, high=6.0,
                   atol=1e-5, rtol=1e-5, grad_atol=1e-5, grad_rtol=1e-5, device=device, seed=n)
    helper_test_op([(n,)], lambda x: TF.gelu(x, **kw), lambda x: F().gelu(x, **kw), low=-6.0, high=6.0,
                   dtype="float64", atol=1e-12, rtol=1e-10, grad_atol=1e-12, grad_rtol=1e-10, device=device, seed=n)
    v = np.array([-100.0, -20.0, -10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 100.0], dtype=np.float32)
    helper_test_op(None, lambda x: TF.gelu(x, **kw), lambda x: F().gelu(x, **kw), vals=[v], atol=1e-5, rtol=1e-5,
                   grad_atol=1e-5, grad_rtol=1e-5, device=device)


@pytest.mark.parametrize("form", list(GELU))
def test_gelu_gradcheck(form, device):
    x = np.random.default_rng(8).uniform(-4, 4, (3, 5))
    gradcheck(lambda t: F().gelu(t, **GELU[form]), [x], device=device)


def test_gelu_forms_formulas_numpy(device):
    # exact: x/2 (1 + erf(x/sqrt 2)); tanh: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    v = np.linspace(-5, 5, 41)
    erf = np.vectorize(math.erf)
    exact = v / 2 * (1 + erf(v / math.sqrt(2)))
    approx = v / 2 * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
    x = tl.tensor(v, device=device)
    np.testing.assert_allclose(tl_np(F().gelu(x)), exact, atol=1e-12, rtol=1e-10)
    np.testing.assert_allclose(tl_np(F().gelu(x, approximate="tanh")), approx, atol=1e-12, rtol=1e-10)
    np.testing.assert_allclose(tl_np(F().gelu(x, approximate="none")), exact, atol=1e-12, rtol=1e-10)
    assert np.abs(exact - approx).max() > 1e-5  # the forms really differ


# ----------------------------------------------------------------------------- dropout
N_DROP = 100_000


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p, device):
    tl.manual_seed(1234)
    x = tl.ones(N_DROP, device=device, requires_grad=True)
    y = F().dropout(x, p=p, training=True)
    yv = tl_np(y)
    kept = yv != 0
    # every kept value is scaled by 1/(1-p); dropped ones are exactly 0
    np.testing.assert_allclose(yv[kept], 1.0 / (1.0 - p), rtol=1e-6)
    frac_dropped = 1.0 - kept.mean()
    sigma = math.sqrt(p * (1 - p) / N_DROP)
    assert abs(frac_dropped - p) < 5 * sigma, f"dropout p={p}: dropped fraction {frac_dropped:.4f}"
    # E[y] = x
    assert abs(yv.mean() - 1.0) < 5 * sigma / (1 - p)
    # backward: dy/dx = mask / (1 - p), the same mask as the forward
    y.sum().backward()
    np.testing.assert_allclose(tl_np(x.grad), yv, rtol=1e-6)


def test_dropout_mask_is_random_not_structured(device):
    tl.manual_seed(0)
    m = tl_np(F().dropout(tl.ones(64, 64, device=device), p=0.5)) != 0
    # rows/columns are not all kept or all dropped together; two draws differ
    for axis in (0, 1):
        means = m.mean(axis=axis)  # 64 Bernoulli(0.5) draws each: sd 0.0625
        assert 0.2 < means.min() and means.max() < 0.8, f"dropout mask structured along axis {axis}"
    assert 0.45 < m.mean() < 0.55
    m2 = tl_np(F().dropout(tl.ones(64, 64, device=device), p=0.5)) != 0
    assert (m != m2).mean() > 0.3


def test_dropout_seed_reproducible(device):
    tl.manual_seed(7)
    a = tl_np(F().dropout(tl.ones(1000, device=device), p=0.3))
    tl.manual_seed(7)
    b = tl_np(F().dropout(tl.ones(1000, device=device), p=0.3))
    np.testing.assert_array_equal(a, b)


def test_dropout_eval_and_edge_probabilities(device):
    v = np.random.default_rng(0).standard_normal((10, 10)).astype(np.float32)
    x = tl.tensor(v, device=device)
    np.testing.assert_array_equal(tl_np(F().dropout(x, p=0.5, training=False)), v)
    np.testing.assert_array_equal(tl_np(F().dropout(x, p=0.0, training=True)), v)
    np.testing.assert_array_equal(tl_np(F().dropout(x, p=1.0, training=True)), np.zeros_like(v))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_bad_probability(p, device):
    with pytest.raises(ValueError, match="dropout"):
        F().dropout(tl.ones(4, device=device), p=p)
