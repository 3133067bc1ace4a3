"""Elementwise ops. Each Function: forward, backward, and the derivative in its docstring.

Binary ops broadcast (numpy's rule); their backward sums the gradient back over the
broadcast axes (`unbroadcast`).
"""
import math

from ..autograd.function import Function
from ._util import unbroadcast


class Neg(Function):
    """y = −x;  ∂y/∂x = −1"""

    def forward(self, x):
        return self.B.neg(x)

    def backward(self, g):
        return self.B.neg(g)


class Abs(Function):
    """y = |x|;  ∂y/∂x = sign(x) (0 at 0, as torch)"""

    def forward(self, x):
        self.save(x)
        return self.B.abs(x)

    def backward(self, g):
        (x,) = self.saved
        B = self.B
        zero = B.full([], 0.0, g.dtype)
        pos = B.where(B.gt_scalar(x, 0.0), g, zero)
        return B.sub(pos, B.where(B.lt_scalar(x, 0.0), g, zero))


class Exp(Function):
    """y = eˣ;  ∂y/∂x = eˣ = y"""

    def forward(self, x):
        y = self.B.exp(x)
        self.save(y)
        return y

    def backward(self, g):
        return self.B.mul(g, self.saved[0])


class Log(Function):
    """y = ln x;  ∂y/∂x = 1/x"""

    def forward(self, x):
        self.save(x)
        return self.B.log(x)

    def backward(self, g):
        return self.B.div(g, self.saved[0])


class Sqrt(Function):
    """y = √x;  ∂y/∂x = 1/(2√x) = 1/(2y)"""

    def forward(self, x):
        y = self.B.sqrt(x)
        self.save(y)
        return y

    def backward(self, g):
        return self.B.div(g, self.B.mul_scalar(self.saved[0], 2.0))


class Sin(Function):
    """y = sin x;  ∂y/∂x = cos x"""

    def forward(self, x):
        self.save(x)
        return self.B.sin(x)

    def backward(self, g):
        return self.B.mul(g, self.B.cos(self.saved[0]))


class Cos(Function):
    """y = cos x;  ∂y/∂x = −sin x"""

    def forward(self, x):
        self.save(x)
        return self.B.cos(x)

    def backward(self, g):
        return self.B.neg(self.B.mul(g, self.B.sin(self.saved[0])))


class Tanh(Function):
    """y = tanh x;  ∂y/∂x = 1 − y²"""

    def forward(self, x):
        y = self.B.tanh(x)
        self.save(y)
        return y

    def backward(self, g):
        return self.B.tanh_backward(self.saved[0], g)


class Sigmoid(Function):
    """y = σ(x) = 1/(1+e⁻ˣ);  ∂y/∂x = y(1 − y)"""

    def forward(self, x):
        y = self.B.sigmoid(x)
        self.save(y)
        return y

    def backward(self, g):
        return self.B.sigmoid_backward(self.saved[0], g)


class Relu(Function):
    """y = max(x, 0);  ∂y/∂x = [x > 0]"""

    def forward(self, x):
        self.save(x)
        return self.B.relu(x)

    def backward(self, g):
        return self.B.relu_backward(self.saved[0], g)


class Gelu(Function):
    """Exact:  y = x·Φ(x) = x/2·(1 + erf(x/√2));  ∂y/∂x = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
    Tanh form: y = x/2·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³);
               ∂y/∂x = ½(1 + tanh u) + x/2·(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)."""

    __slots__ = ("tanh_form",)

    def forward(self, x, approximate="none"):
        self.save(x)
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.tanh_form = approximate == "tanh"
        return self.B.gelu_tanh(x) if self.tanh_form else self.B.gelu(x)

    def backward(self, g):
        B, (x,) = self.B, self.saved
        return B.gelu_tanh_backward(x, g) if self.tanh_form else B.gelu_backward(x, g)


# ---- binary, with broadcasting -------------------------------------------------------------


