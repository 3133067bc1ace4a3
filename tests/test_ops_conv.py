"""Convolutions (conv1d, conv2d, conv_transpose1d/2d, unfold, fold) against torch and by float64
finite differences; every CPU algorithm (im2col + GEMM, direct along rows, direct across output
channels, AVX-512 register tiles) on every shape; the modules'
signatures, initialisation, reprs and padding modes; bad input.

Tolerances, float32 against torch: forward atol 1e-4 rtol 1e-4 (sums of up to a few hundred
products), gradients atol 2e-4 rtol 1e-4. Finite differences in float64: eps 1e-6, atol 1e-5, rtol 1e-4.
"""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite._C as C
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F
from helpers import gradcheck, helper_test_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FWD = dict(atol=1e-4, rtol=1e-4, grad_atol=2e-4, grad_rtol=1e-4)


@pytest.fixture(params=[0, 1, 2, 3, 4], ids=["auto", "gemm", "direct", "channels", "tiles"])
def algorithm(request):
    """The CPU conv algorithm: by shape, im2col + GEMM, direct along rows, direct across channels,
    AVX-512 tiles (float32; elsewhere it falls back to direct)."""
    old = C.conv2d_get_algorithm()
    C.conv2d_set_algorithm(request.param)
    yield request.param
    C.conv2d_set_algorithm(old)


# (x shape, weight shape, stride, padding, dilation, groups)
CONV2D = [
    ((2, 3, 9, 9), (4, 3, 3, 3), 1, 0, 1, 1),
    ((2, 1, 12, 12), (6, 1, 5, 5), 1, 2, 1, 1),          # LeNet's first layer
    ((2, 6, 8, 8), (16, 6, 5, 5), 1, 0, 1, 1),           # LeNet's second layer
    ((2, 3, 9, 10), (4, 3, 3, 2), (2, 1), (1, 2), (1, 2), 1),
    ((2, 4, 7, 7), (6, 2, 3, 3), 1, 1, 1, 2),            # groups
    ((2, 4, 9, 9), (4, 1, 3, 3), 2, 1, 1, 4),            # depthwise, strided
    ((1, 8, 6, 6), (16, 1, 3, 3), 1, 1, 2, 8),           # depthwise multiplier 2, dilated
    ((2, 5, 6, 7), (3, 5, 1, 1), 1, 0, 1, 1),            # 1x1: cols = x
    ((1, 3, 5, 5), (2, 3, 5, 5), 1, 0, 1, 1),            # kernel = input
    ((3, 2, 20, 40), (3, 2, 3, 3), (3, 2), 1, 1, 1),     # rows wider than a vector block, stride 2
    ((2, 16, 30, 30), (4, 16, 5, 5), 1, 1, 1, 1),        # columns over the L2 budget: bands of output rows
    ((9, 4, 6, 6), (6, 2, 3, 3), 1, 1, 1, 2),            # several samples per GEMM block, groups
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV2D)
def test_conv2d_vs_torch(xs, ws, stride, padding, dilation, groups, algorithm, device):
    helper_test_op([xs, ws, (ws[0],)], lambda x, w, b: TF.conv2d(x, w, b, stride, padding, dilation, groups),
                   lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), device=device, **FWD)


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV2D[:6])
def test_conv2d_no_bias_and_float64(xs, ws, stride, padding, dilation, groups, algorithm):
    helper_test_op([xs, ws], lambda x, w: TF.conv2d(x, w, None, stride, padding, dilation, groups),
                   lambda x, w: F.conv2d(x, w, None, stride, padding, dilation, groups), dtype="float64",
                   atol=1e-10, rtol=1e-10, grad_atol=1e-10, grad_rtol=1e-10)


