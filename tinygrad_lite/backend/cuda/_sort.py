"""Sorting, top-k and scans along one axis (csrc/cuda/sort.cu): sort, topk, cumsum, cumprod,
cumprod_backward. The input is made contiguous and viewed as (outer, n, inner)."""
from __future__ import annotations

from ._loader import _NUMERIC, INT64, _check, _lib
from ._memory import _like, contiguous
from ._util import _device, _iptr, _need, _norm_axis, _ptr, _shape_str


def _lines(op, x, axis):
    """(contiguous x, axis, outer, n, inner); a 0-d array is one line of length 1."""
    if x.ndim == 0:
        if axis not in (0, -1):
            raise IndexError(f"{op}: dimension {axis} out of range for a 0-d tensor")
        return contiguous(x), 0, 1, 1, 1
    axis = _norm_axis(op, axis, x.ndim)
    xc = contiguous(x)
    outer = inner = 1
    for d in range(axis):
        outer *= x.shape[d]
    for d in range(axis + 1, x.ndim):
        inner *= x.shape[d]
    return xc, axis, outer, x.shape[axis], inner


def sort(x, axis, descending):
    """(values, int64 indices) of x sorted along axis, stable; NaN counts as the largest."""
    op = "sort"
    _device(op, x)
    xc, axis, outer, n, inner = _lines(op, x, axis)
    vals, idx = _like(xc), _like(xc, dtype=INT64)
    _check(_lib()[1].tl_sort(xc.dtype, outer, n, inner, _ptr(xc), _ptr(vals), _iptr(idx), int(bool(descending))), op)
    return vals, idx


def _sorted_slice(op, x, axis, k, k_min, descending, start, stop):
    """Elements start..stop (along axis) of a stable sort of x, after checking k_min ≤ k ≤ n."""
    _device(op, x)
    n = x.shape[_norm_axis(op, axis, x.ndim)] if x.ndim else 1
    if not k_min <= k <= n:
        raise IndexError(f"{op}: k ({k}) out of range for dimension {axis} of size {n}")
    vals, idx = sort(x, axis, descending)
    if x.ndim == 0:
        return vals, idx
    axis = _norm_axis(op, axis, x.ndim)
    return contiguous(vals.slice(axis, start, stop, 1)), contiguous(idx.slice(axis, start, stop, 1))


def topk(x, k, axis, largest):
    """The k largest (or smallest) along axis, ordered: the first k of a stable sort."""
    return _sorted_slice("topk", x, axis, k, 0, largest, 0, k)


def kthvalue(x, k, axis):
    """The k-th smallest along axis (kept, size 1): element k − 1 of a stable sort. Among equal
    values this is the first in index order (the CPU kernel follows torch's CPU quick-select;
    torch's CUDA kthvalue has its own radix select, whose choice among ties differs again)."""
    return _sorted_slice("kthvalue", x, axis, k, 1, False, k - 1, k)


def _scan(op, prod, x, axis):
    _device(op, x)
    _need(op, x, _NUMERIC, "numeric")
    xc, axis, outer, n, inner = _lines(op, x, axis)
    y = _like(xc)
    _check(_lib()[1].tl_scan(int(prod), xc.dtype, outer, n, inner, _ptr(xc), _ptr(y)), op)
    return y


def cumsum(x, axis):
    return _scan("cumsum", False, x, axis)


def cumprod(x, axis):
    return _scan("cumprod", True, x, axis)


def cumprod_backward(x, g, axis):
    op = "cumprod_backward"
    _device(op, x, g)
    if list(x.shape) != list(g.shape) or x.dtype != g.dtype:
        raise ValueError(f"{op}: x {_shape_str(x.shape)} and g {_shape_str(g.shape)} must match")
    xc, axis, outer, n, inner = _lines(op, x, axis)
    gc = contiguous(g)
    dx = _like(xc)
    _check(_lib()[1].tl_cumprod_backward(xc.dtype, outer, n, inner, _ptr(xc), _ptr(gc), _ptr(dx)), op)
    return dx