class Add(Function):
    """z = x + y;  ∂z/∂x = 1, ∂z/∂y = 1 (summed over broadcast axes)"""

    __slots__ = ("sx", "sy")

    def forward(self, x, y):
        self.sx, self.sy = x.shape, y.shape
        return self.B.add(x, y)

    def backward(self, g):
        return unbroadcast(self.B, g, self.sx), unbroadcast(self.B, g, self.sy)


class Sub(Function):
    """z = x − y;  ∂z/∂x = 1, ∂z/∂y = −1"""

    __slots__ = ("sx", "sy")

    def forward(self, x, y):
        self.sx, self.sy = x.shape, y.shape
        return self.B.sub(x, y)

    def backward(self, g):
        return unbroadcast(self.B, g, self.sx), unbroadcast(self.B, self.B.neg(g), self.sy)


class Mul(Function):
    """z = x·y;  ∂z/∂x = y, ∂z/∂y = x"""

    __slots__ = ("same_shape",)

    def forward(self, x, y):
        self.save(x, y)
        self.same_shape = x.shape == y.shape
        return self.B.mul(x, y)

    def backward(self, g):
        x, y = self.saved
        B = self.B
        if self.same_shape:
            return B.mul(g, y), B.mul(g, x)
        return unbroadcast(B, B.mul(g, y), x.shape), unbroadcast(B, B.mul(g, x), y.shape)


class Div(Function):
    """z = x / y;  ∂z/∂x = 1/y, ∂z/∂y = −x/y²"""

    def forward(self, x, y):
        self.save(x, y)
        return self.B.div(x, y)

    def backward(self, g):
        x, y = self.saved
        B = self.B
        gx = B.div(g, y)
        gy = B.neg(B.div(B.mul(gx, x), y))
        return unbroadcast(B, gx, x.shape), unbroadcast(B, gy, y.shape)


class Pow(Function):
    """z = xʸ;  ∂z/∂x = y·xʸ⁻¹, ∂z/∂y = xʸ·ln x"""

    def forward(self, x, y):
        z = self.B.pow(x, y)
        self.save(x, y, z)
        return z

    def backward(self, g):
        x, y, z = self.saved
        B = self.B
        gx = B.mul(g, B.mul(y, B.pow(x, B.add_scalar(y, -1.0))))
        gy = B.mul(g, B.mul(z, B.log(x)))
        return unbroadcast(B, gx, x.shape), unbroadcast(B, gy, y.shape)


class Maximum(Function):
    """z = max(x, y);  ∂z/∂x = [x > y] + ½[x = y], ∂z/∂y = [y > x] + ½[x = y] (torch splits ties)"""

    def forward(self, x, y):
        self.save(x, y)
        return self.B.maximum(x, y)

    def backward(self, g):
        x, y = self.saved
        return _split_by_winner(self.B, g, x, y, self.B.gt(x, y))


class Minimum(Function):
    """z = min(x, y);  ∂z/∂x = [x < y] + ½[x = y], ∂z/∂y = [y < x] + ½[x = y]"""

    def forward(self, x, y):
        self.save(x, y)
        return self.B.minimum(x, y)

    def backward(self, g):
        x, y = self.saved
        return _split_by_winner(self.B, g, x, y, self.B.lt(x, y))


def _split_by_winner(B, g, x, y, x_wins):
    half = B.mul_scalar(g, 0.5)
    zero = B.full([], 0.0, g.dtype)
    tie = B.eq(x, y)
    gx = B.where(x_wins, g, B.where(tie, half, zero))
    gy = B.where(tie, half, B.where(x_wins, zero, g))
    return unbroadcast(B, gx, x.shape), unbroadcast(B, gy, y.shape)


class Where(Function):
    """z = cond ? x : y;  ∂z/∂x = [cond], ∂z/∂y = [¬cond]; cond gets no gradient"""

    __slots__ = ("cond", "sx", "sy")

    def forward(self, cond, x, y):
        self.cond, self.sx, self.sy = cond, x.shape, y.shape
        return self.B.where(cond, x, y)

    def backward(self, g):
        B = self.B
        zero = B.full([], 0.0, g.dtype)
        gx = unbroadcast(B, B.where(self.cond, g, zero), self.sx)
        gy = unbroadcast(B, B.where(self.cond, zero, g), self.sy)
        return None, gx, gy


