"""Reductions over any set of axes. The gradient of a reduction is broadcast back over the
reduced axes (the inverse of unbroadcast)."""
from .. import _C
from ..autograd.function import Function
from ._util import kept_shape


def _host(B, a):
    """A backend array's values as numpy (copied to the host when on a device)."""
    to_host = getattr(B, "to_host", None)
    return (to_host(a) if to_host is not None else a).numpy()


def _expand_back_t(g, in_shape, axes, keepdim):
    """_expand_back for Tensors (the create_graph pass)."""
    if not keepdim:
        g = g.reshape(*kept_shape(in_shape, axes))
    return g.expand(tuple(in_shape))


def _expand_back(B, g, in_shape, axes, keepdim):
    """View g (the reduced shape) as in_shape: reinsert the reduced axes, then broadcast."""
    if len(axes) == len(in_shape):  # a full reduction: every element gets the same g (stride 0)
        return g.as_strided(list(in_shape), [0] * len(in_shape), g.offset)
    if not keepdim:
        g = g.view(kept_shape(in_shape, axes))
    return g.expand(list(in_shape))


class Sum(Function):
    """y = Σ_axes x;  ∂y/∂x = 1 at every summed position (g broadcast back)"""

    __slots__ = ("shape", "axes", "keepdim")

    def forward(self, x, axes, keepdim):
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        return self.B.sum(x, axes, keepdim)

    def backward(self, g):
        return _expand_back(self.B, g, self.shape, self.axes, self.keepdim)

    def backward_graph(self, g):
        return _expand_back_t(g, self.shape, self.axes, self.keepdim)


class Mean(Function):
    """y = (1/N) Σ_axes x;  ∂y/∂x = 1/N"""

    __slots__ = ("shape", "axes", "keepdim")

    def forward(self, x, axes, keepdim):
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        return self.B.mean(x, axes, keepdim)

    def backward(self, g):
        n = 1
        for a in self.axes:
            n *= self.shape[a]
        return _expand_back(self.B, self.B.div_scalar(g, float(n)), self.shape, self.axes, self.keepdim)

    def backward_graph(self, g):
        n = 1
        for a in self.axes:
            n *= self.shape[a]
        return _expand_back_t(g / float(n), self.shape, self.axes, self.keepdim)


class Var(Function):
    """y = Σ (x − x̄)² / (N − c);  ∂y/∂x = 2(x − x̄)/(N − c)  (N − c ≤ 0 divides by 0, as torch)"""

    __slots__ = ("axes", "keepdim", "correction")

    def forward(self, x, axes, correction, keepdim):
        self.save(x)
        self.axes, self.keepdim, self.correction = axes, keepdim, correction
        return self.B.var(x, axes, correction, keepdim)

    def backward(self, g):
        return _var_backward(self.B, self.saved[0], g, self.axes, self.keepdim, self.correction)

    def backward_graph(self, g):
        return _var_backward_t(self.parents[0], g, self.axes, self.keepdim, self.correction)


def _var_backward(B, x, g, axes, keepdim, correction):
    n = 1
    for a in axes:
        n *= x.shape[a]
    centered = B.sub(x, B.mean(x, axes, True))
    if not keepdim:
        g = g.view(kept_shape(x.shape, axes))
    denom = max(n - correction, 0)
    scale = B.mul_scalar(g, 2.0 / denom) if denom else B.mul_scalar(g, float("inf"))
    return B.mul(centered, scale)


