"""A reference backend in numpy: the kernels of backend/interface.py, written the obvious way.

Not used for speed. It is the second opinion: tests compare the native kernels with it, and
TL_BACKEND=numpy runs the whole Python layer on it (to tell a kernel bug from an autograd bug).
"""
import numpy as np

from .. import _C
from . import numpy_pointwise as _P

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


# the pointwise table: every row's value and derivative from numpy_pointwise (formulas written
# again, independently of csrc/math/pointwise.h), computed in float64 for float inputs
_ROWS = {row[0]: row for row in _C.pointwise_ops()}


def _wide(a):
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def _check_dtype(name, x):
    kinds = {"FLOAT": "f", "NUMERIC": "fi", "ALL": "fib", "INTEGRAL": "ib"}[_ROWS[name][2]]
    if _n(x).dtype.kind not in kinds:
        raise TypeError(f"{name}: unsupported dtype {_n(x).dtype}")


def _unary_row(name, kind):
    def value(x, *p):
        _check_dtype(name, x)
        with np.errstate(all="ignore"):
            y = _P.VALUE[name](_wide(_n(x)), *p)
        return _a(y, 3 if kind == "unary_pred" else x.dtype)

    def grad(s, g, *p):
        saves = _ROWS[name][3]
        xs = _wide(_n(s))
        x = xs if saves == "X" else None  # what the Function saved: x, y, or nothing (NONE)
        y = xs if saves == "Y" else None
        with np.errstate(all="ignore"):
            r = _P.GRAD[name](x, y, _wide(_n(g)), *p)
        return _a(np.broadcast_to(r, _n(s).shape), g.dtype)

    value.__name__, grad.__name__ = name, name + "_backward"
    return value, grad


def _binary_row(name, kind):
    def value(a, b):
        _same(a, b, name)
        _check_dtype(name, a)
        if name in ("fmod", "remainder", "floor_divide") and _n(b).dtype.kind in "ib" and np.any(_n(b) == 0):
            raise RuntimeError(f"{name}: ZeroDivisionError (integer division by zero)")
        with np.errstate(all="ignore"):
            y = _P.BINARY[name](_wide(_n(a)), _wide(_n(b)))
        return _a(y, 3 if kind == "binary_pred" else a.dtype)

    def grad(a, b, g, want_a=True, want_b=True):
        with np.errstate(all="ignore"):
            ga, gb = _P.BINARY_GRAD[name](_wide(_n(a)), _wide(_n(b)), _wide(_n(g)))
        shape = _n(g).shape
        return (_a(np.broadcast_to(ga, shape), g.dtype) if want_a else None,
                _a(np.broadcast_to(gb, shape), g.dtype) if want_b else None)

    value.__name__, grad.__name__ = name, name + "_backward"
    return value, grad


for _name, (_, _kind, _dt, _saves, _np, _doc) in _ROWS.items():
    _value, _grad = (_binary_row if _kind.startswith("binary") else _unary_row)(_name, _kind)
    globals()[_name] = _value
    if _saves in ("NONE", "X", "Y", "GRAD"):
        globals()[_name + "_backward"] = _grad
del _name, _kind, _dt, _saves, _np, _doc, _value, _grad


def where(c, a, b):
    _same(a, b, "where")
    return _a(np.where(_n(c), _n(a), _n(b)), a.dtype)


# in place
def add_(a, b):
    _n(a)[...] += _n(b)


def sub_(a, b):
    _n(a)[...] -= _n(b)


def mul_(a, b):
    _n(a)[...] *= _n(b)


def add_scalar_(a, s):
    np.add(_n(a), s, out=_n(a), casting="unsafe")  # an int64 counter += 1.0 stays int64, as in the core


def mul_scalar_(a, s):
    np.multiply(_n(a), s, out=_n(a), casting="unsafe")


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
    ls = np.log(np.exp(v - m).sum(axis=1, keepdims=True))[:, 0]
    m = m[:, 0]
    lse = m + ls
    keep = t != ignore_index
    tt = np.where(keep, t, 0)
    if np.any((tt < 0) | (tt >= v.shape[1])):
        raise IndexError("cross_entropy: target out of range")
    nll = (m - v[np.arange(len(t)), tt]) + ls  # m − x first, as the native kernels
    smooth = (m - v.mean(axis=1)) + ls
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
    i = _n(idx)
    # torch.gather: idx may be smaller than x in the other dims, which index from 0
    v = _n(x)[tuple(slice(0, n) if d != axis else slice(None) for d, n in enumerate(i.shape))]
    return _a(np.take_along_axis(v, i, axis=axis), x.dtype)