# Shapes for the AVX-512 tiles (conv_tiles.cpp: 8 channels × 2 rows × 16 columns): widths not a
# multiple of 16 (masked last block), odd output heights (a 1-row tile), channel counts not a
# multiple of 8 (zero-padded weight block), groups, stride along rows 2 and 3 (the input split by
# phase), dilation, unequal padding, and the layers of the benchmarks.
# (x shape, weight shape, stride, padding, dilation, groups)
TILES = [
    ((2, 8, 28, 28), (16, 8, 3, 3), 1, 1, 1, 1),          # the 8→16 layer
    ((2, 6, 14, 14), (16, 6, 5, 5), 1, 2, 1, 1),          # LeNet's second layer, padded
    ((1, 5, 13, 37), (13, 5, 3, 3), 1, 1, 1, 1),          # 37 = 16 + 16 + 5 columns, 13 rows, 13 channels
    ((2, 4, 11, 19), (12, 2, 3, 5), (1, 2), (1, 2), (2, 1), 2),  # groups, stride 2 along rows, dilation
    ((1, 3, 17, 40), (9, 3, 3, 3), (2, 3), (0, 1), (1, 2), 1),   # stride 3 along rows, dilated columns
    ((3, 16, 28, 28), (32, 16, 3, 3), 2, 1, 1, 1),        # a ResNet stage's first, stride-2 layer
    ((1, 2, 9, 33), (8, 2, 7, 7), 1, 3, 1, 1),            # a 7-wide kernel (the tap loop not unrolled)
    ((2, 1, 28, 28), (6, 1, 5, 5), 1, 2, 1, 1),           # LeNet's first layer: one input channel
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", TILES)
@pytest.mark.parametrize("mode", [0, 4], ids=["auto", "tiles"])
def test_conv2d_tiles_vs_torch(xs, ws, stride, padding, dilation, groups, mode):
    old = C.conv2d_get_algorithm()
    C.conv2d_set_algorithm(mode)
    try:
        helper_test_op([xs, ws, (ws[0],)], lambda x, w, b: TF.conv2d(x, w, b, stride, padding, dilation, groups),
                       lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), **FWD)
    finally:
        C.conv2d_set_algorithm(old)


def _pair(v):
    return list(v) if isinstance(v, tuple) else [v, v]


@pytest.mark.skipif(C.simd_max_level() != "avx512", reason="the tiles run on AVX-512 only")
@pytest.mark.parametrize("xs,ws,stride", [((64, 8, 28, 28), (16, 8, 3, 3), 1), ((64, 6, 14, 14), (16, 6, 5, 5), 1),
                                          ((1, 16, 32, 32), (32, 16, 5, 5), 1), ((1, 64, 32, 32), (64, 64, 3, 3), 1),
                                          ((64, 16, 28, 28), (32, 16, 3, 3), 2)])
def test_conv2d_tiles_are_chosen(xs, ws, stride):
    """The benchmarks' layers take the tiles forward, and their ∂L/∂x where the stride is 1."""
    pad = (ws[2] - 1) // 2
    geo = ([stride, stride], [pad, pad], [1, 1], 1)
    assert C.conv2d_algorithm_for(list(xs), list(ws), *geo, 0) == 4
    if stride == 1:
        assert C.conv2d_algorithm_for(list(xs), list(ws), *geo, 1) == 4


@pytest.mark.parametrize("xs,ws,stride,padding", [((1, 16, 32, 32), (32, 16, 5, 5), 1, 2),
                                                  ((1, 8, 13, 21), (11, 8, 3, 3), (1, 2), 1),
                                                  ((3, 8, 10, 18), (8, 8, 3, 3), 1, 1)])
