"""softmax / log_softmax and fused cross-entropy, forward and backward."""
from __future__ import annotations

from ._loader import _DTYPE_NAME, _FLOATS, INT64, _check, _lib
from ._memory import _like, contiguous
from ._util import _device, _iptr, _need, _norm_axis, _numel, _ptr, _same_dtype, _shape_str

# ----------------------------------------------------------------------------- softmax

def _rows(x, axis):
    axis = _norm_axis("softmax", axis, x.ndim)
    sh = list(x.shape)
    if not sh:
        return 1, 1, 1
    return _numel(sh[:axis]), sh[axis], _numel(sh[axis + 1:])


def _softmax(op, log, x, axis):
    _device(op, x)
    _need(op, x, _FLOATS, "floating")
    _norm_axis(op, axis, x.ndim)
    xc = contiguous(x)
    outer, C, inner = _rows(xc, axis)
    out = _like(xc)
    _check(_lib()[1].tl_softmax(log, x.dtype, outer, C, inner, _ptr(xc), _ptr(out)), op)
    return out


def softmax(x, axis):
    return _softmax("softmax", 0, x, axis)


def log_softmax(x, axis):
    return _softmax("log_softmax", 1, x, axis)


def _softmax_bw(op, log, y, g, axis):
    _device(op, y, g)
    _same_dtype(op, y, g)
    _need(op, y, _FLOATS, "floating")
    if list(y.shape) != list(g.shape):
        raise ValueError(f"{op}: output {_shape_str(y.shape)} and gradient {_shape_str(g.shape)} "
                         f"must have the same shape")
    _norm_axis(op, axis, y.ndim)
    yc, gc = contiguous(y), contiguous(g)
    outer, C, inner = _rows(yc, axis)
    out = _like(yc)
    _check(_lib()[1].tl_softmax_backward(log, y.dtype, outer, C, inner, _ptr(yc), _ptr(gc),
                                         _ptr(out)), op)
    return out


def softmax_backward(y, g, axis):
    return _softmax_bw("softmax_backward", 0, y, g, axis)


def log_softmax_backward(y, g, axis):
    return _softmax_bw("log_softmax_backward", 1, y, g, axis)


# ----------------------------------------------------------------------------- cross-entropy

def _ce_check(op, logits, target):
    _need(op, logits, _FLOATS, "floating")
    if target.dtype != INT64:
        raise TypeError(f"{op}: target must be int64, got {_DTYPE_NAME[target.dtype]}")
    if logits.ndim != 2 or target.ndim != 1 or target.shape[0] != logits.shape[0]:
        raise ValueError(f"{op}: expected logits (N, C) and target (N,), got "
                         f"{_shape_str(logits.shape)} and {_shape_str(target.shape)}")


def cross_entropy(logits, target, ignore_index=-100, label_smoothing=0.0, reduction=1):
    """(loss, lse): fused log-softmax + NLL with label smoothing; reduction 0 none, 1 mean, 2 sum."""
    op = "cross_entropy"
    _device(op, logits, target)
    _ce_check(op, logits, target)
    if reduction not in (0, 1, 2):
        raise ValueError(f"{op}: reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    lc, tc = contiguous(logits), contiguous(target)
    N, C = lc.shape
    loss = _like(lc, shape=[N] if reduction == 0 else [])
    lse = _like(lc, shape=[N])
    _check(_lib()[1].tl_cross_entropy(lc.dtype, N, C, _ptr(lc), _iptr(tc), int(ignore_index),
                                      float(label_smoothing), int(reduction), _ptr(loss), _ptr(lse)), op)
    return loss, lse


def cross_entropy_backward(logits, target, lse, grad_loss, ignore_index=-100, label_smoothing=0.0,
                           reduction=1):
    op = "cross_entropy_backward"
    _device(op, logits, target, lse, grad_loss)
    _ce_check(op, logits, target)
    _same_dtype(op, logits, lse, grad_loss)
    N, C = logits.shape
    want = [N] if reduction == 0 else []
    if list(grad_loss.shape) != want or list(lse.shape) != [N]:
        raise ValueError(f"{op}: expected grad_loss {_shape_str(want)} and lse ({N},), got "
                         f"{_shape_str(grad_loss.shape)} and {_shape_str(lse.shape)}")
    lc, tc, sc, gc = contiguous(logits), contiguous(target), contiguous(lse), contiguous(grad_loss)
    out = _like(lc)
    _check(_lib()[1].tl_cross_entropy_backward(lc.dtype, N, C, _ptr(lc), _iptr(tc), _ptr(sc), _ptr(gc),
                                               int(ignore_index), float(label_smoothing),
                                               int(reduction), _ptr(out)), op)
    return out