def scatter_add(shape, axis, idx, src):
    out = np.zeros(shape, dtype=_NP[src.dtype])
    i = _n(idx)
    grids = list(np.indices(i.shape))
    grids[axis] = i
    np.add.at(out, tuple(grids), _n(src))
    return _a(out)


def scatter(x, axis, idx, src):
    out = np.array(_n(x), copy=True)
    i = _n(idx)
    grids = list(np.indices(i.shape))
    grids[axis] = i
    s = _n(src)[tuple(slice(0, n) for n in i.shape)]
    out[tuple(grids)] = s  # numpy: of repeated indices the last assignment wins, as the CPU core
    return _a(out, x.dtype)


def cat(xs, axis):
    return _a(np.concatenate([_n(x) for x in xs], axis=axis), xs[0].dtype)


def nonzero(x):
    return _a(np.argwhere(_n(x)), 2)


# ordering and scans
def _nan_last_keys(v, descending):
    """Sort keys giving torch's order: NaN largest; descending as a stable sort of −v."""
    if v.dtype.kind == "f":
        k = np.where(np.isnan(v), np.inf, v)
        nan = np.isnan(v)
        return (-k, ~nan) if descending else (k, nan)
    k = v.astype(np.int64)
    return (-k,) if descending else (k,)


def sort(x, axis, descending):
    v = _n(x)
    if v.ndim == 0:
        return _a(v, x.dtype), _a(np.zeros((), np.int64))
    moved = np.moveaxis(v, axis, -1)
    keys = _nan_last_keys(moved, descending)
    order = np.lexsort(keys, axis=-1) if len(keys) > 1 else np.argsort(keys[0], axis=-1, kind="stable")
    vals = np.take_along_axis(moved, order, axis=-1)
    return _a(np.moveaxis(vals, -1, axis), x.dtype), _a(np.moveaxis(order, -1, axis), 2)


def topk(x, k, axis, largest):
    vals, idx = sort(x, axis, largest)
    if x.ndim == 0:
        return vals, idx
    sl = tuple(slice(0, k) if d == axis % x.ndim else slice(None) for d in range(x.ndim))
    return _a(_n(vals)[sl], x.dtype), _a(_n(idx)[sl], 2)


def _kth_line(vals, kk):
    """torch's CPU quick-select (median-of-three pivot, NR style) on one line: (value, index) of the
    kk-th smallest (0-based), NaN largest; the same swaps, so ties land on the same index."""
    v, ix = list(vals), list(range(len(vals)))

    def gt(a, b):
        return (a != a and b == b) or a > b

    def swap(a, b):
        v[a], v[b], ix[a], ix[b] = v[b], v[a], ix[b], ix[a]

    lo, hi = 0, len(v) - 1
    while hi > lo:
        if hi == lo + 1:
            if gt(v[lo], v[hi]):
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)
        if gt(v[lo + 1], v[hi]):
            swap(lo + 1, hi)
        if gt(v[lo], v[hi]):
            swap(lo, hi)
        if gt(v[lo + 1], v[lo]):
            swap(lo + 1, lo)
        i, j, piv = lo + 1, hi, v[lo]
        while True:
            i += 1
            while gt(piv, v[i]):
                i += 1
            j -= 1
            while gt(v[j], piv):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= kk:
            lo = i
        if j >= kk:
            hi = j - 1
    return v[kk], ix[kk]


def kthvalue(x, k, axis):
    v = _n(x)
    line = v.reshape(1) if v.ndim == 0 else np.moveaxis(v, axis, -1)
    n = line.shape[-1]
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue: k ({k}) out of range for dimension {axis} of size {n}")
    flat = line.reshape(-1, n)
    out_v = np.empty(flat.shape[0], v.dtype)
    out_i = np.empty(flat.shape[0], np.int64)
    for r in range(flat.shape[0]):
        out_v[r], out_i[r] = _kth_line(flat[r].tolist(), k - 1)
    shape = line.shape[:-1] + (1,)
    if v.ndim == 0:
        return _a(out_v.reshape(()), x.dtype), _a(out_i.reshape(()), 2)
    return (_a(np.moveaxis(out_v.reshape(shape), -1, axis), x.dtype),
            _a(np.moveaxis(out_i.reshape(shape), -1, axis), 2))


def cumsum(x, axis):
    v = _n(x)
    acc = np.float64 if v.dtype.kind == "f" else np.int64
    return _a(np.cumsum(v.astype(acc), axis=axis if v.ndim else None).reshape(v.shape), x.dtype)


def cumprod(x, axis):
    v = _n(x)
    acc = np.float64 if v.dtype.kind == "f" else np.int64
    return _a(np.cumprod(v.astype(acc), axis=axis if v.ndim else None).reshape(v.shape), x.dtype)


