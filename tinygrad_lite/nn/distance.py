"""nn.CosineSimilarity and nn.PairwiseDistance (the functions are in tinygrad_lite.functional.distance)."""
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """Σ (x1/‖x1‖)·(x2/‖x2‖) along dim, each norm clamped at eps."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 − x2 + eps‖_p over the last dim."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
