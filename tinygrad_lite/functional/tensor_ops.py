"""Tensor methods that are not math: dtype and device conversions, the in-place fills and
random draws initialisers use, the in-place arithmetic optimizers and training loops use
(add_, sub_, mul_, copy_) with a native fast path, truth tests (all, any, nonzero), and small
queries (allclose, equal, numel)."""
import builtins

import numpy as np

from .. import dtypes as _dt
from ..autograd import versions
from ..autograd.grad_mode import _state as _grad_state
from ._api import Tensor, _as_tensor, _castable, _check_writable, inplace, tensor_method
from .pointwise import add, mul, sub


# ---- conversions ---------------------------------------------------------------------------------
def _to(dtype):
    def convert(self, memory_format=None):
        return self.to(dtype)

    convert.__doc__ = f"self.to({dtype.name})"
    return convert


for _name, _dtype in (("float", _dt.float32), ("double", _dt.float64), ("long", _dt.int64), ("bool", _dt.bool_)):
    tensor_method(_to(_dtype), names=(_name,))
del _name, _dtype


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
    _plain_write(self, "fill_")
    self._device.backend.fill_(self._data, builtins.float(value))
    return _wrote(self)


@tensor_method
def uniform_(self, a=0.0, b=1.0, generator=None):
    """Every element ← a draw from U[a, b)"""
    _plain_write(self, "uniform_")
    self._device.backend.uniform_(self._data, builtins.float(a), builtins.float(b))
    return _wrote(self)


@tensor_method
def normal_(self, mean=0.0, std=1.0, generator=None):
    """Every element ← a draw from N(mean, std²)"""
    _plain_write(self, "normal_")
    self._device.backend.normal_(self._data, builtins.float(mean), builtins.float(std))
    return _wrote(self)


# ---- in-place arithmetic: a native kernel when nothing needs recording ---------------------------
def _native_ok(self, other):
    """The native in-place kernel is exact when autograd records nothing, the operand does not
    share self's memory (else a row could read values the same op already wrote), and the
    result keeps self's dtype (an int tensor += 0.5 raises, as torch)."""
    if _grad_state.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
        return False
    if isinstance(other, Tensor):
        result = _dt.promote_types(self.dtype, other.dtype)
        return other._device == self._device and other._data.storage_ptr != self._data.storage_ptr and \
            _castable(result, self.dtype)
    if type(other) not in (builtins.int, builtins.float):
        return False
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
        return s.to(x.dtype).expand(*x.shape)

    if (_grad_state.enabled and (self.requires_grad or src.requires_grad)) or \
            src._data.storage_ptr == self._data.storage_ptr:
        return inplace(self, copy, src)
    _plain_write(self, "copy_")
    self._device.backend.copy_(self._data, src._data)
    versions.note_write(self._data)
    return self


# ---- truth tests ---------------------------------------------------------------------------------
@tensor_method
def all(self, dim=None, keepdim=False):
    """Whether every element is nonzero (along dim)"""
    x = (self != 0).to(_dt.int64)
    return (x.sum() == x.numel()) if dim is None else (x.sum(dim, keepdim) == self.shape[dim])


@tensor_method
def any(self, dim=None, keepdim=False):
    """Whether some element is nonzero (along dim)"""
    x = (self != 0).to(_dt.int64)
    return (x.sum() > 0) if dim is None else (x.sum(dim, keepdim) > 0)


@tensor_method
def nonzero(self, *, as_tuple=False):
    """(K, ndim) int64 indices of the nonzero elements in row-major order; as_tuple: one (K,)
    tensor per dimension"""
    idx = Tensor._wrap(self._device.backend.nonzero(self._data), self._device)
    if not as_tuple:
        return idx
    if self.ndim == 0:
        return (idx.reshape(-1),)
    return tuple(idx[:, d] for d in range(self.ndim))


# ---- queries -------------------------------------------------------------------------------------
def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x − y| ≤ atol + rtol·|y| everywhere"""
    return builtins.bool(np.allclose(np.asarray(input), np.asarray(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    """Same shape and the same values"""
    return tuple(input.shape) == tuple(other.shape) and builtins.bool((input == other).all())


def numel(input):
    return input.numel()

__all__ = ["all", "any", "nonzero", "allclose", "equal", "numel"]