def cumprod_backward(x, g, axis):
    """dx_i = Σ_{j≥i} g_j Π_{k≤j, k≠i} x_k, written out (O(n²) per line: a reference, not a kernel)."""
    v, gg = np.moveaxis(_n(x).astype(np.float64).reshape(_n(x).shape or (1,)), axis, -1), \
        np.moveaxis(_n(g).astype(np.float64).reshape(_n(g).shape or (1,)), axis, -1)
    n = v.shape[-1]
    dx = np.zeros_like(v)
    for i in range(n):
        others = v.copy()
        others[..., i] = 1.0
        prods = np.cumprod(others, axis=-1)  # Π_{k≤j, k≠i} x_k
        dx[..., i] = (gg[..., i:] * prods[..., i:]).sum(axis=-1)
    return _a(np.moveaxis(dx, -1, axis).reshape(_n(x).shape), x.dtype)


# random: the reference draws the same numbers as the CPU core (one generator, _C's Philox), so
# a run seeded with manual_seed is reproducible on either backend
manual_seed, initial_seed = _C.manual_seed, _C.initial_seed
rand, randn, randint, randperm = _C.rand, _C.randn, _C.randint, _C.randperm
uniform_, normal_, multinomial = _C.uniform_, _C.normal_, _C.multinomial


def dropout(x, p):
    u = _C.rand(list(x.shape), 1).numpy()
    mask = u >= p
    y = _n(x) * mask / (1 - p) if p < 1 else np.zeros(x.shape)
    return _a(y, x.dtype), _a(mask)


# normalisation: the formulas of csrc/cpu/layer_norm.h in float64
def _rows(x, normalized_shape, *params):
    xs, k = _n(x), len(normalized_shape)
    if tuple(xs.shape[len(xs.shape) - k:]) != tuple(normalized_shape):
        raise ValueError(f"layer_norm: given normalized_shape={list(normalized_shape)}, got input of size {xs.shape}")
    for p in params:
        if p is not None and tuple(p.shape) != tuple(normalized_shape):
            raise ValueError(f"layer_norm: weight/bias of shape {tuple(p.shape)}, expected {tuple(normalized_shape)}")
    return xs.astype(np.float64), tuple(range(xs.ndim - k, xs.ndim)), xs.shape[: xs.ndim - k]


def layer_norm(x, normalized_shape, weight, bias, eps):
    xs, ax, stat = _rows(x, normalized_shape, weight, bias)
    mu = xs.mean(axis=ax, keepdims=True)
    rstd = 1.0 / np.sqrt(((xs - mu) ** 2).mean(axis=ax, keepdims=True) + eps)
    y = (xs - mu) * rstd
    if weight is not None:
        y = y * _n(weight)
    if bias is not None:
        y = y + _n(bias)
    return _a(y, x.dtype), _a(mu.reshape(stat), x.dtype), _a(rstd.reshape(stat), x.dtype)


def _norm_backward(g, x, normalized_shape, mean, rstd, weight, center):
    xs, ax, _ = _rows(x, normalized_shape, weight)
    k = len(normalized_shape)
    shape = xs.shape[: xs.ndim - k] + (1,) * k
    mu = _n(mean).astype(np.float64).reshape(shape) if center else 0.0
    rs = _n(rstd).astype(np.float64).reshape(shape)
    gs = _n(g).astype(np.float64)
    xhat = (xs - mu) * rs
    gh = gs * _n(weight) if weight is not None else gs
    dx = gh - (gh * xhat).mean(axis=ax, keepdims=True) * xhat
    if center:
        dx = dx - gh.mean(axis=ax, keepdims=True)
    lead = tuple(range(xs.ndim - k))
    return rs * dx, (gs * xhat).sum(axis=lead), gs.sum(axis=lead)


def layer_norm_backward(g, x, normalized_shape, mean, rstd, weight, want_weight, want_bias):
    dx, dw, db = _norm_backward(g, x, normalized_shape, mean, rstd, weight, True)
    return (_a(dx, x.dtype), _a(dw, x.dtype) if want_weight else None, _a(db, x.dtype) if want_bias else None)


def rms_norm(x, normalized_shape, weight, eps):
    xs, ax, stat = _rows(x, normalized_shape, weight)
    rstd = 1.0 / np.sqrt((xs ** 2).mean(axis=ax, keepdims=True) + eps)
    y = xs * rstd * (_n(weight) if weight is not None else 1.0)
    return _a(y, x.dtype), _a(rstd.reshape(stat), x.dtype)


def rms_norm_backward(g, x, normalized_shape, rstd, weight, want_weight):
    dx, dw, _ = _norm_backward(g, x, normalized_shape, None, rstd, weight, False)
    return _a(dx, x.dtype), _a(dw, x.dtype) if want_weight else None


