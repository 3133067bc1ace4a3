"""The pointwise table's formulas written again, the obvious way, in numpy: the reference the
native kernels are tested against (a second opinion, so written independently of
csrc/math/pointwise.h, in float64 where the dtype is a float). numpy_ref.py turns each entry
into the kernels `name` and `name_backward`.

VALUE[name](x, *params) -> y;  GRAD[name](x, y, g, *params) -> g·∂y/∂x;
BINARY[name](a, b) -> y;  BINARY_GRAD[name](a, b, g) -> (g·∂y/∂a, g·∂y/∂b).
"""
import math

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_SQ2 = math.sqrt(2.0)
_K = math.sqrt(2.0 / math.pi)


def _erfinv(x):
    out = np.empty_like(x, dtype=np.float64)
    for i, v in enumerate(np.asarray(x, np.float64).flat):  # bisection on erf, to double precision
        if np.isnan(v) or abs(v) > 1:
            out.flat[i] = np.nan
        elif abs(v) == 1:
            out.flat[i] = math.copysign(math.inf, v)
        else:
            lo, hi = -6.0, 6.0
            for _ in range(100):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if math.erf(mid) < v else (lo, mid)
            out.flat[i] = 0.5 * (lo + hi)
    return out


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(0, x)


def _cdf(x):
    return 0.5 * _erfc(-x / _SQ2)


def _where(c, a, b):
    return np.where(c, a, b)


def _rint(x):
    return np.rint(x)


VALUE = {
    "neg": lambda x: -x,
    "abs": np.abs,
    "sign": lambda x: np.where(np.isnan(x), 0, np.sign(x)) if x.dtype.kind == "f" else np.sign(x),
    "square": lambda x: x * x,
    "reciprocal": lambda x: 1 / x,
    "add_scalar": lambda x, s: x + s,
    "mul_scalar": lambda x, s: x * s,
    "rsub_scalar": lambda x, s: s - x,
    "div_scalar": lambda x, s: x / s,
    "rdiv_scalar": lambda x, s: s / x,
    "pow_scalar": lambda x, s: x ** s,
    "rpow_scalar": lambda x, s: np.float64(s) ** x,
    "fmod_scalar": lambda x, s: np.fmod(x, s),
    "remainder_scalar": lambda x, s: x - np.floor(x / s) * s,
    "clamp_min": lambda x, lo: np.where(np.isnan(x), x, np.maximum(x, lo)) if x.dtype.kind == "f" else np.maximum(x, lo),
    "clamp_max": lambda x, hi: np.where(np.isnan(x), x, np.minimum(x, hi)) if x.dtype.kind == "f" else np.minimum(x, hi),
    "clamp": lambda x, lo, hi: np.clip(x, lo, hi),
    "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x),
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh,
    "atanh": np.arctanh, "erf": _erf, "erfc": _erfc, "erfinv": _erfinv,
    "floor": np.floor, "ceil": np.ceil, "round": _rint, "trunc": np.trunc, "frac": lambda x: x - np.trunc(x),
    "relu": lambda x: np.where(x < 0, 0, x),
    "leaky_relu": lambda x, a: np.where(x > 0, x, a * x),
    "elu": lambda x, a, s, k: np.where(x > 0, s * x, s * a * np.expm1(k * x)),
    "softplus": lambda x, b, t: np.where(b * x > t, x, _softplus(b * x) / b),
    "sigmoid": _sigmoid,
    "logsigmoid": lambda x: -_softplus(-x),
    "silu": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "gelu": lambda x: x * _cdf(x),
    "gelu_tanh": lambda x: x * _sigmoid(2 * _K * (x + 0.044715 * x ** 3)),  # = ½x(1 + tanh u), no cancellation
    "hardtanh": lambda x, lo, hi: np.clip(x, lo, hi),
    "hardsigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hardswish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "tanhshrink": lambda x: x - np.tanh(x),
    "hardshrink": lambda x, l: np.where(np.abs(x) > l, x, 0),
    "softshrink": lambda x, l: np.where(x > l, x - l, np.where(x < -l, x + l, 0)),
    "threshold": lambda x, t, v: np.where(x > t, x, v),
    "nan_to_num": lambda x, n, p, m: np.nan_to_num(x, nan=n, posinf=p, neginf=m),
    # predicates
    "isnan": np.isnan, "isinf": np.isinf, "isposinf": np.isposinf, "isneginf": np.isneginf,
    "isfinite": np.isfinite, "signbit": np.signbit, "logical_not": np.logical_not,
    "eq_scalar": lambda x, s: x == s, "ne_scalar": lambda x, s: x != s, "lt_scalar": lambda x, s: x < s,
    "le_scalar": lambda x, s: x <= s, "gt_scalar": lambda x, s: x > s, "ge_scalar": lambda x, s: x >= s,
}

