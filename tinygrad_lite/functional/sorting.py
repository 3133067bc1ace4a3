"""Ordering with torch's names: sort, argsort, msort, topk, kthvalue, median, quantile, unique,
unique_consecutive, searchsorted, bucketize.

sort and topk run one native kernel (csrc/cpu/sort.cpp) that gives the indices; when a
gradient is wanted the values are then gathered from the input through those indices
(ops/index.py Gather), so ∂L/∂x is ∂L/∂values scattered back to where each value came from.
"""
import builtins

from .. import argcheck
from .. import dtypes as _dt
from ..autograd.grad_mode import _state as _grad_state
from ..creation import full as _full
from ..backend import narrow
from ..ops import index as I
from ..ops._util import normalize_axes
from ._api import Tensor, tensor_method
from .reduction import _ValuesIndices


def _axis(x, dim, op):
    if x.ndim == 0:
        if dim not in (0, -1, None):
            raise IndexError(f"{op}: dimension {dim} out of range for a 0-d tensor")
        return 0
    return normalize_axes(dim, x.ndim, op)[0]


def _values(x, vals, idx, axis):
    """The values as a differentiable function of x (a gather through idx) when grad is recorded."""
    if x.requires_grad and _grad_state.enabled and x.ndim:
        return I.Gather.apply(x, axis=axis, idx=idx)
    return Tensor._wrap(vals, x.device)


def _out(pair, out):
    if out is None:
        return pair
    for o, r in zip(out, pair):
        o._data = r._data if o.dtype is r.dtype else r.to(o.dtype)._data
    return _ValuesIndices(tuple(out))


def _backend(x):
    """x's backend; for a storage dtype (float16, int32, ...) one that computes widened."""
    B = x.device.backend
    return narrow.backend(B) if x.dtype.compute is not None else B


@tensor_method
def sort(input, dim=-1, descending=False, *, stable=False, out=None):
    """(values, indices) of input sorted along dim, always stable (equal values keep their
    order); NaN sorts as the largest. ∂L/∂x: ∂L/∂values scattered back through indices."""
    argcheck.boolean("sort", "descending", descending)
    if stable is not None:
        argcheck.boolean("sort", "stable", stable)
    axis = _axis(input, dim, "sort")
    vals, idx = _backend(input).sort(input._data, axis, bool(descending))
    return _out(_ValuesIndices((_values(input, vals, idx, axis), Tensor._wrap(idx, input.device))), out)


@tensor_method
def argsort(input, dim=-1, descending=False, stable=False):
    """The int64 indices that sort input along dim (stable)"""
    argcheck.boolean("argsort", "descending", descending)
    axis = _axis(input, dim, "argsort")
    return Tensor._wrap(_backend(input).sort(input._data, axis, bool(descending))[1], input.device)


@tensor_method
def msort(input):
    """input sorted along dim 0"""
    return sort(input, 0)[0]


@tensor_method
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """(values, indices) of the k largest (largest=False: smallest) elements along dim, in
    order (ties to the lower index). ∂L/∂x: ∂L/∂values scattered back through indices."""
    argcheck.boolean("topk", "largest", largest)
    if input.dtype is _dt.bool_:
        raise TypeError("topk: not implemented for bool tensors (torch: topk does not support bool dtypes on CPU)")
    axis = _axis(input, -1 if dim is None else dim, "topk")
    n = input.shape[axis] if input.ndim else 1
    k = argcheck.int64("topk", "k", k)
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k={k}, dimension {axis} has size {n})")
    vals, idx = _backend(input).topk(input._data, k, axis, bool(largest))
    return _out(_ValuesIndices((_values(input, vals, idx, axis), Tensor._wrap(idx, input.device))), out)


