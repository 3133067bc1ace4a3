"""Gathering and scattering by index tensors: embedding lookup (index_select), torch.gather,
torch.scatter / scatter_add / index_add, advanced indexing. The backward of a gather is a
scatter-add (rows picked twice get both gradients) and the backward of a scatter-add is a
gather, so each pair differentiates the other (also in the create_graph pass)."""
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

    def backward_graph(self, g):
        return IndexAdd.apply(g, shape=self.shape, axis=self.axis, idx=self.idx)


class IndexAdd(Function):
    """y = zeros(shape) with src[..., j, ...] added at [..., idx[j], ...] (torch.index_add into zeros)
    ∂L/∂src = (∂L/∂y).index_select(axis, idx)"""

    __slots__ = ("axis", "idx")

    def forward(self, src, shape, axis, idx):
        self.axis, self.idx = axis, idx
        return self.B.index_add(list(shape), axis, idx, src)

    def backward(self, g):
        return self.B.index_select(g, self.axis, self.idx)

    def backward_graph(self, g):
        return IndexSelect.apply(g, axis=self.axis, idx=self.idx)


class Gather(Function):
    """y = x.gather(axis, idx): y[i][j] = x[i][idx[i][j]] (axis 1, 2-D example)
    ∂L/∂x = scatter_add of ∂L/∂y at the same positions"""

    __slots__ = ("shape", "axis", "idx")

    def forward(self, x, axis, idx):
        self.shape, self.axis, self.idx = x.shape, axis, idx
        return self.B.gather(x, axis, idx)

    def backward(self, g):
        return self.B.scatter_add(list(self.shape), self.axis, self.idx, g)

    def backward_graph(self, g):
        return ScatterAdd.apply(g, shape=self.shape, axis=self.axis, idx=self.idx)


class ScatterAdd(Function):
    """y = zeros(shape).scatter_add(axis, idx, src): y[i][idx[i][j]] += src[i][j] (axis 1)
    ∂L/∂src = (∂L/∂y).gather(axis, idx) (over idx's shape; src beyond it gets 0)"""

    __slots__ = ("axis", "idx", "src_shape")

    def forward(self, src, shape, axis, idx):
        self.axis, self.idx, self.src_shape = axis, idx, src.shape
        return self.B.scatter_add(list(shape), axis, idx, src)

    def backward(self, g):
        got = self.B.gather(g, self.axis, self.idx)
        if got.shape == self.src_shape:
            return got
        full = self.B.full(list(self.src_shape), 0.0, g.dtype)  # src larger than idx: the rest is unused
        self.B.copy_(_leading(full, got.shape), got)
        return full

    def backward_graph(self, g):
        got = Gather.apply(g, axis=self.axis, idx=self.idx)
        if tuple(got.shape) == tuple(self.src_shape):
            return got
        from .shape import IndexInto

        return IndexInto.apply(got, shape=self.src_shape, index=tuple(slice(0, n) for n in got.shape))


class Scatter(Function):
    """y = x.scatter(axis, idx, src): a copy of x with y[i][idx[i][j]] = src[i][j] (axis 1)
    ∂L/∂x = ∂L/∂y with the overwritten positions zeroed,  ∂L/∂src = (∂L/∂y).gather(axis, idx)"""

    __slots__ = ("axis", "idx", "src_shape")

    def forward(self, x, src, axis, idx):
        self.axis, self.idx, self.src_shape = axis, idx, src.shape
        return self.B.scatter(x, axis, idx, src)

    def backward(self, g):
        B = self.B
        gx = B.scatter(g, self.axis, self.idx, B.full(list(self.idx.shape), 0.0, g.dtype)) \
            if self.needs_grad(0) else None
        gs = None
        if self.needs_grad(1):
            gs = B.gather(g, self.axis, self.idx)
            if gs.shape != self.src_shape:
                full = B.full(list(self.src_shape), 0.0, g.dtype)
                B.copy_(_leading(full, gs.shape), gs)
                gs = full
        return gx, gs


def _leading(a, shape):
    """The view a[:shape[0], :shape[1], ...]."""
    for d, n in enumerate(shape):
        a = a.slice(d, 0, n, 1)
    return a
