"""torch.nn.functional's softmax and log_softmax (with torch's legacy default dim), linear,
embedding, dropout."""
import builtins

import tinygrad_lite as _tl
from tinygrad_lite import functional as _f
from tinygrad_lite.functional._api import inplace as _inplace
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
    out[..., :] = weight[input[...], :]. The backward scatter-adds into the picked rows; the row
    padding_idx gets no gradient."""
    if input.dtype is not _tl.int64:
        raise TypeError(f"embedding: expected int64 (long) indices, got {input.dtype.name}")
    if max_norm is not None or sparse or scale_grad_by_freq:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not supported")
    rows = _f.index_select(weight, 0, input.reshape(-1))
    out = rows.reshape(*input.shape, weight.shape[1])
    if padding_idx is not None and weight.requires_grad:  # no gradient flows into the padding row
        keep = (input != (padding_idx % weight.shape[0])).unsqueeze(-1)
        out = _tl.where(keep, out, out.detach())
    return out


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale survivors by 1/(1−p) (training only):
    y = x·m/(1−p), m ~ Bernoulli(1−p);  ∂y/∂x = m/(1−p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if inplace:
        return _inplace(input, dropout, p, True)
    return N.Dropout.apply(input, p=builtins.float(p))


def flatten(input, start_dim=0, end_dim=-1):
    return _f.flatten(input, start_dim, end_dim)
