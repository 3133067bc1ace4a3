"""Attach the functional API to Tensor as methods (x.exp(), x.softmax(-1), ...), and the
in-place ops (x.zero_(), x.uniform_(a, b), x.add_(y)) that initialisers and optimizers use."""
import builtins

from . import dtypes as _dt
from . import functional as F
from .autograd.grad_mode import is_grad_enabled
from .tensor import Tensor, _as_tensor

_METHODS = [
    "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "abs", "neg", "square",
    "clamp", "clip", "maximum", "minimum", "pow", "var", "std", "max", "min", "amax", "amin",
    "argmax", "argmin", "flatten", "permute", "transpose", "swapaxes", "squeeze", "unsqueeze",
    "expand", "expand_as", "contiguous", "clone", "matmul", "mm", "bmm", "dot", "softmax",
    "log_softmax", "split", "chunk", "index_select", "gather", "masked_fill", "add", "sub", "mul",
    "div", "broadcast_to", "gelu",
]
for _name in _METHODS:
    setattr(Tensor, _name, getattr(F, _name))


def _check_inplace(t):
    if t.requires_grad and t.is_leaf and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _inplace(fn):
    def method(self, *args, **kwargs):
        _check_inplace(self)
        fn(self, *args, **kwargs)
        return self

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


@_inplace
def zero_(self):
    self._device.backend.fill_(self._data, 0.0)


@_inplace
def fill_(self, value):
    self._device.backend.fill_(self._data, builtins.float(value))


@_inplace
def uniform_(self, a=0.0, b=1.0, generator=None):
    self._device.backend.uniform_(self._data, builtins.float(a), builtins.float(b))


@_inplace
def normal_(self, mean=0.0, std=1.0, generator=None):
    self._device.backend.normal_(self._data, builtins.float(mean), builtins.float(std))


@_inplace
def copy_(self, src):
    src = _as_tensor(src, self)
    if src.device != self.device:
        src = src.to(self.device)
    self._device.backend.copy_(self._data, src._data)


def _other(self, other):
    other = _as_tensor(other, self)
    return other._data if other.dtype is self.dtype else other.to(self.dtype)._data


@_inplace
def add_(self, other, alpha=1):
    B = self._device.backend
    if isinstance(other, (builtins.int, builtins.float)):
        B.add_scalar_(self._data, builtins.float(other) * alpha)
    elif alpha == 1:
        B.add_(self._data, _other(self, other))
    else:
        B.axpy_(self._data, builtins.float(alpha), _other(self, other))


@_inplace
def sub_(self, other, alpha=1):
    if isinstance(other, (builtins.int, builtins.float)):
        self._device.backend.add_scalar_(self._data, -builtins.float(other) * alpha)
    else:
        self._device.backend.axpy_(self._data, -builtins.float(alpha), _other(self, other))


@_inplace
def mul_(self, other):
    B = self._device.backend
    if isinstance(other, (builtins.int, builtins.float)):
        B.mul_scalar_(self._data, builtins.float(other))
    else:
        B.mul_(self._data, _other(self, other))


@_inplace
def div_(self, other):
    if isinstance(other, (builtins.int, builtins.float)):
        self._device.backend.mul_scalar_(self._data, 1.0 / builtins.float(other))
    else:
        self._device.backend.copy_(self._data, (self.detach() / other)._data)


@_inplace
def clamp_(self, min=None, max=None):
    self._device.backend.copy_(self._data, F.clamp(self.detach(), min, max)._data)


@_inplace
def masked_fill_(self, mask, value):
    self._device.backend.copy_(self._data, F.masked_fill(self.detach(), mask, value)._data)


def relu_(self):
    _check_inplace(self)
    self._device.backend.copy_(self._data, self._device.backend.relu(self._data))
    return self


for _fn in (zero_, fill_, uniform_, normal_, copy_, add_, sub_, mul_, div_, clamp_, masked_fill_, relu_):
    setattr(Tensor, _fn.__name__, _fn)


# ---- conversions and small queries ---------------------------------------------------------
Tensor.float = lambda self: self.to(_dt.float32)
Tensor.double = lambda self: self.to(_dt.float64)
Tensor.long = lambda self: self.to(_dt.int64)
Tensor.int = lambda self: self.to(_dt.int64)
Tensor.bool = lambda self: self.to(_dt.bool_)
Tensor.type_as = lambda self, other: self.to(other.dtype)
Tensor.cpu = lambda self: self.to("cpu")
Tensor.cuda = lambda self, device=None: self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)
Tensor.new_tensor = lambda self, data, dtype=None: Tensor(data, dtype=dtype or self.dtype, device=self.device)


def _all(self, dim=None, keepdim=False):
    x = (self != 0).to(_dt.int64)
    return (x.sum() == x.numel()) if dim is None else (x.sum(dim, keepdim) == self.shape[dim])


def _any(self, dim=None, keepdim=False):
    x = (self != 0).to(_dt.int64)
    return (x.sum() > 0) if dim is None else (x.sum(dim, keepdim) > 0)


def nonzero(self):
    """(K, ndim) int64 indices of the non-zero elements, in row-major order."""
    return Tensor._wrap(self._device.backend.nonzero(self._data), self._device)


Tensor.all = _all
Tensor.any = _any
Tensor.nonzero = nonzero
