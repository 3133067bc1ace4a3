"""Losses with torch.nn.functional's names, signatures and reductions. Each docstring gives
the per-element loss ℓ; 'mean' averages, 'sum' adds, 'none' keeps the shape."""
import builtins

import tinygrad_lite as _tl
from tinygrad_lite import argcheck
from tinygrad_lite.ops import nn as N


def _tensors(name, input, target):
    argcheck.tensor(name, "input", input)
    argcheck.tensor(name, "target", target)


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _broadcast_pair(input, target, op):
    """torch's mse/l1/smooth_l1: both must be tensors; they are broadcast to one shape first, so
    their dtypes promote as two tensors with dims (a 0-d float64 target makes a float32 input's
    loss float64, unlike `x - y`, where the 0-d tensor is weak)."""
    for name, v in (("input", input), ("target", target)):
        if not isinstance(v, _tl.Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(v).__name__}")
    if op == "l1_loss" and (input.dtype is _tl.bool or target.dtype is _tl.bool):  # torch: input − target there
        raise RuntimeError(f"{op}: subtraction, the `-` operator, with a bool tensor is not supported "
                           "(torch raises too)")
    if input.dtype is not target.dtype:
        dt = _tl.promote_types(input.dtype, target.dtype)
        input, target = input.to(dt), target.to(dt)
    return input, target


