"""Device memory: allocation (wrapped with _C.from_external), host<->device transfers, copies
and layout changes."""
from __future__ import annotations

import builtins as _builtins

from ... import _C
from ._loader import _ITEMSIZE, _check, _lib
from ._util import (_bstrides, _broadcast_shapes, _dev_index, _device, _i64, _numel, _ptr,
                    _shape_str, _use_device)


def empty(shape, dtype, device_index=0):
    """A new uninitialised contiguous array on cuda:device_index."""
    ffi, lib = _lib()
    shape = [int(d) for d in shape]
    for d in shape:
        if d < 0:
            raise ValueError(f"empty: negative dimension in shape {_shape_str(shape)}")
    if dtype not in _ITEMSIZE:
        raise TypeError(f"unknown dtype code {dtype}")
    _use_device(device_index)
    nbytes = _numel(shape) * _ITEMSIZE[dtype]
    p = ffi.new("void**")
    _check(lib.tl_cuda_malloc(nbytes, p), "empty")
    ptr = int(ffi.cast("uintptr_t", p[0]))
    deleter = int(ffi.cast("uintptr_t", lib.tl_cuda_free))
    try:
        return _C.from_external(ptr, _builtins.max(nbytes, 1), shape, dtype, device_index, deleter)
    except Exception:
        lib.tl_cuda_free(p[0], nbytes)
        raise


def _like(x, shape=None, dtype=None):
    return empty(list(x.shape) if shape is None else shape, x.dtype if dtype is None else dtype,
                 _dev_index(x))


# ----------------------------------------------------------------------------- memory / layout

def synchronize():
    _check(_lib()[1].tl_cuda_synchronize(), "synchronize")


def empty_cache():
    """Give the device pool's cached free blocks back to the driver (torch.cuda.empty_cache)."""
    _check(_lib()[1].tl_cuda_empty_cache(), "empty_cache")


def set_device(index):
    _use_device(int(index))


def to_device(x, index=0):
    """Copy a CPU Array to cuda:index (a new contiguous Array)."""
    _, lib = _lib()
    if x.device != "cpu":
        if x.device == f"cuda:{index}":
            return x
        x = to_host(x)
    xc = _C.contiguous(x)
    out = empty(list(xc.shape), xc.dtype, index)
    _check(lib.tl_cuda_memcpy_h2d(_ptr(out), _ptr(xc), xc.numel * _ITEMSIZE[xc.dtype]), "to_device")
    return out


def to_host(x):
    """Copy a CUDA Array to a new contiguous CPU Array (synchronizes the device)."""
    _, lib = _lib()
    if x.device == "cpu":
        return x
    _device("to_host", x)
    xc = contiguous(x)
    out = _C.empty(list(xc.shape), xc.dtype)
    _check(lib.tl_cuda_memcpy_d2h(_ptr(out), _ptr(xc), xc.numel * _ITEMSIZE[xc.dtype]), "to_host")
    return out


def _copy_into(dst, src, op):
    """dst[...] = src (broadcast, dtype converted), both on the same CUDA device."""
    _, lib = _lib()
    shape = list(dst.shape)
    _broadcast_shapes(op, list(src.shape), shape)
    if len(src.shape) > len(shape) or any(
            s not in (1, d) for s, d in zip(reversed(src.shape), reversed(shape))):
        raise ValueError(f"{op}: shapes {_shape_str(src.shape)} and {_shape_str(shape)} cannot be "
                         f"broadcast together")
    _check(lib.tl_copy(len(shape), _i64(shape), _ptr(dst), dst.dtype, _i64(dst.strides), _ptr(src),
                       src.dtype, _i64(_bstrides(src, shape))), op)


def contiguous(x):
    _device("contiguous", x)
    if x.is_contiguous():
        return x
    out = _like(x)
    _copy_into(out, x, "contiguous")
    return out


def clone(x):
    _device("clone", x)
    out = _like(x)
    _copy_into(out, x, "clone")
    return out


def astype(x, dtype):
    _device("astype", x)
    if dtype not in _ITEMSIZE:
        raise TypeError(f"unknown dtype code {dtype}")
    if dtype == x.dtype:
        return x
    out = _like(x, dtype=dtype)
    _copy_into(out, x, "astype")
    return out


def copy_(dst, src):
    """dst[...] = src, broadcasting src and converting its dtype. Either side may be on the CPU
    (a host<->device transfer); dst is returned."""
    if dst.device == "cpu":
        _C.copy_(dst, to_host(src))
        return dst
    if src.device == "cpu":
        src = to_device(src, _dev_index(dst))
    _device("copy_", dst, src)
    _copy_into(dst, src, "copy_")
    return dst


def reshape(x, shape):
    """A view when the strides allow it, else a contiguous copy (Array.reshape copies on the host)."""
    _device("reshape", x)
    try:
        return x.view(list(shape))
    except (RuntimeError, ValueError) as e:
        if isinstance(e, ValueError):
            raise
        return contiguous(x).view(list(shape))
