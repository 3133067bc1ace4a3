"""matmul and the fused linear layer on the library's GEMM kernels."""
from __future__ import annotations

import os

from ._loader import _FLOATS, _check, _lib
from ._memory import _like, reshape
from ._util import _broadcast_shapes, _device, _i64, _need, _numel, _ptr, _same_dtype, _shape_str

# ----------------------------------------------------------------------------- matmul
_matmul_version = [int(os.environ.get("TL_CUDA_MATMUL", "0") or 0)]


def set_matmul_version(v):
    """0: automatic (v2 for M, N >= 64, else v1), 1: shared-memory tiled, 2: register-blocked."""
    if v not in (0, 1, 2):
        raise ValueError(f"matmul version must be 0, 1 or 2, got {v}")
    _matmul_version[0] = v


def _gemm(op, dtype, M, N, K, batch, a, a_bst, a_rs, a_cs, b, b_bst, b_rs, b_cs, out, bias=None,
          bias_stride=0):
    ffi, lib = _lib()
    _check(lib.tl_matmul(dtype, _matmul_version[0], M, N, K, len(batch), _i64(batch), _ptr(a),
                         _i64(a_bst), a_rs, a_cs, _ptr(b), _i64(b_bst), b_rs, b_cs, _ptr(out),
                         _ptr(bias) if bias is not None else ffi.NULL, bias_stride), op)


def matmul(a, b):
    """torch.matmul: 1-D·1-D, 2-D, batched with broadcast batch dims; 1-D operands promoted and
    squeezed. Strided (transposed) operands and broadcast batches are read in place."""
    _device("matmul", a, b)
    _same_dtype("matmul", a, b)
    _need("matmul", a, _FLOATS, "floating")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both arguments need at least 1 dimension, got shapes "
                         f"{_shape_str(a.shape)} and {_shape_str(b.shape)}")
    ash, ast = list(a.shape), list(a.strides)
    bsh, bst = list(b.shape), list(b.strides)
    if a.ndim == 1:
        ash, ast = [1] + ash, [0] + ast
    if b.ndim == 1:
        bsh, bst = bsh + [1], bst + [0]
    M, K = ash[-2], ash[-1]
    K2, N = bsh[-2], bsh[-1]
    if K != K2:
        raise ValueError(f"matmul: shapes {_shape_str(a.shape)} and {_shape_str(b.shape)} cannot be "
                         f"multiplied ({M}x{K} and {K2}x{N})")
    batch = _broadcast_shapes("matmul", ash[:-2], bsh[:-2])

    def bstr(sh, st):
        n, m = len(batch), len(sh)
        return [0 if (i - (n - m) < 0 or sh[i - (n - m)] == 1) else st[i - (n - m)] for i in range(n)]

    out = _like(a, shape=batch + [M, N])
    _gemm("matmul", a.dtype, M, N, K, batch, a, bstr(ash[:-2], ast[:-2]), ast[-2], ast[-1], b,
          bstr(bsh[:-2], bst[:-2]), bst[-2], bst[-1], out)
    final = batch + ([M] if a.ndim > 1 else []) + ([N] if b.ndim > 1 else [])
    return out.view(final) if final != list(out.shape) else out


def linear(x, w, bias=None):
    """x·wᵀ + bias, fused: x (..., in), w (out, in), bias (out,) or None. w is read transposed
    in place; the bias is added in the GEMM epilogue."""
    _device("linear", x, w, bias)
    _same_dtype("linear", x, w, *( [bias] if bias is not None else []))
    _need("linear", x, _FLOATS, "floating")
    if w.ndim != 2 or x.ndim < 1 or x.shape[-1] != w.shape[1]:
        raise ValueError(f"linear: input {_shape_str(x.shape)} and weight {_shape_str(w.shape)} do not "
                         f"match (expected weight (out, {x.shape[-1] if x.ndim else '?'}))")
    N, K = w.shape
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != N):
        raise ValueError(f"linear: bias {_shape_str(bias.shape)} does not match weight "
                         f"{_shape_str(w.shape)}")
    lead = list(x.shape[:-1])
    M = _numel(lead)
    x2 = reshape(x, [M, K])
    out = _like(x, shape=[M, N])
    _gemm("linear", x.dtype, M, N, K, [], x2, [], [], x2.strides[0], x2.strides[1], w, [], w.strides[1],
          w.strides[0], out, bias, bias.strides[0] if bias is not None else 0)
    return out.view(lead + [N])
