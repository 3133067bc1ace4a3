"""F.pad and F.interpolate kernels (resample.cu), forward and backward."""
from __future__ import annotations

from ._loader import _FLOATS, _check, _lib
from ._memory import _like, contiguous
from ._util import _device, _i64, _need, _numel, _ptr, _shape_str


def _pad_plan(op, shape, pads, mode):
    """(out_shape, geom[10]) with the last three dims padded (size-1 dims in front when fewer)."""
    pads = [int(p) for p in pads]
    if mode not in (0, 1, 2, 3):
        raise ValueError(f"{op}: unknown mode {mode} (0 constant, 1 reflect, 2 replicate, 3 circular)")
    k = len(pads) // 2
    if len(pads) % 2 or not 1 <= k <= 3 or k > len(shape):
        raise ValueError(f"{op}: expected 2, 4 or 6 padding values for an input of shape {_shape_str(shape)}, got "
                         f"{len(pads)}")
    out = list(shape)
    ins, outs, lefts = [1, 1, 1], [1, 1, 1], [0, 0, 0]
    for d in range(k):
        axis, slot = len(shape) - 1 - d, 2 - d
        n, left, right = shape[axis], pads[2 * d], pads[2 * d + 1]
        m = n + left + right
        if m < 0 or (mode and (left < 0 or right < 0 or n == 0)) or (mode == 1 and (left >= n or right >= n)) or (
                mode == 3 and (left > n or right > n)):
            raise ValueError(f"{op}: padding ({left}, {right}) is invalid for dim {axis} of size {n} in this mode")
        ins[slot], outs[slot], lefts[slot], out[axis] = n, m, left, m
    return out, [_numel(shape[:len(shape) - k])] + ins + outs + lefts


def pad(x, pads, mode, value):
    op = "pad"
    _device(op, x)
    out_shape, geom = _pad_plan(op, list(x.shape), pads, mode)
    xc = contiguous(x)
    y = _like(xc, shape=out_shape)
    _check(_lib()[1].tl_pad(x.dtype, _i64(geom), int(mode), float(value), _ptr(xc), _ptr(y)), op)
    return y


def pad_backward(g, input_shape, pads, mode):
    op = "pad_backward"
    _device(op, g)
    _need(op, g, _FLOATS, "floating")
    out_shape, geom = _pad_plan(op, [int(d) for d in input_shape], pads, mode)
    if list(g.shape) != out_shape:
        raise ValueError(f"{op}: gradient {_shape_str(g.shape)} does not match the padded shape "
                         f"{_shape_str(out_shape)}")
    gx = _like(g, shape=[int(d) for d in input_shape])
    _check(_lib()[1].tl_pad_backward(g.dtype, _i64(geom), int(mode), _ptr(contiguous(g)), _ptr(gx)), op)
    return gx


def upsample2d(x, out_h, out_w, mode, align_corners, scale_h, scale_w):
    op = "upsample2d"
    _device(op, x)
    _need(op, x, _FLOATS, "floating")
    if x.ndim != 4 or min(x.shape[2], x.shape[3], out_h, out_w) <= 0 or mode not in (0, 1):
        raise ValueError(f"{op}: expected a non-empty (N, C, H, W) input, positive output size and mode 0 or 1, got "
                         f"{_shape_str(x.shape)}, ({out_h}, {out_w}), mode {mode}")
    N, C, H, W = x.shape
    xc = contiguous(x)
    y = _like(xc, shape=[N, C, int(out_h), int(out_w)])
    _check(_lib()[1].tl_upsample2d(x.dtype, N * C, H, W, int(out_h), int(out_w), int(mode), int(bool(align_corners)),
                                   float(scale_h), float(scale_w), _ptr(xc), _ptr(y)), op)
    return y


def upsample2d_backward(g, in_h, in_w, mode, align_corners, scale_h, scale_w):
    op = "upsample2d_backward"
    _device(op, g)
    _need(op, g, _FLOATS, "floating")
    if g.ndim != 4 or min(in_h, in_w) <= 0 or mode not in (0, 1):
        raise ValueError(f"{op}: expected a 4-D gradient, a positive input size and mode 0 or 1")
    N, C, OH, OW = g.shape
    gx = _like(g, shape=[N, C, int(in_h), int(in_w)])
    _check(_lib()[1].tl_upsample2d_backward(g.dtype, N * C, int(in_h), int(in_w), OH, OW, int(mode),
                                            int(bool(align_corners)), float(scale_h), float(scale_w),
                                            _ptr(contiguous(g)), _ptr(gx)), op)
    return gx
