"""More losses with torch.nn.functional's names and reductions: binary cross entropy (on
probabilities and on logits, with pos_weight), smooth L1, Huber, KL divergence, soft margin,
margin ranking, hinge embedding, cosine embedding, triplet margin, Poisson and Gaussian NLL,
multi-label soft margin, multi-class margin. Each docstring gives the per-element loss ℓ;
every one is a composition of differentiable ops (its gradient is theirs)."""
import builtins
import math

import tinygrad_lite as _tl
from tinygrad_lite.functional.distance import cosine_similarity, pairwise_distance

from .loss import _broadcast_pair, _legacy_reduction, _reduce


def _same_size(input, target, op):
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{op}: Using a target size ({tuple(target.shape)}) that is different to the input size "
                         f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size.")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """ℓ = −w·(y·log x + (1 − y)·log(1 − x)) for probabilities x ∈ [0, 1], each log clamped at −100
    (as torch, so x = 0 or 1 gives a finite loss)"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _same_size(input, target, "binary_cross_entropy")
    if input.numel() and builtins.bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    log_x = input.log().clamp(min=-100)
    log_1mx = (1 - input).log().clamp(min=-100)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """ℓ = −w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x))), computed stably as
    (1 − y)·x − (1 + (p − 1)·y)·log σ(x)  (log σ is the native logsigmoid row)"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _same_size(input, target, "binary_cross_entropy_with_logits")
    log_sig = _tl.nn.functional.logsigmoid(input)
    if pos_weight is not None:
        loss = (1 - target) * input - ((pos_weight - 1) * target + 1) * log_sig
    else:
        loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """ℓ = ½d²/β where |d| < β, else |d| − ½β  (d = x − y; β = 0: the L1 loss)"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _broadcast_pair(input, target, "smooth_l1_loss")
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(_tl.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """ℓ = ½d² where |d| ≤ δ, else δ·(|d| − ½δ)"""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    loss = _tl.where(d <= delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """ℓ = y·(log y − x) for log-probabilities x (0 where y = 0); log_target: e^y·(y − x).
    'batchmean' divides the sum by the batch size (the true KL divergence per sample)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _tl.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.dim() else 1)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """ℓ = log(1 + e^(−y·x)) for labels y ∈ {−1, 1}"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce(-_tl.nn.functional.logsigmoid(target * input), reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """ℓ = max(0, −y·(x1 − x2) + margin)"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """ℓ = x where y = 1, max(0, margin − x) where y = −1"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    pos = _tl.where(target == 1, input, 0.0)
    neg = _tl.where(target == -1, (margin - input).clamp(min=0), 0.0)
    return _reduce(pos + neg, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """ℓ = 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1 (cos along the last dim)"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    eps = 1e-12  # torch's EPSILON in cosine_embedding_loss
    prod = (input1 * input2).sum(-1)
    mag = ((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)
    cos = prod / mag.sqrt()
    pos = _tl.where(target == 1, 1 - cos, 0.0)
    neg = _tl.where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """ℓ = max(d(a, p) − d(a, n) + margin, 0), d the pairwise p-norm distance (swap: d(a, n) replaced
    by min(d(a, n), d(p, n)))"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = _tl.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_ap - d_an + margin).clamp(min=0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """ℓ = e^x − y·x (log_input), or x − y·log(x + eps); full adds Stirling's y·log y − y + ½log(2πy) for y > 1"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + _tl.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """ℓ = ½(log max(var, eps) + (x − y)²/max(var, eps)) (+ ½log 2π with full); the clamp of var is
    not differentiated (torch's rule)"""
    if isinstance(var, (int, float)):
        var = _tl.full_like(input, float(var))
    if var.dim() == input.dim() - 1 or (var.dim() == input.dim() and var.shape[-1] == 1 and input.shape[-1] != 1):
        var = var.unsqueeze(-1) if var.dim() == input.dim() - 1 else var
    if builtins.bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var + (var.detach().clamp(min=eps) - var.detach())
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """ℓ_n = −(1/C)·Σ_c w_c·(y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c))"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    ls = _tl.nn.functional.logsigmoid
    loss = -(target * ls(input) + (1 - target) * ls(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """ℓ_n = (1/C)·Σ_{i≠y} w_y·max(0, margin − x_y + x_i)^p, x (N, C), y (N,)"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.dim() == 2 else input.unsqueeze(0)
    y = target.reshape(-1, 1)
    x_y = x.gather(1, y)
    m = (margin - x_y + x).clamp(min=0)
    if p == 2:
        m = m * m
    if weight is not None:
        m = m * weight[y]
    not_y = _tl.ones_like(x).scatter(1, y, 0.0)
    loss = (m * not_y).sum(1) / x.shape[1]
    if input.dim() == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "smooth_l1_loss", "huber_loss", "kl_div",
           "soft_margin_loss", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "cosine_similarity"]
