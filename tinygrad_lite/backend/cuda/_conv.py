"""conv2d and its backward passes, im2col / col2im: the data movements run in conv.cu, the
products through matmul (matmul.cu), batched over samples and groups:
    y[n, g] = W_g · cols[n, g];  gx = col2im(W_gᵀ · g[n, g]);  gw_g = Σ_n g[n, g] · cols[n, g]ᵀ"""
from __future__ import annotations

from ._elementwise import add_
from ._loader import _FLOATS, _check, _lib
from ._matmul import matmul
from ._memory import _like, contiguous
from ._reduce import sum as _sum
from ._util import _device, _i64, _need, _ptr, _same_dtype, _shape_str


def _out(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _geom(op, N, C, H, W, KH, KW, stride, padding, dilation):
    sh, sw = (int(v) for v in stride)
    ph, pw = (int(v) for v in padding)
    dh, dw = (int(v) for v in dilation)
    if min(sh, sw, dh, dw) <= 0 or min(ph, pw) < 0:
        raise ValueError(f"{op}: stride and dilation must be positive and padding non-negative, got stride "
                         f"{tuple(stride)}, padding {tuple(padding)}, dilation {tuple(dilation)}")
    OH, OW = _out(H, KH, sh, ph, dh), _out(W, KW, sw, pw, dw)
    if OH <= 0 or OW <= 0 or H <= 0 or W <= 0:
        raise ValueError(f"{op}: kernel ({KH}, {KW}) is larger than the padded input ({H + 2 * ph}, {W + 2 * pw})")
    return [N, C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw]


def _im2col(op, x, geom):
    N, C, _, _, KH, KW, OH, OW = geom[:8]
    cols = _like(x, shape=[N, C * KH * KW, OH * OW])
    _check(_lib()[1].tl_im2col(x.dtype, _i64(geom), _ptr(x), _ptr(cols)), op)
    return cols


def _col2im(op, cols, geom):
    N, C, H, W = geom[:4]
    x = _like(cols, shape=[N, C, H, W])
    _check(_lib()[1].tl_col2im(cols.dtype, _i64(geom), _ptr(contiguous(cols)), _ptr(x)), op)
    return x


def _check_conv(op, x_shape, w_shape, groups):
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"{op}: expected 4-D input and weight, got {_shape_str(x_shape)} and {_shape_str(w_shape)}")
    if groups <= 0 or w_shape[0] % groups or x_shape[1] != w_shape[1] * groups:
        raise ValueError(f"{op}: input {_shape_str(x_shape)} and weight {_shape_str(w_shape)} do not match for "
                         f"groups={groups}")


def conv2d(x, w, bias, stride, padding, dilation, groups):
    op = "conv2d"
    _device(op, x, w, bias)
    _need(op, x, _FLOATS, "floating")
    _same_dtype(op, *[a for a in (x, w, bias) if a is not None])
    _check_conv(op, x.shape, w.shape, groups)
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    geom = _geom(op, N, C, H, W, KH, KW, stride, padding, dilation)
    OH, OW = geom[6], geom[7]
    if N == 0:
        return _like(x, shape=[0, O, OH, OW])
    cols = _im2col(op, contiguous(x), geom).view([N, groups, Cg * KH * KW, OH * OW])
    y = matmul(contiguous(w).view([groups, O // groups, Cg * KH * KW]), cols).view([N, O, OH, OW])
    if bias is not None:
        add_(y, bias.view([1, O, 1, 1]))
    return y


def conv2d_backward_input(g, w, input_size, stride, padding, dilation, groups):
    op = "conv2d_backward_input"
    _device(op, g, w)
    _need(op, g, _FLOATS, "floating")
    _same_dtype(op, g, w)
    N = g.shape[0]
    O, Cg, KH, KW = w.shape
    H, W = (int(v) for v in input_size)
    _check_conv(op, [N, Cg * groups, H, W], w.shape, groups)
    geom = _geom(op, N, Cg * groups, H, W, KH, KW, stride, padding, dilation)
    if list(g.shape) != [N, O, geom[6], geom[7]]:
        raise ValueError(f"{op}: gradient {_shape_str(g.shape)} does not match the output size "
                         f"({N}, {O}, {geom[6]}, {geom[7]})")
    if N == 0:
        return _like(g, shape=[0, Cg * groups, H, W])
    wt = contiguous(w).view([groups, O // groups, Cg * KH * KW]).transpose(1, 2)
    gcols = matmul(wt, contiguous(g).view([N, groups, O // groups, geom[6] * geom[7]]))
    return _col2im(op, gcols.view([N, Cg * groups * KH * KW, geom[6] * geom[7]]), geom)


def conv2d_backward_weight(x, g, kernel_size, stride, padding, dilation, groups):
    op = "conv2d_backward_weight"
    _device(op, x, g)
    _need(op, x, _FLOATS, "floating")
    _same_dtype(op, x, g)
    N, C, H, W = x.shape
    O = g.shape[1]
    KH, KW = (int(v) for v in kernel_size)
    _check_conv(op, x.shape, [O, C // max(groups, 1), KH, KW], groups)
    geom = _geom(op, N, C, H, W, KH, KW, stride, padding, dilation)
    L, K = geom[6] * geom[7], C // groups * KH * KW
    if N == 0:
        out = _like(x, shape=[O, C // groups, KH, KW])
        from ._elementwise import fill_
        fill_(out, 0.0)
        return out
    cols = _im2col(op, contiguous(x), geom).view([N, groups, K, L])
    per_sample = matmul(contiguous(g).view([N, groups, O // groups, L]), cols.transpose(2, 3))
    return _sum(per_sample, [0], False).view([O, C // groups, KH, KW])


def im2col(x, kernel_size, dilation, padding, stride):
    op = "unfold"
    _device(op, x)
    _need(op, x, _FLOATS, "floating")
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input, got {_shape_str(x.shape)}")
    N, C, H, W = x.shape
    geom = _geom(op, N, C, H, W, int(kernel_size[0]), int(kernel_size[1]), stride, padding, dilation)
    return _im2col(op, contiguous(x), geom)


def col2im(cols, output_size, kernel_size, dilation, padding, stride):
    op = "fold"
    _device(op, cols)
    _need(op, cols, _FLOATS, "floating")
    KH, KW = (int(v) for v in kernel_size)
    if cols.ndim != 3 or cols.shape[1] % (KH * KW):
        raise ValueError(f"{op}: expected (N, C·{KH}·{KW}, L), got {_shape_str(cols.shape)}")
    N, K, L = cols.shape
    geom = _geom(op, N, K // (KH * KW), int(output_size[0]), int(output_size[1]), KH, KW, stride, padding, dilation)
    if L != geom[6] * geom[7]:
        raise ValueError(f"{op}: {L} blocks do not match output_size {tuple(output_size)} ({geom[6] * geom[7]} blocks)")
    return _col2im(op, cols, geom)
