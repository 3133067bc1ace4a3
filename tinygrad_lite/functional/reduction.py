"""Reductions with torch's names: sum, mean, var, std, max/min (values and indices), amax, amin,
argmax, argmin. x.sum() and x.mean() are Tensor methods written in tensor.py (the hot path)."""
import builtins

from ..ops import reduce as R
from ..ops._util import normalize_axes
from ._api import Tensor, float_input as _float, tensor_method
from .pointwise import maximum, minimum
from .shape import reshape


def sum(x, dim=None, keepdim=False, dtype=None):
    return x.sum(dim, keepdim, dtype=dtype)


def mean(x, dim=None, keepdim=False, dtype=None):
    return x.mean(dim, keepdim, dtype=dtype)


@tensor_method
def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_axes(dim, x.ndim, "var")
    return R.Var.apply(_float(x), axes=axes, correction=builtins.float(correction), keepdim=keepdim)


@tensor_method
def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """√var;  the gradient is 0 where the deviation is 0"""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_axes(dim, x.ndim, "std")
    return R.Std.apply(_float(x), axes=axes, correction=builtins.float(correction), keepdim=keepdim)


class _ValuesIndices(tuple):
    """torch.return_types.max: a (values, indices) pair with names."""

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def _minmax(x, dim, keepdim, is_min):
    name = "min" if is_min else "max"
    if x.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0")
    if dim is None:
        return R.Max.apply(x, axes=list(range(x.ndim)), keepdim=False, is_min=is_min)
    # max(dim) returns (values, indices); the gradient goes to the one index, as torch (amax
    # splits it among ties instead)
    indices = (argmin if is_min else argmax)(x, dim, True)
    values = x.gather(dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return _ValuesIndices((values, indices))


@tensor_method
def max(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return _minmax(x, dim, keepdim, False)


@tensor_method
def min(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return _minmax(x, dim, keepdim, True)


@tensor_method
def amax(x, dim=None, keepdim=False):
    return R.Max.apply(x, axes=normalize_axes(dim, x.ndim, "amax"), keepdim=keepdim)


@tensor_method
def amin(x, dim=None, keepdim=False):
    return R.Max.apply(x, axes=normalize_axes(dim, x.ndim, "amin"), keepdim=keepdim, is_min=True)


def _arg(x, dim, keepdim, name):
    B = x.device.backend
    if dim is None:
        flat = reshape(x, -1).detach()
        return Tensor._wrap(getattr(B, name)(flat._data, 0, False), x.device)
    return Tensor._wrap(getattr(B, name)(x._data, dim, keepdim), x.device)


@tensor_method
def argmax(x, dim=None, keepdim=False):
    return _arg(x, dim, keepdim, "argmax")


@tensor_method
def argmin(x, dim=None, keepdim=False):
    return _arg(x, dim, keepdim, "argmin")

__all__ = ["sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin"]
