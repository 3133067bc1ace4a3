"""torch.nn.functional's convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d, and
unfold / fold. Formulas: tinygrad_lite/ops/conv.py; kernels: csrc/cpu/conv.cpp.

Every function checks its arguments here and raises torch's exception type with a message
naming the op (or the layer: modules call _convnd / _conv_transposend with their own name)
and the shapes involved.
1-D convolutions are 2-D ones on a (N, C, 1, L) view.
"""
import builtins

from tinygrad_lite import argcheck
from tinygrad_lite.argcheck import INT64_MAX, INT64_MIN
from tinygrad_lite.ops import conv as C


def _tuple(v, n, what, name):
    """An int or a sequence of n ints → a tuple of n ints (each in int64: the core's type)."""
    if isinstance(v, builtins.int) and INT64_MIN <= v <= INT64_MAX:
        return (v,) * n
    t = argcheck.ints(name, what, v, n)
    if len(t) == 1 and n > 1:
        t = t * n
    if len(t) != n or not builtins.all(isinstance(i, builtins.int) for i in t):
        raise ValueError(f"{name}: expected {what} to be an int or a tuple of {n} ints, got {v!r}")
    return t


def _shape(t):
    return "(" + ", ".join(str(d) for d in t) + ("," if len(t) == 1 else "") + ")"


