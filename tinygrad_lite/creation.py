"""Tensor constructors with torch's names and defaults."""
import builtins

import numpy as np

from . import _C, argcheck
from . import dtypes as _dt
from .device import CPU, as_device
from .random import native as _gen
from .tensor import Tensor, _shape_arg

_default_device = [None]  # set_default_device: where factory functions put tensors without device=


def set_default_device(device):
    """torch.set_default_device: the device of tensors made without `device=` (None: the CPU)."""
    _default_device[0] = None if device is None else as_device(device)


def get_default_device():
    return _default_device[0] or CPU


def _to_array(data, dtype=None):
    """Copy Python data / numpy / Tensor into a new native Array (64-byte aligned, contiguous)."""
    if isinstance(data, Tensor):
        arr = data._data if data.device.type == "cpu" else data.device.backend.to_host(data._data)
        arr = _C.clone(arr)
        return arr if dtype is None or dtype.code == arr.dtype else _C.astype(arr, dtype.code)
    if isinstance(data, np.ndarray):
        if not data.dtype.isnative:
            raise ValueError("tensor(): given numpy array has byte order different from the native byte order "
                             "(torch raises too; use arr.astype(arr.dtype.newbyteorder('=')))")
    src = np.asarray(data)
    if src.dtype.kind in "OUSV":
        what = "None" if data is None else type(data).__name__
        raise TypeError(f"can't build a tensor from {what} with ragged or non-numeric entries: expected numbers or "
                        "(nested) sequences of numbers of equal length")
    if not isinstance(data, (np.ndarray, np.generic)):
        _check_python_values(src, dtype)
    dt = dtype
    if dt is None:  # numpy keeps its float width; Python floats get the default dtype, as torch
        from_numpy = isinstance(data, (np.ndarray, np.generic))
        dt = _dt.get_default_dtype() if src.dtype.kind == "f" and not from_numpy else _dt.from_numpy_dtype(src.dtype)
    if dt.np is None:  # bfloat16 (numpy has none): fill float32, round once
        return _C.astype(_to_array(src, dt.compute), dt.code)
    arr = _C.empty(list(src.shape), dt.code)
    if src.size:
        arr.numpy()[...] = src
    return arr


def _check_python_values(src, dtype):
    """torch.tensor of Python numbers: an int beyond int64 raises (numpy made it uint64), and so
    does a value that the requested dtype cannot hold (NaN or 1e30 as int64, 300 as uint8)."""
    if src.dtype == np.uint64 and (dtype is None or not dtype.is_floating_point):
        raise ValueError("tensor(): a Python int does not fit in int64 (torch: Overflow when unpacking long long)")
    if dtype is None or dtype is _dt.bool_ or dtype.is_floating_point or src.size == 0 or src.dtype.kind not in "fiu":
        return  # (a float dtype takes any number: 1e300 as float32 is inf, as torch)
    lo, hi = src.min(), src.max()
    if src.dtype.kind == "f" and not dtype.is_floating_point and np.isnan(src).any():
        lo = float("nan")
    for v in (lo, hi):
        _dt.check_scalar(v.item() if hasattr(v, "item") else v, dtype, "tensor")


