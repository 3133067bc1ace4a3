"""F.pad (constant, reflect, replicate, circular), F.interpolate / nn.Upsample (nearest, linear,
bilinear with and without align_corners, size or scale_factor), pixel_shuffle / pixel_unshuffle,
Dropout1d/2d: against torch and by float64 finite differences; the native kernels of the whole
CNN family against the numpy reference.

Tolerances, float32 against torch: atol 1e-5 rtol 1e-5 (gradients too: each is a short sum).
Finite differences in float64: eps 1e-6, atol 1e-5, rtol 1e-4.
"""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite._C as C
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F
from helpers import gradcheck, helper_test_op
from tinygrad_lite.backend import numpy_ref

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(atol=1e-5, rtol=1e-5, grad_atol=1e-5, grad_rtol=1e-5)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pads", [((2, 3, 5, 6), (1, 2, 2, 1)), ((2, 3, 7), (3, 0)), ((2, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)),
                                        ((4, 5), (0, 4))])
def test_pad_vs_torch(mode, shape, pads, device):
    if mode != "constant" and len(shape) not in (len(pads) // 2 + 1, len(pads) // 2 + 2):
        with pytest.raises(NotImplementedError):  # torch's rule, kept
            F.pad(tl.zeros(*shape), pads, mode)
        return
    helper_test_op([shape], lambda x: TF.pad(x, pads, mode), lambda x: F.pad(x, pads, mode), device=device, **TOL)


def test_pad_constant_value_crop_and_gradcheck():
    helper_test_op([(2, 3, 5, 6)], lambda x: TF.pad(x, (-1, 2, 0, -2), value=2.5),
                   lambda x: F.pad(x, (-1, 2, 0, -2), value=2.5), **TOL)
    rng = np.random.default_rng(0)
    for mode in ("reflect", "replicate", "circular"):
        gradcheck(lambda x: F.pad(x, (2, 1, 1, 2), mode), [rng.standard_normal((1, 2, 4, 3))])
    int_pad = F.pad(tl.tensor(np.arange(6).reshape(2, 3)), (1, 1), value=-1)
    assert int_pad.dtype == tl.int64 and int_pad.tolist() == [[-1, 0, 1, 2, -1], [-1, 3, 4, 5, -1]]


def test_padding_modules_match_torch():
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 6)).astype(np.float32)
    for name, arg in [("ZeroPad2d", (1, 2, 0, 1)), ("ConstantPad2d", 2), ("ReflectionPad2d", 2), ("ReplicationPad2d", 1),
                      ("CircularPad2d", (1, 0, 2, 1)), ("ReflectionPad1d", 2), ("ZeroPad1d", 1)]:
        args = (arg, 3.5) if name.startswith("Constant") else (arg,)
        t, m = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
        assert repr(m) == repr(t)
        v = x[0] if name.endswith("1d") else x
        np.testing.assert_allclose(m(tl.tensor(v)).numpy(), t(torch.tensor(v)).numpy())


def test_pad_bad_input():
    with pytest.raises(ValueError, match="reflect padding"):
        F.pad(tl.zeros(1, 2, 3), (3, 0), "reflect")
    with pytest.raises(ValueError, match="divisible by 2"):
        F.pad(tl.zeros(1, 2, 3), (1, 0, 1))
    with pytest.raises(ValueError, match="too large"):
        F.pad(tl.zeros(3), (1, 1, 1, 1))
    with pytest.raises(NotImplementedError, match="mode"):
        F.pad(tl.zeros(1, 2, 3), (1, 1), "mirror")


INTERP = [(dict(size=(7, 13)), "nearest"), (dict(scale_factor=2), "nearest"), (dict(scale_factor=(1.5, 0.7)), "nearest"),
          (dict(size=(7, 13)), "bilinear"), (dict(scale_factor=1.7), "bilinear"), (dict(size=(3, 2)), "bilinear"),
          (dict(size=(1, 9)), "bilinear")]


@pytest.mark.parametrize("kw,mode", INTERP)
@pytest.mark.parametrize("align", [None, True])
def test_interpolate_2d_vs_torch(kw, mode, align, device):
    if mode == "nearest" and align:
        pytest.skip("align_corners applies to the interpolating modes only")
    helper_test_op([(2, 3, 5, 6)], lambda x: TF.interpolate(x, mode=mode, align_corners=align, **kw),
                   lambda x: F.interpolate(x, mode=mode, align_corners=align, **kw), device=device, **TOL)


def test_interpolate_1d_recompute_and_modules():
    helper_test_op([(2, 3, 11)], lambda x: TF.interpolate(x, scale_factor=0.6, mode="linear"),
                   lambda x: F.interpolate(x, scale_factor=0.6, mode="linear"), **TOL)
    helper_test_op([(2, 3, 11)], lambda x: TF.interpolate(x, size=4), lambda x: F.interpolate(x, size=4), **TOL)
    helper_test_op([(2, 3, 5, 6)],
                   lambda x: TF.interpolate(x, scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
                   lambda x: F.interpolate(x, scale_factor=1.3, mode="bilinear", recompute_scale_factor=True), **TOL)
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 5)).astype(np.float32)
    for args in [dict(scale_factor=2), dict(size=(6, 3), mode="bilinear", align_corners=False)]:
        t, m = torch.nn.Upsample(**args), nn.Upsample(**args)
        assert repr(m) == repr(t)
        np.testing.assert_allclose(m(tl.tensor(x)).numpy(), t(torch.tensor(x)).numpy(), atol=1e-6)
    np.testing.assert_allclose(nn.UpsamplingBilinear2d(scale_factor=2)(tl.tensor(x)).numpy(),
                               torch.nn.UpsamplingBilinear2d(scale_factor=2)(torch.tensor(x)).numpy(), atol=1e-6)
    gradcheck(lambda x: F.interpolate(x, size=(5, 7), mode="bilinear"), [x.astype(np.float64)])
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(tl.tensor(x), scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(tl.tensor(x))


@pytest.mark.parametrize("r,shape", [(2, (2, 8, 3, 4)), (3, (9, 2, 2)), (2, (1, 2, 4, 3, 5))])
def test_pixel_shuffle_vs_torch(r, shape):
    helper_test_op([shape], lambda x: TF.pixel_shuffle(x, r), lambda x: F.pixel_shuffle(x, r), **TOL)
    out = TF.pixel_shuffle(torch.zeros(shape), r).shape
    helper_test_op([tuple(out)], lambda x: TF.pixel_unshuffle(x, r), lambda x: F.pixel_unshuffle(x, r), **TOL)
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))
    with pytest.raises(RuntimeError, match="divisible"):
        F.pixel_shuffle(tl.zeros(1, 5, 2, 2), 2)


