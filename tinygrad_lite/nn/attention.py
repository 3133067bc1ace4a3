"""nn.MultiheadAttention, with torch's parameters (in_proj_weight, in_proj_bias, out_proj) so
its state_dicts load, and torch's mask conventions (bool True = masked out, float = added).

Shapes (E = embed_dim, H = num_heads, d = E/H; batch_first swaps L/S with N):
    query (L, N, E), key (S, N, kdim), value (S, N, vdim) → (L, N, E), weights (N, L, S)
    q = query·W_qᵀ + b_q, split into H heads (N, H, L, d), likewise k, v;
    out = concat_h softmax(q_h·k_hᵀ/√d + mask)·v_h, then out·W_oᵀ + b_o.
Without need_weights the heads go through the fused F.scaled_dot_product_attention (the L×S
matrix is never stored); with need_weights it is computed explicitly, as torch does.
"""
import math

import numpy as np

import tinygrad_lite as _tl

from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention.out_proj (a plain Linear), kept for reprs."""


def _kw(device, dtype):
    return {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}


def canonical_mask(mask, name, dtype):
    """A bool mask (True = masked out) as a float mask (−∞ where True, 0 elsewhere); a float mask
    as it is (torch's _canonical_mask)."""
    if mask is None:
        return None
    if mask.dtype is _tl.bool:
        zero = _tl.zeros((), dtype=dtype, device=mask.device)
        return _tl.where(mask, zero - math.inf, zero)
    if not mask.dtype.is_floating_point:
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are supported, "
                        f"got {mask.dtype.name}")
    return mask if mask.dtype is dtype else mask.to(dtype)


def causal_mask(sz, dtype=None, device=None):
    """The float mask with −∞ above the diagonal and 0 elsewhere (bool: True above)."""
    if dtype is _tl.bool:
        return _tl.tensor(np.triu(np.ones((sz, sz), dtype=bool), 1), device=device)
    dtype = dtype or _tl.get_default_dtype()
    return _tl.tensor(np.triu(np.full((sz, sz), -np.inf), 1), dtype=dtype, device=device)