# g·∂y/∂x, from x, y = f(x) and g (torch's conventions at kinks and ties)
GRAD = {
    "neg": lambda x, y, g: -g,
    "abs": lambda x, y, g: g * np.where(x > 0, 1, np.where(x < 0, -1, 0)),
    "square": lambda x, y, g: 2 * x * g,
    "reciprocal": lambda x, y, g: -g * y * y,
    "mul_scalar": lambda x, y, g, s: g * s,
    "rsub_scalar": lambda x, y, g, s: -g,
    "div_scalar": lambda x, y, g, s: g / s,
    "rdiv_scalar": lambda x, y, g, s: -g * s / (x * x),
    "pow_scalar": lambda x, y, g, s: g * 0 if s == 0 else g * s * x ** (s - 1),
    "rpow_scalar": lambda x, y, g, s: g * y * math.log(s) if s > 0 else np.where(y == 0, 0, g * y * np.log(s)),
    "clamp_min": lambda x, y, g, lo: g * (x >= lo),
    "clamp_max": lambda x, y, g, hi: g * (x <= hi),
    "clamp": lambda x, y, g, lo, hi: g * ((x >= lo) & (x <= hi)),
    "exp": lambda x, y, g: g * y, "exp2": lambda x, y, g: g * y * math.log(2), "expm1": lambda x, y, g: g * (y + 1),
    "log": lambda x, y, g: g / x, "log2": lambda x, y, g: g / (x * math.log(2)),
    "log10": lambda x, y, g: g / (x * math.log(10)), "log1p": lambda x, y, g: g / (1 + x),
    "sqrt": lambda x, y, g: g / (2 * y), "rsqrt": lambda x, y, g: -0.5 * g * y ** 3,
    "sin": lambda x, y, g: g * np.cos(x), "cos": lambda x, y, g: -g * np.sin(x), "tan": lambda x, y, g: g * (1 + y * y),
    "asin": lambda x, y, g: g / np.sqrt(1 - x * x), "acos": lambda x, y, g: -g / np.sqrt(1 - x * x),
    "atan": lambda x, y, g: g / (1 + x * x), "sinh": lambda x, y, g: g * np.cosh(x),
    "cosh": lambda x, y, g: g * np.sinh(x), "tanh": lambda x, y, g: g * (1 - y * y),
    "asinh": lambda x, y, g: g / np.sqrt(x * x + 1), "acosh": lambda x, y, g: g / np.sqrt(x * x - 1),
    "atanh": lambda x, y, g: g / (1 - x * x),
    "erf": lambda x, y, g: g * 2 / math.sqrt(math.pi) * np.exp(-x * x),
    "erfc": lambda x, y, g: -g * 2 / math.sqrt(math.pi) * np.exp(-x * x),
    "erfinv": lambda x, y, g: g * math.sqrt(math.pi) / 2 * np.exp(y * y),
    "relu": lambda x, y, g: np.where(x <= 0, 0, g),
    "leaky_relu": lambda x, y, g, a: np.where(x > 0, g, g * a),
    "elu": lambda x, y, g, a, s, k: np.where(x > 0, g * s, g * s * a * k * np.exp(k * x)),
    "softplus": lambda x, y, g, b, t: np.where(b * x > t, g, g * _sigmoid(b * x)),
    "sigmoid": lambda x, y, g: g * y * (1 - y),
    "logsigmoid": lambda x, y, g: g * _sigmoid(-x),
    "silu": lambda x, y, g: g * (_sigmoid(x) + x * _sigmoid(x) * (1 - _sigmoid(x))),
    "mish": lambda x, y, g: g * (np.tanh(_softplus(x)) + x * _sigmoid(x) * (1 - np.tanh(_softplus(x)) ** 2)),
    "gelu": lambda x, y, g: g * (_cdf(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)),
    "gelu_tanh": lambda x, y, g: g * (0.5 * (1 + np.tanh(_K * (x + 0.044715 * x ** 3)))
                                      + 0.5 * x * (1 - np.tanh(_K * (x + 0.044715 * x ** 3)) ** 2)
                                      * _K * (1 + 3 * 0.044715 * x * x)),
    "hardtanh": lambda x, y, g, lo, hi: np.where((x <= lo) | (x >= hi), 0, g),
    "hardsigmoid": lambda x, y, g: np.where((x > -3) & (x < 3), g / 6, 0),
    "hardswish": lambda x, y, g: np.where(x <= -3, 0, np.where(x < 3, g * (x / 3 + 0.5), g)),
    "softsign": lambda x, y, g: g / (1 + np.abs(x)) ** 2,
    "tanhshrink": lambda x, y, g: g * np.tanh(x) ** 2,
    "hardshrink": lambda x, y, g, l: np.where(np.abs(x) > l, g, 0),
    "softshrink": lambda x, y, g, l: np.where(np.abs(x) > l, g, 0),
    "threshold": lambda x, y, g, t, v: np.where(x > t, g, 0),
    "nan_to_num": lambda x, y, g, *p: np.where(np.isfinite(x), g, 0),
}


