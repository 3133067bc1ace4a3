"""Gathering by index tensors: embedding lookup (index_select), torch.gather, advanced
indexing. The backward of a gather is a scatter-add: rows picked twice get both gradients."""
from ..autograd.function import Function


class IndexSelect(Function):
    """y = x.index_select(axis, idx): y[..., j, ...] = x[..., idx[j], ...]
    ∂L/∂x = zeros(x.shape) with ∂L/∂y[..., j, ...] added at idx[j] (index_add)"""

    __slots__ = ("shape", "axis", "idx")

    def forward(self, x, axis, idx):
        self.shape, self.axis, self.idx = x.shape, axis, idx
        return self.B.index_select(x, axis, idx)

    def backward(self, g):
        return self.B.index_add(list(self.shape), self.axis, self.idx, g)


class Gather(Function):
    """y = x.gather(axis, idx): y[i][j] = x[i][idx[i][j]] (axis 1, 2-D example)
    ∂L/∂x = scatter_add of ∂L/∂y at the same positions"""

    __slots__ = ("shape", "axis", "idx")

    def forward(self, x, axis, idx):
        self.shape, self.axis, self.idx = x.shape, axis, idx
        return self.B.gather(x, axis, idx)

    def backward(self, g):
        return self.B.scatter_add(list(self.shape), self.axis, self.idx, g)
