"""A reference backend in numpy: the kernel names of csrc/KERNELS.md, written the obvious way.

Not used for speed. It is the second opinion: tests compare the native kernels with it, and
TL_BACKEND=numpy runs the whole Python layer on it (to tell a kernel bug from an autograd bug).
"""
import math

import numpy as np

from .. import _C

__name__ = "numpy_ref"
_NP = {0: np.float32, 1: np.float64, 2: np.int64, 3: np.bool_}


def _n(a):
    return a.numpy()


def _a(x, dtype=None):
    x = np.asarray(x)
    if dtype is not None:
        x = x.astype(_NP[dtype], copy=False)
    return _C.from_numpy(np.array(x, copy=True, order="C"))


def _same(a, b, op):
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: dtypes differ ({a.dtype} vs {b.dtype})")


# layout
contiguous = _C.contiguous
clone = _C.clone
astype = _C.astype
copy_ = _C.copy_
empty = _C.empty


def full(shape, value, dtype):
    return _a(np.full(shape, value, dtype=_NP[dtype]))


def arange(start, stop, step, dtype):
    return _a(np.arange(start, stop, step), dtype)


# unary
def _unary(f, keep_dtype=True):
    def k(x):
        r = f(_n(x))
        return _a(r, x.dtype if keep_dtype else None)

    return k


_erf = np.vectorize(math.erf)
neg = _unary(np.negative)
abs = _unary(np.abs)
exp = _unary(np.exp)
log = _unary(np.log)
sqrt = _unary(np.sqrt)
sin = _unary(np.sin)
cos = _unary(np.cos)
tanh = _unary(np.tanh)
sigmoid = _unary(lambda x: 1 / (1 + np.exp(-x)))
relu = _unary(lambda x: np.maximum(x, 0))
gelu = _unary(lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))))
_C0 = math.sqrt(2 / math.pi)
gelu_tanh = _unary(lambda x: 0.5 * x * (1 + np.tanh(_C0 * (x + 0.044715 * x**3))))
logical_not = _unary(np.logical_not)


def relu_backward(x, g):
    return _a(_n(g) * (_n(x) > 0), g.dtype)


def sigmoid_backward(y, g):
    y = _n(y)
    return _a(_n(g) * y * (1 - y), g.dtype)


def tanh_backward(y, g):
    return _a(_n(g) * (1 - _n(y) ** 2), g.dtype)


def gelu_backward(x, g):
    x = _n(x)
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return _a(_n(g) * (cdf + x * pdf), g.dtype)


def gelu_tanh_backward(x, g):
    x = _n(x)
    u = _C0 * (x + 0.044715 * x**3)
    t = np.tanh(u)
    d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _C0 * (1 + 3 * 0.044715 * x * x)
    return _a(_n(g) * d, g.dtype)


# binary
def _binary(f, out_dtype=None):
    def k(a, b):
        _same(a, b, f.__name__)
        return _a(f(_n(a), _n(b)), a.dtype if out_dtype is None else out_dtype)

    return k


add, sub, mul = _binary(np.add), _binary(np.subtract), _binary(np.multiply)
div, pow = _binary(np.divide), _binary(np.power)
maximum, minimum = _binary(np.maximum), _binary(np.minimum)
eq, ne, lt, le, gt, ge = (_binary(f, 3) for f in (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal))


def where(c, a, b):
    _same(a, b, "where")
    return _a(np.where(_n(c), _n(a), _n(b)), a.dtype)


def _scalar(f, out_dtype=None):
    def k(x, s):
        return _a(f(_n(x), s), x.dtype if out_dtype is None else out_dtype)

    return k


add_scalar = _scalar(lambda x, s: x + s)
mul_scalar = _scalar(lambda x, s: x * s)
div_scalar = _scalar(lambda x, s: x / s)
rsub_scalar = _scalar(lambda x, s: s - x)
rdiv_scalar = _scalar(lambda x, s: s / x)
pow_scalar = _scalar(lambda x, s: x**s)
rpow_scalar = _scalar(lambda x, s: s**x)
maximum_scalar = _scalar(np.maximum)
minimum_scalar = _scalar(np.minimum)
eq_scalar, ne_scalar, lt_scalar, le_scalar, gt_scalar, ge_scalar = (
    _scalar(f, 3) for f in (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)
)


# in place
def add_(a, b):
    _n(a)[...] += _n(b)


def sub_(a, b):
    _n(a)[...] -= _n(b)


def mul_(a, b):
    _n(a)[...] *= _n(b)


def add_scalar_(a, s):
    _n(a)[...] += s


def mul_scalar_(a, s):
    _n(a)[...] *= s


def fill_(a, s):
    _n(a)[...] = s


def axpy_(a, alpha, b):
    _n(a)[...] += alpha * _n(b)


# reductions
def _ax(x, axes):
    return tuple(axes) if axes else tuple(range(x.ndim))


