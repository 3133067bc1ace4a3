"""Shape and layout with torch's names: views that copy nothing (reshape of contiguous data,
permute, transpose, squeeze, unsqueeze, expand) and joins and splits (cat, stack, split, chunk).
x.reshape(), x.view() and x.T are Tensor methods written in tensor.py."""
import builtins

from .. import argcheck
from .. import dtypes as _dt
from ..ops import elementwise as E
from ..ops import shape as S
from ..ops._util import normalize_axes
from ._api import Tensor, _shape_arg, tensor_method


def _out(result, out):
    """torch's out=: the result written into `out` (taking the result's shape)."""
    if out is None:
        return result
    out._data = result.to(out.dtype)._data
    return out



def reshape(x, *shape):
    return S.Reshape.apply(x, shape=_shape_arg(shape))


@tensor_method
def flatten(input, start_dim=0, end_dim=-1):
    x = input
    n = x.ndim
    for name, d in (("start_dim", start_dim), ("end_dim", end_dim)):
        argcheck.dim("flatten", d, name)
        if n == 0 and d not in (0, -1):  # torch: a 0-d tensor has dims 0 and -1 here
            raise IndexError(f"flatten: dimension {d} out of range for a 0-d tensor (expected -1 or 0)")
    if n == 0:
        return reshape(x, 1)
    s, e = normalize_axes(start_dim, n, "flatten")[0], normalize_axes(end_dim, n, "flatten")[0]
    shape = list(x.shape)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    flat = 1
    for d in shape[s : e + 1]:
        flat *= d
    return S.Reshape.apply(x, shape=shape[:s] + [flat] + shape[e + 1 :])


@tensor_method
def permute(x, *dims):
    if dims == ():  # torch: permute() needs its dims, even for a 0-d tensor (x.permute(()))
        raise TypeError("permute() missing 1 required positional argument: 'dims'")
    return S.Permute.apply(x, dims=[builtins.int(d) for d in _shape_arg(dims)])


@tensor_method(names=("transpose", "swapaxes"))
def transpose(x, dim0, dim1):
    dim0, dim1 = argcheck.dim("transpose", dim0, "dim0"), argcheck.dim("transpose", dim1, "dim1")
    n = x.ndim
    if n < 2:  # a 0-d or 1-d tensor has one valid dim, 0 (or -1): the transpose is x itself
        for d in (dim0, dim1):
            if d not in (0, -1):
                raise IndexError(f"transpose: dimension {d} out of range (expected to be in range of [-1, 0])")
        return x
    d0, d1 = normalize_axes(dim0, n, "transpose")[0], normalize_axes(dim1, n, "transpose")[0]
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return S.Permute.apply(x, dims=dims)


swapaxes = transpose


_NO_DIM = object()  # squeeze() without a dim, told apart from squeeze(None)


@tensor_method
def squeeze(x, dim=_NO_DIM):
    """Drop size-1 dims: all of them, or those of `dim` (an int or a tuple) that have size 1."""
    shape = list(x.shape)
    if dim is None:  # torch's overloads are squeeze() and squeeze(dim): an explicit None is neither
        raise TypeError("squeeze(): argument 'dim' must be int or tuple of ints, not None")
    if dim is _NO_DIM:
        new = [d for d in shape if d != 1]
    else:
        axes = normalize_axes(dim, x.ndim, "squeeze")
        new = [d for i, d in enumerate(shape) if not (i in axes and d == 1)]
    return S.Reshape.apply(x, shape=new)


@tensor_method
def unsqueeze(x, dim):
    dim = argcheck.dim("unsqueeze", dim)
    n = x.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dimension {dim} out of range (expected to be in range of [{-n}, {n - 1}])")
    shape = list(x.shape)
    shape.insert(dim % n, 1)
    return S.Reshape.apply(x, shape=shape)


@tensor_method
def expand(x, *shape):
    if shape == ():  # torch: expand() needs a size, even for a 0-d tensor (x.expand(()))
        raise TypeError("expand() missing 1 required positional argument: 'size'")
    shape = _shape_arg(shape)
    return S.Expand.apply(x, shape=shape)


@tensor_method
def expand_as(x, other):
    return expand(x, tuple(other.shape))


@tensor_method
def broadcast_to(x, shape):
    return expand(x, tuple(_shape_arg(shape, "broadcast_to")))  # () stays a 0-d target


@tensor_method
def contiguous(x):
    return x if x.is_contiguous() else E.Clone.apply(x, contiguous_only=True)


@tensor_method
def clone(x):
    return E.Clone.apply(x)