def test_conv2d_tiles_threads_identical(xs, ws, stride, padding):
    """Batch smaller than the thread count splits output rows over threads (and ∂L/∂x the rows of
    its transposed convolution): every element is the same sum in the same order, so 1 and 2
    threads agree bit for bit; both match torch."""
    rng = np.random.default_rng(5)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in (xs, ws, (ws[0],)))
    st, pd = _pair(stride), _pair(padding)
    ref = TF.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), st, pd).numpy()
    g = rng.standard_normal(ref.shape).astype(np.float32)
    old, old_t = C.conv2d_get_algorithm(), tl.get_num_threads()
    outs = []
    try:
        for mode in (0, 4):
            C.conv2d_set_algorithm(mode)
            for t in (1, 2):
                tl.set_num_threads(t)
                y = C.conv2d(C.from_numpy(x), C.from_numpy(w), C.from_numpy(b), st, pd, [1, 1], 1).numpy()
                gx = C.conv2d_backward_input(C.from_numpy(g), C.from_numpy(w), list(xs[2:]), st, pd, [1, 1], 1).numpy()
                outs.append((y, gx))
    finally:
        C.conv2d_set_algorithm(old)
        tl.set_num_threads(old_t)
    for y, gx in outs:
        np.testing.assert_allclose(y, ref, atol=1e-4, rtol=1e-4)
        np.testing.assert_array_equal(y, outs[0][0])
        np.testing.assert_array_equal(gx, outs[0][1])
    tx = torch.tensor(x, requires_grad=True)
    TF.conv2d(tx, torch.tensor(w), None, st, pd).backward(torch.tensor(g))
    np.testing.assert_allclose(outs[0][1], tx.grad.numpy(), atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("level", ["avx2", "portable"])
def test_conv2d_tiles_forced_without_avx512_falls_back(level):
    """Tiles forced on a lower SIMD path run the direct kernels: same results as torch (float64, which
    falls back the same way, runs in test_conv2d_no_bias_and_float64)."""
    old, old_level = C.conv2d_get_algorithm(), C.simd_level()
    C.conv2d_set_algorithm(4)
    C.set_simd_level(level)
    try:
        for xs, ws, stride, padding, dilation, groups in TILES[:4]:
            helper_test_op([xs, ws, (ws[0],)], lambda x, w, b: TF.conv2d(x, w, b, stride, padding, dilation, groups),
                           lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), **FWD)
    finally:
        C.conv2d_set_algorithm(old)
        C.set_simd_level(old_level)


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 1, 1, 1), ((2, 1), (0, 1), (1, 2), 2), (2, 1, 1, 4)])
def test_conv2d_gradcheck(stride, padding, dilation, groups, algorithm):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5, 6))
    w = rng.standard_normal((4, 4 // groups, 3, 2))
    b = rng.standard_normal(4)
    gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), [x, w, b])


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("padding", ["same", "valid", 0, 2])
@pytest.mark.parametrize("ks", [3, 4, (2, 5)])
def test_conv2d_padding_strings(padding, ks):
    k = (ks, ks) if isinstance(ks, int) else ks
    helper_test_op([(2, 3, 7, 11), (4, 3, *k)], lambda x, w: TF.conv2d(x, w, padding=padding, dilation=(1, 2)),
                   lambda x, w: F.conv2d(x, w, padding=padding, dilation=(1, 2)), **FWD)


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 1, 1), (1, "same", 2, 1), (3, 2, 1, 2)])
def test_conv1d_vs_torch(stride, padding, dilation, groups):
    helper_test_op([(2, 4, 17), (6, 4 // groups, 3), (6,)],
                   lambda x, w, b: TF.conv1d(x, w, b, stride, padding, dilation, groups),
                   lambda x, w, b: F.conv1d(x, w, b, stride, padding, dilation, groups), **FWD)


def test_conv_unbatched_inputs():
    helper_test_op([(3, 8, 8), (4, 3, 3, 3)], lambda x, w: TF.conv2d(x, w, padding=1),
                   lambda x, w: F.conv2d(x, w, padding=1), **FWD)
    helper_test_op([(3, 8), (4, 3, 3)], lambda x, w: TF.conv1d(x, w), lambda x, w: F.conv1d(x, w), **FWD)


# (x shape, weight shape, stride, padding, output_padding, groups, dilation)
CONVT2D = [
    ((2, 4, 5, 5), (4, 3, 3, 3), 1, 0, 0, 1, 1),
    ((2, 4, 5, 5), (4, 3, 3, 3), 2, 1, 1, 1, 1),
    ((2, 4, 4, 6), (4, 2, 3, 2), (2, 3), (1, 0), (0, 2), 2, (1, 2)),
    ((1, 6, 3, 3), (6, 1, 4, 4), 2, 1, 0, 6, 1),
]


@pytest.mark.parametrize("xs,ws,stride,padding,opad,groups,dilation", CONVT2D)
def test_conv_transpose2d_vs_torch(xs, ws, stride, padding, opad, groups, dilation, algorithm, device):
    helper_test_op([xs, ws, (ws[1] * groups,)],
                   lambda x, w, b: TF.conv_transpose2d(x, w, b, stride, padding, opad, groups, dilation),
                   lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, opad, groups, dilation),
                   device=device, **FWD)


def test_conv_transpose_gradcheck_and_1d():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 4, 3, 4)), rng.standard_normal((4, 1, 3, 2)), rng.standard_normal(2)
    gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2), [x, w, b])
    helper_test_op([(2, 4, 6), (4, 3, 3)], lambda x, w: TF.conv_transpose1d(x, w, None, 2, 1, 1),
                   lambda x, w: F.conv_transpose1d(x, w, None, 2, 1, 1), **FWD)


