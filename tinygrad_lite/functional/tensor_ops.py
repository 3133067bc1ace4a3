"""Tensor methods that are not math: dtype and device conversions, the in-place fills and
random draws initialisers use, the in-place arithmetic optimizers and training loops use
(add_, sub_, mul_, copy_) with a native fast path, truth tests (all, any, nonzero), and small
queries (allclose, equal, numel)."""
import builtins

import numpy as np

from .. import argcheck
from .. import dtypes as _dt
from ..autograd import versions
from ..autograd.grad_mode import _state as _grad_state
from ..backend import narrow
from ..tensor import _check_sub
from ._api import Tensor, _as_tensor, _castable, _check_writable, inplace, tensor_method
from .pointwise import add, mul, sub


# ---- conversions ---------------------------------------------------------------------------------
def _to(dtype):
    def convert(self, memory_format=None):
        return self.to(dtype)

    convert.__doc__ = f"self.to({dtype.name})"
    return convert


for _name, _dtype in (("float", _dt.float32), ("double", _dt.float64), ("long", _dt.int64), ("bool", _dt.bool_),
                      ("int", _dt.int32), ("half", _dt.float16), ("bfloat16", _dt.bfloat16), ("short", _dt.int16),
                      ("char", _dt.int8), ("byte", _dt.uint8)):
    tensor_method(_to(_dtype), names=(_name,))
del _name, _dtype

# torch's legacy type strings: x.type() -> 'torch.FloatTensor'; x.type('torch.LongTensor') converts
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor", "bool": "BoolTensor",
               "int32": "IntTensor", "float16": "HalfTensor", "bfloat16": "BFloat16Tensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor"}


@tensor_method(names=("type",))
def type_string_or_convert(self, dtype=None, non_blocking=False, **kwargs):
    """No argument: the type string ('torch.FloatTensor', 'torch.cuda.FloatTensor'); a dtype or
    such a string: self converted to it"""
    if dtype is None:
        dev = "cuda." if self.device.type == "cuda" else ""
        return f"torch.{dev}{_TYPE_NAMES.get(self.dtype.name, self.dtype.name)}"
    if isinstance(dtype, str):
        name = dtype.split(".")[-1]
        by_type = {v: k for k, v in _TYPE_NAMES.items()}
        if name not in by_type:
            raise ValueError(f"invalid type: {dtype!r}")
        target = _dt._by_name(by_type[name])
        out = self.to(target)
        return out.cuda() if ".cuda." in dtype else out
    return self.to(dtype)


@tensor_method
def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, **kw):
    """zeros of `size` with self's dtype and device (unless given)"""
    return _new(self, size, 0.0, dtype, device, requires_grad)


@tensor_method
def new_ones(self, *size, dtype=None, device=None, requires_grad=False, **kw):
    return _new(self, size, 1.0, dtype, device, requires_grad)


@tensor_method
def new_empty(self, *size, dtype=None, device=None, requires_grad=False, **kw):
    return _new(self, size, None, dtype, device, requires_grad)


@tensor_method
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, **kw):
    return _new(self, (size,), fill_value, dtype, device, requires_grad)


def _new(self, size, value, dtype, device, requires_grad):
    from .._C import empty as _empty
    from ..device import as_device
    from ._api import _shape_arg

    shape = _shape_arg(size)
    dt = dtype or self.dtype
    dev = as_device(device) if device is not None else self.device
    if value is None:
        arr = _empty(shape, dt.code)
    else:
        arr = dev.backend.full(shape, builtins.float(value), dt.code) if dev.type == "cpu" else None
    if arr is None:  # another device: make it on the CPU, move it once
        from ..device import CPU

        arr = CPU.backend.full(shape, builtins.float(value), dt.code)
        t = Tensor._wrap(arr).to(dev)
    else:
        t = Tensor._wrap(arr, dev) if dev.type == "cpu" else Tensor._wrap(arr).to(dev)
    return t.requires_grad_(True) if requires_grad else t


@tensor_method
def get_device(self):
    """-1 on the CPU, else the CUDA device index"""
    return -1 if self.device.type == "cpu" else self.device.index


@tensor_method
def ndimension(self):
    return self.ndim


@tensor_method
def is_nonzero(self):
    if self.numel() != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if self.numel() == 0 else 'more than one value'}"
                           " is ambiguous")
    return builtins.bool(self.item())


@tensor_method
def pin_memory(self, device=None):
    return self


@tensor_method
def is_pinned(self, device=None):
    return False


@tensor_method
def share_memory_(self):
    return self


@tensor_method
def apply_(self, callable):
    """self ← callable(x) element by element, in Python (CPU only; slow, as torch)"""
    if self.device.type != "cpu":
        raise TypeError("apply_ is only implemented on CPU tensors")
    flat = [callable(v) for v in self.reshape(-1).tolist()]
    return self.copy_(Tensor(flat, dtype=self.dtype).reshape(*self.shape))


