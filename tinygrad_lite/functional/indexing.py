"""Gathering and scattering by index tensors with torch's names: index_select (embedding
lookup), gather, take, take_along_dim, masked_select, scatter, scatter_add, scatter_reduce
(sum, mean), index_add, index_copy, index_fill, masked_scatter, bincount, argwhere.
x[index] itself is tinygrad_lite/indexing.py.

Each is one native gather or scatter (ops/index.py) — gathers differentiate into scatter-adds
and back — so every out-of-place form is differentiable in its tensor arguments; the in-place
forms (x.scatter_(...)) go through the one in-place rule of _api.inplace."""
import builtins

from .. import argcheck
from .. import dtypes as _dt
from ..ops import index as I
from ..ops._util import normalize_axes
from ._api import Tensor, tensor_method


def _idx(index, op):
    if not isinstance(index, Tensor):
        index = Tensor(index)
    if index.dtype is not _dt.int64:
        raise TypeError(f"{op}(): Expected dtype int64 for index, got {index.dtype.name}")
    return index


def _axis(x, dim, op):
    """The one dim these ops take: an int (None, which normalize_axes reads as "all dims", is refused)."""
    dim = argcheck.dim(op, dim)
    return normalize_axes(dim, x.ndim, op)[0] if x.ndim else 0


@tensor_method
def index_select(input, dim, index, *, out=None):
    """y[..., j, ...] = x[..., index[j], ...] along dim;  ∂L/∂x = index_add of ∂L/∂y (rows picked
    twice get both gradients)"""
    index = _idx(index, "index_select")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    r = I.IndexSelect.apply(input, axis=_axis(input, dim, "index_select"), idx=index.reshape(-1)._data)
    if input.ndim == 0:
        r = r.reshape(())
    if out is not None:
        out._data = r._data
        return out
    return r


@tensor_method
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """y[i][j] = x[i][index[i][j]] (dim 1 of a 2-D input, torch.gather);  ∂L/∂x = scatter_add of ∂L/∂y"""
    axis = _axis(input, dim, "gather")
    if isinstance(index, Tensor) and index.numel() == 0:
        # torch checks only dim for an empty index (not its dtype, ndim or sizes): an empty result
        r = input.reshape(-1)[:0].reshape(tuple(index.shape))
    else:
        index = _idx(index, "gather")
        r = I.Gather.apply(input, axis=axis, idx=index._data)
    if out is not None:
        out._data = r._data
        return out
    return r


@tensor_method
def take(input, index):
    """The elements of the flattened input at index (any shape)"""
    index = _idx(index, "take")
    n = input.numel()
    flat = index.reshape(-1)
    flat = flat + (flat < 0).long() * n
    return I.IndexSelect.apply(input.reshape(-1), axis=0, idx=flat._data).reshape(*index.shape)


@tensor_method
def take_along_dim(input, indices, dim=None, *, out=None):
    """gather along dim after broadcasting input and indices on the other dims (dim None: over
    the flattened input)"""
    indices = _idx(indices, "take_along_dim")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    axis = _axis(input, dim, "take_along_dim")
    import numpy as np

    a_shape, i_shape = list(input.shape), list(indices.shape)
    a_shape[axis] = i_shape[axis] = 1
    common = list(np.broadcast_shapes(tuple(a_shape), tuple(i_shape)))
    xs, ids = list(common), list(common)
    xs[axis], ids[axis] = input.shape[axis], indices.shape[axis]
    return gather(input.expand(tuple(xs)), axis, indices.expand(tuple(ids)).contiguous(), out=out)


@tensor_method
def masked_select(input, mask, *, out=None):
    """The elements of input where mask (broadcast together) is True, as a 1-D tensor"""
    from .shape import broadcast_tensors

    if mask.dtype is not _dt.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype.name}")
    x, m = broadcast_tensors(input, mask)
    r = x.reshape(-1)[m.reshape(-1)]
    if out is not None:
        out._data = r._data
        return out
    return r


def _src_tensor(input, index, src, value, op):
    if src is None and value is None:
        raise TypeError(f"{op}() needs src or value")
    if src is not None and not isinstance(src, Tensor):
        value, src = src, None
    if src is None:
        if _dt.needs_exact_int(value, input.dtype):  # beyond 2**53: not through the native fill's double
            return Tensor(value, dtype=input.dtype, device=input.device).expand(tuple(index.shape))
        return Tensor._wrap(input.device.backend.full(list(index.shape), builtins.float(value), input._data.dtype),
                            input.device)
    return src if src.dtype is input.dtype else src.to(input.dtype)


