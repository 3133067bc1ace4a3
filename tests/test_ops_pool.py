"""Pooling (max, avg, adaptive, unpool; 1-D and 2-D) against torch and by float64 finite
differences; torch's tie and NaN rule for the max gradient; the modules' reprs; bad input.

Tolerances, float32 against torch: forward atol 1e-6 rtol 1e-6 (max pooling: exact), gradients
atol 1e-6 rtol 1e-5. Finite differences in float64: eps 1e-6, atol 1e-5, rtol 1e-4 (max pooling
on inputs whose window maxima are unique, so the function is smooth there).
"""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F
from helpers import gradcheck, helper_test_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(atol=1e-6, rtol=1e-6, grad_atol=1e-6, grad_rtol=1e-5)

# kernel, stride, padding, dilation, ceil_mode
MAX = [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True), ((3, 2), (2, 1), (1, 0), (2, 1), False),
       (2, 3, 1, 2, True), (5, 1, 2, 1, False)]


@pytest.mark.parametrize("k,s,p,d,ceil", MAX)
def test_max_pool2d_vs_torch(k, s, p, d, ceil, device):
    helper_test_op([(2, 3, 10, 11)], lambda x: TF.max_pool2d(x, k, s, p, d, ceil),
                   lambda x: F.max_pool2d(x, k, s, p, d, ceil), device=device, **TOL)


def test_max_pool_indices_and_unpool(device):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 9)).astype(np.float32)
    ty, ti = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    y, i = F.max_pool2d(tl.tensor(x, device=device), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(np.asarray(i.cpu().numpy()), ti.numpy())
    assert i.dtype == tl.int64
    helper_test_op([tuple(ty.shape)], lambda v: TF.max_unpool2d(v, ti, 3, 2, 1, output_size=(8, 9)),
                   lambda v: F.max_unpool2d(v, i, 3, 2, 1, output_size=(8, 9)), device=device, **TOL)
    # 1-D forms
    helper_test_op([(2, 3, 11)], lambda v: TF.max_pool1d(v, 3, 2, 1), lambda v: F.max_pool1d(v, 3, 2, 1), **TOL)
    t1, i1 = TF.max_pool1d(torch.tensor(x[:, :, 0]), 2, return_indices=True)
    y1, j1 = F.max_pool1d(tl.tensor(x[:, :, 0]), 2, return_indices=True)
    np.testing.assert_array_equal(j1.numpy(), i1.numpy())
    np.testing.assert_allclose(F.max_unpool1d(y1, j1, 2).numpy(), TF.max_unpool1d(t1, i1, 2).numpy())


def test_max_pool_gradient_goes_to_the_first_maximum_like_torch():
    # ties (all equal, and pairs), -inf and NaN windows, overlapping windows
    x = np.array([[[[1, 1, 2, 2, 0], [1, 1, 2, 2, 0], [3, 3, -np.inf, -np.inf, np.nan],
                    [3, 3, -np.inf, -np.inf, 1], [5, 5, 5, 5, 5]]]], np.float32)
    for args in [(2, 2), (2, 1), (3, 1, 1), (2, 2, 0, 1, True)]:
        tx, lx = torch.tensor(x, requires_grad=True), tl.tensor(x, requires_grad=True)
        ty, ti = TF.max_pool2d(tx, *args, return_indices=True)
        ly, li = F.max_pool2d(lx, *args, return_indices=True)
        np.testing.assert_array_equal(li.numpy(), ti.numpy())
        np.testing.assert_array_equal(ly.detach().numpy(), ty.detach().numpy())
        g = np.arange(ty.numel(), dtype=np.float32).reshape(ty.shape) + 1
        ty.backward(torch.tensor(g))
        ly.backward(tl.tensor(g))
        np.testing.assert_array_equal(lx.grad.numpy(), tx.grad.numpy())


def test_max_pool_gradcheck():
    rng = np.random.default_rng(1)
    x = rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 7.0  # distinct values: a smooth neighbourhood
    gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [x], eps=1e-6)
    gradcheck(lambda x: F.adaptive_max_pool2d(x, (3, 4)), [x], eps=1e-6)


# kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
AVG = [(2, None, 0, False, True, None), (3, 2, 1, False, True, None), (3, 2, 1, True, False, None),
       ((3, 2), (2, 1), (1, 0), True, True, None), (3, 2, 1, False, True, 5), (4, 3, 2, True, True, None)]


@pytest.mark.parametrize("k,s,p,ceil,cip,div", AVG)
def test_avg_pool2d_vs_torch(k, s, p, ceil, cip, div, device):
    helper_test_op([(2, 3, 10, 11)], lambda x: TF.avg_pool2d(x, k, s, p, ceil, cip, div),
                   lambda x: F.avg_pool2d(x, k, s, p, ceil, cip, div), device=device, **TOL)


