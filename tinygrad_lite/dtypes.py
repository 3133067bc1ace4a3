"""Element types: torch's names (float32/float/float64/double/int64/long/bool), one object each.

A dtype's `code` is the native core's enum (tinygrad_lite._C.FLOAT32 ...), its `np` the
matching numpy type, so conversions both ways are a table lookup.
"""
import builtins

import numpy as np

from . import _C


class dtype:
    __slots__ = ("name", "code", "np", "itemsize", "is_floating_point")

    def __init__(self, name, code, np_type, is_float):
        self.name, self.code, self.np = name, code, np.dtype(np_type)
        self.itemsize = self.np.itemsize
        self.is_floating_point = is_float

    def __repr__(self):
        return f"tinygrad_lite.{self.name}"

    def __reduce__(self):  # dtypes are singletons (copy/deepcopy return the same object)
        return (_by_name, (self.name,))


def _by_name(name):
    return _BY_NAME[name]


float32 = dtype("float32", _C.FLOAT32, np.float32, True)
float64 = dtype("float64", _C.FLOAT64, np.float64, True)
int64 = dtype("int64", _C.INT64, np.int64, False)
bool_ = dtype("bool", _C.BOOL, np.bool_, False)

# indexed by the core's dtype code
BY_CODE = (float32, float64, int64, bool_)
_BY_NAME = {d.name: d for d in BY_CODE}

_default_float = [float32]


def get_default_dtype():
    return _default_float[0]


def set_default_dtype(d):
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 or float64 can be the default, got {d}")
    _default_float[0] = d


_RANK = {bool_: 0, int64: 1, float32: 2, float64: 3}


def promote_types(a, b):
    """torch's promotion restricted to our dtypes: bool < int64 < float32 < float64."""
    return a if _RANK[a] >= _RANK[b] else b


def from_numpy_dtype(np_dtype):
    """The dtype a numpy array converts to (ints of any width -> int64, float16 -> float32)."""
    k = np.dtype(np_dtype).kind
    if k == "b":
        return bool_
    if k in "iu":
        return int64
    if k == "f":
        return float64 if np.dtype(np_dtype).itemsize == 8 else float32
    raise TypeError(f"can't convert numpy array of dtype {np_dtype}; supported: float, int, bool")


def result_type_of_scalar(t_dtype, value):
    """dtype of `tensor op python_scalar` (torch: a Python float makes an int tensor float)."""
    if isinstance(value, builtins.bool):
        return t_dtype
    if isinstance(value, builtins.int):
        return int64 if t_dtype is bool_ else t_dtype
    if isinstance(value, builtins.float):
        return t_dtype if t_dtype.is_floating_point else get_default_dtype()
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


class finfo:
    """torch.finfo: the limits of a floating dtype (bits, eps, max, min, tiny, resolution)."""

    def __init__(self, type=None):
        type = type or get_default_dtype()
        if not type.is_floating_point:
            raise TypeError(f"finfo: {type.name} is not a floating point dtype (use iinfo)")
        i = np.finfo(type.np)
        self.dtype, self.bits, self.eps = type.name, i.bits, builtins.float(i.eps)
        self.max, self.min, self.tiny = builtins.float(i.max), builtins.float(i.min), builtins.float(i.tiny)
        self.smallest_normal, self.resolution = self.tiny, builtins.float(i.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo: the limits of an integer dtype (bits, max, min)."""

    def __init__(self, type):
        if type.is_floating_point or type is bool_:
            raise TypeError(f"iinfo: {type.name} is not an integer dtype")
        i = np.iinfo(type.np)
        self.dtype, self.bits, self.max, self.min = type.name, i.bits, builtins.int(i.max), builtins.int(i.min)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
