"""Distances and similarities with torch's names (torch.* and torch.nn.functional.*): dist,
cdist, pairwise_distance, cosine_similarity. The 2-norm underneath (ops/reduce.py Norm2) has
gradient x/‖x‖ and 0 at the origin, so equal points give zero gradients, not NaNs."""
from ._api import tensor_method
from .linalg import vector_norm


@tensor_method
def dist(input, other, p=2):
    """‖x − y‖_p over all elements"""
    return vector_norm(input - other, p)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """d[..., i, j] = ‖x1[..., i, :] − x2[..., j, :]‖_p for rows of x1 (…, P, M) and x2 (…, R, M)"""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x1 − x2 + eps‖_p over the last dim (eps keeps the gradient finite at equal points)"""
    return vector_norm(x1 - x2 + eps, p, -1, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Σ (x1/max(‖x1‖, eps))·(x2/max(‖x2‖, eps)) along dim (torch's formula: each norm clamped
    at eps, the clamp itself not differentiated)"""
    n1 = vector_norm(x1, 2, dim, keepdim=True)
    n2 = vector_norm(x2, 2, dim, keepdim=True)
    n1 = n1 + (n1.detach().clamp(min=eps) - n1.detach())
    n2 = n2 + (n2.detach().clamp(min=eps) - n2.detach())
    return ((x1 / n1) * (x2 / n2)).sum(dim)


__all__ = ["dist", "cdist", "pairwise_distance", "cosine_similarity"]
