"""Ops that change how elements are addressed. Most are views (no copy): their backward
maps the gradient through the inverse addressing."""
from ..autograd.function import Function
from ._util import reshape_array


class Reshape(Function):
    """y = x with a new shape (a view when strides allow);  ∂L/∂x = reshape(∂L/∂y, x.shape)"""

    __slots__ = ("shape",)

    def forward(self, x, shape, strict=False):
        self.shape = x.shape
        if strict:  # Tensor.view: a view or an error, never a copy
            return x.view(shape)
        return reshape_array(self.B, x, shape)

    def backward(self, g):
        return reshape_array(self.B, g, self.shape)

    def backward_graph(self, g):
        return Reshape.apply(g, shape=list(self.shape))


class Permute(Function):
    """y = x with axes reordered (a view);  ∂L/∂x = ∂L/∂y with the inverse permutation"""

    __slots__ = ("dims",)

    def forward(self, x, dims):
        self.dims = dims
        return x.permute(dims)

    def backward(self, g):
        inv = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inv[d % len(self.dims)] = i
        return g.permute(inv)

    def backward_graph(self, g):
        inv = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inv[d % len(self.dims)] = i
        return Permute.apply(g, dims=inv)


class Expand(Function):
    """y = x broadcast to a larger shape (stride 0, a view);  ∂L/∂x = Σ over the expanded axes"""

    __slots__ = ("shape",)

    def forward(self, x, shape):
        self.shape = x.shape
        return x.expand(shape)

    def backward(self, g):
        from ._util import unbroadcast

        return unbroadcast(self.B, g, self.shape)

    def backward_graph(self, g):
        from ._util import unbroadcast_t

        return unbroadcast_t(g, self.shape)


def basic_view(arr, index):
    """Apply a basic index (ints, slices, None, Ellipsis) to an Array: a view, no copy."""
    if not isinstance(index, tuple):
        index = (index,)
    n_real = sum(1 for i in index if i is not None and i is not Ellipsis)
    if n_real > arr.ndim:
        raise IndexError(f"too many indices for tensor of dimension {arr.ndim}")
    expanded = []
    for i in index:
        if i is Ellipsis:
            expanded.extend([slice(None)] * (arr.ndim - n_real))
        else:
            expanded.append(i)
    dim = 0
    for i in expanded:
        if i is None:
            arr = arr.unsqueeze(dim)
            dim += 1
        elif isinstance(i, slice):
            start, stop, step = i.start, i.stop, i.step
            n = arr.shape[dim]
            arr = arr.slice(dim, 0 if start is None else start, n if stop is None else stop, 1 if step is None else step)
            dim += 1
        else:
            arr = arr.select(dim, int(i))
    return arr


class BasicIndex(Function):
    """y = x[index] for ints, slices, None, Ellipsis (a view);
    ∂L/∂x = zeros(x.shape) with ∂L/∂y written into the same view"""

    __slots__ = ("shape", "dtype", "index")

    def forward(self, x, index):
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return basic_view(x, index)

    def backward(self, g):
        gx = self.B.full(list(self.shape), 0.0, self.dtype)
        self.B.copy_(basic_view(gx, self.index), g)
        return gx

    def backward_graph(self, g):
        return IndexInto.apply(g, shape=self.shape, index=self.index)


class IndexInto(Function):
    """y = zeros(shape) with y[index] = x (BasicIndex's backward, as an op of its own so that it
    can be differentiated again);  ∂L/∂x = (∂L/∂y)[index]"""

    __slots__ = ("index",)

    def forward(self, x, shape, index):
        self.index = index
        y = self.B.full(list(shape), 0.0, x.dtype)
        self.B.copy_(basic_view(y, index), x)
        return y

    def backward(self, g):
        return basic_view(g, self.index)

    def backward_graph(self, g):
        return BasicIndex.apply(g, index=self.index)


class Cat(Function):
    """y = [x₁ x₂ … xₖ] along an axis;  ∂L/∂xᵢ = the slice of ∂L/∂y that xᵢ occupies"""

    __slots__ = ("axis", "sizes")

    def forward(self, *xs, axis=0):
        self.axis = axis
        self.sizes = [x.shape[axis] if x.ndim else 1 for x in xs]
        return self.B.cat(list(xs), axis)

    def backward(self, g):
        out, start = [], 0
        for n in self.sizes:
            out.append(g.slice(self.axis, start, start + n, 1))
            start += n
        return tuple(out)

    def backward_graph(self, g):
        out, start = [], 0
        lead = (slice(None),) * self.axis
        for n in self.sizes:
            out.append(BasicIndex.apply(g, index=lead + (slice(start, start + n),)))
            start += n
        return tuple(out)
