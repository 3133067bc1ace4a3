"""The CUDA backend: the kernel names of tinygrad_lite._C (csrc/KERNELS.md) for Arrays whose
storage lives on a CUDA device.

The kernels are in libtl_cuda.so, built by nvcc alone from csrc/cuda (build_cuda.py) and
exposing a plain C ABI (csrc/cuda/tl_cuda.h). This module loads it with cffi in ABI mode:
`ffi.cdef(<the header's CDEF section>)` + `ffi.dlopen(libtl_cuda.so)`. No compiler runs at
import time and no Python extension has to be linked against CUDA, so a CPU-only install
never needs the toolkit and `import tinygrad_lite` works everywhere; `is_available()` says
whether this backend can run.

Device memory is allocated by the library (tl_cuda_malloc, a stream-ordered pool) and handed
to the core with `_C.from_external(ptr, nbytes, shape, dtype, device_index, deleter)`, where
the deleter is the C function tl_cuda_free: the core's reference counting frees device
memory exactly like host memory. Views (reshape of contiguous, permute, expand, slice, ...)
are Array methods that only touch metadata and work on CUDA Arrays unchanged; every kernel
here takes arbitrary strides (broadcast and transposed views are read in place).

Every function validates devices, dtypes and shapes in Python BEFORE calling into C and
raises the same exception types as the CPU kernels (ValueError / IndexError / TypeError /
RuntimeError) with a message naming the op and the shapes. All work is queued on the default
stream; to_host() (and ops that need a count or an index check) synchronize.
"""
from __future__ import annotations

import builtins as _builtins
import math
import os
import threading

from .. import _C

FLOAT32, FLOAT64, INT64, BOOL = 0, 1, 2, 3
_ITEMSIZE = {FLOAT32: 4, FLOAT64: 8, INT64: 8, BOOL: 1}
_DTYPE_NAME = {FLOAT32: "float32", FLOAT64: "float64", INT64: "int64", BOOL: "bool"}
_FLOATS = (FLOAT32, FLOAT64)
_NUMERIC = (FLOAT32, FLOAT64, INT64)

# ----------------------------------------------------------------------------- loading

_lock = threading.Lock()
_state = {"ffi": None, "lib": None, "error": None, "loaded": False}
_HERE = os.path.dirname(os.path.abspath(__file__))
_PKG = os.path.dirname(_HERE)
_REPO = os.path.dirname(_PKG)


def _candidates():
    env = os.environ.get("TL_CUDA_LIB")
    if env:
        yield env
    yield os.path.join(_PKG, "libtl_cuda.so")
    yield os.path.join(_REPO, "build", "tl_cuda", "libtl_cuda.so")


def _cdef_text(lib_path):
    for h in (os.path.join(os.path.dirname(lib_path), "tl_cuda.h"),
              os.path.join(_REPO, "csrc", "cuda", "tl_cuda.h")):
        if os.path.exists(h):
            text = open(h).read()
            return text.split("/* CDEF-BEGIN */", 1)[1].split("/* CDEF-END */", 1)[0]
    raise RuntimeError(f"tl_cuda.h not found next to {lib_path}")


def _load():
    """Load libtl_cuda.so once; remember why it failed. Returns (ffi, lib) or (None, None)."""
    if _state["loaded"]:
        return _state["ffi"], _state["lib"]
    with _lock:
        if _state["loaded"]:
            return _state["ffi"], _state["lib"]
        try:
            if os.environ.get("TL_CUDA", "").strip() == "0":
                raise RuntimeError("the CUDA backend is disabled (TL_CUDA=0)")
            try:
                import cffi
            except ImportError as e:  # pragma: no cover
                raise RuntimeError("the CUDA backend needs cffi (pip install cffi)") from e
            path = next((p for p in _candidates() if os.path.exists(p)), None)
            if path is None:
                raise RuntimeError("libtl_cuda.so was not built (install with nvcc on PATH, or run "
                                   "`python csrc/cuda/build_cuda.py`)")
            ffi = cffi.FFI()
            ffi.cdef(_cdef_text(path))
            lib = ffi.dlopen(path)
            _state.update(ffi=ffi, lib=lib, path=path)
        except Exception as e:  # noqa: BLE001
            _state["error"] = str(e)
        _state["loaded"] = True
    return _state["ffi"], _state["lib"]


