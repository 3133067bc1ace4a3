"""scaled_dot_product_attention forward / backward and embedding_backward (csrc/cuda/attention.cu).
The rng state handed from the forward to the backward is (seed, offset) of the device's Philox."""
from __future__ import annotations

import numpy as np

from ._loader import _DTYPE_NAME, _FLOATS, BOOL, INT64, _check, _lib
from ._memory import _like, contiguous, to_host
from ._random import _next
from ... import _C
from ._util import _dev_index, _device, _i64, _iptr, _need, _ptr, _shape_str

_OP = "scaled_dot_product_attention"


def _check_qkv(op, q, k, v):
    _need(op, q, _FLOATS, "floating")
    if k.dtype != q.dtype or v.dtype != q.dtype:
        raise TypeError(f"{op}: query, key and value must have the same dtype")
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"{op}: expected 4-D query, key and value (Z, H, T, E), got {_shape_str(q.shape)}, "
                         f"{_shape_str(k.shape)} and {_shape_str(v.shape)}")
    Z, Hq, L, E = q.shape
    _, Hk, S, _ = k.shape
    ok = (k.shape[0] == Z and v.shape[0] == Z and v.shape[1] == Hk and Hk > 0 and Hq % Hk == 0
          and v.shape[2] == S and k.shape[3] == E)
    if not ok:
        raise ValueError(f"{op}: query {_shape_str(q.shape)}, key {_shape_str(k.shape)} and value "
                         f"{_shape_str(v.shape)} do not fit: expected (Z, Hq, L, E), (Z, Hk, S, E), (Z, Hk, S, Ev)")
    return Z, Hq, Hk, L, S, E, v.shape[3]


def _mask_args(op, mask, q, Z, Hq, L, S):
    """(pointer, kind, strides) of the mask broadcast to (Z, Hq, L, S)."""
    ffi = _lib()[0]
    if mask is None:
        return ffi.NULL, 0, _i64([0, 0, 0, 0])
    if mask.dtype != BOOL and mask.dtype != q.dtype:
        raise TypeError(f"{op}: attn_mask must be bool or the query's dtype, got {_DTYPE_NAME[mask.dtype]}")
    want = [Z, Hq, L, S]
    if mask.ndim > 4 or any(m not in (1, w) for m, w in zip(reversed(mask.shape), reversed(want))):
        raise ValueError(f"{op}: attn_mask of shape {_shape_str(mask.shape)} cannot be broadcast to "
                         f"{_shape_str(want)}")
    m = mask.expand(want)
    return _ptr(m), 1 if mask.dtype == BOOL else 2, _i64(m.strides)


def scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal, scale):
    _device(_OP, q, k, v, mask)
    Z, Hq, Hk, L, S, E, Ev = _check_qkv(_OP, q, k, v)
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{_OP}: dropout_p must be in [0, 1], got {dropout_p}")
    qc, kc, vc = contiguous(q), contiguous(k), contiguous(v)
    mp, mk, ms = _mask_args(_OP, mask, q, Z, Hq, L, S)
    seed, off = _next(_dev_index(q)) if dropout_p > 0 else (0, 0)
    out = _like(qc, shape=[Z, Hq, L, Ev])
    lse = _like(qc, shape=[Z, Hq, L])
    _check(_lib()[1].tl_attention(q.dtype, Z, Hq, Hk, L, S, E, Ev, _ptr(qc), _ptr(kc), _ptr(vc), mp, mk, ms,
                                  int(bool(is_causal)), float(scale), float(dropout_p), seed, off, _ptr(out),
                                  _ptr(lse)), _OP)
    rng = _C.from_numpy(np.array([seed, off], dtype=np.uint64).view(np.int64))  # host: read back by the backward
    return out, lse, rng


def scaled_dot_product_attention_backward(g, q, k, v, out, lse, mask, dropout_p, is_causal, scale, rng):
    op = _OP + "_backward"
    _device(op, g, q, k, v, out, lse, mask)
    Z, Hq, Hk, L, S, E, Ev = _check_qkv(op, q, k, v)
    for name, a, shape in (("gradient", g, [Z, Hq, L, Ev]), ("output", out, [Z, Hq, L, Ev]), ("lse", lse, [Z, Hq, L])):
        if list(a.shape) != shape or a.dtype != q.dtype:
            raise ValueError(f"{op}: {name} must be {_shape_str(shape)}, got {_shape_str(a.shape)}")
    seed, off = (int(x) & 0xFFFFFFFFFFFFFFFF for x in rng.numpy().tolist())
    qc, kc, vc, gc, oc, lc = (contiguous(a) for a in (q, k, v, g, out, lse))
    mp, mk, ms = _mask_args(op, mask, q, Z, Hq, L, S)
    dq, dk, dv = _like(qc), _like(kc), _like(vc)
    _check(_lib()[1].tl_attention_backward(q.dtype, Z, Hq, Hk, L, S, E, Ev, _ptr(qc), _ptr(kc), _ptr(vc), mp, mk, ms,
                                           int(bool(is_causal)), float(scale), float(dropout_p), seed, off,
                                           _ptr(gc), _ptr(oc), _ptr(lc), _ptr(dq), _ptr(dk), _ptr(dv)), op)
    return dq, dk, dv


def embedding_backward(g, idx, num_weights, padding_idx, scale_grad_by_freq):
    op = "embedding_backward"
    _device(op, g, idx)
    _need(op, g, _FLOATS, "floating")
    if idx.dtype != INT64:
        raise TypeError(f"{op}: expected int64 indices, got {_DTYPE_NAME[idx.dtype]}")
    if list(g.shape[:-1]) != list(idx.shape) or g.ndim != idx.ndim + 1:
        raise ValueError(f"{op}: gradient of shape {_shape_str(g.shape)} does not match indices of shape "
                         f"{_shape_str(idx.shape)} (expected indices.shape + (D,))")
    ic, gc = contiguous(idx), contiguous(g)
    ids = to_host(ic).numpy()
    if ids.size and (ids.min() < 0 or ids.max() >= num_weights):
        raise IndexError(f"{op}: index out of range for an embedding of {num_weights} rows")
    D = g.shape[-1]
    dw = _like(gc, shape=[int(num_weights), D])
    _check(_lib()[1].tl_embedding_backward(g.dtype, int(ids.size), D, int(num_weights), _ptr(gc), _iptr(ic),
                                           int(padding_idx), int(bool(scale_grad_by_freq)), _ptr(dw)), op)
    return dw
