"""layer_norm / rms_norm forward and backward (csrc/cuda/layer_norm.cu)."""
from __future__ import annotations

from ._loader import _FLOATS, _check, _lib
from ._memory import _like, contiguous
from ._util import _device, _need, _numel, _ptr, _shape_str


def _split(op, x, normalized_shape, *params):
    _need(op, x, _FLOATS, "floating")
    ns = [int(d) for d in normalized_shape]
    k = len(ns)
    if not ns or list(x.shape[x.ndim - k:]) != ns or x.ndim < k:
        raise ValueError(f"{op}: given normalized_shape={ns}, expected input with shape (*, "
                         f"{', '.join(map(str, ns))}), but got input of size {_shape_str(x.shape)}")
    for name, p in params:
        if p is not None and (list(p.shape) != ns or p.dtype != x.dtype):
            raise ValueError(f"{op}: {name} has shape {_shape_str(p.shape)}, expected {_shape_str(ns)} of the "
                             f"input's dtype")
    stat = list(x.shape[: x.ndim - k])
    return stat, _numel(stat), _numel(ns)


def _p(a):
    return _ptr(a) if a is not None else _lib()[0].NULL


def _forward(op, ln, x, normalized_shape, weight, bias, eps):
    _device(op, x, weight, bias)
    stat, R, C = _split(op, x, normalized_shape, ("weight", weight), ("bias", bias))
    xc = contiguous(x)
    wc = contiguous(weight) if weight is not None else None
    bc = contiguous(bias) if bias is not None else None
    y, rstd = _like(xc), _like(xc, shape=stat)
    mean = _like(xc, shape=stat if ln else [0])
    _check(_lib()[1].tl_norm(ln, x.dtype, R, C, _ptr(xc), _p(wc), _p(bc), _ptr(y), _p(mean), _ptr(rstd),
                             float(eps)), op)
    return y, mean, rstd


def layer_norm(x, normalized_shape, weight, bias, eps):
    return _forward("layer_norm", 1, x, normalized_shape, weight, bias, eps)


def rms_norm(x, normalized_shape, weight, eps):
    y, _, rstd = _forward("rms_norm", 0, x, normalized_shape, weight, None, eps)
    return y, rstd


def _backward(op, ln, g, x, normalized_shape, mean, rstd, weight, want_weight, want_bias):
    _device(op, g, x, rstd, weight)
    stat, R, C = _split(op, x, normalized_shape, ("weight", weight))
    if list(g.shape) != list(x.shape) or g.dtype != x.dtype:
        raise ValueError(f"{op}: gradient {_shape_str(g.shape)} does not match input {_shape_str(x.shape)}")
    xc, gc, sc = contiguous(x), contiguous(g), contiguous(rstd)
    mc = contiguous(mean) if ln else None
    wc = contiguous(weight) if weight is not None else None
    ns = [int(d) for d in normalized_shape]
    dx = _like(xc)
    dw = _like(xc, shape=ns) if want_weight else None
    db = _like(xc, shape=ns) if want_bias else None
    _check(_lib()[1].tl_norm_backward(ln, x.dtype, R, C, _ptr(gc), _ptr(xc), _p(mc), _ptr(sc), _p(wc), _ptr(dx),
                                      _p(dw), _p(db)), op)
    return dx, dw, db


def layer_norm_backward(g, x, normalized_shape, mean, rstd, weight, want_weight, want_bias):
    return _backward("layer_norm_backward", 1, g, x, normalized_shape, mean, rstd, weight, want_weight, want_bias)


def rms_norm_backward(g, x, normalized_shape, rstd, weight, want_weight):
    dx, dw, _ = _backward("rms_norm_backward", 0, g, x, normalized_shape, None, rstd, weight, want_weight, False)
    return dx, dw