def library_path():
    _load()
    return _state.get("path")


def load_error():
    """Why the backend is unavailable (None when the library loaded)."""
    _load()
    return _state["error"]


def device_count() -> int:
    ffi, lib = _load()
    if lib is None:
        return 0
    n = ffi.new("int*")
    if lib.tl_cuda_device_count(n) != 0:
        return 0
    return int(n[0])


def is_available() -> bool:
    return device_count() > 0


def _lib():
    ffi, lib = _load()
    if lib is None:
        raise RuntimeError(f"CUDA backend unavailable: {_state['error']}")
    return ffi, lib


_EXC = {1: RuntimeError, 2: ValueError, 3: IndexError, 4: TypeError}


def _check(rc, op):
    if rc != 0:
        ffi, lib = _lib()
        msg = ffi.string(lib.tl_cuda_last_error()).decode(errors="replace")
        if not msg.startswith(op):
            msg = f"{op}: {msg}"
        raise _EXC.get(rc, RuntimeError)(msg)


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


def _contig_strides(shape):
    st, acc = [], 1
    for d in reversed(list(shape)):
        st.append(acc)
        acc *= _builtins.max(int(d), 1)
    return list(reversed(st))


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


def _scalar_ok(x):
    return x.dtype != BOOL


# ----------------------------------------------------------------------------- memory / layout

def synchronize():
    _check(_lib()[1].tl_cuda_synchronize(), "synchronize")


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


def _make_unary(name):
    def f(x):
        return _unary(name, x)
    f.__name__ = name
    f.__doc__ = f"CUDA twin of _C.{name} (elementwise.cu)."
    return f


def _make_scalar(name):
    def f(x, s):
        return _unary(name, x, s)
    f.__name__ = name
    f.__doc__ = f"CUDA twin of _C.{name}(x, s) (elementwise.cu)."
    return f


def _make_binary(name):
    def f(a, b):
        return _binary(name, a, b)
    f.__name__ = name
    f.__doc__ = f"CUDA twin of _C.{name} with numpy broadcasting (elementwise.cu)."
    return f


for _n in ("exp", "log", "sqrt", "tanh", "sigmoid", "gelu", "gelu_tanh", "sin", "cos", "neg", "abs",
           "relu", "logical_not"):
    globals()[_n] = _make_unary(_n)
for _n in ("add_scalar", "mul_scalar", "div_scalar", "rsub_scalar", "rdiv_scalar", "pow_scalar",
           "rpow_scalar", "maximum_scalar", "minimum_scalar", "eq_scalar", "ne_scalar", "lt_scalar",
           "le_scalar", "gt_scalar", "ge_scalar"):
    globals()[_n] = _make_scalar(_n)
for _n in ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
           "relu_backward", "gelu_backward", "gelu_tanh_backward", "sigmoid_backward", "tanh_backward"):
    globals()[_n] = _make_binary(_n)
del _n


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


# ----------------------------------------------------------------------------- reductions
_R = dict(sum=0, mean=1, max=2, min=3, var=4, argmax=5, argmin=6)


def _reduce(op, x, axes, keepdim, out_dtype, correction=0.0):
    _device(op, x)
    nd = x.ndim
    if axes is None:
        axes = []
    if isinstance(axes, int):
        axes = [axes]
    axes = list(axes)
    axes = sorted({_norm_axis(op, a, nd) for a in axes})
    if nd == 0:
        axes = []
    elif not axes:
        axes = list(range(nd))
    kept = [d for d in range(nd) if d not in axes]
    oshape = [x.shape[d] for d in kept]
    ishape = [x.shape[d] for d in axes]
    n_in = _numel(ishape)
    if op in ("max", "min", "argmax", "argmin") and n_in == 0 and _numel(oshape) > 0:
        raise ValueError(f"{op}: cannot reduce over an empty dimension of a tensor of shape "
                         f"{_shape_str(x.shape)}")
    out = _like(x, shape=oshape, dtype=out_dtype)
    _check(_lib()[1].tl_reduce(_R[op], x.dtype, out_dtype, len(oshape), _i64(oshape),
                               _i64([x.strides[d] for d in kept]), len(ishape), _i64(ishape),
                               _i64([x.strides[d] for d in axes]), _ptr(x), _ptr(out),
                               float(correction)), op)
    if keepdim and nd > 0:
        out = out.view([1 if d in axes else x.shape[d] for d in range(nd)])
    return out


