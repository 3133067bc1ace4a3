"""Shared helpers of the CUDA backend: device selection and checks, cffi argument packing,
shapes, broadcasting and dtype validation."""
from __future__ import annotations

import builtins as _builtins

from ._loader import _DTYPE_NAME, _check, _lib

# ----------------------------------------------------------------------------- helpers

def _shape_str(s):
    s = tuple(s)
    return "(" + ", ".join(str(d) for d in s) + ("," if len(s) == 1 else "") + ")"


def _dev_index(a):
    d = a.device
    if d.startswith("cuda"):
        return int(d.split(":")[1]) if ":" in d else 0
    return None


_current = {"index": None}


def _use_device(index):
    if _current["index"] != index:
        _check(_lib()[1].tl_cuda_set_device(index), "cuda")
        _current["index"] = index


def _device(op, *arrays):
    """All arrays on one CUDA device: make it current and return its index."""
    devs = [a.device for a in arrays if a is not None]
    for d in devs[1:]:
        if d != devs[0]:
            raise RuntimeError(f"{op}: expected all tensors to be on the same device, but found at "
                               f"least two devices, {devs[0]} and {d}")
    if not devs[0].startswith("cuda"):
        raise RuntimeError(f"{op}: the CUDA kernel got a tensor on {devs[0]}")
    idx = _dev_index(arrays[0] if arrays[0] is not None else next(a for a in arrays if a is not None))
    _use_device(idx)
    return idx


def _i64(values):
    ffi, _ = _lib()
    v = [int(x) for x in values]
    return ffi.new("int64_t[]", v if v else [0])


def _ptr(a):
    ffi, _ = _lib()
    return ffi.cast("void*", a.data_ptr)


def _iptr(a):
    ffi, _ = _lib()
    return ffi.cast("int64_t*", a.data_ptr)


def _numel(shape):
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _broadcast_shapes(op, *shapes):
    n = _builtins.max(len(s) for s in shapes)
    out = []
    for i in range(n):
        size = 1
        for s in shapes:
            d = s[i - (n - len(s))] if i >= n - len(s) else 1
            if d != 1:
                if size != 1 and size != d:
                    a, b = shapes[0], shapes[1] if len(shapes) > 1 else shapes[0]
                    raise ValueError(f"{op}: shapes {_shape_str(a)} and {_shape_str(b)} cannot be "
                                     f"broadcast together")
                size = d
        out.append(size)
    return out


def _bstrides(a, shape):
    """a's strides viewed as broadcast to `shape` (0 on broadcast / missing dims)."""
    n, m = len(shape), a.ndim
    st = []
    for i in range(n):
        j = i - (n - m)
        if j < 0 or (a.shape[j] == 1 and shape[i] != 1):
            st.append(0)
        else:
            st.append(a.strides[j])
    return st


def _norm_axis(op, axis, ndim):
    n = _builtins.max(ndim, 1)
    axis = int(axis)
    if not -n <= axis < n:
        raise IndexError(f"{op}: dimension {axis} out of range for a tensor of {ndim} dimension(s)")
    return axis + n if axis < 0 else axis


def _need(op, x, kinds, what):
    if x.dtype not in kinds:
        raise TypeError(f"{op}: expected a {what} dtype, got {_DTYPE_NAME.get(x.dtype, x.dtype)}")


def _same_dtype(op, *arrays):
    d = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != d:
            raise TypeError(f"{op}: expected tensors of the same dtype, got {_DTYPE_NAME[d]} and "
                            f"{_DTYPE_NAME[a.dtype]}")
