"""Pooling over the last two dims (pool.cu): max / avg / adaptive, their backward passes, max_unpool2d."""
from __future__ import annotations

from ._loader import _FLOATS, INT64, _check, _lib
from ._memory import _like, contiguous
from ._util import _device, _i64, _iptr, _need, _numel, _ptr, _shape_str


def _planes(op, x):
    _device(op, x)
    _need(op, x, _FLOATS, "floating")
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of 3 or 4 dims (…, H, W), got {_shape_str(x.shape)}")
    return _numel(x.shape[:-2]), x.shape[-2], x.shape[-1]


def _out(n, k, s, p, d, ceil_mode, op):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    if o <= 0:
        raise ValueError(f"{op}: input size {n} with kernel {k}, stride {s}, padding {p}, dilation {d} gives an "
                         f"output size of {o}: too small")
    return o


def _window_geom(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    P, H, W = _planes(op, x)
    k, s, p, d = ([int(v) for v in a] for a in (kernel_size, stride, padding, dilation))
    if min(k + s + d) <= 0 or min(p) < 0 or p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: kernel {tuple(k)}, stride {tuple(s)}, dilation {tuple(d)} must be positive and "
                         f"padding {tuple(p)} at most half the kernel")
    OH, OW = _out(H, k[0], s[0], p[0], d[0], ceil_mode, op), _out(W, k[1], s[1], p[1], d[1], ceil_mode, op)
    return [P, H, W, OH, OW, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]]


def _shape_hw(x, h, w):
    return list(x.shape[:-2]) + [h, w]


def max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode):
    op = "max_pool2d"
    geom = _window_geom(op, x, kernel_size, stride, padding, dilation, ceil_mode)
    xc = contiguous(x)
    y = _like(xc, shape=_shape_hw(x, geom[3], geom[4]))
    idx = _like(xc, shape=list(y.shape), dtype=INT64)
    _check(_lib()[1].tl_max_pool2d(x.dtype, _i64(geom), _ptr(xc), _ptr(y), _iptr(idx)), op)
    return y, idx


def adaptive_max_pool2d(x, output_size):
    op = "adaptive_max_pool2d"
    P, H, W = _planes(op, x)
    OH, OW = (int(v) for v in output_size)
    if OH <= 0 or OW <= 0 or H <= 0 or W <= 0:
        raise ValueError(f"{op}: output_size {tuple(output_size)} and input {_shape_str(x.shape)} must be non-empty")
    xc = contiguous(x)
    y = _like(xc, shape=_shape_hw(x, OH, OW))
    idx = _like(xc, shape=list(y.shape), dtype=INT64)
    _check(_lib()[1].tl_adaptive_max_pool2d(x.dtype, _i64([P, H, W, OH, OW] + [1] * 8), _ptr(xc), _ptr(y),
                                            _iptr(idx)), op)
    return y, idx


def _scatter(op, fn, v, idx, hw):
    _device(op, v, idx)
    _need(op, v, _FLOATS, "floating")
    if idx.dtype != INT64 or list(idx.shape) != list(v.shape) or v.ndim < 3:
        raise ValueError(f"{op}: expected int64 indices of shape {_shape_str(v.shape)}, got {_shape_str(idx.shape)}")
    H, W = (int(a) for a in hw)
    P, L = _numel(v.shape[:-2]), v.shape[-2] * v.shape[-1]
    out = _like(v, shape=_shape_hw(v, H, W))
    _check(fn(v.dtype, P, L, H * W, _ptr(contiguous(v)), _iptr(contiguous(idx)), _ptr(out)), op)
    return out


def max_pool2d_backward(g, idx, input_size):
    return _scatter("max_pool2d_backward", _lib()[1].tl_max_pool2d_backward, g, idx, input_size)


def max_unpool2d(x, idx, output_size):
    return _scatter("max_unpool2d", _lib()[1].tl_max_unpool2d, x, idx, output_size)


def avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    op = "avg_pool2d"
    geom = _window_geom(op, x, kernel_size, stride, padding, (1, 1), ceil_mode)
    xc = contiguous(x)
    y = _like(xc, shape=_shape_hw(x, geom[3], geom[4]))
    _check(_lib()[1].tl_avg_pool2d(x.dtype, _i64(geom), int(bool(count_include_pad)), int(divisor_override or 0),
                                   _ptr(xc), _ptr(y)), op)
    return y


def avg_pool2d_backward(g, input_size, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    op = "avg_pool2d_backward"
    H, W = (int(v) for v in input_size)
    probe = _like(g, shape=_shape_hw(g, H, W)) if g.ndim >= 3 else g
    geom = _window_geom(op, probe, kernel_size, stride, padding, (1, 1), ceil_mode)
    if list(g.shape[-2:]) != geom[3:5]:
        raise ValueError(f"{op}: gradient {_shape_str(g.shape)} does not match the pooled size {tuple(geom[3:5])}")
    _check(_lib()[1].tl_avg_pool2d_backward(g.dtype, _i64(geom), int(bool(count_include_pad)),
                                            int(divisor_override or 0), _ptr(contiguous(g)), _ptr(probe)), op)
    return probe


def adaptive_avg_pool2d(x, output_size):
    op = "adaptive_avg_pool2d"
    P, H, W = _planes(op, x)
    OH, OW = (int(v) for v in output_size)
    if OH <= 0 or OW <= 0 or H <= 0 or W <= 0:
        raise ValueError(f"{op}: output_size {tuple(output_size)} and input {_shape_str(x.shape)} must be non-empty")
    xc = contiguous(x)
    y = _like(xc, shape=_shape_hw(x, OH, OW))
    _check(_lib()[1].tl_adaptive_avg_pool2d(x.dtype, _i64([P, H, W, OH, OW] + [1] * 8), _ptr(xc), _ptr(y)), op)
    return y


def adaptive_avg_pool2d_backward(g, input_size):
    op = "adaptive_avg_pool2d_backward"
    P, OH, OW = _planes(op, g)
    H, W = (int(v) for v in input_size)
    if H <= 0 or W <= 0:
        raise ValueError(f"{op}: input size must be positive, got {tuple(input_size)}")
    gx = _like(g, shape=_shape_hw(g, H, W))
    _check(_lib()[1].tl_adaptive_avg_pool2d_backward(g.dtype, _i64([P, H, W, OH, OW] + [1] * 8), _ptr(contiguous(g)),
                                                     _ptr(gx)), op)
    return gx
