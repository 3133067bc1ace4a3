"""The torch-named functions, off the hot path: each is a top-level function
(`tinygrad_lite.exp(x)`) and, where torch has one, a Tensor method (`x.exp()`)."""
import builtins

from . import dtypes as _dt
from .ops import elementwise as E
from .ops import index as I
from .ops import matmul as M
from .ops import nn as N
from .ops import reduce as R
from .ops import shape as S
from .ops._util import normalize_axes
from .tensor import Tensor, _as_tensor, _binary, _promote, _shape_arg


def _float(x):
    return x if x.dtype.is_floating_point else x.to(_dt.get_default_dtype())


# ---- unary ---------------------------------------------------------------------------------
def neg(x):
    return E.Neg.apply(x)


def abs(x):
    return E.Abs.apply(x)


def exp(x):
    return E.Exp.apply(_float(x))


def log(x):
    return E.Log.apply(_float(x))


def sqrt(x):
    return E.Sqrt.apply(_float(x))


def sin(x):
    return E.Sin.apply(_float(x))


def cos(x):
    return E.Cos.apply(_float(x))


def tanh(x):
    return E.Tanh.apply(_float(x))


def sigmoid(x):
    return E.Sigmoid.apply(_float(x))


def relu(x):
    return E.Relu.apply(x)


def gelu(x, approximate="none"):
    return E.Gelu.apply(_float(x), approximate=approximate)


def square(x):
    return x * x


def rsqrt(x):
    return 1.0 / sqrt(x)


def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    return E.Clamp.apply(x, lo=None if min is None else builtins.float(min), hi=None if max is None else builtins.float(max))


clip = clamp


# ---- binary --------------------------------------------------------------------------------
def add(a, b, alpha=1):
    return a + (b * alpha if alpha != 1 else b)


def sub(a, b, alpha=1):
    return a - (b * alpha if alpha != 1 else b)


def mul(a, b):
    return _as_tensor(a, b) * b if not isinstance(a, Tensor) else a * b


def div(a, b):
    return a / b


def pow(a, b):
    return a ** b if isinstance(a, Tensor) else b.__rpow__(a)


def maximum(a, b):
    return E.Maximum.apply(*_promote(a, _as_tensor(b, a)))


def minimum(a, b):
    return E.Minimum.apply(*_promote(a, _as_tensor(b, a)))


def where(cond, a, b):
    like = cond
    a = _as_tensor(a, like) if not isinstance(a, Tensor) else a
    b = _as_tensor(b, like) if not isinstance(b, Tensor) else b
    if a.dtype is not b.dtype:
        a, b = _promote(a, b)
    if cond.dtype is not _dt.bool_:
        raise TypeError(f"where: expected a bool condition, got {cond.dtype.name} (compare it, e.g. cond != 0)")
    return E.Where.apply(cond, a, b)


def masked_fill(x, mask, value):
    return where(mask, Tensor(builtins.float(value), dtype=x.dtype, device=x.device), x)


# ---- reductions ----------------------------------------------------------------------------
def sum(x, dim=None, keepdim=False, dtype=None):
    return x.sum(dim, keepdim, dtype=dtype)


def mean(x, dim=None, keepdim=False, dtype=None):
    return x.mean(dim, keepdim, dtype=dtype)


def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_axes(dim, x.ndim, "var")
    return R.Var.apply(_float(x), axes=axes, correction=builtins.float(correction), keepdim=keepdim)


def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    return sqrt(var(x, dim, unbiased, keepdim, correction))


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
    axes = normalize_axes(dim, x.ndim, name)
    values = R.Max.apply(x, axes=axes, keepdim=keepdim, is_min=is_min)
    indices = (argmin if is_min else argmax)(x, dim, keepdim)
    return _ValuesIndices((values, indices))