def test_conv_transpose2d_output_size_module():
    t = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    m = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    m.load_state_dict({k: tl.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 3, 4, 4)).astype(np.float32)
    for size in [(7, 7), (8, 8), (8, 7)]:
        want = t(torch.tensor(x), output_size=size).detach().numpy()
        got = m(tl.tensor(x), output_size=size).detach().numpy()
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="output size"):
        m(tl.tensor(x), output_size=(10, 10))


@pytest.mark.parametrize("k,d,p,s", [(3, 1, 1, 1), ((2, 3), (1, 2), (0, 1), (2, 1))])
def test_unfold_fold_vs_torch(k, d, p, s):
    helper_test_op([(2, 3, 7, 8)], lambda x: TF.unfold(x, k, d, p, s), lambda x: F.unfold(x, k, d, p, s), **FWD)
    L = TF.unfold(torch.zeros(2, 3, 7, 8), k, d, p, s).shape[-1]
    kk = k if isinstance(k, tuple) else (k, k)
    helper_test_op([(2, 3 * kk[0] * kk[1], L)], lambda c: TF.fold(c, (7, 8), k, d, p, s),
                   lambda c: F.fold(c, (7, 8), k, d, p, s), **FWD)
    rng = np.random.default_rng(3)
    gradcheck(lambda x: F.unfold(x, k, d, p, s), [rng.standard_normal((1, 2, 5, 6))])


# ----------------------------------------------------------------------------- modules
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("args,kwargs", [
    ((1, 6, 5), dict(padding=2)), ((6, 16, 5), {}), ((3, 8, 3), dict(stride=2, padding=1, bias=False)),
    ((4, 8, (3, 2)), dict(groups=2, dilation=(2, 1), padding="same")), ((4, 4, 3), dict(padding="valid")),
    ((4, 4, 3), dict(padding=1, padding_mode="reflect")), ((4, 4, 3), dict(padding=(1, 2), padding_mode="circular")),
    ((4, 4, 3), dict(padding=1, padding_mode="replicate")), ((4, 4, 4), dict(padding="same", padding_mode="reflect")),
])
def test_conv2d_module_vs_torch(args, kwargs):
    t = torch.nn.Conv2d(*args, **kwargs)
    m = nn.Conv2d(*args, **kwargs)
    assert repr(m) == repr(t)
    assert [k for k, _ in m.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert tuple(m.weight.shape) == tuple(t.weight.shape)
    m.load_state_dict({k: tl.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, args[0], 9, 10)).astype(np.float32)
    tx, mx = torch.tensor(x, requires_grad=True), tl.tensor(x, requires_grad=True)
    ty, my = t(tx), m(mx)
    np.testing.assert_allclose(my.detach().numpy(), ty.detach().numpy(), atol=1e-4, rtol=1e-4)
    ty.square().sum().backward()
    my.square().sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), atol=2e-4, rtol=1e-4)
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), atol=1e-3, rtol=1e-4)


