"""Matrix products with torch's names: matmul (and the @ operator), mm, bmm, dot, linear."""
from ..ops import matmul as M
from ._api import Tensor, _as_tensor, _promote, tensor_method
from .shape import squeeze, unsqueeze

@tensor_method
def matmul(a, b):
    """torch.matmul: 1-D operands become a row (left) or a column (right) and are squeezed after."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D")
    if a.dtype is not b.dtype:
        a, b = _promote(a, b)
    if a.ndim >= 2 and b.ndim >= 2:
        return M.Matmul.apply(a, b)
    try:
        return _matmul_1d(a, b)
    except ValueError as e:  # name the shapes the caller passed, not the internal 2-D views
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied ({e})"
        ) from None


def _matmul_1d(a, b):
    a2 = unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b.ndim == 1 else b
    out = M.Matmul.apply(a2, b2)
    if b.ndim == 1:
        out = squeeze(out, -1)
    if a.ndim == 1:
        out = squeeze(out, -2 if b.ndim > 1 else -1)
    return out


@tensor_method
def mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {a.ndim}D and {b.ndim}D")
    return matmul(a, b)


@tensor_method
def bmm(a, b):
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {a.ndim}D and {b.ndim}D")
    return matmul(a, b)


@tensor_method
def dot(a, b):
    return matmul(a, b)


def linear(x, weight, bias=None):
    """y = x·Wᵀ + b in one fused native kernel."""
    return M.Linear.apply(x, weight, bias) if bias is not None else M.Linear.apply(x, weight)




def _matmul_operator(self, other):
    """x @ y. The common case (two ≥2-D tensors of one dtype) goes straight to the kernel."""
    if isinstance(other, Tensor) and self._data.ndim >= 2 and other._data.ndim >= 2 and \
            self._data.dtype == other._data.dtype:
        try:  # errors get matmul's full message below
            return M.Matmul.apply(self, other)
        except ValueError:
            pass
    return matmul(self, _as_tensor(other, self))


def _rmatmul_operator(self, other):
    return matmul(_as_tensor(other, self), self)


tensor_method(_matmul_operator, names=("__matmul__",))
tensor_method(_rmatmul_operator, names=("__rmatmul__",))

__all__ = ["matmul", "mm", "bmm", "dot", "linear"]