def test_dropout2d_drops_whole_channels():
    tl.manual_seed(0)
    x = tl.ones(64, 32, 4, 4, requires_grad=True)
    m = nn.Dropout2d(0.25)
    assert repr(m) == repr(torch.nn.Dropout2d(0.25))
    y = m(x)
    v = y.detach().numpy()
    per_channel = v.reshape(64, 32, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # each channel all kept or all dropped
    kept = per_channel[:, :, 0] != 0
    assert abs(kept.mean() - 0.75) < 0.05
    np.testing.assert_allclose(per_channel[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), v, rtol=1e-6)
    m.eval()
    assert m(x) is x
    y1 = nn.Dropout1d(0.5)(tl.ones(8, 16, 10)).numpy()
    assert np.all(y1.min(-1) == y1.max(-1))


# ----------------------------------------------------------------------------- kernels vs the numpy reference
def _A(a):
    return C.from_numpy(np.ascontiguousarray(a))


def _same(got, want, atol=1e-5):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=atol, rtol=1e-5)


def test_native_cnn_kernels_match_the_numpy_reference():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 7, 8)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    geo = ([2, 1], [1, 0], [1, 2], 2)
    for name, args in [
        ("conv2d", (_A(x), _A(w), _A(b)) + geo),
        ("conv2d_backward_weight", (_A(x), _A(C.conv2d(_A(x), _A(w), None, *geo).numpy()), [3, 2]) + geo),
        ("conv2d_backward_input", (_A(C.conv2d(_A(x), _A(w), None, *geo).numpy()), _A(w), [7, 8]) + geo),
        ("im2col", (_A(x), [3, 2], [1, 2], [1, 0], [2, 1])),
        ("col2im", (_A(rng.standard_normal((2, 24, 24)).astype(np.float32)), [7, 8], [3, 2], [1, 2], [1, 0], [2, 1])),
        ("max_pool2d", (_A(x), [3, 2], [2, 1], [1, 1], [1, 2], True)),
        ("adaptive_max_pool2d", (_A(x), [3, 5])),
        ("avg_pool2d", (_A(x), [3, 2], [2, 1], [1, 1], True, False, 0)),
        ("avg_pool2d_backward", (_A(x[:, :, :4, :5]), [7, 8], [3, 2], [2, 2], [1, 1], False, True, 0)),
        ("adaptive_avg_pool2d", (_A(x), [3, 5])),
        ("adaptive_avg_pool2d_backward", (_A(x[:, :, :3, :5]), [7, 8])),
        ("group_norm", (_A(x), _A(b[:4]), None, 2, 1e-5)),
        ("pad", (_A(x), [1, 2, 3, 0], 1, 0.0)),
        ("pad_backward", (_A(rng.standard_normal((2, 4, 10, 11)).astype(np.float32)), [2, 4, 7, 8], [1, 2, 3, 0], 3)),
        ("upsample2d", (_A(x), 5, 13, 1, False, -1.0, -1.0)),
        ("upsample2d_backward", (_A(x), 3, 5, 1, True, -1.0, -1.0)),
    ]:
        _same(getattr(C, name)(*args), getattr(numpy_ref, name)(*args))
    y, idx = C.max_pool2d(_A(x), [2, 2], [2, 2], [0, 0], [1, 1], False)
    _same(C.max_pool2d_backward(y, idx, [7, 8]), numpy_ref.max_pool2d_backward(y, idx, [7, 8]))
    _same(C.max_unpool2d(y, idx, [7, 8]), numpy_ref.max_unpool2d(y, idx, [7, 8]))
    rm, rv = rng.standard_normal(4).astype(np.float32), rng.random(4).astype(np.float32) + 0.5
    stats = [(_A(rm), _A(rv)), (_A(rm), _A(rv))]
    _same(C.batch_norm(_A(x), _A(b[:4]), _A(b[2:]), *stats[0], True, 0.1, 1e-5),
          numpy_ref.batch_norm(_A(x), _A(b[:4]), _A(b[2:]), *stats[1], True, 0.1, 1e-5))
    _same(stats[0], stats[1], atol=1e-6)  # both updated the running statistics the same way
    _, mean, inv = C.batch_norm(_A(x), None, None, None, None, True, 0.1, 1e-5)
    _same(C.batch_norm_backward(_A(x), _A(x * 0.5), _A(b[:4]), mean, inv, True),
          numpy_ref.batch_norm_backward(_A(x), _A(x * 0.5), _A(b[:4]), mean, inv, True))
    _, mean, inv = C.group_norm(_A(x), None, None, 2, 1e-5)
    _same(C.group_norm_backward(_A(x), _A(x * 0.5), _A(b[:4]), mean, inv, 2),
          numpy_ref.group_norm_backward(_A(x), _A(x * 0.5), _A(b[:4]), mean, inv, 2))
