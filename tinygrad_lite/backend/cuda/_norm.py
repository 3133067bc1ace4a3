"""batch_norm / group_norm forward and backward (norm.cu)."""
from __future__ import annotations

from ._loader import _FLOATS, _check, _lib
from ._memory import _like, contiguous
from ._util import _device, _need, _numel, _ptr, _same_dtype, _shape_str


def _ncl(op, x):
    _need(op, x, _FLOATS, "floating")
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input of at least 2 dims (N, C, ...), got {_shape_str(x.shape)}")
    return x.shape[0], x.shape[1], _numel(x.shape[2:])


def _vec(op, a, C, what):
    if a is None:
        return None
    if list(a.shape) != [C]:
        raise ValueError(f"{op}: expected {what} of shape ({C},), got {_shape_str(a.shape)}")
    return contiguous(a)


def _null(a):
    """The array's device pointer, or NULL for an absent optional argument."""
    return _lib()[0].NULL if a is None else _ptr(a)


def batch_norm(x, weight, bias, running_mean, running_var, use_batch_stats, momentum, eps):
    op = "batch_norm"
    _device(op, x, weight, bias, running_mean, running_var)
    _same_dtype(op, *[a for a in (x, weight, bias, running_mean, running_var) if a is not None])
    N, C, L = _ncl(op, x)
    w, b = _vec(op, weight, C, "weight"), _vec(op, bias, C, "bias")
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{op}: running_mean and running_var must be given together")
    for what, r in (("running_mean", running_mean), ("running_var", running_var)):
        if r is not None and (list(r.shape) != [C] or not r.is_contiguous()):
            raise ValueError(f"{op}: expected a contiguous {what} of shape ({C},), got {_shape_str(r.shape)}")
    if running_mean is None and not use_batch_stats:
        raise ValueError(f"{op}: running_mean and running_var are required when not training")
    if use_batch_stats and N * L <= 1 and N > 0:
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got input of shape "
                         f"{_shape_str(x.shape)}")
    xc = contiguous(x)
    y, mean, inv = _like(xc), _like(xc, shape=[C]), _like(xc, shape=[C])
    _check(_lib()[1].tl_batch_norm(x.dtype, N, C, L, _ptr(xc), _null(w), _null(b), _null(running_mean),
                                   _null(running_var), int(bool(use_batch_stats)), float(momentum), float(eps),
                                   _ptr(y), _ptr(mean), _ptr(inv)), op)
    return y, mean, inv


def batch_norm_backward(x, g, weight, mean, invstd, use_batch_stats):
    op = "batch_norm_backward"
    _device(op, x, g, weight, mean, invstd)
    N, C, L = _ncl(op, x)
    if list(g.shape) != list(x.shape):
        raise ValueError(f"{op}: input {_shape_str(x.shape)} and gradient {_shape_str(g.shape)} must match")
    w = _vec(op, weight, C, "weight")
    m, s = _vec(op, mean, C, "mean"), _vec(op, invstd, C, "invstd")
    xc, gc = contiguous(x), contiguous(g)
    gx, gw, gb = _like(xc), _like(xc, shape=[C]), _like(xc, shape=[C])
    _check(_lib()[1].tl_batch_norm_backward(x.dtype, N, C, L, _ptr(xc), _ptr(gc), _null(w), _ptr(m), _ptr(s),
                                            int(bool(use_batch_stats)), _ptr(gx), _ptr(gw), _ptr(gb)), op)
    return gx, gw, gb


def group_norm(x, weight, bias, groups, eps):
    op = "group_norm"
    _device(op, x, weight, bias)
    N, C, L = _ncl(op, x)
    if groups <= 0 or C % groups:
        raise ValueError(f"{op}: expected the {C} channels of input {_shape_str(x.shape)} to be divisible by "
                         f"num_groups={groups}")
    w, b = _vec(op, weight, C, "weight"), _vec(op, bias, C, "bias")
    xc = contiguous(x)
    y, mean, inv = _like(xc), _like(xc, shape=[N, groups]), _like(xc, shape=[N, groups])
    _check(_lib()[1].tl_group_norm(x.dtype, N, C, L, int(groups), _ptr(xc), _null(w), _null(b), float(eps), _ptr(y),
                                   _ptr(mean), _ptr(inv)), op)
    return y, mean, inv


def group_norm_backward(x, g, weight, mean, invstd, groups):
    op = "group_norm_backward"
    _device(op, x, g, weight, mean, invstd)
    N, C, L = _ncl(op, x)
    if list(g.shape) != list(x.shape) or groups <= 0 or C % groups:
        raise ValueError(f"{op}: input {_shape_str(x.shape)}, gradient {_shape_str(g.shape)} and groups={groups} "
                         f"do not match")
    if list(mean.shape) != [N, groups] or list(invstd.shape) != [N, groups]:
        raise ValueError(f"{op}: expected mean and invstd of shape ({N}, {groups})")
    w = _vec(op, weight, C, "weight")
    xc, gc = contiguous(x), contiguous(g)
    gx, gw, gb = _like(xc), _like(xc, shape=[C]), _like(xc, shape=[C])
    _check(_lib()[1].tl_group_norm_backward(x.dtype, N, C, L, int(groups), _ptr(xc), _ptr(gc), _null(w),
                                            _ptr(contiguous(mean)), _ptr(contiguous(invstd)), _ptr(gx), _ptr(gw),
                                            _ptr(gb)), op)
    return gx, gw, gb
