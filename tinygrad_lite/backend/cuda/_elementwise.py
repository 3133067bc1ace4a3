"""Elementwise kernels (elementwise.cu): unary, scalar and binary ops, their in-place forms,
where, and the creation kernels full / arange."""
from __future__ import annotations

import builtins as _builtins
import math

from ._loader import _DTYPE_NAME, _FLOATS, _NUMERIC, BOOL, _check, _lib
from ._memory import _like, empty
from ._util import _broadcast_shapes, _bstrides, _device, _i64, _need, _ptr, _same_dtype, _shape_str

# ----------------------------------------------------------------------------- elementwise
# op codes: enum tl_unary_op / tl_binary_op in csrc/cuda/tl_cuda.h
_U = dict(exp=0, log=1, sqrt=2, tanh=3, sigmoid=4, gelu=5, gelu_tanh=6, sin=7, cos=8, neg=9, abs=10,
          relu=11, add_scalar=12, mul_scalar=13, maximum_scalar=14, minimum_scalar=15, rsub_scalar=16,
          div_scalar=17, rdiv_scalar=18, pow_scalar=19, rpow_scalar=20, eq_scalar=21, ne_scalar=22,
          lt_scalar=23, le_scalar=24, gt_scalar=25, ge_scalar=26, fill=27, logical_not=28)
_B = dict(add=0, sub=1, mul=2, maximum=3, minimum=4, div=5, pow=6, eq=7, ne=8, lt=9, le=10, gt=11,
          ge=12, relu_backward=13, gelu_backward=14, gelu_tanh_backward=15, sigmoid_backward=16,
          tanh_backward=17, axpy=18)
_U_FLOAT = {"exp", "log", "sqrt", "tanh", "sigmoid", "gelu", "gelu_tanh", "sin", "cos",
            "div_scalar", "rdiv_scalar", "pow_scalar", "rpow_scalar"}
_U_CMP = {"eq_scalar", "ne_scalar", "lt_scalar", "le_scalar", "gt_scalar", "ge_scalar", "logical_not"}
_B_FLOAT = {"div", "pow", "relu_backward", "gelu_backward", "gelu_tanh_backward", "sigmoid_backward",
            "tanh_backward"}
_B_CMP = {"eq", "ne", "lt", "le", "gt", "ge"}


def _unary(name, x, s=0.0, out=None):
    _device(name, x)
    if name in _U_FLOAT:
        _need(name, x, _FLOATS, "floating")
    elif name not in _U_CMP:
        _need(name, x, _NUMERIC, "numeric")
    out_dtype = BOOL if name in _U_CMP else x.dtype
    if out is None:
        out = _like(x, dtype=out_dtype)
    shape = list(x.shape)
    _check(_lib()[1].tl_unary(_U[name], x.dtype, len(shape), _i64(shape), _ptr(out), out_dtype,
                              _i64(out.strides), _ptr(x), _i64(x.strides), float(s)), name)
    return out


def _binary(name, a, b, s=0.0, inplace=False):
    _device(name, a, b)
    _same_dtype(name, a, b)
    if name in _B_FLOAT:
        _need(name, a, _FLOATS, "floating")
    elif name not in _B_CMP:
        _need(name, a, _NUMERIC, "numeric")
    if inplace:
        shape = list(a.shape)
        bs = _broadcast_shapes(name, list(b.shape), shape)
        if bs != shape:
            raise ValueError(f"{name}: shapes {_shape_str(b.shape)} and {_shape_str(shape)} cannot be "
                             f"broadcast together")
        out = a
    else:
        shape = _broadcast_shapes(name, list(a.shape), list(b.shape))
        out = _like(a, shape=shape, dtype=BOOL if name in _B_CMP else a.dtype)
    _check(_lib()[1].tl_binary(_B[name], a.dtype, len(shape), _i64(shape), _ptr(out), out.dtype,
                               _i64(out.strides), _ptr(a), _i64(_bstrides(a, shape)), _ptr(b),
                               _i64(_bstrides(b, shape)), float(s)), name)
    return out


_DOC = {"unary": "", "scalar": "(x, s)", "binary": " with numpy broadcasting"}


def _make(kind, name):
    """The public function `name`: a unary op f(x), a scalar op f(x, s) or a binary op f(a, b)."""
    if kind == "binary":
        def f(a, b):
            return _binary(name, a, b)
    elif kind == "scalar":
        def f(x, s):
            return _unary(name, x, s)
    else:
        def f(x):
            return _unary(name, x)
    f.__name__ = name
    f.__doc__ = f"CUDA twin of _C.{name}{_DOC[kind]} (elementwise.cu)."
    return f


_UNARY = ("exp", "log", "sqrt", "tanh", "sigmoid", "gelu", "gelu_tanh", "sin", "cos", "neg", "abs",
          "relu", "logical_not")
_SCALAR = ("add_scalar", "mul_scalar", "div_scalar", "rsub_scalar", "rdiv_scalar", "pow_scalar",
           "rpow_scalar", "maximum_scalar", "minimum_scalar", "eq_scalar", "ne_scalar", "lt_scalar",
           "le_scalar", "gt_scalar", "ge_scalar")
_BINARY = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
           "relu_backward", "gelu_backward", "gelu_tanh_backward", "sigmoid_backward", "tanh_backward")
for _kind, _names in (("unary", _UNARY), ("scalar", _SCALAR), ("binary", _BINARY)):
    for _n in _names:
        globals()[_n] = _make(_kind, _n)
del _kind, _names, _n


def add_(a, b):
    return _binary("add", a, b, inplace=True)


def sub_(a, b):
    return _binary("sub", a, b, inplace=True)


def mul_(a, b):
    return _binary("mul", a, b, inplace=True)


def axpy_(a, alpha, b):
    """a += alpha·b (b broadcast to a), in place."""
    return _binary("axpy", a, b, s=alpha, inplace=True)


def add_scalar_(a, s):
    return _unary("add_scalar", a, s, out=a)


def mul_scalar_(a, s):
    return _unary("mul_scalar", a, s, out=a)


def fill_(a, s):
    _device("fill_", a)
    shape = list(a.shape)
    _check(_lib()[1].tl_unary(_U["fill"], a.dtype, len(shape), _i64(shape), _ptr(a), a.dtype,
                              _i64(a.strides), _ptr(a), _i64(a.strides), float(s)), "fill_")
    return a


def where(cond, a, b):
    _device("where", cond, a, b)
    if cond.dtype != BOOL:
        raise TypeError(f"where: condition must be bool, got {_DTYPE_NAME[cond.dtype]}")
    _same_dtype("where", a, b)
    shape = _broadcast_shapes("where", list(cond.shape), list(a.shape), list(b.shape))
    out = _like(a, shape=shape)
    _check(_lib()[1].tl_where(a.dtype, len(shape), _i64(shape), _ptr(out), _i64(out.strides),
                              _ptr(cond), _i64(_bstrides(cond, shape)), _ptr(a),
                              _i64(_bstrides(a, shape)), _ptr(b), _i64(_bstrides(b, shape))), "where")
    return out


# ----------------------------------------------------------------------------- creation

def full(shape, value, dtype, device_index=0):
    out = empty(shape, dtype, device_index)
    return fill_(out, value)


def arange(start, stop, step, dtype, device_index=0):
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype == BOOL:
        raise TypeError("arange: bool is not supported")
    n = _builtins.max(0, math.ceil((stop - start) / step))
    out = empty([n], dtype, device_index)
    _check(_lib()[1].tl_arange(dtype, n, float(start), float(step), _ptr(out)), "arange")
    return out