@tensor_method(inplace=True)
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of input with y[i][index[i][j]] = src[i][j] (dim 1; src may be a number);
    reduce='add' / 'multiply' combines instead of replacing.
    ∂L/∂x = ∂L/∂y with the written positions zeroed; ∂L/∂src = (∂L/∂y).gather(dim, index)"""
    index = _idx(index, "scatter")
    s = _src_tensor(input, index, src, value, "scatter")
    axis = _axis(input, dim, "scatter")
    if reduce is None:
        return I.Scatter.apply(input, s, axis=axis, idx=index._data)
    if reduce == "add":
        return scatter_add(input, dim, index, s)
    if reduce == "multiply":  # x·Π of the written values: exp of a scatter-add of logs is inexact; multiply in turn
        factor = I.Scatter.apply(input.new_ones(input.shape), s, axis=axis, idx=index._data)
        return input * factor
    raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r}")


@tensor_method(inplace=True)
def scatter_add(input, dim, index, src):
    """input with y[i][index[i][j]] += src[i][j] (dim 1);  ∂L/∂src = (∂L/∂y).gather(dim, index)"""
    index = _idx(index, "scatter_add")
    src = src if src.dtype is input.dtype else src.to(input.dtype)
    added = I.ScatterAdd.apply(src, shape=input.shape, axis=_axis(input, dim, "scatter_add"), idx=index._data)
    return input + added


@tensor_method(inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src combined into y[i][index[i][j]] by reduce: 'sum' or 'mean' (include_self:
    whether input's own value takes part)"""
    index = _idx(index, "scatter_reduce")
    if reduce not in ("sum", "mean"):
        raise NotImplementedError(f"scatter_reduce: reduce={reduce!r} is not supported (sum, mean are)")
    axis = _axis(input, dim, "scatter_reduce")
    hit = I.ScatterAdd.apply(src.new_ones(index.shape), shape=input.shape, axis=axis, idx=index._data) > 0
    base = input if include_self else input.where(~hit, 0)
    total = scatter_add(base, dim, index, src)
    if reduce == "sum":
        return total
    count = scatter_add(input.new_ones(input.shape) if include_self else (~hit).to(input.dtype), dim, index,
                        src.new_ones(src.shape))
    return (total / count.clamp(min=1)).to(input.dtype) if input.dtype.is_floating_point else total // count.clamp(min=1)


def _along(index, input, dim, n_src):
    """index (K,) along dim as a full index tensor of the source's shape (for scatter)."""
    shape = [1] * input.ndim
    shape[dim] = -1
    full = list(input.shape)
    full[dim] = n_src
    return index.reshape(*shape).expand(tuple(full)).contiguous()


@tensor_method(inplace=True)
def index_add(input, dim, index, source, *, alpha=1):
    """input with source[..., j, ...]·alpha added at [..., index[j], ...] along dim"""
    index = _idx(index, "index_add")
    axis = _axis(input, dim, "index_add")
    src = source if alpha == 1 else source * alpha
    src = src if src.dtype is input.dtype else src.to(input.dtype)
    return input + I.IndexAdd.apply(src, shape=input.shape, axis=axis, idx=index.reshape(-1)._data)


@tensor_method(inplace=True)
def index_copy(input, dim, index, source):
    """input with the slices [..., index[j], ...] along dim replaced by source[..., j, ...]"""
    index = _idx(index, "index_copy")
    axis = _axis(input, dim, "index_copy")
    return scatter(input, axis, _along(index.reshape(-1), input, axis, index.numel()), source)


@tensor_method(inplace=True)
def index_fill(input, dim, index, value):
    """input with the slices [..., index[j], ...] along dim set to value"""
    index = _idx(index, "index_fill")
    axis = _axis(input, dim, "index_fill")
    v = value.item() if isinstance(value, Tensor) else value
    return scatter(input, axis, _along(index.reshape(-1), input, axis, index.numel()), value=v)


@tensor_method(inplace=True)
def masked_scatter(input, mask, source):
    """input with the positions where mask is True filled, in order, from source's elements"""
    from .shape import broadcast_tensors

    x, m = broadcast_tensors(input, mask)
    pos = m.reshape(-1).nonzero().reshape(-1)
    k = pos.numel()
    if source.numel() < k:
        raise RuntimeError(f"masked_scatter: expected source to have at least {k} elements, got {source.numel()}")
    vals = source.reshape(-1)[:k]
    return scatter(x.reshape(-1), 0, pos, vals).reshape(*x.shape)


@tensor_method(inplace=True)
def index_put(input, indices, values, accumulate=False):
    """input with input[indices] = values (accumulate: +=), indices any index x[...] takes: the
    flat positions it addresses (an arange indexed the same way) receive values by one scatter,
    differentiable in input and values. x[i] = v with autograd recording is x.index_put_(i, v)."""
    from ..indexing import getitem

    x = input
    B = x.device.backend
    pos = Tensor._wrap(B.arange(0.0, builtins.float(x.numel()), 1.0, _dt.int64.code), x.device)
    pos = getitem(pos.reshape(*x.shape), indices if isinstance(indices, tuple) else (indices,))
    v = values if isinstance(values, Tensor) else Tensor(values, dtype=x.dtype, device=x.device)
    v = v.to(x.dtype).expand(tuple(pos.shape)).reshape(-1)
    flat = x.reshape(-1)
    if accumulate:
        r = flat + I.IndexAdd.apply(v, shape=flat.shape, axis=0, idx=pos.reshape(-1)._data)
    else:
        r = scatter(flat, 0, pos.reshape(-1), v)
    return r.reshape(*x.shape)


@tensor_method
def bincount(input, weights=None, minlength=0):
    """counts[v] = #{i: x_i = v} (or Σ of weights_i) for non-negative int x; length max(x)+1 or minlength"""
    if input.ndim != 1 or input.dtype is not _dt.int64:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input.numel() and builtins.bool((input < 0).any()):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    n = builtins.max(builtins.int(input.max().item()) + 1 if input.numel() else 0, minlength)
    w = weights if weights is not None else input.new_ones(input.shape)
    if weights is not None and not w.dtype.is_floating_point:
        w = w.double()
    B = input.device.backend
    return Tensor._wrap(B.scatter_add([n], 0, input._data, w.detach()._data), input.device)


@tensor_method
def argwhere(input):
    return input.nonzero()


__all__ = ["index_select", "gather", "take", "take_along_dim", "masked_select", "scatter", "scatter_add",
           "scatter_reduce", "index_add", "index_copy", "index_fill", "index_put", "masked_scatter", "bincount",
           "argwhere"]
