"""LayerNorm / RMSNorm: F.layer_norm, F.rms_norm and the modules, against torch (forward and
backward, float32: atol 1e-5 rtol 1e-5, grads atol 1e-4 rtol 1e-4), by float64 central finite
differences (eps 1e-6, atol 1e-6, rtol 1e-4), on every SIMD path, and against the numpy reference."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F
from helpers import gradcheck, helper_test_op, hsettings

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


@st.composite
def norm_case(draw):
    """(x shape, normalized_shape): 1–3 leading dims, 1–2 normalized dims (some sizes past 16 lanes)."""
    lead = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    ns = draw(st.lists(st.sampled_from([1, 3, 8, 17, 33, 64]), min_size=1, max_size=2))
    return tuple(lead + ns), tuple(ns)


@needs_torch
@hsettings
@given(case=norm_case(), affine=st.sampled_from(["wb", "w", "none"]))
def test_layer_norm_vs_torch(case, affine, device):
    shape, ns = case
    shapes = [shape] + ([ns] if affine != "none" else []) + ([ns] if affine == "wb" else [])

    def fn(F_):
        return lambda x, *p: F_.layer_norm(x, ns, *p, eps=1e-5)

    helper_test_op(shapes, fn(TF), fn(F), atol=1e-5, rtol=1e-5, grad_atol=1e-4, grad_rtol=1e-4, device=device)


@needs_torch
@hsettings
@given(case=norm_case(), weight=st.booleans(), eps=st.sampled_from([None, 1e-6]))
def test_rms_norm_vs_torch(case, weight, eps, device):
    shape, ns = case
    shapes = [shape] + ([ns] if weight else [])
    helper_test_op(shapes, lambda x, *w: TF.rms_norm(x, ns, *w, eps=eps), lambda x, *w: F.rms_norm(x, ns, *w, eps=eps),
                   atol=1e-5, rtol=1e-5, grad_atol=1e-4, grad_rtol=1e-4, device=device)


@pytest.mark.parametrize("level", ["avx512", "avx2", "portable"])
def test_norm_simd_paths_agree(level):
    C = tl._C
    order = ["portable", "avx2", "avx512"]
    if order.index(level) > order.index(C.simd_max_level()):
        pytest.skip(f"{level} not supported here")
    old = C.simd_level()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((37, 70)).astype(np.float32) * 3 + 1
    w, b = rng.standard_normal(70).astype(np.float32), rng.standard_normal(70).astype(np.float32)
    g = rng.standard_normal((37, 70)).astype(np.float32)
    A = C.from_numpy
    try:
        C.set_simd_level(level)
        y, mean, rstd = C.layer_norm(A(x), [70], A(w), A(b), 1e-5)
        dx, dw, db = C.layer_norm_backward(A(g), A(x), [70], mean, rstd, A(w), True, True)
    finally:
        C.set_simd_level(old)
    xd = x.astype(np.float64)
    mu, var = xd.mean(-1, keepdims=True), xd.var(-1, keepdims=True)
    xh = (xd - mu) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(y.numpy(), xh * w + b, atol=1e-5, rtol=1e-5)
    gh = g * w
    want_dx = (gh - gh.mean(-1, keepdims=True) - xh * (gh * xh).mean(-1, keepdims=True)) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(dx.numpy(), want_dx, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(dw.numpy(), (g * xh).sum(0), atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(db.numpy(), g.sum(0), atol=1e-4, rtol=1e-4)


def test_layer_norm_finite_differences():
    rng = np.random.default_rng(1)
    gradcheck(lambda x, w, b: F.layer_norm(x, (3, 5), w, b), [rng.standard_normal((2, 3, 5)),
              rng.standard_normal((3, 5)), rng.standard_normal((3, 5))], atol=1e-6)
    gradcheck(lambda x, w: F.rms_norm(x, [5], w, 1e-3), [rng.standard_normal((4, 5)), rng.standard_normal(5)],
              atol=1e-6)


def test_native_kernels_match_numpy_reference():
    from tinygrad_lite.backend import numpy_ref as R
    C = tl._C
    rng = np.random.default_rng(2)
    A = C.from_numpy
    for dt in (np.float32, np.float64):
        x, w = A(rng.standard_normal((3, 4, 10)).astype(dt)), A(rng.standard_normal(10).astype(dt))
        g = A(rng.standard_normal((3, 4, 10)).astype(dt))
        for a, b in zip(C.layer_norm(x, [10], w, None, 1e-5), R.layer_norm(x, [10], w, None, 1e-5)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)
        _, mean, rstd = C.layer_norm(x, [10], w, None, 1e-5)
        for a, b in zip(C.layer_norm_backward(g, x, [10], mean, rstd, w, True, False),
                        R.layer_norm_backward(g, x, [10], mean, rstd, w, True, False)):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-4)


@needs_torch
def test_modules_match_torch_names_init_repr_and_state_dict():
    for ours, theirs in ((nn.LayerNorm(8), torch.nn.LayerNorm(8)),
                         (nn.LayerNorm((2, 3), eps=1e-3, bias=False), torch.nn.LayerNorm((2, 3), eps=1e-3, bias=False)),
                         (nn.LayerNorm(4, elementwise_affine=False), torch.nn.LayerNorm(4, elementwise_affine=False)),
                         (nn.RMSNorm(6), torch.nn.RMSNorm(6)), (nn.RMSNorm([2, 3], eps=1e-6), torch.nn.RMSNorm([2, 3], eps=1e-6))):
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for k, v in theirs.state_dict().items():
            np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy())
    m = nn.LayerNorm(5)
    x = tl.randn(2, 5, requires_grad=True)
    m(x).sum().backward()
    assert m.weight.grad is not None and m.bias.grad is not None and x.grad is not None


def test_bad_inputs_raise_clear_errors():
    x = tl.randn(2, 3)
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(x, [4])
    with pytest.raises(ValueError, match="weight"):
        F.layer_norm(x, [3], tl.ones(4))
    with pytest.raises(TypeError, match="floating"):
        F.layer_norm(tl.tensor([[1, 2, 3]]), [3])
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.RMSNorm(5)(x)
