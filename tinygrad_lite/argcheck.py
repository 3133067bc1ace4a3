"""Argument checks shared by the public API, so a bad call raises an error that names the op,
the argument and what it got — not an AttributeError from deep inside, nor a pybind11
signature dump from the native core (which takes int64 and Arrays only).

Each checker returns the argument converted (an int, a list of ints, a dtype) or raises:
TypeError for a wrong Python type, RuntimeError for an int outside int64 (torch: "Overflow
when unpacking long long"; TypeError for a size, as torch). `describe` is the one way messages show an argument.
"""
import builtins
import operator

from . import dtypes

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def describe(v):
    """An argument as a message shows it: a tensor by dtype and shape, anything else by type."""
    shape, dtype = getattr(v, "shape", None), getattr(v, "dtype", None)
    if shape is not None and dtype is not None and hasattr(v, "_data"):
        return f"Tensor({getattr(dtype, 'name', dtype)}, shape {tuple(shape)})"
    if v is None:
        return "None"
    if isinstance(v, (list, tuple)) and len(v) <= 8 and builtins.all(isinstance(e, (builtins.int, builtins.float)) for e in v):
        return repr(v)
    if isinstance(v, (builtins.int, builtins.float, builtins.bool)):
        return f"{type(v).__name__} {v!r}"
    return type(v).__name__


def _is_int(v):
    """An integer argument as torch takes it: int, bool, numpy integer, a 0-d integer tensor."""
    if isinstance(v, builtins.int):
        return True
    if isinstance(v, builtins.float) or isinstance(v, (str, bytes)):
        return False
    dtype = getattr(v, "dtype", None)
    if dtype is not None and getattr(dtype, "is_floating_point", False):
        return False
    try:
        operator.index(v)
    except TypeError:
        return False
    return True


def int64(op, name, v, overflow=RuntimeError):
    """An int argument that the native core takes as int64 (out of range: `overflow`, RuntimeError
    as torch's hyper-parameters; a size's is a TypeError, as torch's size unpacking)."""
    if not _is_int(v):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {describe(v)}")
    v = operator.index(v)
    if not INT64_MIN <= v <= INT64_MAX:
        raise overflow(f"{op}(): argument '{name}' = {v} does not fit in int64 (overflow)")
    return v


def dim(op, v, name="dim"):
    """A dimension index (its range is checked where the tensor's ndim is known)."""
    return int64(op, name, v)


def dims(op, v, name="dim"):
    """An int or a sequence of ints: the list of ints."""
    if isinstance(v, (list, tuple)):
        return [int64(op, name, d) for d in v]
    if _is_int(v):
        return [int64(op, name, v)]
    raise TypeError(f"{op}(): argument '{name}' must be int or tuple of ints, not {describe(v)}")


def sizes(op, v, name="size"):
    """A shape: f(2, 3), f((2, 3)), f([2, 3]), f(Size) — a list of ints in int64."""
    if isinstance(v, (list, tuple)) and len(v) == 1 and isinstance(v[0], (list, tuple)):
        v = v[0]
    if not isinstance(v, (list, tuple)):
        if _is_int(v):
            v = (v,)
        else:
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {describe(v)}")
    out = []
    for k, s in enumerate(v):
        if type(s) is builtins.int and INT64_MIN <= s <= INT64_MAX:  # the common case, first (reshape, view)
            out.append(s)
            continue
        if not _is_int(s) or isinstance(s, builtins.bool):  # torch: a bool is no size
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found {describe(s)} at pos {k}")
        out.append(int64(op, name, s, TypeError))
    return out


def ints(op, name, v, n):
    """A hyper-parameter given as one int or n ints (conv stride, pool kernel_size): a tuple of n."""
    if _is_int(v):
        return (int64(op, name, v),) * n
    if not isinstance(v, (list, tuple)):
        raise TypeError(f"{op}(): argument '{name}' must be int or tuple of {n} ints, not {describe(v)}")
    return tuple(int64(op, name, s) for s in v)


def number(op, name, v):
    """A number argument (fill values, scalars): bool, int, float, a numpy scalar, a 1-element tensor."""
    if v is None or isinstance(v, (str, bytes, complex)) or not (hasattr(v, "__float__") or hasattr(v, "__index__")):
        raise TypeError(f"{op}(): argument '{name}' must be a number, not {describe(v)}")
    return v


def operand(op, name, v):
    """An operand of arithmetic: a tensor, a number, or array-like data (a list, a numpy array),
    which is made a tensor here (torch's functions refuse it; ours take it, but never let Python
    fall back to list repetition: tl.mul(t, [[1, 2], [3]]) would otherwise be [] for a 1-element
    int t). Returns the operand to use."""
    if v is None or isinstance(v, (str, bytes, dict, set)) or not (
            hasattr(v, "__float__") or hasattr(v, "__index__") or hasattr(v, "__len__") or hasattr(v, "_data")):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor or a number, not {describe(v)}")
    if isinstance(v, (list, tuple)):
        try:
            return _tensor_class()(v)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, a number or rectangular numeric data, "
                            f"not {describe(v)} ({e})") from None
    return v


_Tensor = None  # tinygrad_lite.Tensor, looked up once (tensor.py imports this module: no import at load)


def _tensor_class():
    global _Tensor
    if _Tensor is None:
        from .tensor import Tensor as _Tensor
    return _Tensor


def tensor(op, name, v):
    """A tensor argument."""
    if not isinstance(v, _Tensor or _tensor_class()):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {describe(v)}")
    return v


def boolean(op, name, v):
    """A flag (keepdim, descending, training, ...): torch takes a bool only — not None, an int or a str."""
    if not isinstance(v, builtins.bool) and type(v).__name__ != "bool_":
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {describe(v)}")
    return builtins.bool(v)


def optional_tensor(op, name, v):
    return v if v is None else tensor(op, name, v)


def dtype(op, v, name="dtype"):
    """A dtype argument: None or one of tinygrad_lite's dtype objects (torch takes no strings)."""
    if v is None or isinstance(v, dtypes.dtype):
        return v
    hint = f" (use tinygrad_lite.{v})" if isinstance(v, str) and v in dtypes._BY_NAME else ""
    raise TypeError(f"{op}(): argument '{name}' must be a tinygrad_lite dtype, not {describe(v)}{hint}")


def native_call_error(op, err, args=(), params=None, kind=TypeError, what="invalid argument types or values"):
    """An error of the native layer that names nothing — pybind11's "incompatible function
    arguments" signature dump, std::bad_alloc — restated: the op, then each argument by
    dtype/shape or type and value."""
    shown = [describe(a) for a in args]
    for k, v in (params or {}).items():
        shown.append(f"{k}={v!r}" if isinstance(v, (builtins.int, builtins.float, builtins.bool)) else f"{k}={describe(v)}")
    big = [v for v in (params or {}).values() if isinstance(v, builtins.int) and not INT64_MIN <= v <= INT64_MAX]
    why = f"; {big[0]} does not fit in int64 (overflow)" if big else ""
    return kind(f"{op}: {what} ({', '.join(shown)}){why}")
