"""Element types: torch's names, one object each — float32 (float), float64 (double), float16
(half), bfloat16, int64 (long), int32 (int), int16 (short), int8, uint8, bool.

A dtype's `code` is the native core's enum (tinygrad_lite._C.FLOAT32 ...), its `np` the
matching numpy type (None for bfloat16: numpy has none), so conversions both ways are a table
lookup. The kernels compute in float32/float64/int64/bool; the other six are storage dtypes,
computed in `compute` (float32 / int64) and rounded back by the op layer (backend/narrow.py).
"""
import builtins

import numpy as np

from . import _C


class dtype:
    __slots__ = ("name", "code", "np", "itemsize", "is_floating_point", "is_signed", "compute")

    def __init__(self, name, code, np_type, is_float, itemsize=None):
        self.name, self.code = name, code
        self.np = None if np_type is None else np.dtype(np_type)
        self.itemsize = self.np.itemsize if itemsize is None else itemsize
        self.is_floating_point = is_float
        self.is_signed = name != "uint8" and name != "bool"
        self.compute = None  # the dtype kernels compute a storage dtype in (None: itself)

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
float16 = dtype("float16", _C.FLOAT16, np.float16, True)
bfloat16 = dtype("bfloat16", _C.BFLOAT16, None, True, itemsize=2)
int32 = dtype("int32", _C.INT32, np.int32, False)
int16 = dtype("int16", _C.INT16, np.int16, False)
int8 = dtype("int8", _C.INT8, np.int8, False)
uint8 = dtype("uint8", _C.UINT8, np.uint8, False)
for _d in (float16, bfloat16):
    _d.compute = float32
for _d in (int32, int16, int8, uint8):
    _d.compute = int64
del _d

# indexed by the core's dtype code
BY_CODE = (float32, float64, int64, bool_, float16, bfloat16, int32, int16, int8, uint8)
assert [d.code for d in BY_CODE] == list(range(len(BY_CODE)))
_BY_NAME = {d.name: d for d in BY_CODE}

_default_float = [float32]


def get_default_dtype():
    return _default_float[0]


def set_default_dtype(d):
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 or float64 can be the default, got {d}")
    _default_float[0] = d


# torch.promote_types, from the core's table (csrc/core/dtype.h): bool < ints < floats; the
# wider int / float wins; uint8 with int8 -> int16; float16 with bfloat16 -> float32
_PROMOTE = {(a, b): BY_CODE[_C.promote_types(a.code, b.code)] for a in BY_CODE for b in BY_CODE}


def promote_types(a, b):
    """torch.promote_types(a, b): the dtype a binary op of an a and a b tensor computes in."""
    return a if a is b else _PROMOTE[a, b]


def _category(d):
    return 2 if d.is_floating_point else 0 if d is bool_ else 1


def result_type(a, a_is_0d, b, b_is_0d):
    """torch.result_type of an a and a b tensor: a 0-d tensor beside a tensor with dims is 'weak' —
    its dtype counts only when it is of a higher category (bool < integer < floating), so a 0-d
    float64 with a float32 tensor gives float32 and a 0-d float64 with an int64 tensor float64."""
    if a is b:
        return a
    if a_is_0d != b_is_0d:
        weak, strong = (a, b) if a_is_0d else (b, a)
        if _category(weak) <= _category(strong):
            return strong
    return _PROMOTE[a, b]


_FROM_NP = {np.dtype(d.np): d for d in BY_CODE if d.np is not None}


def from_numpy_dtype(np_dtype):
    """The dtype a numpy array converts to: the same one when we have it; uint16/32/64 -> int64."""
    d = _FROM_NP.get(np.dtype(np_dtype))
    if d is not None:
        return d
    if np.dtype(np_dtype).kind in "iu":
        return int64
    raise TypeError(f"can't convert numpy array of dtype {np_dtype}; supported: float, int, uint8, bool")


def result_type_of_scalar(t_dtype, value):
    """dtype of `tensor op python_scalar` (torch: a Python float makes an int tensor float)."""
    if isinstance(value, builtins.bool):
        return t_dtype
    if isinstance(value, builtins.int):
        return int64 if t_dtype is bool_ else t_dtype
    if isinstance(value, builtins.float):
        return t_dtype if t_dtype.is_floating_point else get_default_dtype()
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


def needs_exact_int(value, d):
    """A Python int that a double cannot hold exactly (|value| > 2**53) written into an integer
    dtype: the native fills take a double, so such a value goes in as an int (the native full's
    exact path) or as a 0-d tensor of the target's dtype instead."""
    return type(value) is builtins.int and abs(value) > 2 ** 53 and not d.is_floating_point and d is not bool_


def check_scalar(value, d, op):
    """torch's check when a Python number is written into a tensor of dtype d (fill_, full,
    x[i] = v, tensor(data, dtype=d)): a float into an integer dtype must be finite and in range; a
    finite float into a float dtype must not overflow it; an int must fit the integer dtype (an
    unsigned one also takes -max..-1, as torch); a bool target takes anything."""
    if isinstance(value, builtins.int) and not isinstance(value, builtins.bool) and not -2 ** 63 <= value < 2 ** 64:
        raise OverflowError(f"{op}: Python int {value} is too big to convert (torch takes ints in [-2**63, 2**64))")
    if d is bool_ or isinstance(value, builtins.bool):
        return
    if d.is_floating_point:
        if isinstance(value, builtins.float) and value == value and abs(value) != float("inf") and d is not float64:
            if abs(value) > finfo(d).max:
                raise RuntimeError(f"{op}: value {value} cannot be converted to type {d.name} without overflow")
        return
    lo, hi = (-(2 ** 63), 2 ** 63 - 1) if d.np is None else (builtins.int(np.iinfo(d.np).min), builtins.int(np.iinfo(d.np).max))
    if not d.is_signed:
        lo = -hi
    ok = lo <= value <= hi if isinstance(value, builtins.int) else (
        value == value and abs(value) != float("inf") and lo <= value <= hi)
    if not ok:
        raise RuntimeError(f"{op}: value {value} cannot be converted to type {d.name} without overflow")


class finfo:
    """torch.finfo: the limits of a floating dtype (bits, eps, max, min, tiny, resolution)."""

    def __init__(self, type=None):
        type = type or get_default_dtype()
        if not type.is_floating_point:
            raise TypeError(f"finfo: {type.name} is not a floating point dtype (use iinfo)")
        if type is bfloat16:  # numpy has no bfloat16: 8 exponent bits as float32, 7 mantissa bits
            bits, eps, mx, tiny, resolution = 16, 2.0 ** -7, builtins.float.fromhex("0x1.fep127"), 2.0 ** -126, 0.01
        else:
            i = np.finfo(type.np)
            bits, eps, mx, tiny = i.bits, builtins.float(i.eps), builtins.float(i.max), builtins.float(i.tiny)
            resolution = 10.0 ** -i.precision  # torch's: exactly 10^-digits
        self.dtype, self.bits, self.eps, self.max, self.min, self.tiny = type.name, bits, eps, mx, -mx, tiny
        self.smallest_normal, self.resolution = tiny, resolution

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
