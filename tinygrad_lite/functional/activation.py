"""Activation functions with torch's names and signatures (torch.nn.functional keeps most of
them; relu, selu, celu, hardshrink and threshold are also torch.*). Each is a row of the
pointwise table, so forward and derivative are native and fused; the formula is in each
docstring and, with its derivative, in csrc/math/pointwise.h. `inplace=True` writes the result
into the input, as torch."""
import builtins

from ..ops.pointwise import Unary
from ._api import OPS, float_input, tensor_method, unary
from ._api import inplace as _inplace

_RELU = OPS["relu"]


def _activation(input, row, inplace, *params):
    """y = row(x; params) for a row of the pointwise table, written into x when inplace."""
    def f(x):
        return unary(float_input(x), row, *(builtins.float(p) for p in params))

    f.__name__ = row
    return _inplace(input, f) if inplace else f(input)


@tensor_method(inplace=True)
def relu(input, inplace=False):
    """max(x, 0);  ∂/∂x = [x > 0]"""
    if inplace:
        return _inplace(input, relu)
    return Unary.apply(input, _RELU)


def relu_(input):
    return _inplace(input, relu)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)"""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope·x otherwise"""
    return _activation(input, "leaky_relu", inplace, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, α(eˣ − 1) otherwise;  ∂/∂x = 1 or α·eˣ"""
    return _activation(input, "elu", inplace, alpha, 1.0, 1.0)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """λ·elu(x; α) with λ = 1.0507…, α = 1.6732… (self-normalising)"""
    return _activation(input, "elu", inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, α(e^(x/α) − 1))"""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return _activation(input, "elu", inplace, alpha, 1.0, 1.0 / alpha)


def softplus(input, beta=1.0, threshold=20.0):
    """ln(1 + e^(βx))/β, and x itself where βx > threshold;  ∂/∂x = σ(βx)"""
    return unary(float_input(input), "softplus", builtins.float(beta), builtins.float(threshold))


def logsigmoid(input):
    """ln σ(x) = −softplus(−x);  ∂/∂x = σ(−x)"""
    return unary(float_input(input), "logsigmoid")


def silu(input, inplace=False):
    """x·σ(x) (swish);  ∂/∂x = σ(x)(1 + x(1 − σ(x)))"""
    return _activation(input, "silu", inplace)


def mish(input, inplace=False):
    """x·tanh(softplus x)"""
    return _activation(input, "mish", inplace)


def gelu(input, approximate="none"):
    """x·Φ(x), Φ the standard normal CDF; approximate='tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³)))"""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return unary(float_input(input), "gelu_tanh" if approximate == "tanh" else "gelu")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val);  ∂/∂x = [min_val < x < max_val]"""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _activation(input, "hardtanh", inplace, min_val, max_val)


def hardsigmoid(input, inplace=False):
    """clamp(x/6 + ½, 0, 1)"""
    return _activation(input, "hardsigmoid", inplace)


def hardswish(input, inplace=False):
    """x·clamp(x + 3, 0, 6)/6"""
    return _activation(input, "hardswish", inplace)


def softsign(input):
    """x/(1 + |x|)"""
    return unary(float_input(input), "softsign")


def tanhshrink(input):
    """x − tanh x"""
    return unary(float_input(input), "tanhshrink")


@tensor_method
def hardshrink(input, lambd=0.5):
    """x where |x| > λ, else 0"""
    return unary(float_input(input), "hardshrink", builtins.float(lambd))


def softshrink(input, lambd=0.5):
    """x − λ·sgn(x) where |x| > λ, else 0"""
    if lambd < 0:
        raise ValueError(f"softshrink: lambda must be at least 0, got {lambd}")
    return unary(float_input(input), "softshrink", builtins.float(lambd))


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value"""
    return _activation(input, "threshold", inplace, threshold, value)


def glu(input, dim=-1):
    """a·σ(b) where (a, b) are the two halves of x along dim"""
    n = input.shape[dim]
    if n % 2:
        raise RuntimeError(f"glu: halving dimension {dim} of size {n} requires an even size")
    a, b = input.split(n // 2, dim)
    return a * b.sigmoid()


def _inplace_form(fn):
    def f(input, *args, **kwargs):
        return fn(input, *args, inplace=True, **kwargs)

    f.__name__ = fn.__name__ + "_"
    f.__doc__ = f"In place: x ← {fn.__name__}(x, ...)."
    return f


leaky_relu_, elu_, selu_, celu_, hardtanh_, threshold_ = (
    _inplace_form(f) for f in (leaky_relu, elu, selu, celu, hardtanh, threshold))


# torch has these at top level too (torch.relu, torch.selu, ...); the rest live in nn.functional
__all__ = ["relu", "relu_", "selu", "selu_", "celu", "celu_", "hardshrink", "threshold", "threshold_"]