# attention, with the whole (L, S) matrix (the reference may store it). The rng state is the
# dropout keep-mask itself; the uniforms come from the core's generator as the kernel's do.
def _attention_probs(q, k, mask, is_causal, scale):
    qs, ks = _n(q).astype(np.float64), _n(k).astype(np.float64)
    group = qs.shape[1] // ks.shape[1]
    ks = np.repeat(ks, group, axis=1)
    s = scale * qs @ np.swapaxes(ks, -1, -2)  # (Z, Hq, L, S)
    L, S = s.shape[-2:]
    if mask is not None:
        m = np.broadcast_to(_n(mask), s.shape)
        s = np.where(m, s, -np.inf) if m.dtype == np.bool_ else s + m
    if is_causal:
        s = np.where(np.tril(np.ones((L, S), dtype=bool)), s, -np.inf)
    mx = s.max(axis=-1, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0.0)
    e = np.exp(s - mx)
    tot = e.sum(axis=-1, keepdims=True)
    p = np.where(tot > 0, e / np.where(tot > 0, tot, 1.0), 0.0)
    lse = np.where(tot[..., 0] > 0, mx[..., 0] + np.log(np.where(tot[..., 0] > 0, tot[..., 0], 1.0)), -np.inf)
    return p, lse, group


def scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal, scale):
    p, lse, group = _attention_probs(q, k, mask, is_causal, scale)
    keep = np.ones(p.shape, dtype=bool)
    if dropout_p > 0:
        keep = _C.rand(list(p.shape), 1).numpy() >= dropout_p
    d = keep / (1.0 - dropout_p) if dropout_p < 1 else np.zeros(p.shape)
    vs = np.repeat(_n(v).astype(np.float64), group, axis=1)
    return _a((p * d) @ vs, q.dtype), _a(lse, q.dtype), _a(keep)


def scaled_dot_product_attention_backward(g, q, k, v, out, lse, mask, dropout_p, is_causal, scale, rng):
    p, _, group = _attention_probs(q, k, mask, is_causal, scale)
    keep = _n(rng)
    d = keep / (1.0 - dropout_p) if dropout_p < 1 else np.zeros(p.shape)
    gs = _n(g).astype(np.float64)
    qs = _n(q).astype(np.float64)
    ks = np.repeat(_n(k).astype(np.float64), group, axis=1)
    vs = np.repeat(_n(v).astype(np.float64), group, axis=1)
    dp = (gs @ np.swapaxes(vs, -1, -2)) * d
    ds = p * (dp - (gs * _n(out).astype(np.float64)).sum(axis=-1, keepdims=True))
    dq = scale * ds @ ks
    dk = scale * np.swapaxes(ds, -1, -2) @ qs
    dv = np.swapaxes(p * d, -1, -2) @ gs

    def fold(a):  # sum each GQA group back onto its key/value head
        return a.reshape(a.shape[0], -1, group, *a.shape[2:]).sum(axis=2)

    return _a(dq, q.dtype), _a(fold(dk), q.dtype), _a(fold(dv), q.dtype)


def embedding_backward(g, idx, num_weights, padding_idx, scale_grad_by_freq):
    ids = _n(idx).reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() >= num_weights):
        raise IndexError(f"embedding_backward: index out of range for an embedding of {num_weights} rows")
    gs = _n(g).astype(np.float64).reshape(ids.size, -1)
    if scale_grad_by_freq:
        gs = gs / np.bincount(ids, minlength=num_weights)[ids][:, None]
    out = np.zeros((num_weights, gs.shape[1]))
    np.add.at(out, ids, gs)
    if padding_idx >= 0:
        out[padding_idx] = 0
    return _a(out, g.dtype)


# optimizer updates, written from torch.optim's documented formulas
def sgd_step_(param, grad, momentum_buf, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
              maximize=False, first_step=False):
    p, g = _n(param), _n(grad)
    d = (-g if maximize else g) + weight_decay * p
    if momentum:
        buf = _n(momentum_buf)
        buf[...] = d if first_step else momentum * buf + (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    p -= lr * d


def adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, step,
               maximize=False):
    p, g, m, v = _n(param), _n(grad), _n(exp_avg), _n(exp_avg_sq)
    g = -g if maximize else g
    if decoupled_weight_decay:
        p *= 1 - lr * weight_decay
    elif weight_decay:
        g = g + weight_decay * p
    m += (1 - beta1) * (g - m)
    v[...] = beta2 * v + (1 - beta2) * g * g
    p -= lr / (1 - beta1 ** step) * m / (np.sqrt(v) / np.sqrt(1 - beta2 ** step) + eps)


# convolutional-network kernels (conv, pooling, normalisation, padding, interpolation)
from .numpy_cnn import *  # noqa: E402,F401,F403
