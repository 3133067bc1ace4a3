"""Activation layers with torch.nn's names, arguments and reprs. Each forward is one
function of nn.functional (the formula is in its docstring)."""
from . import functional as F
from .module import Module


class _Elementwise(Module):
    """A layer y = F.<_fn>(x, **args), `_args` naming the attributes passed as keyword arguments
    (and shown by repr as torch does)."""

    _fn = None
    _args = ()

    def forward(self, input):
        return getattr(F, self._fn)(input, **{a: getattr(self, a) for a in self._args})

    def extra_repr(self):
        return ", ".join(f"{a}={getattr(self, a)!r}" for a in self._args if a != "inplace" or self.inplace)


class ReLU(_Elementwise):
    """max(x, 0) (nn.functional.relu)."""

    _fn, _args = "relu", ('inplace',)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class ReLU6(_Elementwise):
    """min(max(x, 0), 6) (nn.functional.relu6)."""

    _fn, _args = "relu6", ('inplace',)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class LeakyReLU(_Elementwise):
    """x for x > 0, negative_slope·x otherwise (nn.functional.leaky_relu)."""

    _fn, _args = "leaky_relu", ('negative_slope', 'inplace')

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace


class ELU(_Elementwise):
    """x for x > 0, α(eˣ − 1) otherwise (nn.functional.elu)."""

    _fn, _args = "elu", ('alpha', 'inplace')

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace


class SELU(_Elementwise):
    """λ·elu(x; α), λ = 1.0507…, α = 1.6733… (nn.functional.selu)."""

    _fn, _args = "selu", ('inplace',)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class CELU(_Elementwise):
    """max(0, x) + min(0, α(e^(x/α) − 1)) (nn.functional.celu)."""

    _fn, _args = "celu", ('alpha', 'inplace')

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace


class GELU(_Elementwise):
    """x·Φ(x) (approximate='tanh': the tanh form) (nn.functional.gelu)."""

    _fn, _args = "gelu", ('approximate',)

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate


class SiLU(_Elementwise):
    """x·σ(x) (nn.functional.silu)."""

    _fn, _args = "silu", ('inplace',)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class Mish(_Elementwise):
    """x·tanh(softplus x) (nn.functional.mish)."""

    _fn, _args = "mish", ('inplace',)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class Softplus(_Elementwise):
    """ln(1 + e^(βx))/β (nn.functional.softplus)."""

    _fn, _args = "softplus", ('beta', 'threshold')

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold


class LogSigmoid(_Elementwise):
    """ln σ(x) (nn.functional.logsigmoid)."""

    _fn, _args = "logsigmoid", ()


class Sigmoid(_Elementwise):
    """σ(x) = 1/(1 + e⁻ˣ) (nn.functional.sigmoid)."""

    _fn, _args = "sigmoid", ()


class Tanh(_Elementwise):
    """tanh x (nn.functional.tanh)."""

    _fn, _args = "tanh", ()


class Hardtanh(_Elementwise):
    """clamp(x, min_val, max_val) (nn.functional.hardtanh)."""

    _fn, _args = "hardtanh", ('min_val', 'max_val', 'inplace')

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace


class Hardsigmoid(_Elementwise):
    """clamp(x/6 + ½, 0, 1) (nn.functional.hardsigmoid)."""

    _fn, _args = "hardsigmoid", ('inplace',)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class Hardswish(_Elementwise):
    """x·clamp(x + 3, 0, 6)/6 (nn.functional.hardswish)."""

    _fn, _args = "hardswish", ('inplace',)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class Softsign(_Elementwise):
    """x/(1 + |x|) (nn.functional.softsign)."""

    _fn, _args = "softsign", ()


class Tanhshrink(_Elementwise):
    """x − tanh x (nn.functional.tanhshrink)."""

    _fn, _args = "tanhshrink", ()


class Hardshrink(_Elementwise):
    """x where |x| > λ, else 0 (nn.functional.hardshrink)."""

    _fn, _args = "hardshrink", ('lambd',)

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(_Elementwise):
    """x − λ·sgn x where |x| > λ, else 0 (nn.functional.softshrink)."""

    _fn, _args = "softshrink", ('lambd',)

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return f"{self.lambd}"


class Threshold(_Elementwise):
    """x where x > threshold, else value (nn.functional.threshold)."""

    _fn, _args = "threshold", ('threshold', 'value', 'inplace')

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace


class GLU(_Elementwise):
    """a·σ(b), (a, b) the halves of x along dim (nn.functional.glu)."""

    _fn, _args = "glu", ('dim',)

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim


class Softmax(_Elementwise):
    """exp(xᵢ)/Σⱼ exp(xⱼ) along dim (nn.functional.softmax)."""

    _fn, _args = "softmax", ('dim',)

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim


class LogSoftmax(_Elementwise):
    """log softmax along dim (computed stably) (nn.functional.log_softmax)."""

    _fn, _args = "log_softmax", ('dim',)

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim


class Softmin(_Elementwise):
    """softmax(−x) along dim (nn.functional.softmin)."""

    _fn, _args = "softmin", ('dim',)

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim


class PReLU(Module):
    """x for x ≥ 0, a·x else, with a learnt slope a (one, or one per channel), initialised to `init`."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        import tinygrad_lite as _tl

        from .parameter import Parameter

        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_tl.full((num_parameters,), float(init), dtype=dtype, device=device))

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: slope ~ U(lower, upper) per element in training, (lower + upper)/2 in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}"
