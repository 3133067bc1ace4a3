"""Shape and layout with torch's names: views that copy nothing (reshape of contiguous data,
permute, transpose, squeeze, unsqueeze, expand) and joins and splits (cat, stack, split, chunk).
x.reshape(), x.view() and x.T are Tensor methods written in tensor.py."""
import builtins

from .. import dtypes as _dt
from ..ops import elementwise as E
from ..ops import shape as S
from ..ops._util import normalize_axes
from ._api import _shape_arg, tensor_method

def reshape(x, *shape):
    return S.Reshape.apply(x, shape=_shape_arg(shape))


@tensor_method
def flatten(x, start_dim=0, end_dim=-1):
    n = x.ndim
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
    return S.Permute.apply(x, dims=[builtins.int(d) for d in _shape_arg(dims)])


@tensor_method
def transpose(x, dim0, dim1):
    n = x.ndim
    if n < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    d0, d1 = normalize_axes(dim0, n, "transpose")[0], normalize_axes(dim1, n, "transpose")[0]
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return S.Permute.apply(x, dims=dims)


swapaxes = transpose


@tensor_method
def squeeze(x, dim=None):
    shape = list(x.shape)
    if dim is None:
        new = [d for d in shape if d != 1]
    else:
        axes = normalize_axes(dim, x.ndim, "squeeze")
        new = [d for i, d in enumerate(shape) if not (i in axes and d == 1)]
    return S.Reshape.apply(x, shape=new)


@tensor_method
def unsqueeze(x, dim):
    n = x.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dimension {dim} out of range (expected to be in range of [{-n}, {n - 1}])")
    shape = list(x.shape)
    shape.insert(dim % n, 1)
    return S.Reshape.apply(x, shape=shape)


@tensor_method
def expand(x, *shape):
    shape = _shape_arg(shape)
    return S.Expand.apply(x, shape=shape)


@tensor_method
def expand_as(x, other):
    return expand(x, *other.shape)


@tensor_method
def broadcast_to(x, shape):
    return expand(x, *shape)


@tensor_method
def contiguous(x):
    return x if x.is_contiguous() else E.Clone.apply(x, contiguous_only=True)


@tensor_method
def clone(x):
    return E.Clone.apply(x)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = _dt.promote_types(dtype, t.dtype)
    tensors = [t.to(dtype) for t in tensors]
    axis = normalize_axes(dim, tensors[0].ndim, "cat")[0]
    return S.Cat.apply(*tensors, axis=axis)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack(): expected a non-empty list of Tensors")
    shape0 = tuple(tensors[0].shape)
    for t in tensors[1:]:
        if tuple(t.shape) != shape0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {shape0} and {tuple(t.shape)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


@tensor_method
def split(x, split_size_or_sections, dim=0):
    n = x.shape[dim]
    if isinstance(split_size_or_sections, builtins.int):
        sizes = [builtins.min(split_size_or_sections, n - i) for i in range(0, n, split_size_or_sections)]
    else:
        sizes = list(split_size_or_sections)
    out, start = [], 0
    idx = [slice(None)] * x.ndim
    for s in sizes:
        idx[dim] = slice(start, start + s)
        out.append(x[tuple(idx)])
        start += s
    return tuple(out)


@tensor_method
def chunk(x, chunks, dim=0):
    n = x.shape[dim]
    return split(x, -(-n // chunks), dim)

__all__ = ["reshape", "flatten", "permute", "transpose", "swapaxes", "squeeze", "unsqueeze", "expand",
    "expand_as", "broadcast_to", "contiguous", "clone", "cat", "concat", "concatenate", "stack", "split",
    "chunk"]
