"""torch.nn.functional's softmax and log_softmax (with torch's legacy default dim), linear,
embedding, dropout."""
import builtins

import tinygrad_lite as _tl
from tinygrad_lite import argcheck
from tinygrad_lite import functional as _f
from tinygrad_lite.functional._api import inplace as _inplace
from tinygrad_lite.ops import attention as _A
from tinygrad_lite.ops import nn as N


def _legacy_softmax_dim(ndim):
    # torch.nn.functional's rule when dim is omitted (deprecated there, kept on purpose:
    # torch.softmax itself requires dim — the two spellings differ in torch too)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(xᵢ − max)/Σⱼ exp(xⱼ − max) along dim (see tinygrad_lite.softmax)."""
    return _f.softmax(input, _legacy_softmax_dim(input.dim()) if dim is None else dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """xᵢ − max − log Σⱼ exp(xⱼ − max) along dim (see tinygrad_lite.log_softmax)."""
    return _f.log_softmax(input, _legacy_softmax_dim(input.dim()) if dim is None else dim, dtype=dtype)


def linear(input, weight, bias=None):
    """y = x·Wᵀ + b, x (..., in), W (out, in), b (out,): one fused native kernel."""
    return _f.linear(input, weight, bias)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` (num_embeddings, dim) picked by the int64 indices `input` (any shape):
    out[..., :] = weight[input[...], :]. The backward is one native scatter-add of rows into a
    dense gradient; the row padding_idx gets none (scaled by 1/count with scale_grad_by_freq).
    max_norm: the rows looked up are first renormalised in place to norm ≤ max_norm."""
    argcheck.tensor("embedding", "input", input), argcheck.tensor("embedding", "weight", weight)
    if input.dtype is _tl.int32:  # torch takes int32 indices too (not int16/int8/uint8)
        input = input.to(_tl.int64)
    if input.dtype is not _tl.int64:
        raise TypeError(f"embedding: expected int64 (long) indices, got {input.dtype.name}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, dim), got shape {tuple(weight.shape)}")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported (use sparse=False)")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({n})")
        padding_idx %= n
    if max_norm is not None:
        _embedding_renorm_(weight, input, builtins.float(max_norm), builtins.float(norm_type))
    try:
        return _A.Embedding.apply(weight, idx=input._data, padding_idx=-1 if padding_idx is None else padding_idx,
                                  scale_grad_by_freq=builtins.bool(scale_grad_by_freq))
    except IndexError as e:
        raise IndexError(f"embedding: token id out of range for an embedding of {n} rows ({e})") from None


def _embedding_renorm_(weight, input, max_norm, norm_type):
    """In place, untracked (torch.embedding_renorm_): rows w_i looked up with ‖w_i‖ > max_norm
    become w_i·max_norm/(‖w_i‖ + 1e-7)."""
    import numpy as np

    if weight.device.type != "cpu":
        raise NotImplementedError("embedding: max_norm is only supported on the CPU")
    with _tl.no_grad():
        ids = np.unique(input.numpy())
        if ids.size and (ids.min() < 0 or ids.max() >= weight.shape[0]):
            raise IndexError(f"embedding: token id out of range for an embedding of {weight.shape[0]} rows")
        w = weight._data.numpy()  # shares the parameter's memory
        rows = w[ids].astype(np.float64)
        norms = np.linalg.norm(rows, ord=norm_type, axis=1)
        big = norms > max_norm
        w[ids[big]] = (rows[big] * (max_norm / (norms[big] + 1e-7))[:, None]).astype(w.dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale survivors by 1/(1−p) (training only):
    y = x·m/(1−p), m ~ Bernoulli(1−p);  ∂y/∂x = m/(1−p)."""
    argcheck.boolean("dropout", "training", training)
    argcheck.number("dropout", "p", p)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if inplace:
        return _inplace(input, dropout, p, True)
    if p == 1.0:  # torch: input * 0, so NaN and inf become NaN
        return input * 0.0 if input.is_floating_point() else input * 0
    return N.Dropout.apply(input, p=builtins.float(p))


def flatten(input, start_dim=0, end_dim=-1):
    return _f.flatten(input, start_dim, end_dim)


def one_hot(tensor, num_classes=-1):
    """int64 (..., C) with out[..., c] = [tensor[...] = c]; C = max + 1 when num_classes = −1"""
    if tensor.dtype is not _tl.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() and builtins.bool((tensor < 0).any()):
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = builtins.int(tensor.max().item()) + 1
    elif tensor.numel() and builtins.int(tensor.max().item()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == _tl.arange(num_classes, device=tensor.device)).long()


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(‖x‖_p, eps) along dim"""
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps)
    r = input / denom
    if out is not None:
        out._data = r._data
        return out
    return r


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(−x) along dim"""
    return softmax(-input, dim, dtype=dtype)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g)/τ) with g ~ Gumbel(0, 1) (g = −log E, E ~ Exp(1)); hard: the one-hot of
    the argmax in the forward pass, the soft sample's gradient (straight-through)"""
    gumbels = -_tl.empty_like(logits).exponential_().log()
    y = _f.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    index = y.argmax(dim, keepdim=True)
    y_hard = _tl.zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y.detach() + y


def prelu(input, weight):
    """x where x ≥ 0, a·x else; a: one value, or one per channel (dim 1)"""
    w = weight
    if w.numel() != 1 and input.dim() >= 2:
        shape = [1] * input.dim()
        shape[1] = w.numel()
        w = w.reshape(*shape)
    return _tl.where(input >= 0, input, input * w)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """leaky_relu with slope (lower + upper)/2 in evaluation; a U(lower, upper) slope per element in training"""
    if not training:
        return _f.leaky_relu(input, (lower + upper) / 2)
    a = _tl.empty_like(input).uniform_(lower, upper)
    return _tl.where(input >= 0, input, input * a)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's mean and variance: dropped units become α' = −λα, then an affine
    correction a·x + b (Klambauer et al. 2017)"""
    if not training or p == 0:
        return input
    alpha_p = -1.7580993408473766
    keep = (_tl.rand_like(input) >= p).to(input.dtype)
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    return (input * keep + alpha_p * (1 - keep)) * a + b