def _floor_divide(a, b):
    if a.dtype.kind in "iub":
        return np.floor_divide(a, b)
    return np.floor(a / b)


def _remainder(a, b):
    if a.dtype.kind in "iub":
        return np.remainder(a, b)
    return a - np.floor(a / b) * b


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power,
    "maximum": np.maximum, "minimum": np.minimum, "atan2": np.arctan2, "fmod": np.fmod, "remainder": _remainder,
    "floor_divide": _floor_divide, "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
    "ge": np.greater_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
}


def _pow_grad(a, b, g):
    ga = np.where(b == 0, 0, g * b * a ** (b - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        gb = np.where((a == 0) & (b >= 0), 0, g * a ** b * np.log(a))
    return ga, gb


def _extreme_grad(a, b, g, a_lost, b_lost):
    tie = a == b
    return np.where(tie, g / 2, np.where(a_lost, 0, g)), np.where(tie, g / 2, np.where(b_lost, 0, g))


BINARY_GRAD = {
    "add": lambda a, b, g: (g, g),
    "sub": lambda a, b, g: (g, -g),
    "mul": lambda a, b, g: (g * b, g * a),
    "div": lambda a, b, g: (g / b, -g * a / (b * b)),
    "pow": _pow_grad,
    "maximum": lambda a, b, g: _extreme_grad(a, b, g, a < b, a > b),
    "minimum": lambda a, b, g: _extreme_grad(a, b, g, a > b, a < b),
    "atan2": lambda a, b, g: (np.where(a * a + b * b == 0, 0, g * b / (a * a + b * b)),
                              np.where(a * a + b * b == 0, 0, -g * a / (a * a + b * b))),
    "fmod": lambda a, b, g: (g, -g * np.trunc(a / b)),
    "remainder": lambda a, b, g: (g, -g * np.floor(a / b)),
}