def sum(x, axes=(), keepdim=False):  # noqa: A001
    return _reduce("sum", x, axes, keepdim,
                   INT64 if x.dtype in (INT64, BOOL) else x.dtype)


def mean(x, axes=(), keepdim=False):
    _need("mean", x, _FLOATS, "floating")
    return _reduce("mean", x, axes, keepdim, x.dtype)


def var(x, axes=(), correction=1, keepdim=False):
    _need("var", x, _FLOATS, "floating")
    return _reduce("var", x, axes, keepdim, x.dtype, correction)


def max(x, axes=(), keepdim=False):  # noqa: A001
    _need("max", x, _NUMERIC, "numeric")
    return _reduce("max", x, axes, keepdim, x.dtype)


def min(x, axes=(), keepdim=False):  # noqa: A001
    _need("min", x, _NUMERIC, "numeric")
    return _reduce("min", x, axes, keepdim, x.dtype)


def argmax(x, axis=None, keepdim=False):
    _need("argmax", x, _NUMERIC, "numeric")
    return _reduce("argmax", x, [] if axis is None else [axis], keepdim, INT64)


def argmin(x, axis=None, keepdim=False):
    _need("argmin", x, _NUMERIC, "numeric")
    return _reduce("argmin", x, [] if axis is None else [axis], keepdim, INT64)


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


# ----------------------------------------------------------------------------- softmax

def _rows(x, axis):
    axis = _norm_axis("softmax", axis, x.ndim)
    sh = list(x.shape)
    if not sh:
        return 1, 1, 1
    return _numel(sh[:axis]), sh[axis], _numel(sh[axis + 1:])


def _softmax(op, log, x, axis):
    _device(op, x)
    _need(op, x, _FLOATS, "floating")
    _norm_axis(op, axis, x.ndim)
    xc = contiguous(x)
    outer, C, inner = _rows(xc, axis)
    out = _like(xc)
    _check(_lib()[1].tl_softmax(log, x.dtype, outer, C, inner, _ptr(xc), _ptr(out)), op)
    return out


def softmax(x, axis):
    return _softmax("softmax", 0, x, axis)


def log_softmax(x, axis):
    return _softmax("log_softmax", 1, x, axis)


def _softmax_bw(op, log, y, g, axis):
    _device(op, y, g)
    _same_dtype(op, y, g)
    _need(op, y, _FLOATS, "floating")
    if list(y.shape) != list(g.shape):
        raise ValueError(f"{op}: output {_shape_str(y.shape)} and gradient {_shape_str(g.shape)} "
                         f"must have the same shape")
    _norm_axis(op, axis, y.ndim)
    yc, gc = contiguous(y), contiguous(g)
    outer, C, inner = _rows(yc, axis)
    out = _like(yc)
    _check(_lib()[1].tl_softmax_backward(log, y.dtype, outer, C, inner, _ptr(yc), _ptr(gc),
                                         _ptr(out)), op)
    return out


def softmax_backward(y, g, axis):
    return _softmax_bw("softmax_backward", 0, y, g, axis)


def log_softmax_backward(y, g, axis):
    return _softmax_bw("log_softmax_backward", 1, y, g, axis)


# ----------------------------------------------------------------------------- cross-entropy

def _ce_check(op, logits, target):
    _need(op, logits, _FLOATS, "floating")
    if target.dtype != INT64:
        raise TypeError(f"{op}: target must be int64, got {_DTYPE_NAME[target.dtype]}")
    if logits.ndim != 2 or target.ndim != 1 or target.shape[0] != logits.shape[0]:
        raise ValueError(f"{op}: expected logits (N, C) and target (N,), got "
                         f"{_shape_str(logits.shape)} and {_shape_str(target.shape)}")