@tensor_method
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """(values, indices) of the k-th smallest element along dim (k from 1)"""
    if input.dtype is _dt.bool_:
        raise TypeError("kthvalue: not implemented for bool tensors (torch raises too)")
    k = argcheck.int64("kthvalue", "k", k)
    if input.ndim == 0:  # torch: a 0-d input is its own (and only) value, at index 0
        axis = _axis(input, dim, "kthvalue")
        if k != 1:
            raise RuntimeError(f"kthvalue: selected number k out of range for a 0-d tensor (k={k})")
        r = kthvalue(input.reshape(1), 1, 0)
        return _out(_ValuesIndices((r[0].reshape(()), r[1].reshape(()))), out)
    axis = _axis(input, dim, "kthvalue")
    n = input.shape[axis] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: selected number k out of range for dimension {axis} of size {n} (k={k})")
    # one native quick-select per line, torch's own, so that among ties torch's index is picked
    vals, idx = _backend(input).kthvalue(input._data, k, axis)
    v, i = _values(input, vals, idx, axis), Tensor._wrap(idx, input.device)
    if not keepdim and input.ndim:
        v, i = v.squeeze(axis), i.squeeze(axis)
    return _out(_ValuesIndices((v, i)), out)


@tensor_method
def median(input, dim=None, keepdim=False, *, out=None):
    """The lower median (the ((n−1)//2)-th smallest; NaN if the line has one): a number over all
    elements, or (values, indices) along dim. Index among equal values as torch's CPU: element
    (n−1)//2 of a stable ascending sort; with NaNs, the first NaN."""
    if dim is None:
        flat = input.reshape(-1)
        if flat.numel() == 0:
            raise RuntimeError("median() input tensor cannot be empty")
        v = median(flat.detach(), 0)[0]
        if not (flat.requires_grad and _grad_state.enabled):
            return v
        # torch's gradient of the all-element median is split evenly among the elements equal to it
        # (the NaNs, when it is NaN); its value stays exactly v: v + Σ w·(x − x̄), x̄ = x detached,
        # is v + 0 (x − x̄ is 0 at the finite ties, NaN where v is NaN), and an infinite v is Σ w·x.
        ties = flat.isnan() if builtins.bool(v.isnan()) else flat == v
        w = ties.to(flat.dtype) / ties.sum().to(flat.dtype)
        if builtins.bool(v.isinf()):
            return (flat.masked_fill(~ties, 0) * w).sum()
        return v + ((flat - flat.detach()).masked_fill(~ties, 0) * w).sum()
    axis = _axis(input, dim, "median")
    if input.ndim == 0:
        r = median(input.reshape(1), 0)
        return _out(_ValuesIndices((r[0].reshape(()), r[1].reshape(()))), out)
    n = input.shape[axis]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size (input of shape "
                         f"{tuple(input.shape)})")
    _, order = _backend(input).sort(input._data, axis, False)  # stable, NaN last
    order = Tensor._wrap(order, input.device)
    shape = list(input.shape)
    shape[axis] = 1
    pos = _full(tuple(shape), (n - 1) // 2, dtype=_dt.int64, device=input.device)
    if input.is_floating_point():  # a line with NaNs: its first NaN, at n − (number of NaNs) in the sort
        nans = input.isnan().sum(axis, keepdim=True)
        pos = (n - nans).where(nans > 0, pos)
    i = order.gather(axis, pos)
    v = I.Gather.apply(input, axis=axis, idx=i._data)
    if not keepdim:
        v, i = v.squeeze(axis), i.squeeze(axis)
    return _out(_ValuesIndices((v, i)), out)


@tensor_method
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-quantiles along dim (None: over all elements): with the values sorted, s,
    position p = q·(n − 1) and f = p − ⌊p⌋, 'linear' gives s[⌊p⌋] + f·(s[⌈p⌉] − s[⌊p⌋]);
    'lower', 'higher', 'nearest', 'midpoint' as torch. A 1-D q stacks results on a new dim 0."""
    from .shape import stack

    tensor_q = isinstance(q, (Tensor, list, tuple))
    qs = q.tolist() if isinstance(q, Tensor) else list(q) if tensor_q else [q]
    qs = [builtins.float(v) for v in (qs if isinstance(qs, list) else [qs])]
    if builtins.any(v < 0 or v > 1 for v in qs):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    x = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else _axis(input, dim, "quantile")
    s = sort(x, axis)[0]
    n = s.shape[axis]
    outs = []
    for v in qs:
        p = v * (n - 1)
        lo, hi = int(p // 1), -int(-p // 1)
        f = p - lo
        if interpolation == "lower":
            hi, f = lo, 0.0
        elif interpolation == "higher":
            lo, f = hi, 0.0
        elif interpolation == "nearest":
            lo = hi = builtins.round(p)
            f = 0.0
        elif interpolation == "midpoint":
            f = 0.5 if hi != lo else 0.0
        elif interpolation != "linear":
            raise ValueError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                             f"Got {interpolation}")
        a = s.narrow(axis, lo, 1)
        r = a if hi == lo or f == 0 else a + (s.narrow(axis, hi, 1) - a) * f
        if dim is None:
            r = r.reshape(*([1] * input.ndim)) if keepdim else r.reshape(())
        elif not keepdim:
            r = r.squeeze(axis)
        outs.append(r)
    r = stack(outs, 0) if tensor_q else outs[0]
    if out is not None:
        out._data = r._data
        return out
    return r


@tensor_method
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values in ascending order (and, if asked, where each input element went:
    inverse, and how often each occurs: counts). Not differentiable."""
    if dim is not None:
        raise NotImplementedError("unique(dim=...) is not supported; use unique() on the flattened tensor")
    flat = input.detach().reshape(-1)
    vals, order = sort(flat)
    n = flat.numel()
    first = (vals[1:] != vals[:-1]) if n > 1 else None
    from .shape import cat

    start = Tensor([True] * builtins.min(n, 1), device=input.device)
    mask = cat([start, first]) if first is not None else start
    uniq = vals[mask]
    out = [uniq]
    if return_inverse or return_counts:
        run = mask.long().cumsum(0) - 1
        if return_inverse:
            inv = run.new_zeros(n).scatter(0, order, run)
            out.append(inv.reshape(input.shape))
        if return_counts:
            out.append(run.bincount(minlength=uniq.numel()) if n else run.new_zeros(0))
    return out[0] if len(out) == 1 else tuple(out)


@tensor_method
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Each run of equal consecutive values collapsed to one (with inverse and counts if asked)"""
    if dim is not None:
        raise NotImplementedError("unique_consecutive(dim=...) is not supported")
    from .shape import cat

    flat = input.detach().reshape(-1)
    n = flat.numel()
    start = Tensor([True] * builtins.min(n, 1), device=input.device)
    mask = cat([start, flat[1:] != flat[:-1]]) if n > 1 else start
    out = [flat[mask]]
    run = mask.long().cumsum(0) - 1
    if return_inverse:
        out.append(run.reshape(input.shape))
    if return_counts:
        out.append(run.bincount(minlength=out[0].numel()) if n else run.new_zeros(0))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None, sorter=None):
    """For each value v, the index where v would be inserted into the sorted last dim of
    sorted_sequence to keep it sorted: #{s < v} (right/side='right': #{s ≤ v})"""
    if sorter is not None:
        sorted_sequence = sorted_sequence.gather(-1, sorter)
    right = right or side == "right"
    values = input if isinstance(input, Tensor) else Tensor(input, device=sorted_sequence.device)
    seq = sorted_sequence
    v = values.unsqueeze(-1)
    s = seq.unsqueeze(-2) if seq.ndim > 1 else seq
    hits = (s <= v) if right else (s < v)
    r = hits.long().sum(-1)
    if out_int32 and hasattr(_dt, "int32"):
        r = r.to(_dt.int32)
    if out is not None:
        out.copy_(r)
        return out
    return r


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each value among sorted boundaries: #{b < v} (right: #{b ≤ v})"""
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "quantile", "unique", "unique_consecutive",
           "searchsorted", "bucketize"]