def test_avg_pool1d_and_gradcheck():
    helper_test_op([(2, 3, 11)], lambda x: TF.avg_pool1d(x, 3, 2, 1, True, False),
                   lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), **TOL)
    rng = np.random.default_rng(2)
    gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), [rng.standard_normal((1, 2, 6, 7))])


@pytest.mark.parametrize("out", [1, (3, 4), (5, None), (10, 11), (4, 7)])
def test_adaptive_pools_vs_torch(out, device):
    helper_test_op([(2, 3, 10, 11)], lambda x: TF.adaptive_avg_pool2d(x, out),
                   lambda x: F.adaptive_avg_pool2d(x, out), device=device, **TOL)
    helper_test_op([(2, 3, 10, 11)], lambda x: TF.adaptive_max_pool2d(x, out),
                   lambda x: F.adaptive_max_pool2d(x, out), device=device, **TOL)


def test_adaptive_1d_and_indices():
    helper_test_op([(2, 3, 13)], lambda x: TF.adaptive_avg_pool1d(x, 4), lambda x: F.adaptive_avg_pool1d(x, 4), **TOL)
    helper_test_op([(2, 3, 13)], lambda x: TF.adaptive_max_pool1d(x, 4), lambda x: F.adaptive_max_pool1d(x, 4), **TOL)
    x = np.random.default_rng(3).standard_normal((2, 3, 9, 9)).astype(np.float32)
    _, ti = TF.adaptive_max_pool2d(torch.tensor(x), 4, return_indices=True)
    _, li = F.adaptive_max_pool2d(tl.tensor(x), 4, return_indices=True)
    np.testing.assert_array_equal(li.numpy(), ti.numpy())
    gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [x[:1, :1].astype(np.float64)])


def test_pool_modules_reprs_match_torch():
    pairs = [(nn.MaxPool2d(2), torch.nn.MaxPool2d(2)), (nn.MaxPool2d(3, 2, 1, ceil_mode=True),
                                                        torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
             (nn.MaxPool1d(3), torch.nn.MaxPool1d(3)), (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
             (nn.AvgPool1d(2), torch.nn.AvgPool1d(2)), (nn.AdaptiveAvgPool2d((1, 1)), torch.nn.AdaptiveAvgPool2d((1, 1))),
             (nn.AdaptiveMaxPool2d(3), torch.nn.AdaptiveMaxPool2d(3)), (nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)),
             (nn.AdaptiveAvgPool1d(5), torch.nn.AdaptiveAvgPool1d(5))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    x = np.random.default_rng(4).standard_normal((2, 3, 8, 8)).astype(np.float32)
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    y, i = pool(tl.tensor(x))
    ty, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_allclose(unpool(y, i).numpy(), torch.nn.MaxUnpool2d(2)(ty, ti).numpy())


def test_pool_bad_input():
    with pytest.raises(RuntimeError, match=r"MaxPool2d.*\(3, 1, 1\)"):
        nn.MaxPool2d(2)(tl.zeros(3, 1, 1))
    with pytest.raises(ValueError, match="half of kernel_size"):
        F.max_pool2d(tl.zeros(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(RuntimeError, match="AvgPool2d.*4-D"):
        nn.AvgPool2d(2)(tl.zeros(1, 1, 1, 8, 8))
    with pytest.raises(RuntimeError, match="too small"):
        F.avg_pool2d(tl.zeros(1, 1, 1, 1), 4, padding=1)
    with pytest.raises(ValueError, match="output_size"):
        F.adaptive_avg_pool2d(tl.zeros(1, 1, 4, 4), -1)
    # torch: an output size of 0 is an empty result, not an error
    assert tuple(F.adaptive_avg_pool2d(tl.zeros(1, 1, 4, 4), 0).shape) == (1, 1, 0, 0)
    assert tuple(F.adaptive_max_pool2d(tl.zeros(1, 1, 4, 4), (0, 2)).shape) == (1, 1, 0, 2)
    with pytest.raises(IndexError, match="out of range"):
        F.max_unpool2d(tl.zeros(1, 1, 2, 2), tl.tensor(np.full((1, 1, 2, 2), 99, np.int64)), 2)
    with pytest.raises(RuntimeError, match="int64 indices"):
        F.max_unpool2d(tl.zeros(1, 1, 2, 2), tl.zeros(1, 1, 2, 2), 2)
    y = nn.MaxPool2d(2)(tl.zeros(0, 3, 4, 4))  # an empty batch: an empty result, as torch
    assert tuple(y.shape) == (0, 3, 2, 2)
