"""torch.nn.functional.scaled_dot_product_attention: one fused native kernel (flash-attention
style, memory linear in the sequence length) forward and backward."""
import builtins
import math

import numpy as np

from tinygrad_lite import argcheck
from tinygrad_lite import dtypes as _dt
from tinygrad_lite.ops import attention as A
from tinygrad_lite.tensor import Tensor

_OP = "scaled_dot_product_attention"


def _prod(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def _to_4d(t, pre, batch, heads):
    """t (…, n, d), whose dims before (n, d) padded with leading 1s are `pre`, as the
    (*batch, heads, n, d) broadcast view flattened to (Z, heads, n, d)."""
    n, d = t.shape[-2:]
    if t.ndim != len(pre) + 2:
        t = t.reshape(*pre, n, d)
    shape = (*batch, heads, n, d)
    if tuple(t.shape) != shape:
        t = t.expand(tuple(shape))
    return t if len(batch) == 1 else t.reshape(_prod(batch), heads, n, d)


def _check_mask(attn_mask, q, full):
    if not isinstance(attn_mask, Tensor):
        raise TypeError(f"{_OP}: attn_mask must be a Tensor, got {type(attn_mask).__name__}")
    if attn_mask.requires_grad:
        raise RuntimeError(f"{_OP}: gradients with respect to attn_mask are not supported")
    try:
        ok = attn_mask.ndim <= len(full) and np.broadcast_shapes(tuple(attn_mask.shape), full) == full
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{_OP}: attn_mask of shape {tuple(attn_mask.shape)} cannot be broadcast to the "
                         f"attention shape {full} (…, heads, target length L, source length S)")
    m = attn_mask
    if m.dtype is not _dt.bool_ and m.dtype is not q.dtype:
        if not m.dtype.is_floating_point:
            raise TypeError(f"{_OP}: attn_mask must be bool or floating, got {m.dtype.name}")
        m = m.to(q.dtype)
    if len(full) <= 4:  # the kernel broadcasts it right-aligned to (Z, Hq, L, S) itself
        return m._data
    return m.expand(tuple(full)).reshape(_prod(full[:-3]), *full[-3:])._data