def _make(arr, device, requires_grad):
    dev = as_device(device if device is not None else _default_device[0])
    if dev is not CPU and dev != CPU:
        arr = dev.backend.to_device(arr, dev.index)
    t = Tensor._wrap(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    argcheck.dtype("tensor", dtype)
    return _make(_to_array(data, dtype), device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype) and (device is None or data.device == device):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr):
    """A tensor that shares the numpy array's memory (writes to either show in both)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    if arr.dtype not in _dt._FROM_NP:
        raise TypeError(
            f"from_numpy: can't share memory with a numpy array of dtype {arr.dtype}; supported: float64, float32, "
            "float16, int64, int32, int16, int8, uint8, bool (convert with arr.astype(...) first)"
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


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    fill_value = _num(argcheck.number("full", "fill_value", fill_value))
    dt = _dtype_for_fill(fill_value, argcheck.dtype("full", dtype))
    if isinstance(fill_value, (builtins.int, builtins.float)):
        _dt.check_scalar(fill_value, dt, "full")
    shape = _shape_arg((size,), "full")
    # an int beyond 2**53 goes to the native full as an int (its exact integer fill), not a double
    value = fill_value if _dt.needs_exact_int(fill_value, dt) else builtins.float(fill_value)
    return _out(_make(CPU.backend.full(shape, value, dt.code), device, requires_grad), out)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, **kw):
    size = _size_kw(size, kw, "zeros")
    dt = argcheck.dtype("zeros", dtype) or (out.dtype if out is not None else _dt.get_default_dtype())
    return _out(_make(CPU.backend.full(_shape_arg(size, "zeros"), 0.0, dt.code), device, requires_grad), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
         memory_format=None, **kw):
    size = _size_kw(size, kw, "ones")
    dt = argcheck.dtype("ones", dtype) or (out.dtype if out is not None else _dt.get_default_dtype())
    return _out(_make(CPU.backend.full(_shape_arg(size, "ones"), 1.0, dt.code), device, requires_grad), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, **kw):
    size = _size_kw(size, kw, "empty")
    dt = argcheck.dtype("empty", dtype) or (out.dtype if out is not None else _dt.get_default_dtype())
    return _out(_make(_C.empty(_shape_arg(size, "empty"), dt.code), device, requires_grad), out)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
    start, end, step = _num(start), _num(end), _num(step)
    argcheck.dtype("arange", dtype)
    for name, v in (("start", start), ("end", end), ("step", step)):
        if v is not None or name != "end":
            argcheck.number("arange", name, v)
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_int = builtins.all(isinstance(v, builtins.int) and not isinstance(v, builtins.bool) for v in (start, end, step))
        dtype = _dt.int64 if all_int else _dt.get_default_dtype()
    elif not dtype.is_floating_point and builtins.any(isinstance(v, builtins.float) for v in (start, end, step)):
        start, end, step = _int_range(start, end, step)
    if not dtype.is_floating_point and builtins.all(type(v) is builtins.int for v in (start, end, step)):
        arr = CPU.backend.arange(start, end, step, dtype.code)  # ints stay exact (not through a double)
    else:
        arr = CPU.backend.arange(builtins.float(start), builtins.float(end), builtins.float(step), dtype.code)
    return _out(_make(arr, device, requires_grad), out)


def _int_range(start, end, step):
    """torch's arange of an integer dtype: the bounds' signs are checked as given, then start, end
    and step are truncated to integers before the length is taken (arange(2.5, dtype=int64) is [0, 1])."""
    s, e, st = builtins.float(start), builtins.float(end), builtins.float(step)
    if not all(map(np.isfinite, (s, e, st))):
        return start, end, step  # the native check names the bad bound
    if (st > 0 and e < s) or (st < 0 and e > s):
        raise ValueError(f"arange: upper bound and lower bound inconsistent with step sign (start {start}, end {end}, "
                         f"step {step})")
    return builtins.int(s), builtins.int(e), builtins.int(st)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """start + i·(end − start)/(steps − 1) for i < steps; one step is [start] whatever end is (torch;
    numpy's 0·NaN step would give NaN for a NaN or infinite end)."""
    dt = argcheck.dtype("linspace", dtype) or _dt.get_default_dtype()
    argcheck.number("linspace", "start", _num(start))
    argcheck.number("linspace", "end", _num(end))
    steps = argcheck.int64("linspace", "steps", steps)
    for v in (_num(start), _num(end)):
        if isinstance(v, (builtins.int, builtins.float)):
            _dt.check_scalar(v, dt, "linspace")
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    values = [_num(start)] if steps == 1 else _linspace_values(_num(start), _num(end), steps, dt)
    return tensor(np.asarray(values, dtype=np.float64), dtype=dt, device=device, requires_grad=requires_grad)


def _linspace_values(start, end, steps, dt):
    """torch's formula, in the output's float width: step = (end − start)/(steps − 1); the first
    half start + i·step, the second half end − (steps − 1 − i)·step (so an infinite end or start
    gives torch's mix of inf and NaN, not numpy's)."""
    ft = np.float64 if dt is _dt.float64 or not dt.is_floating_point else np.float32
    s, e, i = ft(start), ft(end), np.arange(steps, dtype=ft)
    with np.errstate(all="ignore"):
        step = (e - s) / ft(steps - 1)
        return np.where(np.arange(steps) < steps // 2, s + step * i, e - step * (ft(steps - 1) - i))


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps)"""
    dt = dtype or _dt.get_default_dtype()
    return tensor(np.power(float(base), np.linspace(_num(start), _num(end), steps)), dtype=dt, device=device,
                  requires_grad=requires_grad)


def _size_kw(size, kw, op):
    """torch's size= keyword (zeros(size=(2, 3))); nothing else unknown is accepted."""
    if "size" in kw:
        size = (kw.pop("size"),)
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(kw))!r}")
    return _need_size(size, op)