class MultiheadAttention(Module):
    """Multi-head attention (torch.nn.MultiheadAttention): see the module docstring.

    in_proj_weight (3E, E) holds W_q, W_k, W_v stacked when kdim = vdim = E (else
    q_proj_weight, k_proj_weight, v_proj_weight); xavier_uniform_ init, zero biases.
    add_bias_kv appends learned bias_k, bias_v to the key/value sequences; add_zero_attn
    appends a zero key/value."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        kw = _kw(device, dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ValueError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(_tl.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(_tl.empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(_tl.empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_tl.empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_tl.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(_tl.empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(_tl.empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    # ---- projections -------------------------------------------------------------------------
    def _project(self, query, key, value, same_qkv, same_kv):
        """(q, k, v) = the input projections, each (N, T, E) batch-first. same_qkv / same_kv: the
        caller passed one tensor as query, key and value / as key and value."""
        E, b = self.embed_dim, self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if same_qkv:  # self-attention: one product for q, k and v
                return F.linear(query, w, b).split(E, dim=-1)
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
            if same_kv:
                k, v = F.linear(key, w[E:], None if b is None else b[E:]).split(E, dim=-1)
                return F.linear(query, wq, bq), k, v
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    # ---- forward -------------------------------------------------------------------------------
    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """→ (attn_output, attn_weights or None); see the module docstring for shapes and masks."""
        batched = query.dim() == 3
        same_qkv, same_kv = query is key and key is value, key is value
        if query.dim() not in (2, 3) or key.dim() != query.dim() or value.dim() != query.dim():
            raise ValueError(f"MultiheadAttention: expected query, key and value all 2-D (unbatched) or all 3-D, "
                             f"got {query.dim()}-D, {key.dim()}-D and {value.dim()}-D")
        if not batched:  # (L, E): a batch of one
            query, key, value = (t.unsqueeze(0) for t in (query, key, value))
            if key_padding_mask is not None:
                if key_padding_mask.dim() != 1:
                    raise ValueError(f"MultiheadAttention: for unbatched inputs key_padding_mask must be 1-D (S,), "
                                     f"got shape {tuple(key_padding_mask.shape)}")
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:  # (T, N, E) → (N, T, E) views; the projections read them in place
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights, is_causal, same_qkv, same_kv)
        if not batched:
            return out.squeeze(0), (weights.squeeze(0) if weights is not None else None)
        if not self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights,
                is_causal, same_qkv, same_kv):
        N, L, E = query.shape
        H, d = self.num_heads, self.head_dim
        if E != self.embed_dim:
            raise ValueError(f"MultiheadAttention: was expecting embedding dimension of {self.embed_dim}, but got {E}")
        if key.shape[:2] != value.shape[:2] or key.shape[0] != N:
            raise ValueError(f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} must have "
                             f"the batch size and sequence length of each other and the batch size {N} of the query")
        if key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ValueError(f"MultiheadAttention: key/value feature sizes {key.shape[-1]}/{value.shape[-1]} differ "
                             f"from kdim/vdim {self.kdim}/{self.vdim}")
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        dtype = query.dtype
        q, k, v = self._project(query, key, value, same_qkv, same_kv)
        S = k.shape[1]
        if self.bias_k is not None:  # one more key/value: the learned biases
            k = _tl.cat([k, self.bias_k.expand(N, 1, E)], dim=1)
            v = _tl.cat([v, self.bias_v.expand(N, 1, E)], dim=1)
        if self.add_zero_attn:
            k = _tl.cat([k, _tl.zeros(N, 1, E, dtype=dtype, device=k.device)], dim=1)
            v = _tl.cat([v, _tl.zeros(N, 1, E, dtype=dtype, device=v.device)], dim=1)
        extra = k.shape[1] - S
        mask = self._merged_mask(attn_mask, key_padding_mask, N, L, S, extra, dtype, is_causal and not need_weights
                                 and key_padding_mask is None)
        S += extra
        # heads: (N, T, E) → (N, H, T, d), views of the projections
        q, k, v = (t.view(N, t.shape[1], H, d).transpose(1, 2) for t in (q, k, v))
        p = self.dropout if self.training else 0.0
        if not need_weights:
            causal = is_causal and key_padding_mask is None
            out = F.scaled_dot_product_attention(q, k, v, None if causal else mask, p, is_causal=causal)
            weights = None
        else:  # explicit: the weights are returned
            scores = (q * (1.0 / math.sqrt(d))) @ k.transpose(-2, -1)  # (N, H, L, S)
            if mask is not None:
                scores = scores + mask
            weights = F.softmax(scores, dim=-1)
            if p > 0:
                weights = F.dropout(weights, p, True)
            out = weights @ v
            if average_attn_weights:
                weights = weights.mean(dim=1)
        out = out.transpose(1, 2).reshape(N, L, E)  # (N, H, L, d) → (N, L, E)
        return self.out_proj(out), weights

    def _merged_mask(self, attn_mask, key_padding_mask, N, L, S, extra, dtype, drop_attn_mask):
        """attn_mask (L, S) or (N·H, L, S) and key_padding_mask (N, S), merged into one float mask
        broadcastable to (N, H, L, S + extra) (None if neither)."""
        H = self.num_heads
        mask = None
        if attn_mask is not None and not drop_attn_mask:
            if attn_mask.dim() == 2:
                if tuple(attn_mask.shape) != (L, S):
                    raise ValueError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                     f"{(L, S)}.")
                mask = canonical_mask(attn_mask, "attn_mask", dtype)
            elif attn_mask.dim() == 3:
                if tuple(attn_mask.shape) != (N * H, L, S):
                    raise ValueError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                     f"{(N * H, L, S)}.")
                mask = canonical_mask(attn_mask, "attn_mask", dtype).view(N, H, L, S)
            else:
                raise ValueError(f"attn_mask's dimension {attn_mask.dim()} is not supported (2-D or 3-D)")
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (N, S):
                raise ValueError(f"MultiheadAttention: expected key_padding_mask of shape {(N, S)}, got "
                                 f"{tuple(key_padding_mask.shape)}")
            kpm = canonical_mask(key_padding_mask, "key_padding_mask", dtype).view(N, 1, 1, S)
            mask = kpm if mask is None else mask + kpm
        if mask is not None and extra:  # the appended bias / zero keys are never masked
            shape = tuple(mask.shape[:-1]) + (extra,)
            mask = _tl.cat([mask, _tl.zeros(*shape, dtype=dtype, device=mask.device)], dim=-1)
        return mask

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """(merged float mask (N, H, L, S) or None, mask type) as torch's helper."""
        N, L = (query.shape[0], query.shape[1]) if self.batch_first else (query.shape[1], query.shape[0])
        S = key_padding_mask.shape[-1] if key_padding_mask is not None else attn_mask.shape[-1]
        m = self._merged_mask(attn_mask, key_padding_mask, N, L, S, 0, query.dtype, False)
        if m is None:
            return None, None
        return m.expand(N, self.num_heads, L, S), 2
