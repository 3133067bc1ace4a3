"""Running reductions along a dimension with torch's names: cumsum, cumprod (native kernels,
ops/scan.py), logcumsumexp, cummax, cummin, diff."""
import builtins

from .. import argcheck
from .. import dtypes as _dt
from ..ops import scan as S
from ._api import Tensor, tensor_method
from .reduction import _ValuesIndices


def _prepare(input, dim, dtype, op):
    dim = argcheck.dim(op, dim)
    x = input if dtype is None else input.to(dtype)
    if x.dtype is _dt.bool_ or (not x.dtype.is_floating_point and x.dtype is not _dt.int64):
        x = x.to(_dt.int64)  # torch: integer and bool inputs accumulate in int64
    if x.ndim == 0:
        if dim not in (0, -1):
            raise IndexError(f"{op}: dimension {dim} out of range for a 0-d tensor")
        return x, 0
    n = x.ndim
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension {dim} out of range (expected to be in range of [{-n}, {n - 1}])")
    return x, dim % n


def _out(r, out):
    if out is None:
        return r
    out._data = r.to(out.dtype)._data
    return out


@tensor_method(inplace=True)
def cumsum(input, dim, *, dtype=None, out=None):
    """y_j = x_0 + … + x_j along dim (int and bool inputs give int64);  ∂L/∂x_i = Σ_{j≥i} ∂L/∂y_j"""
    x, axis = _prepare(input, dim, dtype, "cumsum")
    return _out(S.Cumsum.apply(x, axis=axis), out)


@tensor_method(inplace=True)
def cumprod(input, dim, *, dtype=None, out=None):
    """y_j = x_0·…·x_j along dim;  ∂L/∂x_i = Σ_{j≥i} ∂L/∂y_j·Π_{k≤j, k≠i} x_k (exact with zeros)"""
    x, axis = _prepare(input, dim, dtype, "cumprod")
    return _out(S.Cumprod.apply(x, axis=axis), out)


@tensor_method
def logcumsumexp(input, dim):
    """y_j = log Σ_{k≤j} e^(x_k) along dim, stabilised by the maximum m: m + log Σ e^(x_k − m)"""
    m = input.detach().amax(dim, keepdim=True)
    m = m.where(m.isfinite(), m * 0)
    return (input - m).exp().cumsum(dim).log() + m


def _cumextreme(input, dim, is_max, op):
    """(values, indices) of the running max (min): index of the last occurrence, as torch"""
    x = input.detach()
    if x.ndim == 0:
        return _ValuesIndices((input.clone(), Tensor(0, device=input.device)))
    axis = dim % x.ndim
    n = x.shape[axis]
    idx = x.new_zeros(x.shape, dtype=_dt.int64)
    best = x.narrow(axis, 0, 1) if n else x
    best_i = idx.narrow(axis, 0, 1) if n else idx
    vals_i = [best_i]
    for j in range(1, n):
        v = x.narrow(axis, j, 1)
        take = (v >= best) if is_max else (v <= best)
        take = take | v.isnan() if x.dtype.is_floating_point else take
        best = v.where(take, best)
        best_i = (best_i * 0 + j).where(take, best_i)
        vals_i.append(best_i)
    from .shape import cat

    indices = cat(vals_i, axis) if n else idx
    return _ValuesIndices((input.gather(axis, indices) if n else input.clone(), indices))


@tensor_method
def cummax(input, dim):
    """(values, indices): the running maximum along dim and where it was found"""
    return _cumextreme(input, dim, True, "cummax")


@tensor_method
def cummin(input, dim):
    """(values, indices): the running minimum along dim and where it was found"""
    return _cumextreme(input, dim, False, "cummin")


@tensor_method
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """x[i+1] − x[i] along dim, n times (prepend/append joined first); bool gives x[i+1] ≠ x[i]"""
    from .shape import cat

    x = input
    if prepend is not None or append is not None:
        parts = [t if isinstance(t, Tensor) else Tensor(t, dtype=x.dtype, device=x.device) for t in (prepend, x, append)
                 if t is not None]
        x = cat(parts, dim)
    for _ in range(builtins.int(n)):
        m = x.shape[dim]
        a, b = x.narrow(dim, 1, builtins.max(m - 1, 0)), x.narrow(dim, 0, builtins.max(m - 1, 0))
        x = (a != b) if x.dtype is _dt.bool_ else a - b
    return x


__all__ = ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "diff"]