@tensor_method
def __format__(self, format_spec):
    """f"{loss:.4f}" formats a one-element tensor as its number (as torch); other tensors only
    format without a spec"""
    if self.numel() == 1 and self.ndim == 0:
        return format(self.item(), format_spec)
    if not format_spec:
        return str(self)
    raise TypeError(f"unsupported format string passed to Tensor.__format__")


@tensor_method
def __deepcopy__(self, memo):
    """A copy with its own memory; keeps requires_grad and .grad (graph leaves only, as torch)"""
    if id(self) in memo:
        return memo[id(self)]
    if self._ctx is not None:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at "
                           "the moment. If you were attempting to deepcopy a module, this may be because of a "
                           "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
    new = Tensor._wrap(self._device.backend.clone(self._data), self._device)
    if builtins.type(self) is not Tensor:
        new.__class__ = builtins.type(self)
    new.requires_grad = self.requires_grad
    memo[id(self)] = new
    if self.grad is not None:
        new.grad = self.grad.__deepcopy__(memo)
    for k, v in (self.__dict__ or {}).items():
        if k != "_grad_hooks":
            import copy

            setattr(new, k, copy.deepcopy(v, memo))
    return new


@tensor_method
def type_as(self, other):
    """self converted to other's dtype"""
    return self.to(other.dtype)


@tensor_method
def cpu(self):
    return self.to("cpu")


@tensor_method
def cuda(self, device=None):
    return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, builtins.int) else device)


@tensor_method
def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return Tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


# ---- in-place writes that need no graph: fills and random draws ----------------------------------
def _plain_write(self, op):
    """Checks for an in-place write that autograd does not record (a fill replaces every value)."""
    if self.requires_grad and self._ctx is None and _grad_state.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    _check_writable(self, op)


def _wrote(self):
    versions.note_write(self._data)
    if self._ctx is not None and _grad_state.enabled:  # the old values no longer matter: cut history
        self._ctx, self.requires_grad = None, False
    return self


@tensor_method
def zero_(self):
    """Every element ← 0"""
    _plain_write(self, "zero_")
    self._device.backend.fill_(self._data, 0.0)
    return _wrote(self)


@tensor_method
def fill_(self, value):
    """Every element ← value"""
    argcheck.number("fill_", "value", value)
    _plain_write(self, "fill_")
    if isinstance(value, (builtins.int, builtins.float)):
        _dt.check_scalar(value, self.dtype, "fill_")
    if _dt.needs_exact_int(value, self.dtype):  # beyond 2**53: not through the native fill's double
        self._device.backend.copy_(self._data, Tensor(value, dtype=self.dtype, device=self.device)._data)
    else:
        self._device.backend.fill_(self._data, builtins.float(value))
    return _wrote(self)


def _gen_kw(generator):
    from ..random import native

    g = native(generator)
    return {} if g is None else {"gen": g}


@tensor_method
def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
    """Every element ← a draw from U[a, b)"""
    a, b = kw.get("from", a), kw.get("to", b)
    _plain_write(self, "uniform_")
    self._device.backend.uniform_(self._data, builtins.float(a), builtins.float(b), **_gen_kw(generator))
    return _wrote(self)


@tensor_method
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Every element ← a draw from N(mean, std²)"""
    _plain_write(self, "normal_")
    self._device.backend.normal_(self._data, builtins.float(mean), builtins.float(std), **_gen_kw(generator))
    return _wrote(self)


# ---- in-place arithmetic: a native kernel when nothing needs recording ---------------------------
def _native_ok(self, other):
    """The native in-place kernel is exact when autograd records nothing, the operand does not
    share self's memory (else a row could read values the same op already wrote), and the
    result keeps self's dtype (an int tensor += 0.5 raises, as torch)."""
    if _grad_state.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
        return False
    if self.dtype.compute is not None:  # a storage dtype (float16, int32, ...): the generic path widens
        return False
    if isinstance(other, Tensor):
        result = _dt.promote_types(self.dtype, other.dtype)
        return other._device == self._device and other._data.storage_ptr != self._data.storage_ptr and \
            _castable(result, self.dtype)
    if type(other) not in (builtins.int, builtins.float):
        return False
    if type(other) is builtins.int and abs(other) > 2 ** 53:
        return False  # not exact as the kernels' float scalar (or beyond int64): the generic path checks it
    return _castable(_dt.result_type_of_scalar(self.dtype, other), self.dtype)


def _operand(self, other):
    """other as an Array of self's dtype."""
    return (other if other.dtype is self.dtype else other.to(self.dtype))._data


