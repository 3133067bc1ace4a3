"""Cases the differential fuzzer (tools/fuzz) found, each checked against torch, so they stay fixed."""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def same(ours, ref):
    assert tuple(ours.shape) == tuple(ref.shape)
    np.testing.assert_allclose(ours.detach().numpy().astype(np.float64), ref.detach().numpy().astype(np.float64),
                               rtol=1e-6, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("lo,hi", [(2.0, -3.0), (float("nan"), 2.5), (0.5, float("nan")), (1.0, 1.0), (None, float("nan")),
                                   (float("nan"), None), (-1.0, 1.0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clamp_inverted_and_nan_bounds(lo, hi, dtype):
    """torch: clamp = min(max(x, lo), hi) (lo > hi gives hi), a NaN bound gives NaN."""
    x = np.array([np.nan, -5.0, -0.5, 0.0, 0.7, 3.0, np.inf], dtype=dtype)
    same(tl.tensor(x).clamp(lo, hi), torch.tensor(x).clamp(lo, hi))
    t = tl.tensor(x)
    t.clamp_(lo, hi)
    same(t, torch.tensor(x).clamp(lo, hi))


def test_clamp_inverted_bounds_int():
    x = np.array([-4, 0, 3, 9])
    same(tl.tensor(x).clamp(2, 0), torch.tensor(x).clamp(2, 0))


@pytest.mark.parametrize("index", [True, False, (0, True), (Ellipsis, False), (slice(None), True, 1), (True, Ellipsis, 0)])
def test_bool_scalar_index_is_a_new_dim(index):
    a = np.arange(24.0).reshape(2, 3, 4)
    same(tl.tensor(a)[index], torch.tensor(a)[index])


def test_bool_tensor_scalar_index():
    same(tl.tensor(3.0)[tl.tensor(True)], torch.tensor(3.0)[torch.tensor(True)])
    same(tl.tensor(3.0)[tl.tensor(False)], torch.tensor(3.0)[torch.tensor(False)])


@pytest.mark.parametrize("end", [float("nan"), float("inf"), 5.0])
def test_linspace_one_step_is_start(end):
    same(tl.linspace(-0.5, end, 1), torch.linspace(-0.5, end, 1))


@pytest.mark.parametrize("op", ["argmax", "argmin", "all", "any"])
def test_keepdim_without_dim_keeps_every_dim(op):
    x = np.random.default_rng(0).random((1, 4))
    ours, ref = getattr(tl.tensor(x), op)(dim=None, keepdim=True), getattr(torch.tensor(x), op)(dim=None, keepdim=True)
    assert tuple(ours.shape) == tuple(ref.shape)


@pytest.mark.parametrize("kw", [dict(padding=2**62), dict(dilation=2**62), dict(stride=2**62, padding=2**61)])
def test_conv2d_huge_hyperparameters_raise(kw):
    """Sizes derived from user hyper-parameters are checked: a clean error, never a wrapped buffer size."""
    x, w = tl.randn(1, 2, 5, 5), tl.randn(3, 2, 3, 3)
    with pytest.raises((RuntimeError, ValueError, MemoryError)):
        F.conv2d(x, w, **kw)


def test_pool_huge_window_raises():
    x = tl.randn(1, 1, 5, 5)
    with pytest.raises((RuntimeError, ValueError)):
        F.max_pool2d(x, kernel_size=3, dilation=2**62)


def test_pad_huge_and_empty():
    with pytest.raises((RuntimeError, ValueError, MemoryError)):
        F.pad(tl.randn(2, 3), (2**62, 2**62))
    same(F.pad(tl.zeros(0, 3), (2**40, 0)), TF.pad(torch.zeros(0, 3), (2**40, 0)))  # empty: no index tables
    x = tl.randn(2, 3, requires_grad=True)  # every element cut away: the gradient is zeros
    F.pad(x, (-3, 0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3), np.float32))


@pytest.mark.parametrize("index", [True, False, (0, True), (Ellipsis, True)])
def test_bool_scalar_index_assignment(index):
    a = np.arange(6.0).reshape(2, 3)
    ours, ref = tl.tensor(a), torch.tensor(a)
    ours[index] = -0.5
    ref[index] = -0.5
    same(ours, ref)


@pytest.mark.parametrize("op", ["__rtruediv__", "__rsub__"])
def test_reflected_operator_with_a_tensor(op):
    """x.__rsub__(t) is t - x (it used to fail with an AttributeError)."""
    a, b = np.array([[2, 3]]), np.array([[1.5, -2.0]])
    for x, y in ((a, b), (b, a), (b, b)):
        same(getattr(tl.tensor(x), op)(tl.tensor(y)), getattr(torch.tensor(x), op)(torch.tensor(y)))


def test_split_empty_dim_and_bad_dim():
    assert [tuple(p.shape) for p in tl.zeros(0, 2).split(1)] == [tuple(p.shape) for p in torch.zeros(0, 2).split(1)]
    with pytest.raises(IndexError, match="split: dimension out of range"):
        tl.zeros(2, 3, 4).split(1, dim=5)


def test_chunk_of_an_empty_dim_with_a_huge_count_is_refused():
    """It used to build 2**63 empty views (a hang)."""
    assert len(tl.zeros(0).chunk(3)) == len(torch.zeros(0).chunk(3))
    with pytest.raises(ValueError):
        tl.zeros(0).chunk(2**63)
    with pytest.raises(RuntimeError):
        tl.zeros(0).chunk(2**62)
