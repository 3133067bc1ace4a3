"""The derivatives of the pointwise table as differentiable Tensor expressions, for the
create_graph=True pass (second-order gradients; autograd/engine.py `backward_graph`).

The first-order pass uses each row's native derivative kernel (csrc/math/pointwise.h); the
same derivative is written here once more with Tensor ops, so that the gradient itself is
recorded and can be differentiated again. tests/test_autograd_higher_order.py checks every
formula here against the row's native kernel, so the two cannot drift apart.

UNARY[name](x, y, p) -> y' = ∂y/∂x as a Tensor (x: the input Tensor, y(): the output
recomputed on demand, p: the row's scalar parameters); the gradient is g·y'.
BINARY[name](a, b, g) -> (∂L/∂a, ∂L/∂b) before un-broadcasting.
Rows marked ONE (y' = 1) and NOGRAD (y' = 0) need no entry.
"""
import math

_SQRT_2_PI = math.sqrt(2.0 / math.pi)


def _mask(cond, like):
    """A 0/1 Tensor of like's dtype (not differentiable: a step function's derivative is 0)."""
    return cond.to(like.dtype)


def _gelu(x, y, p):
    cdf = ((x * (1.0 / math.sqrt(2.0))).erf() + 1.0) * 0.5
    pdf = (x * x * -0.5).exp() * (1.0 / math.sqrt(2.0 * math.pi))
    return cdf + x * pdf


