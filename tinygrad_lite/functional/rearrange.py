"""Ops that copy elements into a new arrangement, with torch's names: repeat, tile, roll, flip,
fliplr, flipud, rot90, repeat_interleave, diag, diag_embed, diagonal, diagflat, tril, triu,
trace. Each is a composition of differentiable views, gathers and selections, so its
gradient needs no Function of its own (repeat's, for instance, is expand's: a sum)."""
import builtins

import numpy as np

from .. import dtypes as _dt
from ..ops._util import normalize_axes
from ._api import Tensor, _shape_arg, tensor_method
from .shape import cat, expand, reshape


def _index(values, device):
    return Tensor(np.asarray(values, dtype=np.int64), device=device)


@tensor_method
def repeat(input, *sizes):
    """input tiled sizes[i] times along each dim (len(sizes) ≥ ndim; leading new dims allowed):
    out.shape[i] = sizes[i]·shape[i]. ∂L/∂x sums the copies."""
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = [1] * (len(sizes) - input.ndim) + list(input.shape)
    inter, big = [], []
    for r, d in zip(sizes, shape):
        inter += [1, d]
        big += [r, d]
    return reshape(expand(reshape(input, *inter), *big), *[r * d for r, d in zip(sizes, shape)])


@tensor_method
def tile(input, dims):
    """repeat, with dims padded with leading 1s when shorter than ndim"""
    dims = list(dims) if not isinstance(dims, builtins.int) else [dims]
    return repeat(input, *([1] * (input.ndim - len(dims)) + dims))


@tensor_method
def flip(input, *dims, **kw):
    """The order of elements reversed along each of dims (a copy, as torch)"""
    if "dims" in kw:
        dims = (kw.pop("dims"),)
    dims = _shape_arg(dims) if dims else []
    y = input
    for d in normalize_axes(dims, input.ndim, "flip"):
        n = y.shape[d]
        if n > 1:
            y = y.index_select(d, _index(np.arange(n - 1, -1, -1), input.device))
    return y if y is not input else input.clone()


@tensor_method
def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


@tensor_method
def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


