"""Reductions (sum, mean, var, max, min, argmax, argmin) over any set of axes."""
from __future__ import annotations

from ._loader import _FLOATS, _NUMERIC, BOOL, INT64, _check, _lib
from ._memory import _like
from ._util import _device, _i64, _need, _norm_axis, _numel, _ptr, _shape_str

# ----------------------------------------------------------------------------- reductions
_R = dict(sum=0, mean=1, max=2, min=3, var=4, argmax=5, argmin=6)


def _reduce(op, x, axes, keepdim, out_dtype, correction=0.0):
    _device(op, x)
    nd = x.ndim
    if axes is None:
        axes = []
    if isinstance(axes, int):
        axes = [axes]
    axes = list(axes)
    axes = sorted({_norm_axis(op, a, nd) for a in axes})
    if nd == 0:
        axes = []
    elif not axes:
        axes = list(range(nd))
    kept = [d for d in range(nd) if d not in axes]
    oshape = [x.shape[d] for d in kept]
    ishape = [x.shape[d] for d in axes]
    n_in = _numel(ishape)
    if op in ("max", "min", "argmax", "argmin") and n_in == 0 and _numel(oshape) > 0:
        raise ValueError(f"{op}: cannot reduce over an empty dimension of a tensor of shape "
                         f"{_shape_str(x.shape)}")
    out = _like(x, shape=oshape, dtype=out_dtype)
    _check(_lib()[1].tl_reduce(_R[op], x.dtype, out_dtype, len(oshape), _i64(oshape),
                               _i64([x.strides[d] for d in kept]), len(ishape), _i64(ishape),
                               _i64([x.strides[d] for d in axes]), _ptr(x), _ptr(out),
                               float(correction)), op)
    if keepdim and nd > 0:
        out = out.view([1 if d in axes else x.shape[d] for d in range(nd)])
    return out


def sum(x, axes=(), keepdim=False):  # noqa: A001
    return _reduce("sum", x, axes, keepdim,
                   INT64 if x.dtype in (INT64, BOOL) else x.dtype)


def mean(x, axes=(), keepdim=False):
    _need("mean", x, _FLOATS, "floating")
    return _reduce("mean", x, axes, keepdim, x.dtype)


def var(x, axes=(), correction=1, keepdim=False):
    _need("var", x, _FLOATS, "floating")
    return _reduce("var", x, axes, keepdim, x.dtype, correction)


def max(x, axes=(), keepdim=False):  # noqa: A001
    _need("max", x, _NUMERIC, "numeric")
    return _reduce("max", x, axes, keepdim, x.dtype)


def min(x, axes=(), keepdim=False):  # noqa: A001
    _need("min", x, _NUMERIC, "numeric")
    return _reduce("min", x, axes, keepdim, x.dtype)


def argmax(x, axis=None, keepdim=False):
    _need("argmax", x, _NUMERIC, "numeric")
    return _reduce("argmax", x, [] if axis is None else [axis], keepdim, INT64)


def argmin(x, axis=None, keepdim=False):
    _need("argmin", x, _NUMERIC, "numeric")
    return _reduce("argmin", x, [] if axis is None else [axis], keepdim, INT64)