def max(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return _minmax(x, dim, keepdim, False)


def min(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return _minmax(x, dim, keepdim, True)


def amax(x, dim=None, keepdim=False):
    return R.Max.apply(x, axes=normalize_axes(dim, x.ndim, "amax"), keepdim=keepdim)


def amin(x, dim=None, keepdim=False):
    return R.Max.apply(x, axes=normalize_axes(dim, x.ndim, "amin"), keepdim=keepdim, is_min=True)


def _arg(x, dim, keepdim, name):
    B = x.device.backend
    if dim is None:
        flat = reshape(x, -1).detach()
        return Tensor._wrap(getattr(B, name)(flat._data, 0, False), x.device)
    return Tensor._wrap(getattr(B, name)(x._data, dim, keepdim), x.device)


def argmax(x, dim=None, keepdim=False):
    return _arg(x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    return _arg(x, dim, keepdim, "argmin")


# ---- shape ---------------------------------------------------------------------------------
def reshape(x, *shape):
    return S.Reshape.apply(x, shape=_shape_arg(shape))


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


def permute(x, *dims):
    return S.Permute.apply(x, dims=[builtins.int(d) for d in _shape_arg(dims)])


def transpose(x, dim0, dim1):
    n = x.ndim
    if n < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    d0, d1 = normalize_axes(dim0, n, "transpose")[0], normalize_axes(dim1, n, "transpose")[0]
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return S.Permute.apply(x, dims=dims)


swapaxes = transpose


def squeeze(x, dim=None):
    shape = list(x.shape)
    if dim is None:
        new = [d for d in shape if d != 1]
    else:
        axes = normalize_axes(dim, x.ndim, "squeeze")
        new = [d for i, d in enumerate(shape) if not (i in axes and d == 1)]
    return S.Reshape.apply(x, shape=new)


def unsqueeze(x, dim):
    n = x.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dimension {dim} out of range (expected to be in range of [{-n}, {n - 1}])")
    shape = list(x.shape)
    shape.insert(dim % n, 1)
    return S.Reshape.apply(x, shape=shape)


def expand(x, *shape):
    shape = _shape_arg(shape)
    return S.Expand.apply(x, shape=shape)


def expand_as(x, other):
    return expand(x, *other.shape)


def broadcast_to(x, shape):
    return expand(x, *shape)


def contiguous(x):
    return x if x.is_contiguous() else E.Clone.apply(x, contiguous_only=True)


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


def chunk(x, chunks, dim=0):
    n = x.shape[dim]
    return split(x, -(-n // chunks), dim)


# ---- products ------------------------------------------------------------------------------
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


def mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {a.ndim}D and {b.ndim}D")
    return matmul(a, b)


def bmm(a, b):
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {a.ndim}D and {b.ndim}D")
    return matmul(a, b)


def dot(a, b):
    return matmul(a, b)


def linear(x, weight, bias=None):
    """y = x·Wᵀ + b in one fused native kernel."""
    return M.Linear.apply(x, weight, bias) if bias is not None else M.Linear.apply(x, weight)


# ---- nn ------------------------------------------------------------------------------------
def softmax(x, dim=None, dtype=None):
    x = _float(x if dtype is None else x.to(dtype))
    return N.Softmax.apply(x, axis=-1 if dim is None else dim)


def log_softmax(x, dim=None, dtype=None):
    x = _float(x if dtype is None else x.to(dtype))
    return N.LogSoftmax.apply(x, axis=-1 if dim is None else dim)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits `input` (N, C) or (N, C, d1, ...) against class indices (N,) / (N, d1, ...)."""
    if weight is not None:
        raise NotImplementedError("cross_entropy: per-class weights are not supported")
    if reduction not in N.REDUCTIONS:
        raise ValueError(f"cross_entropy: {reduction} is not a valid value for reduction")
    if target.dtype is not _dt.int64:
        raise TypeError(f"cross_entropy: expected target of dtype int64 (class indices), got {target.dtype.name}")
    if input.ndim == 1:
        input, target = unsqueeze(input, 0), unsqueeze(target, 0)
        out = cross_entropy(input, target, None, ignore_index, reduction, label_smoothing)
        return squeeze(out, 0) if reduction == "none" else out
    if input.ndim > 2:  # (N, C, d...) -> (N·d..., C)
        c = input.shape[1]
        spatial = list(target.shape)
        perm = [0] + list(range(2, input.ndim)) + [1]
        flat_in = reshape(permute(input, perm), -1, c)
        out = cross_entropy(flat_in, reshape(target, -1), None, ignore_index, reduction, label_smoothing)
        return reshape(out, *spatial) if reduction == "none" else out
    if target.ndim != 1 or target.shape[0] != input.shape[0]:
        raise ValueError(
            f"cross_entropy: expected target of shape ({input.shape[0]},) for input of shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
        )
    return N.CrossEntropy.apply(
        _float(input), target, ignore_index=builtins.int(ignore_index),
        label_smoothing=builtins.float(label_smoothing), reduction=N.REDUCTIONS[reduction],
    )


def dropout(x, p=0.5, training=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    return N.Dropout.apply(x, p=builtins.float(p))


# ---- indexing ------------------------------------------------------------------------------
def index_select(x, dim, index):
    axis = normalize_axes(dim, x.ndim, "index_select")[0]
    return I.IndexSelect.apply(x, axis=axis, idx=index._data)


def gather(x, dim, index):
    axis = normalize_axes(dim, x.ndim, "gather")[0]
    return I.Gather.apply(x, axis=axis, idx=index._data)


def embedding(index, weight):
    """Rows of `weight` picked by `index` (any shape): out.shape = index.shape + (dim,)."""
    flat = reshape(index, -1)
    rows = I.IndexSelect.apply(weight, axis=0, idx=flat._data)
    return reshape(rows, *index.shape, weight.shape[1])


# ---- devices -------------------------------------------------------------------------------
def to_device(x, dev):
    """Copy to another device. The gradient flows back to the source device."""
    from .ops.device import ToDevice

    return ToDevice.apply(x, dev=dev)


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    import numpy as np

    return builtins.bool(np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b):
    return tuple(a.shape) == tuple(b.shape) and builtins.bool((a == b).all())


def numel(x):
    return x.numel()