def _nonfinite_attention(q, k, v, attn_mask, full, is_causal, scale, dropout_p):
    """Attention as torch computes it when q or k holds inf/NaN: every score is formed and the
    mask is *added* (−inf where masked), so an inf or NaN score at a masked position still makes
    its row NaN (inf + −inf); a row with every score −inf gives 0 (torch's fused CPU kernel). The
    fused kernel skips masked scores, so these (rare) inputs take this unfused path."""
    import tinygrad_lite as _tl

    Z, Hq, L, E = q.shape
    Hk, S = k.shape[1], k.shape[2]
    if Hk != Hq:  # grouped-query / broadcast heads: each key head serves Hq/Hk query heads
        k = k.reshape(Z, Hk, 1, S, E).expand(Z, Hk, Hq // Hk, S, E).reshape(Z, Hq, S, E)
        v = v.reshape(Z, Hk, 1, S, v.shape[-1]).expand(Z, Hk, Hq // Hk, S, v.shape[-1]).reshape(Z, Hq, S, v.shape[-1])
    if math.isinf(scale):  # torch (its math path, and its fused kernel agrees here) scales q and k by
        # √scale each, so a 0 in q or k is 0·inf = NaN, and its rows are NaN (√−inf is NaN: all NaN)
        r = math.sqrt(scale) if scale > 0 else float("nan")
        s = (q * r) @ (k * r).transpose(-2, -1)
    else:
        s = (q @ k.transpose(-2, -1)) * scale
    ninf, zero = _tl.tensor(float("-inf"), dtype=q.dtype), _tl.zeros((), dtype=q.dtype)
    bias = None
    if is_causal:
        bias = _tl.where(_tl.ones((L, S), dtype=_dt.bool_).tril(), zero, ninf)
    if attn_mask is not None:
        m = attn_mask
        if len(full) > 4:
            m = m.expand(tuple(full)).reshape(_prod(full[:-3]), *full[-3:])
        m = _tl.where(m, zero, ninf) if m.dtype is _dt.bool_ else m.to(q.dtype)
        bias = m if bias is None else bias + m
    s = s if bias is None else s + bias
    # a row of −inf scores (all masked, or −inf products) gives 0 (torch's fused kernel), not NaN
    p = _tl.where(s.amax(-1, keepdim=True) == float("-inf"), zero, s.softmax(-1))
    if dropout_p > 0:
        from .basic import dropout

        p = dropout(p, dropout_p)
    return p @ v


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(q·kᵀ·scale + mask)·v over the last two dims, as torch:

        query (…, Hq, L, E), key (…, Hk, S, E), value (…, Hk, S, Ev) → (…, Hq, L, Ev)

    scale defaults to 1/√E. attn_mask: bool (True = attend) or float (added to the scores),
    broadcastable to (…, Hq, L, S). is_causal: query i sees keys j ≤ i (top-left aligned, as
    torch). dropout_p > 0 drops attention weights (seeded by manual_seed). enable_gqa: Hq may be
    a multiple of Hk (grouped-query attention); without it Hk must equal Hq (or be 1, broadcast).
    The L×S matrix is never stored: memory grows linearly with the sequence length."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{_OP}: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"{_OP}: {name} must have at least 2 dims (…, T, E), got shape {tuple(t.shape)}")
    argcheck.boolean(_OP, "is_causal", is_causal)
    q, k, v = query, key, value
    if not q.dtype.is_floating_point or k.dtype is not q.dtype or v.dtype is not q.dtype:
        raise TypeError(f"{_OP}: query, key and value must share one floating dtype, got {q.dtype.name}, "
                        f"{k.dtype.name} and {v.dtype.name}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{_OP}: dropout_p must be in [0, 1], got {dropout_p}")
    L, E, S, Ev = q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
    if k.shape[-1] != E or v.shape[-2] != S:
        raise ValueError(f"{_OP}: query {tuple(q.shape)}, key {tuple(k.shape)} and value {tuple(v.shape)} do not "
                         f"fit: expected (…, L, E), (…, S, E), (…, S, Ev)")
    # the dims before (T, E), padded to one common rank ≥ 1: (*batch, heads)
    nd = builtins.max(q.ndim, k.ndim, v.ndim)
    rank = builtins.max(nd - 2, 1)
    pre = [(1,) * (rank - (t.ndim - 2)) + tuple(t.shape[:-2]) for t in (q, k, v)]
    Hq, Hk, Hv = pre[0][-1], pre[1][-1], pre[2][-1]
    try:
        batch = pre[0][:-1] if pre[0][:-1] == pre[1][:-1] == pre[2][:-1] else \
            tuple(builtins.int(d) for d in np.broadcast_shapes(*[p[:-1] for p in pre]))
    except ValueError:
        raise ValueError(f"{_OP}: the batch dims of query {tuple(q.shape)}, key {tuple(k.shape)} and value "
                         f"{tuple(v.shape)} do not broadcast") from None
    if Hk != Hv:
        raise ValueError(f"{_OP}: key and value must have the same number of heads, got {Hk} and {Hv}")
    if Hk != Hq and Hk != 1 and not (enable_gqa and Hk > 0 and Hq % Hk == 0):
        raise ValueError(f"{_OP}: query has {Hq} heads and key/value {Hk}: they must be equal"
                         + (", or the query heads a multiple of the key heads" if enable_gqa
                            else " (enable_gqa=True allows a multiple)"))
    mask = None if attn_mask is None else _check_mask(attn_mask, q, (*batch, Hq, L, S))
    zb = batch if batch else (1,)
    q4, k4, v4 = (_to_4d(t, p, zb, h) for t, p, h in ((q, pre[0], Hq), (k, pre[1], Hk), (v, pre[2], Hk)))
    scale = 1.0 / math.sqrt(E) if scale is None else builtins.float(scale)
    if q4.numel() and k4.numel() and not (math.isfinite(scale) and q4.isfinite().all().item() and
                                          k4.isfinite().all().item()):
        out = _nonfinite_attention(q4, k4, v4, attn_mask, (*batch, Hq, L, S), is_causal, scale, dropout_p)
    else:
        out = A.ScaledDotProductAttention.apply(q4, k4, v4, mask=mask, dropout_p=builtins.float(dropout_p),
                                                is_causal=builtins.bool(is_causal), scale=scale)
    if nd == 4:
        return out
    lead = (*batch, Hq)[len(batch) + 1 - (nd - 2):] if nd > 2 else ()
    return out.reshape(*lead, L, Ev)
