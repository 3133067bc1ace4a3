"""Tensor constructors with torch's names and defaults."""
import builtins

import numpy as np

from . import _C
from . import dtypes as _dt
from .device import CPU, as_device
from .tensor import Tensor, _shape_arg


def _to_array(data, dtype=None):
    """Copy Python data / numpy / Tensor into a new native Array (64-byte aligned, contiguous)."""
    if isinstance(data, Tensor):
        arr = data._data if data.device.type == "cpu" else data.device.backend.to_host(data._data)
        arr = _C.clone(arr)
        return arr if dtype is None or dtype.code == arr.dtype else _C.astype(arr, dtype.code)
    src = np.asarray(data)
    if src.dtype.kind == "O":
        raise TypeError(f"can't build a tensor from {type(data).__name__} with ragged or non-numeric entries")
    dt = dtype
    if dt is None:  # numpy keeps its float width; Python floats get the default dtype, as torch
        from_numpy = isinstance(data, (np.ndarray, np.generic))
        dt = _dt.get_default_dtype() if src.dtype.kind == "f" and not from_numpy else _dt.from_numpy_dtype(src.dtype)
    arr = _C.empty(list(src.shape), dt.code)
    if src.size:
        arr.numpy()[...] = src
    return arr


def _make(arr, device, requires_grad):
    dev = as_device(device)
    if dev is not CPU and dev != CPU:
        arr = dev.backend.to_device(arr, dev.index)
    t = Tensor._wrap(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False):
    return _make(_to_array(data, dtype), device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype) and (device is None or data.device == device):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr):
    """A tensor that shares the numpy array's memory (writes to either show in both)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    if arr.dtype.kind in "iu" and arr.dtype != np.int64 or arr.dtype == np.float16:
        raise TypeError(
            f"from_numpy: can't share memory with a numpy array of dtype {arr.dtype}; supported: "
            "float32, float64, int64, bool (convert with arr.astype(...) first)"
        )
    return Tensor._wrap(_C.from_numpy(arr), CPU)


def _dtype_for_fill(value, dtype):
    if dtype is not None:
        return dtype
    if isinstance(value, builtins.bool):
        return _dt.bool_
    if isinstance(value, builtins.int):
        return _dt.int64
    return _dt.get_default_dtype()


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    dt = _dtype_for_fill(fill_value, dtype)
    return _make(CPU.backend.full(_shape_arg((size,)) if not isinstance(size, int) else [size], builtins.float(fill_value), dt.code), device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dt.get_default_dtype()
    return _make(CPU.backend.full(_shape_arg(size), 0.0, dt.code), device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dt.get_default_dtype()
    return _make(CPU.backend.full(_shape_arg(size), 1.0, dt.code), device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dt.get_default_dtype()
    return _make(_C.empty(_shape_arg(size), dt.code), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_int = builtins.all(isinstance(v, builtins.int) and not isinstance(v, builtins.bool) for v in (start, end, step))
        dtype = _dt.int64 if all_int else _dt.get_default_dtype()
    return _make(CPU.backend.arange(builtins.float(start), builtins.float(end), builtins.float(step), dtype.code), device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dt.get_default_dtype()
    return tensor(np.linspace(start, end, steps), dtype=dt, device=device, requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dt.get_default_dtype()
    return tensor(np.eye(n, m), dtype=dt, device=device, requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dt.get_default_dtype()
    return _make(_C.rand(_shape_arg(size), dt.code), device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dt.get_default_dtype()
    return _make(_C.randn(_shape_arg(size), dt.code), device, requires_grad)


def randint(low=0, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    arr = _C.randint(builtins.int(low), builtins.int(high), _shape_arg((size,)))
    if dtype is not None and dtype is not _dt.int64:
        arr = _C.astype(arr, dtype.code)
    return _make(arr, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None):
    if generator is not None:
        arr = _C.from_numpy(np.ascontiguousarray(generator.permutation(n).astype(np.int64)))
    else:
        arr = _C.randperm(builtins.int(n))
    if dtype is not None and dtype is not _dt.int64:
        arr = _C.astype(arr, dtype.code)
    return _make(arr, device, False)


def _like(fn):
    def like(t, dtype=None, device=None, requires_grad=False, **kw):
        return fn(*t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad, **kw)

    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(tuple(t.shape), fill_value, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def randint_like(t, low=0, high=None, dtype=None, device=None):
    return randint(low, high, tuple(t.shape), dtype=dtype or t.dtype, device=device or t.device)