def _same_padding(kernel, dilation, stride, name):
    """padding='same': total d·(k − 1) per axis, the odd element on the right/bottom (as torch)."""
    if builtins.any(s != 1 for s in stride):
        raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [t // 2 for t in total], [t - t // 2 for t in total]


def _check_conv(name, input, weight, bias, groups, stride, padding, dilation, nd, transposed=False):
    """Shapes and hyper-parameters of a convolution; raises naming `name` and the shapes. Written
    with plain loops: it runs on every call of every convolution layer."""
    xs, ws = input._data.shape, weight._data.shape
    if len(xs) != nd + 1 and len(xs) != nd + 2:
        raise RuntimeError(f"{name}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got input of "
                           f"shape {_shape(xs)}")
    if len(ws) != nd + 2:
        raise RuntimeError(f"{name}: expected a {nd + 2}-D weight, got weight of shape {_shape(ws)}")
    if input.dtype is not weight.dtype or not input.is_floating_point():
        raise TypeError(f"{name}: expected floating input and weight of one dtype, got {input.dtype} and {weight.dtype}")
    if not isinstance(groups, builtins.int) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
    for s, d, p in zip(stride, dilation, padding):
        if s < 1 or d < 1:
            raise ValueError(f"{name}: stride {stride} and dilation {dilation} must be positive")
        if p < 0:
            raise RuntimeError(f"{name}: negative padding {padding} is not supported")
    c = xs[-nd - 1]
    want = ws[0] if transposed else ws[1] * groups
    if c != want or (transposed and ws[0] % groups):
        raise RuntimeError(
            f"{name}: given groups={groups} and weight of shape {_shape(ws)}, expected input of shape "
            f"{_shape(xs)} to have {want} channels, but it has {c}")
    out_c = ws[1] * groups if transposed else ws[0]
    if not transposed and out_c % groups:
        raise RuntimeError(f"{name}: weight of shape {_shape(ws)}: out_channels {out_c} is not divisible by "
                           f"groups={groups}")
    if bias is not None and bias._data.shape != (out_c,):
        raise RuntimeError(f"{name}: bias of shape {_shape(bias.shape)} does not match {out_c} output channels")
    spatial = xs[-nd:]
    for i in range(nd):
        if spatial[i] == 0:
            raise RuntimeError(f"{name}: input of shape {_shape(xs)} has an empty spatial size")
        if not transposed and dilation[i] * (ws[2 + i] - 1) + 1 > spatial[i] + 2 * padding[i]:
            k = ws[2:]
            padded = [h + 2 * p for h, p in zip(spatial, padding)]
            eff = [d * (kk - 1) + 1 for kk, d in zip(k, dilation)]
            raise RuntimeError(
                f"{name}: kernel size {_shape(k)} (dilated {_shape(eff)}) is larger than the padded input "
                f"{_shape(padded)} (input of shape {_shape(xs)}, padding {_shape(padding)})")


def _batched(input, nd):
    """(input with a batch dim, whether one was added)."""
    return (input.unsqueeze(0), True) if input.dim() == nd + 1 else (input, False)


def _as_2d(t, nd):
    """A 1-D convolution's (N, C, L) tensor viewed as (N, C, 1, L)."""
    return t.unsqueeze(2) if nd == 1 else t


def _tensors(name, input, weight, bias):
    argcheck.tensor(name, "input", input)
    argcheck.tensor(name, "weight", weight)
    argcheck.optional_tensor(name, "bias", bias)


def _convnd(nd, input, weight, bias, stride, padding, dilation, groups, name):
    _tensors(name, input, weight, bias)
    k = tuple(weight.shape[2:]) if weight.dim() == nd + 2 else (1,) * nd
    stride = _tuple(stride, nd, "stride", name)
    dilation = _tuple(dilation, nd, "dilation", name)
    pad_right = None
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            padding, right = _same_padding(k, dilation, stride, name)
            if right != padding:
                pad_right = [r - p for p, r in zip(padding, right)]
            padding = tuple(padding)
        else:
            raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
    else:
        padding = _tuple(padding, nd, "padding", name)
    _check_conv(name, input, weight, bias, groups, stride, padding, dilation, nd)
    x, unbatched = _batched(input, nd)
    if pad_right is not None:  # the extra element of an odd 'same' padding, on the far side
        from .padding import pad
        extra = []
        for r in reversed(pad_right):
            extra += [0, r]
        x = pad(x, extra)
    if nd == 1:
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
    w = _as_2d(weight, nd)
    args = (_as_2d(x, nd), w) if bias is None else (_as_2d(x, nd), w, bias)
    y = C.Conv2d.apply(*args, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """y[n,o,j] = b[o] + Σ_{c,v} w[o,c,v] · x[n, g(o)·C/G + c, j·s − p + v·d]; input (N, C, L) or (C, L),
    weight (O, C/groups, K); padding an int, 'valid' or 'same'."""
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, g(o)·C/G + c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w];
    input (N, C, H, W) or (C, H, W), weight (O, C/groups, KH, KW); zero padding (an int, a pair,
    'valid' or 'same')."""
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups, "conv2d")


def _conv_transposend(nd, input, weight, bias, stride, padding, output_padding, groups, dilation, name,
                      output_size=None):
    _tensors(name, input, weight, bias)
    stride = _tuple(stride, nd, "stride", name)
    padding = _tuple(padding, nd, "padding", name)
    output_padding = _tuple(output_padding, nd, "output_padding", name)
    dilation = _tuple(dilation, nd, "dilation", name)
    _check_conv(name, input, weight, bias, groups, stride, padding, dilation, nd, transposed=True)
    for op, s, d in zip(output_padding, stride, dilation):
        if op < 0 or (op >= s and op >= d):
            raise ValueError(f"{name}: output_padding {output_padding} must be non-negative and smaller than either "
                             f"stride {stride} or dilation {dilation}")
    x, unbatched = _batched(input, nd)
    k = weight.shape[2:]
    size = [(h - 1) * s - 2 * p + d * (kk - 1) + op + 1
            for h, s, p, d, kk, op in zip(x.shape[2:], stride, padding, dilation, k, output_padding)]
    if output_size is not None:
        want = list(output_size)[-nd:]
        lo = [z - op for z, op in zip(size, output_padding)]
        if builtins.any(not (a <= b < a + s) for a, b, s in zip(lo, want, stride)):
            raise ValueError(f"{name}: requested an output size of {tuple(want)}, but valid sizes range from "
                             f"{tuple(lo)} to {tuple(a + s - 1 for a, s in zip(lo, stride))}")
        size = want
    if builtins.any(z <= 0 for z in size):
        raise RuntimeError(f"{name}: input of shape {_shape(input.shape)} with weight {_shape(weight.shape)}, "
                           f"stride {stride} and padding {padding} gives a non-positive output size {tuple(size)}")
    if nd == 1:
        stride, padding, dilation, size = (1,) + stride, (0,) + padding, (1,) + dilation, [1] + size
    w = _as_2d(weight, nd)
    args = (_as_2d(x, nd), w) if bias is None else (_as_2d(x, nd), w, bias)
    y = C.ConvTranspose2d.apply(*args, stride=stride, padding=padding, output_size=size, dilation=dilation,
                                groups=groups)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv1d (a "deconvolution"): input (N, C_in, L), weight (C_in, C_out/groups, K),
    L_out = (L − 1)·s − 2p + d·(K − 1) + output_padding + 1."""
    return _conv_transposend(1, input, weight, bias, stride, padding, output_padding, groups, dilation,
                             "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv2d: input (N, C_in, H, W), weight (C_in, C_out/groups, KH, KW),
    H_out = (H − 1)·s_h − 2p_h + d_h·(KH − 1) + output_padding_h + 1 (likewise W_out)."""
    return _conv_transposend(2, input, weight, bias, stride, padding, output_padding, groups, dilation,
                             "conv_transpose2d")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks: (N, C, H, W) → (N, C·KH·KW, L), column (i, j) holding the block at output
    position (i, j): cols[n, (c,u,v), (i,j)] = x[n, c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w]."""
    name = "unfold"
    k = _tuple(kernel_size, 2, "kernel_size", name)
    d, p, s = (_tuple(v, 2, w, name) for v, w in ((dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{name}: expected a 3-D or 4-D input, got shape {_shape(input.shape)}")
    x, unbatched = _batched(input, 2)
    _check_window(name, x, k, d, p, s)
    y = C.Unfold.apply(x, kernel_size=k, dilation=d, padding=p, stride=s)
    return y.squeeze(0) if unbatched else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold: (N, C·KH·KW, L) → (N, C, H, W), overlapping entries summed."""
    name = "fold"
    out = _tuple(output_size, 2, "output_size", name)
    k = _tuple(kernel_size, 2, "kernel_size", name)
    d, p, s = (_tuple(v, 2, w, name) for v, w in ((dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{name}: expected a 2-D or 3-D input, got shape {_shape(input.shape)}")
    x, unbatched = (input.unsqueeze(0), True) if input.dim() == 2 else (input, False)
    if builtins.any(v <= 0 for v in k + out):
        raise ValueError(f"{name}: kernel_size {k} and output_size {out} must be positive")
    if x.shape[1] % (k[0] * k[1]):
        raise RuntimeError(f"{name}: expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size {k}, but got input of shape {_shape(input.shape)}")
    _check_window(name, None, k, d, p, s, spatial=out)
    blocks = [C.conv_output_size(o, kk, ss, pp, dd) for o, kk, ss, pp, dd in zip(out, k, s, p, d)]
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"{name}: given output_size={out}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected {blocks[0] * blocks[1]} blocks in dimension 2, but got input of shape "
                           f"{_shape(input.shape)}")
    y = C.Fold.apply(x, output_size=out, kernel_size=k, dilation=d, padding=p, stride=s)
    return y.squeeze(0) if unbatched else y


def _check_window(name, x, k, d, p, s, spatial=None):
    if builtins.any(v <= 0 for v in k + d + s):
        raise ValueError(f"{name}: kernel_size {k}, dilation {d} and stride {s} must be positive")
    if builtins.any(v < 0 for v in p):
        raise RuntimeError(f"{name}: negative padding {p} is not supported")
    hw = spatial if spatial is not None else x.shape[2:]
    eff = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    if builtins.any(e > h + 2 * pp for e, h, pp in zip(eff, hw, p)):
        raise RuntimeError(f"{name}: kernel size {k} (dilated {tuple(eff)}) is larger than the padded input "
                           f"{tuple(h + 2 * pp for h, pp in zip(hw, p))}")


__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]
