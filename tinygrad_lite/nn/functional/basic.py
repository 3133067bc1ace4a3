"""torch.nn.functional's softmax and log_softmax (with torch's legacy default dim), linear,
embedding, dropout."""
import builtins

import tinygrad_lite as _tl
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
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if inplace:
        return _inplace(input, dropout, p, True)
    return N.Dropout.apply(input, p=builtins.float(p))


def flatten(input, start_dim=0, end_dim=-1):
    return _f.flatten(input, start_dim, end_dim)
