"""Reductions with torch's names: sum, mean, var, std, max/min (values and indices), amax, amin,
argmax, argmin. x.sum() and x.mean() are Tensor methods written in tensor.py (the hot path)."""
import builtins

from .. import argcheck
from .. import dtypes as _dt
from ..backend import narrow
from ..ops import reduce as R
from ..ops._util import normalize_axes
from ._api import Tensor, tensor_method
from ._api import float_input as _float
from .pointwise import maximum, minimum
from .shape import reshape


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _out(input.sum(dim, keepdim, dtype=dtype), out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _out(input.mean(dim, keepdim, dtype=dtype), out)


def _out(r, out):
    if out is None:
        return r
    out._data = r.to(out.dtype)._data
    return out


def _need_float(x, op, correction=None):
    if not x.dtype.is_floating_point:  # torch too: "std and var only support floating point and complex dtypes"
        raise TypeError(f"{op}: std and var only support floating point tensors, got {x.dtype.name}")
    if isinstance(correction, builtins.int) and not -2 ** 63 <= correction < 2 ** 63:
        raise OverflowError(f"{op}: correction={correction} does not fit in int64 (torch raises too)")


@tensor_method
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    x = input
    if isinstance(dim, builtins.bool):  # var(x, unbiased) (torch's old positional form)
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    _need_float(x, "var", correction)
    axes = normalize_axes(dim, x.ndim, "var")
    return _out(R.Var.apply(_float(x), axes=axes, correction=builtins.float(correction), keepdim=keepdim), out)


@tensor_method
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """√var;  the gradient is 0 where the deviation is 0"""
    x = input
    if isinstance(dim, builtins.bool):  # std(x, unbiased) (torch's old positional form)
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    _need_float(x, "std", correction)
    axes = normalize_axes(dim, x.ndim, "std")
    return _out(R.Std.apply(_float(x), axes=axes, correction=builtins.float(correction), keepdim=keepdim), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim"""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(_float(input), dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim"""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(_float(input), dim, keepdim)


class _ValuesIndices(tuple):
    """torch.return_types.max: a (values, indices) pair with names."""

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def _minmax(x, dim, keepdim, is_min):
    name = "min" if is_min else "max"
    if x.dtype is _dt.bool_:  # torch: max/min of bools are bools (any/all); computed on 0/1
        r = _minmax(x.to(_dt.int64), dim, keepdim, is_min)
        return r.to(_dt.bool_) if dim is None else _ValuesIndices((r[0].to(_dt.bool_), r[1]))
    if dim is not None:
        dim = argcheck.dim(name, dim)
    if x.numel() == 0 and (dim is None or x.ndim == 0 or -x.ndim <= dim < x.ndim and x.shape[dim] == 0):
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
def max(input, dim=None, keepdim=False, *, out=None, other=None):
    if other is not None or isinstance(dim, Tensor):
        return maximum(input, dim if other is None else other)
    r = _minmax(input, dim, keepdim, False)
    if out is not None and dim is not None:
        for o, v in zip(out, r):
            o._data = v._data
        return _ValuesIndices(tuple(out))
    return r


@tensor_method
def min(input, dim=None, keepdim=False, *, out=None, other=None):
    if other is not None or isinstance(dim, Tensor):
        return minimum(input, dim if other is None else other)
    r = _minmax(input, dim, keepdim, True)
    if out is not None and dim is not None:
        for o, v in zip(out, r):
            o._data = v._data
        return _ValuesIndices(tuple(out))
    return r


@tensor_method
def amax(input, dim=(), keepdim=False, *, out=None):
    dim = None if dim == () else dim
    argcheck.boolean("amax", "keepdim", keepdim)
    if input.dtype is _dt.bool_:  # torch: the amax of bools is their any(), a bool
        return _out(amax(input.to(_dt.int64), dim, keepdim).to(_dt.bool_), out)
    return _out(R.Max.apply(input, axes=normalize_axes(dim, input.ndim, "amax"), keepdim=keepdim, amax=True), out)


@tensor_method
def amin(input, dim=(), keepdim=False, *, out=None):
    dim = None if dim == () else dim
    argcheck.boolean("amin", "keepdim", keepdim)
    if input.dtype is _dt.bool_:  # torch: the amin of bools is their all(), a bool
        return _out(amin(input.to(_dt.int64), dim, keepdim).to(_dt.bool_), out)
    return _out(R.Max.apply(input, axes=normalize_axes(dim, input.ndim, "amin"), keepdim=keepdim, is_min=True, amax=True), out)


@tensor_method
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over dim (None: all elements)"""
    return _MinMax((amin(input, dim if dim is not None else (), keepdim), amax(input, dim if dim is not None else (),
                                                                              keepdim)))


class _MinMax(tuple):
    min = property(lambda self: self[0])
    max = property(lambda self: self[1])


@tensor_method
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Π of the elements (along dim): the last running product (cumprod), so the gradient
    Π_{j≠i} x_j is exact also with zeros"""
    x = input if dtype is None else input.to(dtype)
    if x.dtype is _dt.bool_:
        x = x.to(_dt.int64)
    if dim is None:
        flat = x.reshape(-1)
        if flat.numel() == 0:
            return Tensor(1, dtype=x.dtype, device=x.device)
        r = flat.cumprod(0)[-1]
        return r.reshape(*([1] * x.ndim)) if keepdim else r
    axis = normalize_axes(dim, x.ndim, "prod")[0] if x.ndim else 0
    if x.ndim and x.shape[axis] == 0:
        shape = list(x.shape)
        shape[axis] = 1
        r = x.new_ones(shape)
        return r if keepdim else r.squeeze(axis)
    r = x.cumprod(axis).narrow(axis, x.shape[axis] - 1, 1) if x.ndim else x
    return r if keepdim or not x.ndim else r.squeeze(axis)


@tensor_method
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log Σ e^(xᵢ) over dim, stabilised: m + log Σ e^(xᵢ − m), m = max (detached; ±inf rows safe)"""
    x = _float(input)
    axes = normalize_axes(dim, x.ndim, "logsumexp")
    m = x.detach().amax(axes, keepdim=True)
    m = m.where(m.isfinite(), m * 0)
    r = (x - m).exp().sum(axes, keepdim=True).log() + m
    return _out(r if keepdim else r.squeeze(axes) if x.ndim else r.reshape(()), out)


@tensor_method
def count_nonzero(input, dim=None):
    """The number of nonzero elements (along dim), int64"""
    return (input != 0).sum(dim) if dim is not None else (input != 0).sum()


@tensor_method
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Σ with NaNs counted as 0"""
    x = input if not input.dtype.is_floating_point else input.where(~input.isnan(), 0.0)
    return x.sum(dim, keepdim, dtype=dtype)


@tensor_method
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean over the non-NaN elements"""
    keep = ~input.isnan()
    return nansum(input, dim, keepdim, dtype=dtype) / keep.sum(dim, keepdim).to(input.dtype)


def _arg(x, dim, keepdim, name):
    B = x.device.backend
    if x.dtype.compute is not None:  # a storage dtype (float16, int32, ...): computed widened
        B = narrow.backend(B)
    if dim is None:
        flat = reshape(x, -1).detach()
        r = Tensor._wrap(getattr(B, name)(flat._data, 0, False), x.device)
        return reshape(r, [1] * x.ndim) if keepdim else r  # torch: every dim kept, of size 1
    return Tensor._wrap(getattr(B, name)(x._data, argcheck.dim(name, dim), keepdim), x.device)


@tensor_method
def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, "argmax")


@tensor_method
def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, "argmin")

__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "max", "min", "amax", "amin", "aminmax", "argmax",
           "argmin", "prod", "logsumexp", "count_nonzero", "nansum", "nanmean"]
