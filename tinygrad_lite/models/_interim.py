"""INTERIM — composite stand-ins for layers the engine does not have yet on this branch:
nn.LayerNorm, nn.Embedding and F.scaled_dot_product_attention, with torch's names, signatures and
parameter names (weight, bias), built from existing tensor ops (autograd comes for free).

The lead replaces each with the engine's fused op (transformer issue) and deletes this file: models
import these three names from here only, so the swap is one import line in models/bert.py.
"""
import math

import tinygrad_lite as _tl
from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn import init
from tinygrad_lite.nn.module import Module
from tinygrad_lite.nn.parameter import Parameter


class LayerNorm(Module):
    """y = (x − μ) / √(σ² + ε) · γ + β over the last len(normalized_shape) dims
    (μ, σ² the mean and biased variance there); γ = 1, β = 0 at initialisation."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        kw = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        if elementwise_affine:
            self.weight = Parameter(_tl.ones(*self.normalized_shape, **kw))
            self.bias = Parameter(_tl.zeros(*self.normalized_shape, **kw)) if bias else None
        else:
            self.weight = self.bias = None

    def forward(self, input):
        if tuple(input.shape[-len(self.normalized_shape):]) != self.normalized_shape:
            raise RuntimeError(f"LayerNorm: expected input with trailing shape {self.normalized_shape}, "
                               f"got {tuple(input.shape)}")
        dims = tuple(range(-len(self.normalized_shape), 0))
        centred = input - input.mean(dims, keepdim=True)
        var = (centred * centred).mean(dims, keepdim=True)
        y = centred * (var + self.eps).rsqrt()
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class Embedding(Module):
    """out[..., :] = weight[input[...], :], weight (num_embeddings, embedding_dim) ~ N(0, 1); the row
    padding_idx starts at zero (its gradient is not masked here — BERT never relies on that)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, device=None, dtype=None):
        super().__init__()
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        kw = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        self.weight = Parameter(_tl.empty(num_embeddings, embedding_dim, **kw))
        init.normal_(self.weight)
        if padding_idx is not None:
            with _tl.no_grad():
                self.weight[padding_idx] = 0.0

    def forward(self, input):
        return F.embedding(input, self.weight)

    def extra_repr(self):
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """softmax(Q·Kᵀ·s + M)·V with s = 1/√d (or `scale`), Q (…, L, d), K (…, S, d), V (…, S, dv).

    attn_mask broadcasts to (…, L, S): a bool mask keeps positions where it is True, a float mask is added
    to the scores. is_causal masks j > i. dropout_p drops attention probabilities (training)."""
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query * s) @ key.transpose(-2, -1)  # scaling Q (…, L, d) is cheaper than the scores (…, L, S)
    if is_causal:
        L, S = query.shape[-2], key.shape[-2]
        causal = _tl.ones(L, S, dtype=_tl.bool).tril() if hasattr(_tl.Tensor, "tril") else _causal(L, S)
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype is _tl.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    probs = scores.softmax(-1)
    if dropout_p > 0.0:
        probs = F.dropout(probs, dropout_p, True)
    return probs @ value


def _causal(L, S):
    import numpy as np

    return _tl.from_numpy(np.tril(np.ones((L, S), dtype=bool)))