def cross_entropy(logits, target, ignore_index=-100, label_smoothing=0.0, reduction=1):
    """(loss, lse): fused log-softmax + NLL with label smoothing; reduction 0 none, 1 mean, 2 sum."""
    op = "cross_entropy"
    _device(op, logits, target)
    _ce_check(op, logits, target)
    if reduction not in (0, 1, 2):
        raise ValueError(f"{op}: reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    lc, tc = contiguous(logits), contiguous(target)
    N, C = lc.shape
    loss = _like(lc, shape=[N] if reduction == 0 else [])
    lse = _like(lc, shape=[N])
    _check(_lib()[1].tl_cross_entropy(lc.dtype, N, C, _ptr(lc), _iptr(tc), int(ignore_index),
                                      float(label_smoothing), int(reduction), _ptr(loss), _ptr(lse)), op)
    return loss, lse


def cross_entropy_backward(logits, target, lse, grad_loss, ignore_index=-100, label_smoothing=0.0,
                           reduction=1):
    op = "cross_entropy_backward"
    _device(op, logits, target, lse, grad_loss)
    _ce_check(op, logits, target)
    _same_dtype(op, logits, lse, grad_loss)
    N, C = logits.shape
    want = [N] if reduction == 0 else []
    if list(grad_loss.shape) != want or list(lse.shape) != [N]:
        raise ValueError(f"{op}: expected grad_loss {_shape_str(want)} and lse ({N},), got "
                         f"{_shape_str(grad_loss.shape)} and {_shape_str(lse.shape)}")
    lc, tc, sc, gc = contiguous(logits), contiguous(target), contiguous(lse), contiguous(grad_loss)
    out = _like(lc)
    _check(_lib()[1].tl_cross_entropy_backward(lc.dtype, N, C, _ptr(lc), _iptr(tc), _ptr(sc), _ptr(gc),
                                               int(ignore_index), float(label_smoothing),
                                               int(reduction), _ptr(out)), op)
    return out


# ----------------------------------------------------------------------------- indexing

def _idx_check(op, idx, ndim=None):
    if idx.dtype != INT64:
        raise TypeError(f"{op}: index must be int64, got {_DTYPE_NAME[idx.dtype]}")
    if ndim is not None and idx.ndim != ndim:
        raise ValueError(f"{op}: index must be {ndim}-D, got shape {_shape_str(idx.shape)}")


def index_select(x, axis, idx):
    op = "index_select"
    _device(op, x, idx)
    _idx_check(op, idx, 1)
    if x.ndim == 0:
        raise IndexError(f"{op}: cannot index a 0-d tensor")
    axis = _norm_axis(op, axis, x.ndim)
    shape = list(x.shape)
    shape[axis] = idx.shape[0]
    out = _like(x, shape=shape)
    _check(_lib()[1].tl_index_select(x.dtype, x.ndim, _i64(shape), axis, _ptr(x), _i64(x.strides),
                                     x.shape[axis], _iptr(idx), idx.strides[0], _ptr(out)), op)
    return out


def index_add(shape, axis, idx, src):
    op = "index_add"
    _device(op, idx, src)
    _idx_check(op, idx, 1)
    shape = [int(d) for d in shape]
    axis = _norm_axis(op, axis, len(shape))
    exp = list(shape)
    if len(shape):
        exp[axis] = idx.shape[0]
    if list(src.shape) != exp:
        raise ValueError(f"{op}: source {_shape_str(src.shape)} does not match shape "
                         f"{_shape_str(shape)} with {idx.shape[0]} indices along dimension {axis}")
    _need(op, src, _NUMERIC, "numeric")
    out = _like(src, shape=shape)
    _check(_lib()[1].tl_index_add(src.dtype, src.ndim, _i64(src.shape), axis, _ptr(src),
                                  _i64(src.strides), _iptr(idx), idx.strides[0], _ptr(out),
                                  _i64(shape)), op)
    return out


def gather(x, axis, idx):
    op = "gather"
    _device(op, x, idx)
    _idx_check(op, idx)
    if idx.ndim != x.ndim:
        raise ValueError(f"{op}: index {_shape_str(idx.shape)} and input {_shape_str(x.shape)} must "
                         f"have the same number of dimensions")
    axis = _norm_axis(op, axis, x.ndim)
    for d in range(x.ndim):
        if d != axis and idx.shape[d] > x.shape[d]:
            raise ValueError(f"{op}: index {_shape_str(idx.shape)} is larger than input "
                             f"{_shape_str(x.shape)} in dimension {d}")
    out = _like(x, shape=list(idx.shape))
    if x.ndim == 0:
        return copy_(out, x) if idx.numel else out
    _check(_lib()[1].tl_gather(x.dtype, x.ndim, _i64(idx.shape), axis, _ptr(x), _i64(x.shape),
                               _i64(x.strides), _iptr(idx), _i64(idx.strides), _ptr(out)), op)
    return out


def scatter_add(shape, axis, idx, src):
    op = "scatter_add"
    _device(op, idx, src)
    _idx_check(op, idx)
    _need(op, src, _NUMERIC, "numeric")
    shape = [int(d) for d in shape]
    if not (idx.ndim == src.ndim == len(shape)):
        raise ValueError(f"{op}: index {_shape_str(idx.shape)}, source {_shape_str(src.shape)} and "
                         f"shape {_shape_str(shape)} must have the same number of dimensions")
    axis = _norm_axis(op, axis, len(shape))
    for d in range(len(shape)):
        if idx.shape[d] > src.shape[d] or (d != axis and idx.shape[d] > shape[d]):
            raise ValueError(f"{op}: index {_shape_str(idx.shape)} is larger than source "
                             f"{_shape_str(src.shape)} or output {_shape_str(shape)} in dimension {d}")
    out = _like(src, shape=shape)
    if len(shape) == 0:
        return copy_(out, src)
    _check(_lib()[1].tl_scatter_add(src.dtype, len(shape), _i64(idx.shape), axis, _ptr(src),
                                    _i64(src.strides), _iptr(idx), _i64(idx.strides), _ptr(out),
                                    _i64(shape)), op)
    return out


def cat(arrays, axis):
    op = "cat"
    arrays = list(arrays)
    if not arrays:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    _device(op, *arrays)
    _same_dtype(op, *arrays)
    first = arrays[0]
    if first.ndim == 0:
        raise ValueError(f"{op}: zero-dimensional tensors cannot be concatenated")
    axis = _norm_axis(op, axis, first.ndim)
    for a in arrays[1:]:
        if a.ndim != first.ndim or any(a.shape[d] != first.shape[d] for d in range(a.ndim) if d != axis):
            raise ValueError(f"{op}: shapes {_shape_str(first.shape)} and {_shape_str(a.shape)} do not "
                             f"match except in dimension {axis}")
    shape = list(first.shape)
    shape[axis] = _builtins.sum(a.shape[axis] for a in arrays)
    out = _like(first, shape=shape)
    off = 0
    for a in arrays:
        n = a.shape[axis]
        if n and a.numel:
            _copy_into(out.slice(axis, off, off + n, 1), a, op)
        off += n
    return out


def nonzero(x):
    op = "nonzero"
    _device(op, x)
    ffi, lib = _lib()
    cnt = ffi.new("int64_t*")
    _check(lib.tl_nonzero_count(x.dtype, x.ndim, _i64(x.shape), _ptr(x), _i64(x.strides), cnt), op)
    K = int(cnt[0])
    out = _like(x, shape=[K, x.ndim], dtype=INT64)
    if K and x.ndim:
        _check(lib.tl_nonzero(x.dtype, x.ndim, _i64(x.shape), _ptr(x), _i64(x.strides), _iptr(out), K), op)
    return out


# ----------------------------------------------------------------------------- random
# Per-device Philox state: (seed, offset). Each call uses the current offset as the high half of
# the counter and bumps it by one, so results depend only on the seed and the call sequence.
_rng = {"seed": 0, "offsets": {}}


def manual_seed(seed):
    _rng["seed"] = int(seed) & 0xFFFFFFFFFFFFFFFF
    _rng["offsets"] = {}


def initial_seed():
    return _rng["seed"]


def _next(index):
    off = _rng["offsets"].get(index, 0)
    _rng["offsets"][index] = off + 1
    return _rng["seed"], off


def _random_into(op, out, dist, a, b):
    _need(op, out, _FLOATS, "floating")
    idx = _dev_index(out)
    seed, off = _next(idx)
    shape = list(out.shape)
    _check(_lib()[1].tl_random(dist, out.dtype, len(shape), _i64(shape), _ptr(out), _i64(out.strides),
                               float(a), float(b), seed, off), op)
    return out


def rand(shape, dtype=FLOAT32, device_index=0):
    if dtype not in _FLOATS:
        raise TypeError(f"rand: expected a floating dtype, got {_DTYPE_NAME.get(dtype, dtype)}")
    return _random_into("rand", empty(shape, dtype, device_index), 0, 0.0, 1.0)


def randn(shape, dtype=FLOAT32, device_index=0):
    if dtype not in _FLOATS:
        raise TypeError(f"randn: expected a floating dtype, got {_DTYPE_NAME.get(dtype, dtype)}")
    return _random_into("randn", empty(shape, dtype, device_index), 1, 0.0, 1.0)


def uniform_(x, lo=0.0, hi=1.0):
    _device("uniform_", x)
    return _random_into("uniform_", x, 0, lo, hi)


def normal_(x, mean=0.0, std=1.0):
    _device("normal_", x)
    return _random_into("normal_", x, 1, mean, std)


def randint(low, high, shape, device_index=0):
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    out = empty(shape, INT64, device_index)
    seed, off = _next(device_index)
    _check(_lib()[1].tl_randint(out.numel, int(low), int(high), _iptr(out), seed, off), "randint")
    return out


def randperm(n, device_index=0):
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    out = empty([n], INT64, device_index)
    seed, off = _next(device_index)
    _check(_lib()[1].tl_randperm(int(n), _iptr(out), seed, off), "randperm")
    return out


def dropout(x, p):
    """(y, mask): mask (bool) keeps each element with probability 1 − p; y = x·mask/(1 − p)."""
    _device("dropout", x)
    _need("dropout", x, _FLOATS, "floating")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    xc = contiguous(x)
    y = _like(xc)
    mask = _like(xc, dtype=BOOL)
    seed, off = _next(_dev_index(x))
    _check(_lib()[1].tl_dropout(x.dtype, xc.numel, _ptr(xc), _ptr(y), _ptr(mask), float(p), seed, off),
           "dropout")
    return y, mask


# ----------------------------------------------------------------------------- optimizers

def _optim_check(op, param, *others):
    _device(op, param, *others)
    _need(op, param, _FLOATS, "floating")
    for a in (param,) + tuple(o for o in others if o is not None):
        if a.dtype != param.dtype or list(a.shape) != list(param.shape):
            raise ValueError(f"{op}: expected {_shape_str(param.shape)} {_DTYPE_NAME[param.dtype]} "
                             f"buffers, got {_shape_str(a.shape)} {_DTYPE_NAME[a.dtype]}")
        if not a.is_contiguous():
            raise ValueError(f"{op}: optimizer buffers must be contiguous")


def sgd_step_(param, grad, momentum_buf, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
              nesterov=False, maximize=False, first_step=False):
    op = "sgd_step_"
    _optim_check(op, param, grad, momentum_buf)
    ffi, lib = _lib()
    _check(lib.tl_sgd_step(param.dtype, param.numel, _ptr(param), _ptr(grad),
                           _ptr(momentum_buf) if momentum_buf is not None else ffi.NULL, float(lr),
                           float(momentum), float(dampening), float(weight_decay), int(bool(nesterov)),
                           int(bool(maximize)), int(bool(first_step))), op)


def adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay=0.0,
               decoupled_weight_decay=False, step=1, maximize=False):
    op = "adam_step_"
    _optim_check(op, param, grad, exp_avg, exp_avg_sq)
    if step < 1:
        raise ValueError(f"{op}: step must be >= 1, got {step}")
    _check(_lib()[1].tl_adam_step(param.dtype, param.numel, _ptr(param), _ptr(grad), _ptr(exp_avg),
                                  _ptr(exp_avg_sq), float(lr), float(beta1), float(beta2), float(eps),
                                  float(weight_decay), int(bool(decoupled_weight_decay)), int(step),
                                  int(bool(maximize))), op)

