"""Elementwise kernels (elementwise.cu): every row of the pointwise table (csrc/ops/pointwise.def)
and its backward, generated from the table as _C's are; the in-place forms, where, and the
creation kernels full / arange."""
from __future__ import annotations

import builtins as _builtins
import math

from ... import _C
from ._loader import _DTYPE_NAME, _FLOATS, _NUMERIC, BOOL, FLOAT32, FLOAT64, INT64, _check, _lib
from ._memory import _like, empty
from ._util import _broadcast_shapes, _bstrides, _device, _i64, _need, _ptr, _same_dtype, _shape_str

# ----------------------------------------------------------------------------- pointwise table
# Op codes are the rows' positions in csrc/ops/pointwise.def, read from _C (built from the same
# table); _codes() checks that the CUDA library agrees before the first launch.
_ROWS = {row[0]: (code, row) for code, row in enumerate(_C.pointwise_ops())}
_DTYPES = {"FLOAT": _FLOATS, "NUMERIC": _NUMERIC, "ALL": (FLOAT32, FLOAT64, INT64, BOOL), "INTEGRAL": (INT64, BOOL)}
_DTYPE_WORD = {"FLOAT": "floating", "NUMERIC": "numeric", "ALL": "any", "INTEGRAL": "integer or bool"}
_checked = []


def _codes():
    if not _checked:
        lib = _lib()[1]
        names = [_lib()[0].string(lib.tl_pointwise_name(i)).decode() for i in range(lib.tl_pointwise_count())]
        if names != list(_ROWS):
            raise RuntimeError("libtl_cuda.so was built from another csrc/ops/pointwise.def than tinygrad_lite._C: "
                               "rebuild both")
        _checked.append(True)
    return _ROWS


def _row(name, x):
    code, (_, kind, dtypes, saves, nparams, _doc) = _codes()[name]
    _need(name, x, _DTYPES[dtypes], _DTYPE_WORD[dtypes])
    return code, kind


def _params(p):
    p = [float(v) for v in p]
    return p + [0.0] * (3 - len(p))


def _unary(name, x, params=(), out=None):
    _device(name, x)
    code, kind = _row(name, x)
    out_dtype = BOOL if kind == "unary_pred" else x.dtype
    if out is None:
        out = _like(x, dtype=out_dtype)
    shape = list(x.shape)
    _check(_lib()[1].tl_unary(code, x.dtype, len(shape), _i64(shape), _ptr(out), out_dtype, _i64(out.strides),
                              _ptr(x), _i64(x.strides), *_params(params)), name)
    return out


def _unary_backward(name, s, g, params=()):
    _device(name, s, g)
    _same_dtype(name, s, g)
    code, _ = _row(name, s)
    shape = list(s.shape)
    out = _like(s)
    _check(_lib()[1].tl_unary_backward(code, s.dtype, len(shape), _i64(shape), _ptr(out), _ptr(s), _i64(s.strides),
                                       _ptr(g), _i64(_bstrides(g, shape)), *_params(params)), name + "_backward")
    return out


def _binary(name, a, b, out=None):
    _device(name, a, b)
    _same_dtype(name, a, b)
    code, kind = _row(name, a)
    if out is not None:  # in place: b broadcasts into a
        shape = list(a.shape)
        if _broadcast_shapes(name, list(b.shape), shape) != shape:
            raise ValueError(f"{name}: shapes {_shape_str(b.shape)} and {_shape_str(shape)} cannot be broadcast together")
    else:
        shape = _broadcast_shapes(name, list(a.shape), list(b.shape))
        out = _like(a, shape=shape, dtype=BOOL if kind == "binary_pred" else a.dtype)
    _check(_lib()[1].tl_binary(code, a.dtype, len(shape), _i64(shape), _ptr(out), out.dtype, _i64(out.strides),
                               _ptr(a), _i64(_bstrides(a, shape)), _ptr(b), _i64(_bstrides(b, shape))), name)
    return out


def _binary_backward(name, a, b, g, want_a=True, want_b=True):
    _device(name, a, b, g)
    _same_dtype(name, a, b, g)
    code, _ = _row(name, a)
    shape = _broadcast_shapes(name, list(a.shape), list(b.shape))
    if list(g.shape) != shape:
        raise ValueError(f"{name}_backward: gradient of shape {_shape_str(g.shape)} does not match the output shape "
                         f"{_shape_str(shape)}")
    ga = _like(a, shape=shape) if want_a else None
    gb = _like(a, shape=shape) if want_b else None
    ffi = _lib()[0]
    _check(_lib()[1].tl_binary_backward(code, a.dtype, len(shape), _i64(shape), _ptr(ga) if ga is not None else ffi.NULL,
                                        _ptr(gb) if gb is not None else ffi.NULL, _ptr(a), _i64(_bstrides(a, shape)),
                                        _ptr(b), _i64(_bstrides(b, shape)), _ptr(g), _i64(g.strides)),
           name + "_backward")
    return ga, gb


def _make(name, kind, saves):
    """The public functions of one table row: `name` and, if it has one, `name_backward`."""
    if kind in ("binary", "binary_pred"):
        def f(a, b):
            return _binary(name, a, b)

        def fb(a, b, g, want_a=True, want_b=True):
            return _binary_backward(name, a, b, g, want_a, want_b)
    else:
        def f(x, *params):
            return _unary(name, x, params)

        def fb(s, g, *params):
            return _unary_backward(name, s, g, params)
    f.__name__, fb.__name__ = name, name + "_backward"
    f.__qualname__, fb.__qualname__ = f.__name__, fb.__name__
    f.__doc__ = f"CUDA twin of _C.{name} (elementwise.cu; csrc/ops/pointwise.def)."
    fb.__doc__ = f"CUDA twin of _C.{name}_backward."
    out = {name: f}
    if saves in ("NONE", "X", "Y", "GRAD"):
        out[fb.__name__] = fb
    return out


POINTWISE = {}
for _name, (_code, _r) in _ROWS.items():
    POINTWISE.update(_make(_name, _r[1], _r[3]))
globals().update(POINTWISE)
del _name, _code, _r


def add_(a, b):
    return _binary("add", a, b, out=a)


def sub_(a, b):
    return _binary("sub", a, b, out=a)


def mul_(a, b):
    return _binary("mul", a, b, out=a)


def add_scalar_(a, s):
    return _unary("add_scalar", a, (s,), out=a)


def mul_scalar_(a, s):
    return _unary("mul_scalar", a, (s,), out=a)


def axpy_(a, alpha, b):
    """a += alpha·b (b broadcast to a), in place."""
    _device("axpy_", a, b)
    _same_dtype("axpy_", a, b)
    _need("axpy_", a, _NUMERIC, "numeric")
    shape = list(a.shape)
    if _broadcast_shapes("axpy_", list(b.shape), shape) != shape:
        raise ValueError(f"axpy_: shapes {_shape_str(b.shape)} and {_shape_str(shape)} cannot be broadcast together")
    _check(_lib()[1].tl_axpy(a.dtype, len(shape), _i64(shape), _ptr(a), _i64(a.strides), _ptr(b),
                             _i64(_bstrides(b, shape)), float(alpha)), "axpy_")
    return a


def fill_(a, s):
    _device("fill_", a)
    shape = list(a.shape)
    _check(_lib()[1].tl_fill(a.dtype, len(shape), _i64(shape), _ptr(a), _i64(a.strides), float(s)), "fill_")
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