def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = _dt.promote_types(dtype, t.dtype)
    tensors = [t.to(dtype) for t in tensors]
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]  # torch skips empty 1-D
    dim = argcheck.dim("cat", dim)
    for k, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"cat(): zero-dimensional tensor (at position {k}) cannot be concatenated")
        if t.ndim != tensors[0].ndim:
            raise RuntimeError(f"cat(): tensors must have the same number of dimensions: got {tensors[0].ndim} "
                               f"(shape {tuple(tensors[0].shape)}) and {t.ndim} (shape {tuple(t.shape)})")
    axis = normalize_axes(dim, tensors[0].ndim, "cat")[0]
    return _out(S.Cat.apply(*tensors, axis=axis) if len(tensors) > 1 else tensors[0].clone(), out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack(): expected a non-empty list of Tensors")
    dim = argcheck.dim("stack", dim)
    shape0 = tuple(tensors[0].shape)
    for t in tensors[1:]:
        if tuple(t.shape) != shape0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {shape0} and {tuple(t.shape)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim, out=out)


@tensor_method
def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces along dim: of size split_size (the last may be smaller), or
    of the listed sizes (which must add up to the dim's size)"""
    x = tensor
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    nd = builtins.max(x.ndim, 1)
    if not isinstance(dim, builtins.int) or not -nd <= dim < nd:
        raise IndexError(f"split: dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    n = x.shape[dim]
    if isinstance(split_size_or_sections, builtins.int):
        size = split_size_or_sections
        if not -2 ** 63 <= size < 2 ** 63:
            raise ValueError(f"split: split_size {size} does not fit in int64 (torch: Overflow when unpacking long long)")
        if size < 0 or (size == 0 and n != 0):
            raise RuntimeError(f"split: split_size can only be 0 if dimension size is 0, but got split_size={size} "
                               f"for a dimension of size {n}" if size >= 0 else
                               f"split expects split_size be non-negative, but got split_size={size}")
        size = argcheck.int64("split", "split_size", size)
        sizes = ([builtins.min(size, n - i) for i in range(0, n, size)] if size else []) or [0]  # empty dim: one piece
    elif isinstance(split_size_or_sections, (builtins.list, builtins.tuple)):
        sizes = [argcheck.int64("split", "split_size_or_sections", v) for v in split_size_or_sections]
        if builtins.any(v < 0 for v in sizes) or builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {dim}), but got split_sizes={sizes}")
    else:
        raise TypeError(f"split(): argument 'split_size_or_sections' must be int or a list of ints, not "
                        f"{argcheck.describe(split_size_or_sections)}")
    out, start = [], 0
    axis = normalize_axes(dim, x.ndim, "split")[0]
    lead = (slice(None),) * axis
    for s_ in sizes:
        out.append(x[lead + (slice(start, start + s_),)])
        start += s_
    return tuple(out)


@tensor_method
def chunk(input, chunks, dim=0):
    """At most `chunks` views along dim, each of ⌈n/chunks⌉ (the last smaller; fewer when n is small)"""
    if not isinstance(chunks, builtins.int) or chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if chunks >= 2**63:
        raise ValueError(f"chunk: chunks={chunks} does not fit in int64")
    dim = argcheck.dim("chunk", dim)
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    nd = input.ndim
    if not -nd <= dim < nd:
        raise IndexError(f"chunk: dimension {dim} out of range (expected to be in range of [{-nd}, {nd - 1}])")
    n = input.shape[dim]
    if n == 0:
        # torch returns `chunks` empty views; a count no memory could hold is refused up front
        # (it used to run for ever building 2**62 views)
        if chunks > 2**31:
            raise RuntimeError(f"chunk: {chunks} empty pieces of an empty dim cannot be created")
        return tuple(input.narrow(dim, 0, 0) for _ in range(chunks))
    return split(input, -(-n // chunks), dim)


@tensor_method
def tensor_split(input, indices_or_sections, dim=0):
    """n pieces as equal as possible (the first n % k one longer), or pieces between indices"""
    size = input.shape[dim]
    if isinstance(indices_or_sections, builtins.int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(size, k)
        bounds = [0]
        for i in range(k):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        idx = [builtins.int(i) for i in (indices_or_sections.tolist() if isinstance(indices_or_sections, Tensor)
                                        else indices_or_sections)]
        bounds = [0] + [builtins.min(builtins.max(i if i >= 0 else i + size, 0), size) for i in idx] + [size]
    return tuple(input.narrow(dim, a, builtins.max(b - a, 0)) for a, b in zip(bounds[:-1], bounds[1:]))


def _dim_split(name, dim, min_ndim):
    def f(input, indices_or_sections):
        if input.ndim < min_ndim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_ndim} dimension(s), but got a tensor "
                               f"with {input.ndim} dimensions!")
        d = 0 if (name == "hsplit" and input.ndim == 1) else dim
        if isinstance(indices_or_sections, builtins.int) and input.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{input.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"tensor_split along dim {dim} (equal sections only)"
    return tensor_method(f)


hsplit = _dim_split("hsplit", 1, 1)
vsplit = _dim_split("vsplit", 0, 2)
dsplit = _dim_split("dsplit", 2, 3)


@tensor_method
def narrow(input, dim, start, length):
    """The view input[..., start:start+length, ...] along dim"""
    axis = normalize_axes(dim, input.ndim, "narrow")[0]
    n = input.shape[axis]
    start = builtins.int(start)
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


@tensor_method
def select(input, dim, index):
    """input[..., index, ...] along dim (the dim removed)"""
    axis = normalize_axes(dim, input.ndim, "select")[0]
    return input[(slice(None),) * axis + (builtins.int(index),)]


@tensor_method(names=("movedim", "moveaxis"))
def movedim(input, source, destination):
    """input with dims `source` moved to positions `destination` (the others keep their order)"""
    src = [source] if isinstance(source, builtins.int) else list(source)
    dst = [destination] if isinstance(destination, builtins.int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the same "
                           f"number of dims as destination ({dst} dims)")
    n = input.ndim
    src = [normalize_axes(d, n, "movedim")[0] for d in src]
    dst = [normalize_axes(d, n, "movedim")[0] for d in dst]
    order = [None] * n
    for s_, d in zip(src, dst):
        order[d] = s_
    rest = iter(d for d in range(n) if d not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(input, *order) if order != list(range(n)) else input


moveaxis = movedim


@tensor_method
def swapdims(input, dim0, dim1):
    return transpose(input, dim0, dim1)


@tensor_method
def unbind(input, dim=0):
    """The slices along dim, each without that dim"""
    axis = normalize_axes(dim, input.ndim, "unbind")[0]
    return tuple(select(input, axis, i) for i in range(input.shape[axis]))


@tensor_method
def unflatten(input, dim, sizes):
    """dim expanded into `sizes` (one may be −1)"""
    axis = normalize_axes(dim, input.ndim, "unflatten")[0]
    shape = list(input.shape)
    return reshape(input, *shape[:axis], *sizes, *shape[axis + 1:])


@tensor_method
def view_as(input, other):
    return input.view(*other.shape)


@tensor_method
def reshape_as(input, other):
    return reshape(input, *other.shape)


@tensor_method
def ravel(input):
    return reshape(input, -1)


def atleast_1d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = tuple(t.reshape(1) if t.ndim == 0 else t for t in ts)
    return out[0] if len(out) == 1 else out


def atleast_2d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = tuple(t.reshape(1, -1) if t.ndim < 2 else t for t in ts)
    return out[0] if len(out) == 1 else out


def atleast_3d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = tuple(t.reshape(1, 1, 1) if t.ndim == 0 else t.reshape(1, -1, 1) if t.ndim == 1 else
                t.unsqueeze(-1) if t.ndim == 2 else t for t in ts)
    return out[0] if len(out) == 1 else out


def hstack(tensors, *, out=None):
    ts = atleast_1d(*tensors)
    ts = ts if isinstance(ts, tuple) else (ts,)
    return cat(ts, 0 if ts[0].ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    ts = atleast_2d(*tensors)
    return cat(ts if isinstance(ts, tuple) else (ts,), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    ts = atleast_3d(*tensors)
    return cat(ts if isinstance(ts, tuple) else (ts,), 2, out=out)


def column_stack(tensors, *, out=None):
    ts = [t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors]
    return cat(ts, 1, out=out)


def broadcast_shapes(*shapes):
    import numpy as np

    from ..tensor import Size

    return Size(np.broadcast_shapes(*[tuple(s) if not isinstance(s, builtins.int) else (s,) for s in shapes]))


def broadcast_tensors(*tensors):
    """Views of the tensors expanded to their common broadcast shape"""
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(expand(t, *shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: indexing 'ij' (default, matrix) or 'xy' (Cartesian:
    the first two dims swapped); each output is a broadcast view"""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    ts = list(ts)
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    swap = indexing == "xy" and len(ts) >= 2  # Cartesian: the grids of (y, x, ...) with x's and y's swapped
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    n = len(ts)
    shape = [t.numel() for t in ts]
    grids = []
    for i, t in enumerate(ts):
        view = [1] * n
        view[i] = -1
        grids.append(expand(t.reshape(*view), *shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


__all__ = ["reshape", "flatten", "permute", "transpose", "swapaxes", "swapdims", "squeeze", "unsqueeze", "expand",
    "expand_as", "broadcast_to", "contiguous", "clone", "cat", "concat", "concatenate", "stack", "split",
    "chunk", "tensor_split", "hsplit", "vsplit", "dsplit", "narrow", "select", "movedim", "moveaxis", "unbind",
    "unflatten", "ravel", "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack", "dstack",
    "column_stack", "broadcast_shapes", "broadcast_tensors", "meshgrid"]