# ---- with a Python scalar s ----------------------------------------------------------------


class AddScalar(Function):
    """z = x + s;  ∂z/∂x = 1"""

    def forward(self, x, s):
        return self.B.add_scalar(x, s)

    def backward(self, g):
        return g


class MulScalar(Function):
    """z = s·x;  ∂z/∂x = s"""

    __slots__ = ("s",)

    def forward(self, x, s):
        self.s = s
        return self.B.mul_scalar(x, s)

    def backward(self, g):
        return self.B.mul_scalar(g, self.s)


class RSubScalar(Function):
    """z = s − x;  ∂z/∂x = −1"""

    def forward(self, x, s):
        return self.B.rsub_scalar(x, s)

    def backward(self, g):
        return self.B.neg(g)


class DivScalar(Function):
    """z = x / s;  ∂z/∂x = 1/s"""

    __slots__ = ("s",)

    def forward(self, x, s):
        self.s = s
        return self.B.div_scalar(x, s)

    def backward(self, g):
        return self.B.div_scalar(g, self.s)


class RDivScalar(Function):
    """z = s / x;  ∂z/∂x = −s/x² = −z/x"""

    def forward(self, x, s):
        z = self.B.rdiv_scalar(x, s)
        self.save(x, z)
        return z

    def backward(self, g):
        x, z = self.saved
        return self.B.neg(self.B.div(self.B.mul(g, z), x))


class PowScalar(Function):
    """z = xˢ;  ∂z/∂x = s·xˢ⁻¹"""

    __slots__ = ("s",)

    def forward(self, x, s):
        self.s = s
        self.save(x)
        return self.B.pow_scalar(x, s)

    def backward(self, g):
        (x,) = self.saved
        s = self.s
        if s == 2.0:
            return self.B.mul(g, self.B.mul_scalar(x, 2.0))
        return self.B.mul(g, self.B.mul_scalar(self.B.pow_scalar(x, s - 1.0), s))


class RPowScalar(Function):
    """z = sˣ;  ∂z/∂x = sˣ·ln s"""

    __slots__ = ("s",)

    def forward(self, x, s):
        self.s = s
        z = self.B.rpow_scalar(x, s)
        self.save(z)
        return z

    def backward(self, g):
        return self.B.mul_scalar(self.B.mul(g, self.saved[0]), math.log(self.s) if self.s > 0 else math.nan)


class Clamp(Function):
    """z = min(max(x, lo), hi);  ∂z/∂x = [lo ≤ x ≤ hi]"""

    __slots__ = ("lo", "hi")

    def forward(self, x, lo=None, hi=None):
        self.save(x)
        self.lo, self.hi = lo, hi
        B = self.B
        if lo is not None:
            x = B.maximum_scalar(x, lo)
        if hi is not None:
            x = B.minimum_scalar(x, hi)
        return x  # functional.clamp ensures at least one bound

    def backward(self, g):
        (x,) = self.saved
        B = self.B
        zero = B.full([], 0.0, g.dtype)
        if self.lo is not None:
            g = B.where(B.ge_scalar(x, self.lo), g, zero)
        if self.hi is not None:
            g = B.where(B.le_scalar(x, self.hi), g, zero)
        return g


class Cast(Function):
    """z = x converted to another dtype;  ∂z/∂x = 1 (the gradient converted back)"""

    __slots__ = ("src",)

    def forward(self, x, code):
        self.src = x.dtype
        return self.B.astype(x, code)

    def backward(self, g):
        return self.B.astype(g, self.src)


class Clone(Function):
    """z = copy of x (contiguous);  ∂z/∂x = 1"""

    def forward(self, x, contiguous_only=False):
        return self.B.contiguous(x) if contiguous_only else self.B.clone(x)

    def backward(self, g):
        return g