def _need_size(size, op):
    """f() with no size raises, as torch (a 0-d tensor is f(()) or f([]))."""
    if size == ():
        raise TypeError(f"{op}() missing 1 required positional argument: 'size' (a 0-d tensor is {op}(()))")
    return size


def _num(v):
    return v.item() if isinstance(v, Tensor) else v


def _tri_indices(row, col, offset, upper, dtype, device):
    r, c = np.triu_indices(row, offset, col) if upper else np.tril_indices(row, offset, col)
    return tensor(np.stack([r, c]).astype(np.int64).reshape(2, -1), dtype=dtype or _dt.int64, device=device)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """(2, N) int64 coordinates of the lower triangle (on and below diagonal `offset`), row-major"""
    return _tri_indices(row, col, offset, False, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """(2, N) int64 coordinates of the upper triangle (on and above diagonal `offset`), row-major"""
    return _tri_indices(row, col, offset, True, dtype, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    dt = argcheck.dtype("eye", dtype) or _dt.get_default_dtype()
    n = argcheck.int64("eye", "n", n)
    m = m if m is None else argcheck.int64("eye", "m", m)
    return tensor(np.eye(n, m), dtype=dt, device=device, requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """U[0, 1) (from `generator`, default: the global one)"""
    dt = argcheck.dtype("rand", dtype) or _dt.get_default_dtype()
    return _out(_make(_C.rand(_shape_arg(_need_size(size, "rand"), "rand"), dt.code, _gen(generator)), device, requires_grad), out)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """N(0, 1) (from `generator`, default: the global one)"""
    dt = argcheck.dtype("randn", dtype) or _dt.get_default_dtype()
    return _out(_make(_C.randn(_shape_arg(_need_size(size, "randn"), "randn"), dt.code, _gen(generator)), device, requires_grad), out)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """mean + std·N(0, 1): numbers with `size`, or elementwise for tensor mean/std (broadcast)"""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        shape = np.broadcast_shapes(tuple(getattr(mean, "shape", ())), tuple(getattr(std, "shape", ())))
        z = _make(_C.randn(list(shape), ref.dtype.code, _gen(generator)), ref.device, False)
        return _out((z * std + mean).detach(), out)
    if size is None:
        raise TypeError("normal(mean: float, std: float) needs a size")
    dt = argcheck.dtype("normal", dtype) or _dt.get_default_dtype()
    arr = _C.randn(_shape_arg((size,), "normal"), dt.code, _gen(generator))
    t = _make(arr, device, False)
    if std != 1.0 or mean != 0.0:
        t = t * float(std) + float(mean)
    return _out(t.requires_grad_(requires_grad) if requires_grad else t, out)


def _out(t, out):
    """torch's out=: the result written into `out` (which takes the result's shape if it differs)."""
    if out is None:
        return t
    if tuple(out.shape) == tuple(t.shape):
        out.copy_(t)
    else:
        out._data = t.to(out.dtype)._data
    return out


_NO_HIGH = object()  # randint's high left out (randint(high, size)); an explicit None is refused as torch


def randint(low=0, high=_NO_HIGH, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint(): argument 'high' must be int, not NoneType")
    if high is _NO_HIGH:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    argcheck.dtype("randint", dtype)
    low, high = argcheck.int64("randint", "low", low), argcheck.int64("randint", "high", high)
    arr = _C.randint(low, high, _shape_arg((size,), "randint"), _gen(generator))
    if dtype is not None and dtype is not _dt.int64:
        arr = _C.astype(arr, dtype.code)
    return _make(arr, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None):
    argcheck.dtype("randperm", dtype)
    arr = _C.randperm(argcheck.int64("randperm", "n", n), _gen(generator))
    if dtype is not None and dtype is not _dt.int64:
        arr = _C.astype(arr, dtype.code)
    return _make(arr, device, False)


def _like(fn):
    def like(t, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
        return fn(tuple(t.shape), dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad, **kw)

    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(tuple(t.shape), fill_value, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def randint_like(t, low=0, high=None, dtype=None, device=None, generator=None):
    if high is None:  # randint_like(t, high)
        low, high = 0, low
    return randint(low, high, tuple(t.shape), dtype=dtype or t.dtype, device=device or t.device, generator=generator)
