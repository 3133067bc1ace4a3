"""BatchNorm1d/2d, GroupNorm, InstanceNorm1d/2d against torch (training and eval, running
statistics, momentum=None, affine or not, num_batches_tracked and state_dict keys) and by float64
finite differences; statistics accurate on a large mean; bad input.

Tolerances, float32 against torch: forward atol 1e-5 rtol 1e-5, gradients atol 1e-4 rtol 1e-4
(normalised values are O(1); the gradient sums run over the batch). Running statistics atol 1e-6.
Finite differences in float64: eps 1e-6, atol 1e-5, rtol 1e-4.
"""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F
from helpers import gradcheck, helper_test_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(atol=1e-5, rtol=1e-5, grad_atol=1e-4, grad_rtol=1e-4)


def _pair(make, *args, **kwargs):
    t = make(torch.nn)(*args, **kwargs)
    m = make(nn)(*args, **kwargs)
    return t, m


@pytest.mark.parametrize("make,shape", [(lambda n: n.BatchNorm2d, (4, 3, 5, 6)), (lambda n: n.BatchNorm1d, (8, 5)),
                                        (lambda n: n.BatchNorm1d, (4, 5, 7))])
@pytest.mark.parametrize("kwargs", [{}, dict(momentum=None), dict(affine=False), dict(track_running_stats=False),
                                    dict(momentum=0.3, eps=1e-3)])
def test_batchnorm_module_trains_and_evaluates_like_torch(make, shape, kwargs, device):
    C = shape[1]
    t, m = _pair(make, C, **kwargs)
    if device != "cpu":
        m = m.to(device)
    assert repr(m) == repr(t)
    assert list(m.state_dict().keys()) == list(t.state_dict().keys())
    rng = np.random.default_rng(0)
    if t.affine:
        w, b = rng.standard_normal(C).astype(np.float32), rng.standard_normal(C).astype(np.float32)
        with torch.no_grad():
            t.weight.copy_(torch.tensor(w))
            t.bias.copy_(torch.tensor(b))
        m.load_state_dict({k: tl.tensor(v.numpy()) for k, v in t.state_dict().items()})
    for step in range(3):  # training steps update the running statistics
        x = (rng.standard_normal(shape) * 2 + 3).astype(np.float32)
        helper_test_op(None, t, m, vals=[x], device=device, **TOL)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(np.asarray(m.state_dict()[k].cpu().numpy()), v.numpy(), atol=1e-6, rtol=1e-6,
                                   err_msg=k)
    t.eval()
    m.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    helper_test_op(None, t, m, vals=[x], device=device, **TOL)


def test_batch_norm_functional_and_gradcheck():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 2, 4, 5)), rng.standard_normal(2), rng.standard_normal(2)
    gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    rm, rv = np.array([0.3, -0.2]), np.array([1.5, 0.7])
    gradcheck(lambda x, w, b: F.batch_norm(x, tl.tensor(rm), tl.tensor(rv), w, b, training=False), [x, w, b])
    gradcheck(lambda x: F.batch_norm(x, None, None, training=True), [rng.standard_normal((6, 3))])
    helper_test_op([(4, 3, 5)], lambda x: TF.batch_norm(x, None, None, training=True),
                   lambda x: F.batch_norm(x, None, None, training=True), **TOL)


def test_batch_norm_statistics_survive_a_large_mean():
    # a two-pass double accumulation keeps σ² when the mean dwarfs the spread (E[x²] − E[x]² would not)
    rng = np.random.default_rng(2)
    x = (1e4 + rng.standard_normal((64, 2, 8, 8)) * 1e-2).astype(np.float32)
    y = F.batch_norm(tl.tensor(x), None, None, training=True).numpy()
    want = TF.batch_norm(torch.tensor(x, dtype=torch.float64), None, None, training=True).numpy()
    np.testing.assert_allclose(y, want, atol=2e-3)


@pytest.mark.parametrize("groups,C,affine", [(1, 4, True), (2, 6, True), (6, 6, False), (3, 6, True)])
def test_groupnorm_vs_torch(groups, C, affine, device):
    t, m = _pair(lambda n: n.GroupNorm, groups, C, affine=affine)
    assert repr(m) == repr(t)
    if affine:
        rng = np.random.default_rng(3)
        with torch.no_grad():
            t.weight.copy_(torch.tensor(rng.standard_normal(C).astype(np.float32)))
            t.bias.copy_(torch.tensor(rng.standard_normal(C).astype(np.float32)))
        m.load_state_dict({k: tl.tensor(v.numpy()) for k, v in t.state_dict().items()})
    if device != "cpu":
        m = m.to(device)
    helper_test_op([(3, C, 4, 5)], t, m, device=device, **TOL)
    helper_test_op([(3, C)], t, m, device=device, **TOL)


def test_group_norm_gradcheck():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 6, 3, 2)), rng.standard_normal(6), rng.standard_normal(6)
    gradcheck(lambda x, w, b: F.group_norm(x, 3, w, b), [x, w, b])


@pytest.mark.parametrize("make,shape", [(lambda n: n.InstanceNorm2d, (3, 4, 5, 6)), (lambda n: n.InstanceNorm1d, (3, 4, 7)),
                                        (lambda n: n.InstanceNorm2d, (4, 5, 6))])
@pytest.mark.parametrize("kwargs", [{}, dict(affine=True), dict(track_running_stats=True)])
def test_instancenorm_vs_torch(make, shape, kwargs):
    t, m = _pair(make, 4, **kwargs)
    assert repr(m) == repr(t)
    assert list(m.state_dict().keys()) == list(t.state_dict().keys())
    rng = np.random.default_rng(5)
    for _ in range(2):
        helper_test_op(None, t, m, vals=[(rng.standard_normal(shape) + 1).astype(np.float32)], **TOL)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), atol=1e-6, rtol=1e-5, err_msg=k)
    t.eval()
    m.eval()
    helper_test_op(None, t, m, vals=[rng.standard_normal(shape).astype(np.float32)], **TOL)


def test_norm_bad_input():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3.*expected 4D input"):
        nn.BatchNorm2d(3)(tl.zeros(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(3.*\(2, 5, 4, 4\)"):
        nn.BatchNorm2d(3)(tl.zeros(2, 5, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tl.zeros(1, 3))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="GroupNorm.*divisible by num_groups=2"):
        nn.GroupNorm(2, 4)(tl.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="InstanceNorm2d.*num_features"):
        nn.InstanceNorm2d(3, affine=True)(tl.zeros(2, 4, 5, 5))
    bn = nn.BatchNorm2d(3)
    y = bn(tl.zeros(0, 3, 4, 4))  # an empty batch: an empty result, statistics untouched (as torch)
    assert tuple(y.shape) == (0, 3, 4, 4)
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(3, np.float32))