@tensor_method
def roll(input, shifts, dims=None):
    """Elements shifted cyclically by shifts along dims (None: over the flattened tensor)"""
    if dims is None:
        if not isinstance(shifts, builtins.int):
            shifts = shifts[0] if len(shifts) == 1 else shifts
        return roll(input.reshape(-1), shifts, 0).reshape(*input.shape)
    shifts = [shifts] if isinstance(shifts, builtins.int) else list(shifts)
    dims = [dims] if isinstance(dims, builtins.int) else list(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    y = input
    for s, d in zip(shifts, dims):
        n = y.shape[d]
        if n == 0:
            continue
        s %= n
        if s:
            y = cat([y.narrow(d, n - s, s), y.narrow(d, 0, n - s)], d)
    return y if y is not input else input.clone()


@tensor_method
def rot90(input, k=1, dims=(0, 1)):
    """Rotated by 90°·k in the plane of dims (from the first towards the second)"""
    d0, d1 = dims
    k %= 4
    if k == 1:
        return flip(input, d1).transpose(d0, d1)
    if k == 2:
        return flip(input, d0, d1)
    if k == 3:
        return flip(input, d0).transpose(d0, d1)
    return input.clone()


@tensor_method
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (slice along dim) repeated `repeats` times in place (repeats: a number, or
    one count per element); dim None flattens first. repeat_interleave(counts) alone gives
    arange(n) repeated counts[i] times."""
    if repeats is None:  # torch.repeat_interleave(repeats)
        counts = input
        return _index(np.repeat(np.arange(counts.numel()), np.asarray(counts.tolist(), dtype=np.int64)), input.device)
    x = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else normalize_axes(dim, x.ndim, "repeat_interleave")[0]
    n = x.shape[axis]
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        r = np.asarray(repeats.tolist(), dtype=np.int64).reshape(-1)
        if r.size != n:
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {r.size} and input.size({axis}) = {n}")
    else:
        r = np.full(n, builtins.int(repeats), dtype=np.int64)
    if (r < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    return x.index_select(axis, _index(np.repeat(np.arange(n), r), input.device))


def _diag_len(n1, n2, offset):
    return builtins.max(0, builtins.min(n1 - builtins.max(0, -offset), n2 - builtins.max(0, offset)))


@tensor_method
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal x[..., i, i+offset] of the (dim1, dim2) planes, as a last dim"""
    d1, d2 = normalize_axes(dim1, input.ndim, "diagonal")[0], normalize_axes(dim2, input.ndim, "diagonal")[0]
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = _diag_len(input.shape[d1], input.shape[d2], offset)
    rows = _index(np.arange(n) + builtins.max(0, -offset), input.device)
    cols = _index(np.arange(n) + builtins.max(0, offset), input.device)
    y = input.movedim((d1, d2), (0, 1))[rows, cols]  # (n, rest...)
    return y.movedim(0, -1)


@tensor_method
def diag(input, diagonal=0, *, out=None):
    """1-D v → the square matrix with v on diagonal `diagonal`; 2-D → that diagonal as 1-D"""
    if input.ndim == 2:
        r = globals()["diagonal"](input, diagonal)
    elif input.ndim == 1:
        n, k = input.shape[0], diagonal
        m = n + builtins.abs(k)
        pad = input.new_zeros(builtins.abs(k))
        v = cat([input, pad] if k >= 0 else [pad, input]) if k else input
        r = v.unsqueeze(1) * Tensor(np.eye(m, k=k), dtype=input.dtype, device=input.device)
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    if out is not None:
        out._data = r._data
        return out
    return r


@tensor_method
def diagflat(input, offset=0):
    return diag(input.reshape(-1), offset)


@tensor_method
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """The last dim of input placed on the diagonal of new (dim1, dim2) planes (default dims)"""
    if (dim1, dim2) not in ((-2, -1), (input.ndim - 1, input.ndim)):
        raise NotImplementedError("diag_embed: only the default dims (-2, -1) are supported")
    n = input.shape[-1]
    m = n + builtins.abs(offset)
    pad = input.new_zeros(*input.shape[:-1], builtins.abs(offset))
    v = cat([input, pad] if offset >= 0 else [pad, input], -1) if offset else input
    return v.unsqueeze(-1) * Tensor(np.eye(m, k=offset), dtype=input.dtype, device=input.device)


def _triangle(input, diagonal, lower, op):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    r, c = input.shape[-2], input.shape[-1]
    i, j = np.arange(r)[:, None], np.arange(c)[None, :]
    keep = (j - i <= diagonal) if lower else (j - i >= diagonal)
    mask = Tensor(keep, device=input.device)
    zero = Tensor(0, dtype=input.dtype, device=input.device)
    from .pointwise import where

    return where(mask, input, zero)


@tensor_method(inplace=True)
def tril(input, diagonal=0, *, out=None):
    """The lower triangle (j − i ≤ diagonal) of the last two dims; the rest 0"""
    r = _triangle(input, diagonal, True, "tril")
    if out is not None:
        out._data = r._data
        return out
    return r


@tensor_method(inplace=True)
def triu(input, diagonal=0, *, out=None):
    """The upper triangle (j − i ≥ diagonal) of the last two dims; the rest 0"""
    r = _triangle(input, diagonal, False, "triu")
    if out is not None:
        out._data = r._data
        return out
    return r


@tensor_method
def trace(input):
    """Σ of the main diagonal of a 2-D tensor"""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    d = diagonal(input)
    return d.sum() if input.dtype is not _dt.bool_ else d.long().sum()


__all__ = ["repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90", "diag", "diagflat", "diag_embed",
           "diagonal", "tril", "triu", "trace", "tile"]