class Std(Function):
    """y = √var(x);  ∂y/∂x = ∂var/∂x / (2y), and 0 where y = 0 (torch's convention: a constant
    input has a zero gradient, not 0/0)"""

    __slots__ = ("axes", "keepdim", "correction")

    def forward(self, x, axes, correction, keepdim):
        self.axes, self.keepdim, self.correction = axes, keepdim, correction
        B = self.B
        v = B.var(x, axes, correction, keepdim)
        if x.dtype == _C.FLOAT32 and v.numel and (_host(B, v) < 1.1754944e-38).any():
            # a variance below float32's normal range (subnormal data) rounds to 0 or loses its
            # digits as float32; torch takes the square root in double first (5.8e-41, not 0)
            v = B.var(B.astype(x, _C.FLOAT64), axes, correction, keepdim)
            y = B.astype(B.sqrt(v), _C.FLOAT32)
        else:
            y = B.sqrt(v)
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        B = self.B
        zero = B.full([], 0.0, g.dtype)
        gv = B.where(B.eq_scalar(y, 0.0), zero, B.div(g, B.mul_scalar(y, 2.0)))
        return _var_backward(B, x, gv, self.axes, self.keepdim, self.correction)

    def backward_graph(self, g):
        x = self.parents[0]
        y = Std.apply(x, axes=self.axes, correction=self.correction, keepdim=True)
        if not self.keepdim:
            g = g.reshape(*kept_shape(x.shape, self.axes))
        nz = y != 0
        gv = g / (y.where(nz, y + 1.0) * 2.0) * nz.to(g.dtype)
        return _var_backward_t(x, gv, self.axes, True, self.correction)


def _var_backward_t(x, g, axes, keepdim, correction):
    """_var_backward with Tensor ops (the create_graph pass)."""
    n = 1
    for a in axes:
        n *= x.shape[a]
    if not keepdim:
        g = g.reshape(*kept_shape(x.shape, axes))
    centered = x - x.mean(axes, keepdim=True)
    return centered * g * (2.0 / max(n - correction, 0))


class Max(Function):
    """y = max_axes x;  ∂y/∂x = [x = y] / (number of maxima): ties share the gradient evenly, and
    a NaN maximum sends it to the NaN entries (torch's evenly_distribute_backward). amax/amin
    (amax=True) follow torch's scale_grad_by_count instead: only entries equal to y count, so a
    NaN maximum has no such entry and the gradient is 0/0 = NaN everywhere."""

    __slots__ = ("axes", "keepdim", "is_min", "amax")

    def forward(self, x, axes, keepdim, is_min=False, amax=False):
        self.axes, self.keepdim, self.is_min, self.amax = axes, keepdim, is_min, amax
        y = (self.B.min if is_min else self.B.max)(x, axes, True)
        self.save(x, y)
        return y if keepdim else y.view([d for i, d in enumerate(x.shape) if i not in axes])

    def backward(self, g):
        x, y = self.saved
        B = self.B
        hit = B.eq(x, y) if self.amax else B.logical_or(B.eq(x, y), B.logical_and(B.isnan(x), B.isnan(y)))
        mask = B.astype(hit, g.dtype)
        count = B.sum(mask, self.axes, True)
        if not self.keepdim:
            g = g.view(kept_shape(x.shape, self.axes))
        return B.mul(mask, B.div(g, count))

    def backward_graph(self, g):
        x = self.parents[0]
        y = Max.apply(x.detach(), axes=self.axes, keepdim=True, is_min=self.is_min, amax=self.amax)
        mask = (x == y).to(g.dtype)
        if not self.keepdim:
            g = g.reshape(*kept_shape(x.shape, self.axes))
        return mask * (g / mask.sum(self.axes, keepdim=True))


class Norm2(Function):
    """y = √(Σ_axes x²);  ∂y/∂x = x / y, taken as 0 where y = 0 (torch's subgradient at the origin)"""

    __slots__ = ("axes", "keepdim")

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        B = self.B
        y = B.sqrt(B.sum(B.square(x), axes, True))
        self.save(x, y)
        return y if keepdim else y.view([d for i, d in enumerate(x.shape) if i not in axes])

    def backward(self, g):
        x, y = self.saved
        B = self.B
        if not self.keepdim:
            g = g.view(kept_shape(x.shape, self.axes))
        zero = B.full([], 0.0, g.dtype)
        scale = B.where(B.eq_scalar(y, 0.0), zero, B.div(g, y))
        return B.mul(x, scale)

    def backward_graph(self, g):
        x = self.parents[0]
        y = Norm2.apply(x, axes=self.axes, keepdim=True)
        if not self.keepdim:
            g = g.reshape(*kept_shape(x.shape, self.axes))
        nz = y != 0
        return x * (g / y.where(nz, y + 1.0)) * nz.to(x.dtype)