def test_conv_module_reprs_and_init_statistics():
    for t, m in [(torch.nn.Conv1d(3, 5, 4, stride=2), nn.Conv1d(3, 5, 4, stride=2)),
                 (torch.nn.ConvTranspose2d(3, 6, 3, 2, 1, 1, groups=3, dilation=2),
                  nn.ConvTranspose2d(3, 6, 3, 2, 1, 1, groups=3, dilation=2)),
                 (torch.nn.ConvTranspose1d(2, 4, 3, bias=False), nn.ConvTranspose1d(2, 4, 3, bias=False))]:
        assert repr(m) == repr(t)
        assert tuple(m.weight.shape) == tuple(t.weight.shape)
    # kaiming_uniform(a=√5): U(−1/√fan_in, 1/√fan_in) for weight and bias
    m = nn.Conv2d(16, 32, 3)
    bound = 1 / np.sqrt(16 * 9)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.1 * bound


# ----------------------------------------------------------------------------- bad input
def _raises(fn, exc, *words):
    with pytest.raises(exc) as e:
        fn()
    msg = str(e.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"


def test_conv_bad_input_names_layer_and_shapes():
    conv = nn.Conv2d(3, 6, 5)
    _raises(lambda: conv(tl.zeros(2, 1, 28, 28)), RuntimeError, "Conv2d(3, 6", "(2, 1, 28, 28)", "3 channels")
    _raises(lambda: conv(tl.zeros(2, 3, 4, 4)), RuntimeError, "Conv2d(3, 6", "larger than the padded input", "(4, 4)")
    _raises(lambda: conv(tl.zeros(3, 28, 28, 1, 1)), RuntimeError, "Conv2d", "4-D")
    _raises(lambda: conv(tl.zeros(2, 3, 0, 9)), RuntimeError, "empty")
    _raises(lambda: nn.Conv2d(3, 6, 3, padding=-1), ValueError, "negative padding")
    _raises(lambda: F.conv2d(tl.zeros(1, 3, 8, 8), tl.zeros(6, 3, 3, 3), padding=-1), RuntimeError, "negative padding")
    _raises(lambda: nn.Conv2d(3, 6, 3, groups=2), ValueError, "divisible by groups")
    _raises(lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, "divisible by groups")
    _raises(lambda: nn.Conv2d(4, 6, 3, stride=2, padding="same"), ValueError, "strided")
    _raises(lambda: nn.Conv2d(4, 6, 3, padding_mode="mirror"), ValueError, "padding_mode")
    _raises(lambda: F.conv2d(tl.zeros(1, 4, 8, 8), tl.zeros(6, 2, 3, 3), groups=3), RuntimeError, "groups=3")
    _raises(lambda: F.conv2d(tl.zeros(1, 3, 8, 8), tl.zeros(6, 3, 3, 3), tl.zeros(5)), RuntimeError, "bias")
    _raises(lambda: nn.ConvTranspose2d(4, 2, 3)(tl.zeros(1, 3, 5, 5)), RuntimeError, "ConvTranspose2d", "4 channels")
    _raises(lambda: F.conv_transpose2d(tl.zeros(1, 2, 3, 3), tl.zeros(2, 1, 3, 3), stride=2, output_padding=2),
            ValueError, "output_padding")
    _raises(lambda: F.unfold(tl.zeros(1, 2, 3, 3), 5), RuntimeError, "larger than the padded input")
    _raises(lambda: F.fold(tl.zeros(1, 8, 5), (3, 3), 2), RuntimeError, "blocks")
    # the native kernels check too (a direct call bypasses the Python checks)
    _raises(lambda: C.conv2d(C.from_numpy(np.zeros((1, 2, 3, 3), np.float32)),
                             C.from_numpy(np.zeros((1, 2, 5, 5), np.float32)), None, [1, 1], [0, 0], [1, 1], 1),
            ValueError, "conv2d", "larger than the padded input")


def test_conv_empty_batch_follows_torch():
    conv = nn.Conv2d(1, 6, 5)
    x = tl.zeros(0, 1, 28, 28, requires_grad=True)
    y = conv(x)
    assert tuple(y.shape) == (0, 6, 24, 24)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 1, 28, 28)
    assert np.all(conv.weight.grad.numpy() == 0)