def sum(x, axes, keepdim):
    r = np.sum(_n(x), axis=_ax(x, axes), keepdims=keepdim)
    return _a(r, x.dtype if x.dtype < 2 else 2)


def mean(x, axes, keepdim):
    return _a(np.mean(_n(x), axis=_ax(x, axes), keepdims=keepdim), x.dtype)


def max(x, axes, keepdim):
    return _a(np.max(_n(x), axis=_ax(x, axes), keepdims=keepdim), x.dtype)


def min(x, axes, keepdim):
    return _a(np.min(_n(x), axis=_ax(x, axes), keepdims=keepdim), x.dtype)


def var(x, axes, correction, keepdim):
    return _a(np.var(_n(x), axis=_ax(x, axes), ddof=correction, keepdims=keepdim), x.dtype)


def argmax(x, axis, keepdim):
    return _a(np.argmax(_n(x), axis=axis, keepdims=keepdim), 2)


def argmin(x, axis, keepdim):
    return _a(np.argmin(_n(x), axis=axis, keepdims=keepdim), 2)


# matmul
def matmul(a, b):
    _same(a, b, "matmul")
    return _a(np.matmul(_n(a), _n(b)), a.dtype)


def linear(x, w, b=None):
    y = _n(x) @ _n(w).T
    return _a(y if b is None else y + _n(b), x.dtype)


# nn
def softmax(x, axis):
    v = _n(x)
    e = np.exp(v - v.max(axis=axis, keepdims=True))
    return _a(e / e.sum(axis=axis, keepdims=True), x.dtype)


def log_softmax(x, axis):
    v = _n(x)
    m = v.max(axis=axis, keepdims=True)
    return _a(v - m - np.log(np.exp(v - m).sum(axis=axis, keepdims=True)), x.dtype)


def softmax_backward(y, g, axis):
    y, gg = _n(y), _n(g)
    return _a(y * (gg - (gg * y).sum(axis=axis, keepdims=True)), g.dtype)


def log_softmax_backward(y, g, axis):
    y, gg = _n(y), _n(g)
    return _a(gg - np.exp(y) * gg.sum(axis=axis, keepdims=True), g.dtype)


def cross_entropy(x, t, ignore_index, eps, reduction):
    v, t = _n(x), _n(t)
    m = v.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(v - m).sum(axis=1, keepdims=True)))[:, 0]
    keep = t != ignore_index
    tt = np.where(keep, t, 0)
    if np.any((tt < 0) | (tt >= v.shape[1])):
        raise IndexError("cross_entropy: target out of range")
    nll = lse - v[np.arange(len(t)), tt]
    smooth = lse - v.mean(axis=1)
    loss = np.where(keep, (1 - eps) * nll + eps * smooth, 0)
    if reduction == 1:
        loss = loss.sum() / keep.sum()
    elif reduction == 2:
        loss = loss.sum()
    return _a(loss, x.dtype), _a(lse, x.dtype)


def cross_entropy_backward(x, t, lse, g, ignore_index, eps, reduction):
    v, t, lse, gg = _n(x), _n(t), _n(lse), _n(g)
    keep = t != ignore_index
    p = np.exp(v - lse[:, None])
    target = np.full(v.shape, eps / v.shape[1])
    target[np.arange(len(t)), np.where(keep, t, 0)] += 1 - eps
    d = (p - target) * keep[:, None]
    if reduction == 0:
        d = d * gg[:, None]
    else:
        d = d * gg.reshape(()) / (keep.sum() if reduction == 1 else 1)
    return _a(d, x.dtype)


# indexing
def index_select(x, axis, idx):
    return _a(np.take(_n(x), _n(idx), axis=axis), x.dtype)


def index_add(shape, axis, idx, src):
    out = np.zeros(shape, dtype=_NP[src.dtype])
    sl = [slice(None)] * len(shape)
    s = _n(src)
    for j, i in enumerate(_n(idx)):
        sl[axis] = i
        ss = [slice(None)] * len(shape)
        ss[axis] = j
        out[tuple(sl)] += s[tuple(ss)]
    return _a(out)


def gather(x, axis, idx):
    return _a(np.take_along_axis(_n(x), _n(idx), axis=axis), x.dtype)


def scatter_add(shape, axis, idx, src):
    out = np.zeros(shape, dtype=_NP[src.dtype])
    i = _n(idx)
    grids = list(np.indices(i.shape))
    grids[axis] = i
    np.add.at(out, tuple(grids), _n(src))
    return _a(out)


def cat(xs, axis):
    return _a(np.concatenate([_n(x) for x in xs], axis=axis), xs[0].dtype)


def nonzero(x):
    return _a(np.argwhere(_n(x)), 2)


# random (delegated: the reference has no generator of its own)
def dropout(x, p):
    mask = np.random.random(x.shape) >= p
    y = _n(x) * mask / (1 - p) if p < 1 else np.zeros(x.shape)
    return _a(y, x.dtype), _a(mask)