def _legacy_reduction(size_average, reduce, reduction):
    # torch's deprecated size_average/reduce flags map onto `reduction`
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits `input` (N, C) or (N, C, d1, ...) against class indices `target`
    (N,) / (N, d1, ...) int64, or class probabilities of the input's shape.

    With ε = label_smoothing and q = (1−ε)·onehot(y) + ε/C:
        ℓ_n = −Σ_c q_c · log softmax(x_n)_c,   rows with y_n = ignore_index give 0;
    'mean' divides by the number of non-ignored rows, 'sum' adds, 'none' keeps (N, ...).
    Class-index targets without weights run as one fused native kernel (forward and backward).
    """
    _tensors("cross_entropy", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if isinstance(input, _tl.Tensor) and not input.is_floating_point():
        raise TypeError(f"cross_entropy: input must be floating point (its log_softmax), got {input.dtype.name}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.is_floating_point():
        if ignore_index != -100:
            raise RuntimeError("cross_entropy: ignore_index is not supported for floating point target (torch too)")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    if input.dim() >= 3 and tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
        # class indices of (N, C, d1, ...) logits are (N, d1, ...) — checked even when N is 0, as torch
        expected = [input.shape[0]] + list(input.shape[2:])
        raise RuntimeError(f"cross_entropy: Expected target size {expected}, got {list(target.shape)} (input of shape "
                           f"{tuple(input.shape)})")
    if weight is not None:
        return _cross_entropy_weighted(input, target, weight, ignore_index, reduction, label_smoothing)
    return _cross_entropy_fused(input, target, ignore_index, reduction, label_smoothing)


def _class_dim_last(t):
    # (N, C, d1, ...) → (N·d1·..., C) so that per-class work is along the last axis
    if t.dim() <= 2:
        return t
    perm = [0] + list(range(2, t.dim())) + [1]
    return t.permute(tuple(perm)).reshape(-1, t.shape[1])


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing):
    # Soft targets (torch semantics): ℓ_n = −Σ_c w_c·q_nc·logp_nc; 'mean' divides by N·d1·...
    if tuple(target.shape) != tuple(input.shape):
        raise TypeError(
            f"cross_entropy: a {target.dtype.name} target holds class probabilities and must have the input's "
            f"shape {tuple(input.shape)}, got {tuple(target.shape)}; class-index targets must be int64 (long)"
        )
    C = input.shape[1] if input.dim() > 1 else input.shape[0]
    logp = input.log_softmax(1 if input.dim() > 1 else 0)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / C
    prod = logp * target
    if weight is not None:
        shape = [1] * input.dim()
        shape[1 if input.dim() > 1 else 0] = C
        prod = prod * weight.reshape(*shape)
    loss = -prod.sum(dim=1 if input.dim() > 1 else 0)
    if reduction == "mean":
        return loss.sum() / (loss.numel() if loss.dim() else 1)
    return _reduce(loss, reduction)


def _cross_entropy_weighted(input, target, weight, ignore_index, reduction, label_smoothing):
    # Class weights w (torch semantics), with m_n = [y_n ≠ ignore_index]:
    #   ℓ_n = m_n·((1−ε)·w_{y_n}·(−logp_{n,y_n}) + ε/C·Σ_c w_c·(−logp_{n,c}))
    #   'mean' = Σ ℓ_n / Σ_n m_n·w_{y_n}
    logp = _class_dim_last(input.log_softmax(1 if input.dim() > 1 else 0))
    if logp.dim() == 1:
        logp = logp.reshape(1, -1)
    C = logp.shape[1]
    y = target.reshape(-1)
    mask = y != ignore_index
    safe_y = _tl.where(mask, y, 0)
    w_y = weight[safe_y] * mask.to(logp.dtype)
    nll = -logp.gather(1, safe_y.reshape(-1, 1)).reshape(-1)
    loss = nll * w_y * (1 - label_smoothing)
    if label_smoothing > 0:
        smooth = -(logp * weight.reshape(1, C)).sum(dim=1) * mask.to(logp.dtype)
        loss = loss + smooth * (label_smoothing / C)
    if reduction == "mean":
        return loss.sum() / w_y.sum()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(*target.shape)


def _cross_entropy_fused(input, target, ignore_index, reduction, label_smoothing):
    """Class-index targets without weights: one fused native kernel, forward and backward
    (ops/nn.py CrossEntropy). input (N, C) or (N, C, d1, ...), target (N,) / (N, d1, ...)."""
    if reduction not in N.REDUCTIONS:
        raise ValueError(f"cross_entropy: {reduction} is not a valid value for reduction")
    if target.dtype is not _tl.int64:
        raise TypeError(f"cross_entropy: expected target of dtype int64 (class indices), got {target.dtype.name}")
    if input.ndim == 1:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
        out = _cross_entropy_fused(input, target, ignore_index, reduction, label_smoothing)
        return out.squeeze(0) if reduction == "none" else out
    if input.ndim > 2:  # (N, C, d...) -> (N·d..., C)
        c = input.shape[1]
        spatial = list(target.shape)
        perm = [0] + list(range(2, input.ndim)) + [1]
        flat_in = input.permute(tuple(perm)).reshape(-1, c)
        out = _cross_entropy_fused(flat_in, target.reshape(-1), ignore_index, reduction, label_smoothing)
        return out.reshape(*spatial) if reduction == "none" else out
    if target.ndim != 1 or target.shape[0] != input.shape[0]:
        raise ValueError(
            f"cross_entropy: expected target of shape ({input.shape[0]},) for input of shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
        )
    return N.CrossEntropy.apply(
        input if input.is_floating_point() else input.float(), target, ignore_index=builtins.int(ignore_index),
        label_smoothing=builtins.float(label_smoothing), reduction=N.REDUCTIONS[reduction],
    )



def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """ℓ_n = −w_{y_n}·input_{n,y_n} for log-probabilities `input` (N, C) / (C,) / (N, C, d...)
    and int64 class indices `target` (N,) / () / (N, d...)."""
    _tensors("nll_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):  # checked first, as torch (an empty input too)
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_nll(input, target)
    x = _class_dim_last(input)
    if x.dim() == 1:
        x = x.reshape(1, -1)
    y = target.reshape(-1)
    mask = y != ignore_index
    safe_y = _tl.where(mask, y, 0)
    w = mask.to(x.dtype) if weight is None else weight[safe_y] * mask.to(x.dtype)
    loss = -x.gather(1, safe_y.reshape(-1, 1)).reshape(-1) * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(*target.shape)


def _check_nll(input, target):
    """torch's shape and dtype rules for nll_loss's (input, target)."""
    if target.dtype is not _tl.int64:
        raise RuntimeError(f"nll_loss: expected scalar type Long but found {target.dtype.name} for the target "
                           f"(class indices must be int64)")
    if input.dim() < 1:
        raise ValueError(f"nll_loss: expected input with at least 1 dimension, got {input.dim()}")
    if input.dim() == 1:
        if target.dim() != 0:
            raise ValueError(f"nll_loss: a 1-D input (C,) takes a 0-d target, got target of shape {tuple(target.shape)}")
        return
    if target.shape[0] != input.shape[0] if target.dim() else True:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.dim() else 0}).")
    if input.dim() > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise ValueError(f"Expected target size {(input.shape[0],) + tuple(input.shape[2:])}, got {tuple(target.shape)}")
    if input.dim() == 2 and target.dim() != 1:
        raise ValueError(f"nll_loss: for input (N, C) the target must be (N,), got {tuple(target.shape)}")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """ℓ = (x − y)², reduced by mean (default), sum, or none; y broadcasts to x as in torch."""
    _tensors("mse_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast_pair(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """ℓ = |x − y|."""
    _tensors("l1_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast_pair(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)
