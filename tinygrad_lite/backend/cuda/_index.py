"""Indexing kernels: index_select / index_add, gather / scatter_add, cat and nonzero."""
from __future__ import annotations

import builtins as _builtins

from ._loader import _DTYPE_NAME, _NUMERIC, INT64, _check, _lib
from ._memory import _copy_into, _like, copy_
from ._memory import clone as _copy
from ._util import _device, _i64, _iptr, _need, _norm_axis, _ptr, _same_dtype, _shape_str

# ----------------------------------------------------------------------------- indexing

def _idx_check(op, idx, ndim=None):
    if idx.dtype != INT64:
        raise TypeError(f"{op}: index must be int64, got {_DTYPE_NAME[idx.dtype]}")
    if ndim is not None and idx.ndim != ndim:
        raise ValueError(f"{op}: index must be {ndim}-D, got shape {_shape_str(idx.shape)}")


def index_select(x, axis, idx):
    op = "index_select"
    _device(op, x, idx)
    _idx_check(op, idx, 1)
    if x.ndim == 0:
        raise IndexError(f"{op}: cannot index a 0-d tensor")
    axis = _norm_axis(op, axis, x.ndim)
    shape = list(x.shape)
    shape[axis] = idx.shape[0]
    out = _like(x, shape=shape)
    _check(_lib()[1].tl_index_select(x.dtype, x.ndim, _i64(shape), axis, _ptr(x), _i64(x.strides),
                                     x.shape[axis], _iptr(idx), idx.strides[0], _ptr(out)), op)
    return out


def index_add(shape, axis, idx, src):
    op = "index_add"
    _device(op, idx, src)
    _idx_check(op, idx, 1)
    shape = [int(d) for d in shape]
    axis = _norm_axis(op, axis, len(shape))
    exp = list(shape)
    if len(shape):
        exp[axis] = idx.shape[0]
    if list(src.shape) != exp:
        raise ValueError(f"{op}: source {_shape_str(src.shape)} does not match shape "
                         f"{_shape_str(shape)} with {idx.shape[0]} indices along dimension {axis}")
    _need(op, src, _NUMERIC, "numeric")
    out = _like(src, shape=shape)
    _check(_lib()[1].tl_index_add(src.dtype, src.ndim, _i64(src.shape), axis, _ptr(src),
                                  _i64(src.strides), _iptr(idx), idx.strides[0], _ptr(out),
                                  _i64(shape)), op)
    return out


def gather(x, axis, idx):
    op = "gather"
    _device(op, x, idx)
    _idx_check(op, idx)
    if idx.ndim != x.ndim:
        raise ValueError(f"{op}: index {_shape_str(idx.shape)} and input {_shape_str(x.shape)} must "
                         f"have the same number of dimensions")
    axis = _norm_axis(op, axis, x.ndim)
    for d in range(x.ndim):
        if d != axis and idx.shape[d] > x.shape[d]:
            raise ValueError(f"{op}: index {_shape_str(idx.shape)} is larger than input "
                             f"{_shape_str(x.shape)} in dimension {d}")
    out = _like(x, shape=list(idx.shape))
    if x.ndim == 0:
        return copy_(out, x) if idx.numel else out
    _check(_lib()[1].tl_gather(x.dtype, x.ndim, _i64(idx.shape), axis, _ptr(x), _i64(x.shape),
                               _i64(x.strides), _iptr(idx), _i64(idx.strides), _ptr(out)), op)
    return out


def scatter_add(shape, axis, idx, src):
    op = "scatter_add"
    _device(op, idx, src)
    _idx_check(op, idx)
    _need(op, src, _NUMERIC, "numeric")
    shape = [int(d) for d in shape]
    if not (idx.ndim == src.ndim == len(shape)):
        raise ValueError(f"{op}: index {_shape_str(idx.shape)}, source {_shape_str(src.shape)} and "
                         f"shape {_shape_str(shape)} must have the same number of dimensions")
    axis = _norm_axis(op, axis, len(shape))
    for d in range(len(shape)):
        if idx.shape[d] > src.shape[d] or (d != axis and idx.shape[d] > shape[d]):
            raise ValueError(f"{op}: index {_shape_str(idx.shape)} is larger than source "
                             f"{_shape_str(src.shape)} or output {_shape_str(shape)} in dimension {d}")
    out = _like(src, shape=shape)
    if len(shape) == 0:
        return copy_(out, src)
    _check(_lib()[1].tl_scatter_add(src.dtype, len(shape), _i64(idx.shape), axis, _ptr(src),
                                    _i64(src.strides), _iptr(idx), _i64(idx.strides), _ptr(out),
                                    _i64(shape)), op)
    return out


def scatter(x, axis, idx, src):
    """A copy of x with src[p] written at p with coordinate `axis` replaced by idx[p]."""
    op = "scatter"
    _device(op, x, idx, src)
    _idx_check(op, idx)
    _same_dtype(op, x, src)
    if not (idx.ndim == src.ndim == x.ndim):
        raise ValueError(f"{op}: index {_shape_str(idx.shape)}, source {_shape_str(src.shape)} and "
                         f"input {_shape_str(x.shape)} must have the same number of dimensions")
    out = _copy(x)  # a fresh contiguous copy
    if x.ndim == 0:
        return copy_(out, src) if idx.numel else out
    axis = _norm_axis(op, axis, x.ndim)
    for d in range(x.ndim):
        if idx.shape[d] > src.shape[d] or (d != axis and idx.shape[d] > x.shape[d]):
            raise ValueError(f"{op}: index {_shape_str(idx.shape)} is larger than source "
                             f"{_shape_str(src.shape)} or input {_shape_str(x.shape)} in dimension {d}")
    _check(_lib()[1].tl_scatter(x.dtype, x.ndim, _i64(idx.shape), axis, _ptr(src), _i64(src.strides),
                                _iptr(idx), _i64(idx.strides), _ptr(out), _i64(x.shape)), op)
    return out


def cat(arrays, axis):
    op = "cat"
    arrays = list(arrays)
    if not arrays:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    _device(op, *arrays)
    _same_dtype(op, *arrays)
    first = arrays[0]
    if first.ndim == 0:
        raise ValueError(f"{op}: zero-dimensional tensors cannot be concatenated")
    axis = _norm_axis(op, axis, first.ndim)
    for a in arrays[1:]:
        if a.ndim != first.ndim or any(a.shape[d] != first.shape[d] for d in range(a.ndim) if d != axis):
            raise ValueError(f"{op}: shapes {_shape_str(first.shape)} and {_shape_str(a.shape)} do not "
                             f"match except in dimension {axis}")
    shape = list(first.shape)
    shape[axis] = _builtins.sum(a.shape[axis] for a in arrays)
    out = _like(first, shape=shape)
    off = 0
    for a in arrays:
        n = a.shape[axis]
        if n and a.numel:
            _copy_into(out.slice(axis, off, off + n, 1), a, op)
        off += n
    return out


def nonzero(x):
    op = "nonzero"
    _device(op, x)
    ffi, lib = _lib()
    cnt = ffi.new("int64_t*")
    _check(lib.tl_nonzero_count(x.dtype, x.ndim, _i64(x.shape), _ptr(x), _i64(x.strides), cnt), op)
    K = int(cnt[0])
    out = _like(x, shape=[K, x.ndim], dtype=INT64)
    if K and x.ndim:
        _check(lib.tl_nonzero(x.dtype, x.ndim, _i64(x.shape), _ptr(x), _i64(x.strides), _iptr(out), K), op)
    return out