@tensor_method
def add_(self, other, *, alpha=1):
    """self ← self + α·other"""
    if _native_ok(self, other):
        _check_writable(self, "add_")
        B = self._device.backend
        if not isinstance(other, Tensor):
            B.add_scalar_(self._data, builtins.float(other) * alpha)
        elif alpha == 1:
            B.add_(self._data, _operand(self, other))
        else:
            B.axpy_(self._data, builtins.float(alpha), _operand(self, other))
        versions.note_write(self._data)
        return self
    return inplace(self, add, other, alpha=alpha)


@tensor_method
def sub_(self, other, *, alpha=1):
    """self ← self − α·other"""
    _check_sub(self, other)
    if isinstance(other, (builtins.int, builtins.float)) and not isinstance(other, builtins.bool):
        return add_(self, -other, alpha=alpha)
    if _native_ok(self, other):
        return add_(self, other, alpha=-alpha)
    return inplace(self, sub, other, alpha=alpha)


@tensor_method
def mul_(self, other):
    """self ← self·other"""
    if _native_ok(self, other):
        _check_writable(self, "mul_")
        B = self._device.backend
        if isinstance(other, Tensor):
            B.mul_(self._data, _operand(self, other))
        else:
            B.mul_scalar_(self._data, builtins.float(other))
        versions.note_write(self._data)
        return self
    return inplace(self, mul, other)


@tensor_method
def copy_(self, src, non_blocking=False):
    """self ← src (broadcast to self's shape, converted to self's dtype and device)"""
    src = _as_tensor(src, self)
    if tuple(src.shape) != tuple(self.shape):
        np.broadcast_shapes(tuple(src.shape), tuple(self.shape))  # ValueError if they do not broadcast
    if src.device != self.device:
        src = src.to(self.device)

    def copy(x, s):
        return s.to(x.dtype).expand(tuple(x.shape))

    if (_grad_state.enabled and (self.requires_grad or src.requires_grad)) or \
            src._data.storage_ptr == self._data.storage_ptr:
        return inplace(self, copy, src)
    _plain_write(self, "copy_")
    self._device.backend.copy_(self._data, src._data)
    versions.note_write(self._data)
    return self


# ---- truth tests ---------------------------------------------------------------------------------
@tensor_method
def all(input, dim=None, keepdim=False, *, out=None):
    """Whether every element is nonzero (along dim: an int or a tuple of ints)"""
    argcheck.boolean("all", "keepdim", keepdim)
    x = (input == 0).to(_dt.int64)
    r = (x.sum() == 0) if dim is None else (x.sum(dim, keepdim) == 0)
    if dim is None and keepdim:  # torch: every dim kept, of size 1
        r = r.reshape([1] * input.ndim)
    return _write_out(r, out)


@tensor_method
def any(input, dim=None, keepdim=False, *, out=None):
    """Whether some element is nonzero (along dim: an int or a tuple of ints)"""
    argcheck.boolean("any", "keepdim", keepdim)
    x = (input != 0).to(_dt.int64)
    r = (x.sum() > 0) if dim is None else (x.sum(dim, keepdim) > 0)
    if dim is None and keepdim:  # torch: every dim kept, of size 1
        r = r.reshape([1] * input.ndim)
    return _write_out(r, out)


def _write_out(r, out):
    if out is None:
        return r
    out._data = r.to(out.dtype)._data
    return out


@tensor_method
def nonzero(self, *, as_tuple=False):
    """(K, ndim) int64 indices of the nonzero elements in row-major order; as_tuple: one (K,)
    tensor per dimension"""
    B = self._device.backend
    if self.dtype.compute is not None:  # a storage dtype (float16, ...): compared widened (-0.0 is zero)
        B = narrow.backend(B)
    idx = Tensor._wrap(B.nonzero(self._data), self._device)
    if not as_tuple:
        return idx
    if self.ndim == 0:
        return (idx.reshape(-1),)
    return tuple(idx[:, d] for d in range(self.ndim))


# ---- queries -------------------------------------------------------------------------------------
@tensor_method
def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x − y| ≤ atol + rtol·|y| everywhere"""
    return builtins.bool(np.allclose(np.asarray(input), np.asarray(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method
def isclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x − y| ≤ atol + rtol·|y| elementwise (bool)"""
    other = _as_tensor(other, input)
    close = (input - other).abs() <= atol + rtol * other.abs()
    if input.dtype.is_floating_point:
        close = close | (input == other)
        if equal_nan:
            close = close | (input.isnan() & other.isnan())
    return close


@tensor_method
def equal(input, other):
    """Same shape and the same values"""
    return tuple(input.shape) == tuple(other.shape) and builtins.bool((input == other).all())


def numel(input):
    return input.numel()

__all__ = ["all", "any", "nonzero", "allclose", "isclose", "equal", "numel"]