def _gelu_tanh(x, y, p):
    u = (x + x * x * x * 0.044715) * _SQRT_2_PI
    t = u.tanh()
    return (t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * _SQRT_2_PI * (x * x * (3 * 0.044715) + 1.0)


def _mish(x, y, p):
    sp = x.exp().log1p()
    t = sp.tanh()
    return t + x * (1.0 - t * t) * x.sigmoid()


def _silu(x, y, p):
    s = x.sigmoid()
    return s * (x * (1.0 - s) + 1.0)


def _elu(x, y, p):
    alpha, scale, input_scale = p
    return _mask(x > 0, x) * scale + _mask(x <= 0, x) * ((x * input_scale).exp() * (scale * alpha * input_scale))


def _softplus(x, y, p):
    beta, threshold = p
    above = _mask(x * beta > threshold, x)
    return above + (1.0 - above) * (x * beta).sigmoid()


UNARY = {
    "abs": lambda x, y, p: x.sign(),
    "square": lambda x, y, p: x * 2.0,
    "reciprocal": lambda x, y, p: -(x * x).reciprocal(),
    "rdiv_scalar": lambda x, y, p: (x * x).reciprocal() * -p[0],
    "pow_scalar": lambda x, y, p: x * 0.0 if p[0] == 0 else x ** (p[0] - 1.0) * p[0],
    "rpow_scalar": lambda x, y, p: y() * math.log(p[0]),
    "clamp_min": lambda x, y, p: _mask(x >= p[0], x),
    "clamp_max": lambda x, y, p: _mask(x <= p[0], x),
    "clamp": lambda x, y, p: _mask((x >= p[0]) & (x <= p[1]), x),
    "exp": lambda x, y, p: y(),
    "exp2": lambda x, y, p: y() * math.log(2.0),
    "expm1": lambda x, y, p: x.exp(),
    "log": lambda x, y, p: x.reciprocal(),
    "log2": lambda x, y, p: (x * math.log(2.0)).reciprocal(),
    "log10": lambda x, y, p: (x * math.log(10.0)).reciprocal(),
    "log1p": lambda x, y, p: (x + 1.0).reciprocal(),
    "sqrt": lambda x, y, p: y().reciprocal() * 0.5,
    "rsqrt": lambda x, y, p: y() ** 3 * -0.5,
    "sin": lambda x, y, p: x.cos(),
    "cos": lambda x, y, p: -x.sin(),
    "tan": lambda x, y, p: y() * y() + 1.0,
    "asin": lambda x, y, p: (1.0 - x * x).rsqrt(),
    "acos": lambda x, y, p: -(1.0 - x * x).rsqrt(),
    "atan": lambda x, y, p: (x * x + 1.0).reciprocal(),
    "sinh": lambda x, y, p: x.cosh(),
    "cosh": lambda x, y, p: x.sinh(),
    "tanh": lambda x, y, p: 1.0 - y() * y(),
    "asinh": lambda x, y, p: (x * x + 1.0).rsqrt(),
    "acosh": lambda x, y, p: (x * x - 1.0).rsqrt(),
    "atanh": lambda x, y, p: (1.0 - x * x).reciprocal(),
    "erf": lambda x, y, p: (-(x * x)).exp() * (2.0 / math.sqrt(math.pi)),
    "erfc": lambda x, y, p: (-(x * x)).exp() * (-2.0 / math.sqrt(math.pi)),
    "erfinv": lambda x, y, p: (y() * y()).exp() * (math.sqrt(math.pi) / 2.0),
    "relu": lambda x, y, p: _mask(x > 0, x),
    "leaky_relu": lambda x, y, p: _mask(x > 0, x) + _mask(x <= 0, x) * p[0],
    "elu": _elu,
    "softplus": _softplus,
    "sigmoid": lambda x, y, p: y() * (1.0 - y()),
    "logsigmoid": lambda x, y, p: (-x).sigmoid(),
    "silu": _silu,
    "mish": _mish,
    "gelu": _gelu,
    "gelu_tanh": _gelu_tanh,
    "hardtanh": lambda x, y, p: _mask((x > p[0]) & (x < p[1]), x),
    "hardsigmoid": lambda x, y, p: _mask((x > -3.0) & (x < 3.0), x) * (1.0 / 6.0),
    "hardswish": lambda x, y, p: _mask((x > -3.0) & (x < 3.0), x) * (x * (1.0 / 3.0) + 0.5) + _mask(x >= 3.0, x),
    "softsign": lambda x, y, p: (x.abs() + 1.0).reciprocal() ** 2,
    "tanhshrink": lambda x, y, p: x.tanh() ** 2,
    "hardshrink": lambda x, y, p: _mask((x < -p[0]) | (x > p[0]), x),
    "softshrink": lambda x, y, p: _mask((x < -p[0]) | (x > p[0]), x),
    "threshold": lambda x, y, p: _mask(x > p[0], x),
    "nan_to_num": lambda x, y, p: _mask(x.isfinite(), x),
}

# rows whose derivative does not depend on x: the gradient is g times a number
LINEAR = {"neg": lambda p: -1.0, "mul_scalar": lambda p: p[0], "rsub_scalar": lambda p: -1.0,
          "div_scalar": lambda p: 1.0 / p[0]}


def _pow(a, b, g):
    ga = g * b * a ** (b - 1.0) * _mask(b != 0, a)
    gb = g * a ** b * a.log().where(~((a == 0) & (b >= 0)), a * 0.0)
    return ga, gb


def _maximum(a, b, g, sign=1.0):
    tie = _mask(a == b, a)
    win_a = _mask(a > b, a) if sign > 0 else _mask(a < b, a)
    win_b = _mask(a < b, a) if sign > 0 else _mask(a > b, a)
    nan = _mask(~((a < b) | (a > b) | (a == b)), a)  # a NaN: no comparison holds, both get g
    return g * (win_a + tie * 0.5 + nan), g * (win_b + tie * 0.5 + nan)


def _atan2(a, b, g):
    d = a * a + b * b
    r = g / d.where(d != 0, d + 1.0) * _mask(d != 0, d)
    return b * r, -a * r


BINARY = {
    "add": lambda a, b, g: (g, g),
    "sub": lambda a, b, g: (g, -g),
    "mul": lambda a, b, g: (g * b, g * a),
    "div": lambda a, b, g: (g / b, -g * a / (b * b)),
    "pow": _pow,
    "maximum": _maximum,
    "minimum": lambda a, b, g: _maximum(a, b, g, -1.0),
    "atan2": _atan2,
    "fmod": lambda a, b, g: (g, -g * (a / b).trunc()),
    "remainder": lambda a, b, g: (g, -g * (a / b).floor()),
}
