"""Elementwise math with torch's names: arithmetic, exponentials, trigonometry, rounding,
comparisons, predicates, clamping, where. Each function is defined once here; a Tensor
method too (`@tensor_method`) where torch has one, with its in-place form `x.name_()` where
torch has that. The kernels are rows of csrc/ops/pointwise.def (formulas and derivatives in
csrc/math/pointwise.h); the derivative is the row's, so no Function is written here.
"""
import builtins

from .. import argcheck
from .. import dtypes as _dt
from ..ops import elementwise as E
from ..ops.pointwise import Unary
from ..tensor import _check_sub, int_scalar
from ._api import (
    OPS,
    Tensor,
    _as_tensor,
    _promote,
    binary,
    float_input,
    tensor_method,
    unary,
)


def _scalar(v):
    return isinstance(v, (builtins.int, builtins.float, builtins.bool))


# ---- arithmetic ------------------------------------------------------------------------------
@tensor_method(names=("neg", "negative"), inplace=True)
def neg(input):
    """−x"""
    return unary(input, "neg")


negative = neg


@tensor_method(names=("abs", "absolute"), inplace=True)
def abs(input):
    """|x|;  ∂/∂x = sgn x"""
    return unary(input, "abs")


absolute = abs


@tensor_method(inplace=True)
def sign(input):
    """sgn x ∈ {−1, 0, 1};  ∂/∂x = 0"""
    if input.dtype is _dt.bool_:
        return input.clone()
    return unary(input, "sign")


@tensor_method(inplace=True)
def square(input):
    """x²;  ∂/∂x = 2x"""
    return unary(input.to(_dt.int64) if input.dtype is _dt.bool_ else input, "square")


@tensor_method(inplace=True)
def reciprocal(input):
    """1/x;  ∂/∂x = −1/x²"""
    return unary(float_input(input), "reciprocal")


@tensor_method
def add(input, other, *, alpha=1, out=None):
    """x + α·y"""
    other = argcheck.operand("add", "other", other)
    if type(other) is builtins.int:  # before other·alpha turns it into a float: torch's int range
        int_scalar(other, input.dtype, "add")
    _check_alpha(input, other, alpha, "add")
    if alpha != 1:
        other = other * alpha
    return _out(input + other, out)


def _check_alpha(input, other, alpha, op):
    if isinstance(alpha, builtins.float) and not builtins.any(
            (v.dtype.is_floating_point if isinstance(v, Tensor) else isinstance(v, builtins.float)) for v in (input, other)):
        raise RuntimeError(f"{op}: for integral input tensors, argument alpha must not be a floating point number "
                           f"(got {alpha}; torch raises too)")


@tensor_method(names=("sub", "subtract"))
def sub(input, other, *, alpha=1, out=None):
    """x − α·y"""
    other = argcheck.operand("sub", "other", other)
    _check_alpha(input, other, alpha, "sub")
    if isinstance(input, Tensor):
        _check_sub(input, other)
    if alpha != 1:
        other = other * alpha
    return _out(input - other if isinstance(input, Tensor) else _as_tensor(input, other) - other, out)


subtract = sub


@tensor_method(names=("mul", "multiply"))
def mul(input, other, *, out=None):
    """x·y;  ∂/∂x = y, ∂/∂y = x"""
    other = argcheck.operand("mul", "other", other)
    return _out(input * other if isinstance(input, Tensor) else other * input, out)


multiply = mul


@tensor_method(names=("div", "divide", "true_divide"), inplace=True)
def div(input, other, *, rounding_mode=None, out=None):
    """x / y; rounding_mode 'trunc' rounds toward zero, 'floor' down (torch.div)"""
    other = argcheck.operand("div", "other", other)
    if rounding_mode is None:
        q = input / other if isinstance(input, Tensor) else float_input(_as_tensor(other, other)).__rtruediv__(input)
    elif rounding_mode == "floor":
        q = floor_divide(input, other)
    elif rounding_mode == "trunc":
        a = input if isinstance(input, Tensor) else _as_tensor(input, other)
        if a.dtype.is_floating_point or (isinstance(other, Tensor) and other.dtype.is_floating_point) or \
                isinstance(other, builtins.float):
            q = trunc(a / other)
        else:  # integers: trunc(a/b) = floor(a/b) + 1 where the remainder is nonzero and signs differ
            f = floor_divide(a, other)
            q = f + ((remainder(a, other) != 0) & ((a < 0) != (_as_tensor(other, a) < 0))).to(f.dtype)
    else:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}")
    return _out(q, out)


divide = true_divide = div


@tensor_method(inplace=True)
def floor_divide(input, other):
    """⌊x / y⌋ (not differentiable)"""
    return binary(input, other, "floor_divide")


@tensor_method(inplace=True)
def pow(input, exponent):
    """xʸ;  ∂/∂x = y·xʸ⁻¹, ∂/∂y = xʸ·ln x"""
    exponent = argcheck.operand("pow", "exponent", exponent)
    if isinstance(input, Tensor):
        return input ** exponent
    return _as_tensor(exponent, exponent).__rpow__(input)


@tensor_method(names=("fmod",), inplace=True)
def fmod(input, other):
    """x − trunc(x/y)·y (the sign of x)"""
    if _scalar(other) and input.dtype.is_floating_point:
        return unary(input, "fmod_scalar", builtins.float(other))
    return binary(input, other, "fmod")


@tensor_method(inplace=True)
def remainder(input, other):
    """x − ⌊x/y⌋·y (the sign of y, Python's %)"""
    if isinstance(input, Tensor):
        return input % other
    return binary(input, other, "remainder")


def _need_tensors(input, other, op):
    """torch.maximum/minimum take two tensors; a number raises there too (clamp takes numbers)."""
    for name, v in (("input", input), ("other", other)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(v).__name__} (use clamp for a number)")


@tensor_method
def maximum(input, other):
    """max(x, y) elementwise, NaN propagates; a tie splits the gradient"""
    _need_tensors(input, other, "maximum")
    return binary(input, other, "maximum")


@tensor_method
def minimum(input, other):
    """min(x, y) elementwise, NaN propagates"""
    _need_tensors(input, other, "minimum")
    return binary(input, other, "minimum")


@tensor_method(names=("atan2", "arctan2"), inplace=True)
def atan2(input, other):
    """atan2(x, y): the angle of the point (y, x);  ∂/∂x = y/(x²+y²), ∂/∂y = −x/(x²+y²)"""
    return binary(float_input(input), float_input(other) if isinstance(other, Tensor) else other, "atan2")


arctan2 = atan2


# ---- exponentials, logarithms, powers ----------------------------------------------------------
def _float_unary(name, doc, aliases=()):
    """A torch function y = f(x) on floats (int input converts to the default float dtype)."""
    op = OPS[name]

    def f(input, *, out=None):
        try:  # the kernel itself rejects an integer input: no dtype lookup on the hot path
            r = Unary.apply(input, op)
        except TypeError:
            if (input._dtype or input.dtype).is_floating_point:
                raise
            r = Unary.apply(float_input(input), op)
        return r if out is None else _out(r, out)

    f.__name__, f.__qualname__, f.__doc__ = name, name, doc
    return tensor_method(f, names=(name, *aliases), inplace=True)


exp = _float_unary("exp", "eˣ;  ∂/∂x = eˣ")
exp2 = _float_unary("exp2", "2ˣ;  ∂/∂x = 2ˣ·ln 2")
expm1 = _float_unary("expm1", "eˣ − 1, exact near 0;  ∂/∂x = eˣ")
log = _float_unary("log", "ln x;  ∂/∂x = 1/x")
log2 = _float_unary("log2", "log₂ x;  ∂/∂x = 1/(x ln 2)")
log10 = _float_unary("log10", "log₁₀ x;  ∂/∂x = 1/(x ln 10)")
log1p = _float_unary("log1p", "ln(1 + x), exact near 0;  ∂/∂x = 1/(1 + x)")
sqrt = _float_unary("sqrt", "√x;  ∂/∂x = 1/(2√x)")
rsqrt = _float_unary("rsqrt", "1/√x;  ∂/∂x = −½x^(−3/2)")
sin = _float_unary("sin", "sin x;  ∂/∂x = cos x")
cos = _float_unary("cos", "cos x;  ∂/∂x = −sin x")
tan = _float_unary("tan", "tan x;  ∂/∂x = 1 + tan²x")
asin = arcsin = _float_unary("asin", "arcsin x;  ∂/∂x = 1/√(1 − x²)", ("arcsin",))
acos = arccos = _float_unary("acos", "arccos x;  ∂/∂x = −1/√(1 − x²)", ("arccos",))
atan = arctan = _float_unary("atan", "arctan x;  ∂/∂x = 1/(1 + x²)", ("arctan",))
sinh = _float_unary("sinh", "sinh x;  ∂/∂x = cosh x")
cosh = _float_unary("cosh", "cosh x;  ∂/∂x = sinh x")
tanh = _float_unary("tanh", "tanh x;  ∂/∂x = 1 − tanh²x")
asinh = arcsinh = _float_unary("asinh", "arsinh x;  ∂/∂x = 1/√(x² + 1)", ("arcsinh",))
acosh = arccosh = _float_unary("acosh", "arcosh x;  ∂/∂x = 1/√(x² − 1)", ("arccosh",))
atanh = arctanh = _float_unary("atanh", "artanh x;  ∂/∂x = 1/(1 − x²)", ("arctanh",))
erf = _float_unary("erf", "erf x = 2/√π ∫₀ˣ e^(−t²) dt;  ∂/∂x = 2/√π · e^(−x²)")
erfc = _float_unary("erfc", "1 − erf x;  ∂/∂x = −2/√π · e^(−x²)")
erfinv = _float_unary("erfinv", "erf⁻¹ x;  ∂/∂x = √π/2 · e^(y²)")
sigmoid = _float_unary("sigmoid", "σ(x) = 1/(1 + e⁻ˣ);  ∂/∂x = σ(x)(1 − σ(x))")
frac = _float_unary("frac", "x − trunc x;  ∂/∂x = 1")


# ---- rounding (not differentiable: the gradient is 0) ----------------------------------------
def _rounding(name, doc, aliases=()):
    def f(input, *, out=None):
        return _out(unary(input, name) if input.dtype.is_floating_point else input.clone(), out)

    f.__name__, f.__qualname__, f.__doc__ = name, name, doc
    return tensor_method(f, names=(name, *aliases), inplace=True)


floor = _rounding("floor", "⌊x⌋")
ceil = _rounding("ceil", "⌈x⌉")
trunc = fix = _rounding("trunc", "x rounded toward zero", ("fix",))
_round_half_even = _rounding("round", "x rounded half to even")


@tensor_method(inplace=True)
def round(input, *, decimals=0):
    """x rounded half to even (to `decimals` decimal places: round(x·10ᵈ)/10ᵈ, as torch)"""
    if decimals == 0:
        return _round_half_even(input)
    scale = 10.0 ** decimals
    return _round_half_even(input * scale) / scale


# ---- clamping ----------------------------------------------------------------------------------
@tensor_method(names=("clamp", "clip"), inplace=True)
def clamp(input, min=None, max=None, *, out=None):
    if out is not None:
        return _out(clamp(input, min, max), out)
    """min(max(x, lo), hi); lo/hi numbers or tensors;  ∂/∂x = [lo ≤ x ≤ hi]"""
    for v in (min, max):
        if type(v) is builtins.int and not -2 ** 63 <= v < 2 ** 64:
            raise OverflowError(f"clamp: bound {v} is too big to convert (torch takes ints in [-2**63, 2**64))")
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if builtins.any(_dt.needs_exact_int(v, input.dtype) for v in (min, max)):  # not through a double
        min, max = (None if v is None else _as_tensor(v, input) for v in (min, max))
    if isinstance(min, Tensor) or isinstance(max, Tensor):  # tensor bounds: as maximum/minimum
        y = input
        if min is not None:
            y = where(y < min, _as_tensor(min, y).to(y.dtype) if isinstance(min, Tensor) else min, y)
        if max is not None:
            y = where(y > max, _as_tensor(max, y).to(y.dtype) if isinstance(max, Tensor) else max, y)
        return y
    x = input
    if not x.dtype.is_floating_point and builtins.any(isinstance(v, builtins.float) for v in (min, max)):
        x = x.to(_dt.get_default_dtype())  # an int tensor clamped to float bounds becomes float (torch)
    if max is None:
        return unary(x, "clamp_min", builtins.float(min))
    if min is None:
        return unary(x, "clamp_max", builtins.float(max))
    return unary(x, "clamp", builtins.float(min), builtins.float(max))


clip = clamp


@tensor_method(inplace=True)
def clamp_min(input, min):
    """max(x, lo)"""
    return clamp(input, min=min)


@tensor_method(inplace=True)
def clamp_max(input, max):
    """min(x, hi)"""
    return clamp(input, max=max)


@tensor_method(inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN → nan, +inf → posinf (default: the dtype's max), −inf → neginf (its lowest)"""
    if not input.dtype.is_floating_point:
        return input.clone()
    big = _dt.finfo(input.dtype).max
    return unary(input, "nan_to_num", builtins.float(nan), big if posinf is None else builtins.float(posinf),
                 -big if neginf is None else builtins.float(neginf))


# ---- predicates and comparisons (→ bool, not differentiable) --------------------------------
def _predicate(name, doc):
    def f(input):
        if input.dtype is _dt.bool_:
            input = input.to(_dt.int64)
        return Tensor._wrap(getattr(input.device.backend, name)(input._data), input.device)

    f.__name__, f.__qualname__, f.__doc__ = name, name, doc
    return tensor_method(f)


isnan = _predicate("isnan", "x is NaN")
isinf = _predicate("isinf", "x is ±inf")
isposinf = _predicate("isposinf", "x is +inf")
isneginf = _predicate("isneginf", "x is −inf")
isfinite = _predicate("isfinite", "x is neither NaN nor ±inf")
signbit = _predicate("signbit", "the sign bit of x is set (−0.0 included)")


def _comparison(name, dunder, doc, aliases=()):
    def f(input, other, *, out=None):
        r = getattr(input, dunder)(other) if isinstance(input, Tensor) else getattr(other, _REFLECT[dunder])(input)
        return _out(r, out)

    f.__name__, f.__qualname__, f.__doc__ = name, name, doc
    return tensor_method(f, names=(name, *aliases))


_REFLECT = {"__eq__": "__eq__", "__ne__": "__ne__", "__lt__": "__gt__", "__le__": "__ge__", "__gt__": "__lt__",
            "__ge__": "__le__"}
eq = _comparison("eq", "__eq__", "x == y")
ne = not_equal = _comparison("ne", "__ne__", "x != y", ("not_equal",))
lt = less = _comparison("lt", "__lt__", "x < y", ("less",))
le = less_equal = _comparison("le", "__le__", "x ≤ y", ("less_equal",))
gt = greater = _comparison("gt", "__gt__", "x > y", ("greater",))
ge = greater_equal = _comparison("ge", "__ge__", "x ≥ y", ("greater_equal",))


def _logical(name, doc):
    def f(input, other):
        a, b = _promote(input, _as_tensor(other, input))
        return Tensor._wrap(getattr(a.device.backend, name)(a._data, b._data), a.device)

    f.__name__, f.__qualname__, f.__doc__ = name, name, doc
    return tensor_method(f)


logical_and = _logical("logical_and", "(x ≠ 0) ∧ (y ≠ 0)")
logical_or = _logical("logical_or", "(x ≠ 0) ∨ (y ≠ 0)")
logical_xor = _logical("logical_xor", "(x ≠ 0) ⊕ (y ≠ 0)")


@tensor_method
def logical_not(input):
    """x == 0"""
    return Tensor._wrap(input.device.backend.logical_not(input._data), input.device)


@tensor_method
def bitwise_and(input, other):
    """x & y (integers and bools)"""
    return input & other


@tensor_method
def bitwise_or(input, other):
    """x | y"""
    return input | other


@tensor_method
def bitwise_xor(input, other):
    """x ^ y"""
    return input ^ other


@tensor_method
def bitwise_not(input):
    """~x"""
    return ~input


# ---- selection ---------------------------------------------------------------------------------
def where(condition, input=None, other=None):
    """condition ? x : y, all three broadcast;  ∂/∂x = [condition], ∂/∂y = [¬condition].
    where(condition) alone is condition.nonzero(as_tuple=True)."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    like = condition if isinstance(condition, Tensor) else None
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor(input, device=like.device if like is not None else None)
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    ref = a if a is not None else b
    if a is None:
        a = Tensor(input, dtype=_dt.result_type_of_scalar(ref.dtype, input) if _scalar(input) else None, device=ref.device)
    if b is None:
        b = Tensor(other, dtype=_dt.result_type_of_scalar(ref.dtype, other) if _scalar(other) else None, device=ref.device)
    if a.dtype is not b.dtype:
        a, b = _promote(a, b)
    if not isinstance(condition, Tensor) or condition.dtype is not _dt.bool_:
        got = condition.dtype.name if isinstance(condition, Tensor) else type(condition).__name__
        raise TypeError(f"where: expected a bool condition, got {got} (compare it, e.g. cond != 0)")
    return E.Where.apply(condition, a, b)


@tensor_method(names=("where",))
def _tensor_where(self, condition, y):
    """x.where(condition, y) = where(condition, x, y)"""
    return where(condition, self, y)


@tensor_method(inplace=True)
def masked_fill(input, mask, value):
    """x with the positions where mask is True set to value (mask and x broadcast together)"""
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool_:
        raise TypeError("masked_fill: expected a bool mask tensor")
    if tuple(mask.shape) != tuple(input.shape):
        try:
            shape = _broadcast(tuple(mask.shape), tuple(input.shape))
        except ValueError:
            shape = None
        if shape is None:  # torch: out of place, the input broadcasts to the mask too (masked_fill_ can't grow)
            raise RuntimeError(f"masked_fill: mask of shape {tuple(mask.shape)} and input of shape "
                               f"{tuple(input.shape)} do not broadcast")
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError("masked_fill only supports a 0-dimensional value tensor")
        v = value.to(input.dtype).reshape(())
    else:
        if isinstance(value, builtins.complex):
            raise TypeError("masked_fill: a complex value is not supported (there is no complex dtype)")
        if isinstance(value, (builtins.int, builtins.float)):
            _dt.check_scalar(value, input.dtype, "masked_fill")
        v = Tensor(value, dtype=input.dtype, device=input.device)
    return E.Where.apply(mask, v, input)


def _broadcast(a, b):
    n = builtins.max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ValueError("shapes do not broadcast")
        out.append(builtins.max(x, y) if 0 not in (x, y) else 0)
    return tuple(out)


def _out(result, out):
    """torch's out= argument: the result written into out (which takes the result's shape when
    it differs, as torch resizes it)."""
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        out._data = result.to(out.dtype)._data
        return out
    out._device.backend.copy_(out._data, result.to(out.dtype)._data)
    return out


# ---- compositions --------------------------------------------------------------------------
@tensor_method(inplace=True)
def lerp(input, end, weight):
    """x + w·(end − x) (for a number w ≥ ½: end − (end − x)·(1 − w), torch's arithmetic)"""
    argcheck.tensor("lerp", "end", end)  # torch takes a number only as the weight
    if isinstance(weight, (builtins.int, builtins.float)) and weight >= 0.5:
        return end - (end - input) * (1 - weight)
    return input + (end - input) * weight


@tensor_method(inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    """x + value·t1·t2 (in torch's order: (value·t1)·t2)"""
    return input + (tensor1 * value) * tensor2 if value != 1 else input + tensor1 * tensor2


@tensor_method(inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    """x + value·t1/t2 (in torch's order: (value·t1)/t2)"""
    return input + (tensor1 * value) / tensor2 if value != 1 else input + tensor1 / tensor2


@tensor_method
def logaddexp(input, other):
    """log(eˣ + eʸ) = max + log1p(e^(−|x − y|)), stable"""
    m = maximum(input, other)
    return m + (-(input - other).abs()).exp().log1p()


@tensor_method
def logaddexp2(input, other):
    """log₂(2ˣ + 2ʸ)"""
    m = maximum(input, other)
    return m + (-(input - other).abs()).exp2().log1p() / 0.6931471805599453


@tensor_method(inplace=True)
def hypot(input, other):
    """√(x² + y²)"""
    return (input * input + other * other).sqrt()


@tensor_method(inplace=True)
def xlogy(input, other):
    """x·log y, and 0 where x = 0 (NaN in y stays NaN)"""
    x = float_input(input) if isinstance(input, Tensor) else input
    y = other if isinstance(other, Tensor) else _as_tensor(other, x)
    r = x * float_input(y).log()
    return where((x == 0) & ~y.isnan(), 0.0, r) if isinstance(x, Tensor) else r


@tensor_method(inplace=True)
def deg2rad(input):
    return float_input(input) * 0.017453292519943295


@tensor_method(inplace=True)
def rad2deg(input):
    return float_input(input) * 57.29577951308232


@tensor_method(inplace=True)
def float_power(input, exponent):
    """xʸ in float64"""
    x = input.to(_dt.float64) if isinstance(input, Tensor) else input
    e = exponent.to(_dt.float64) if isinstance(exponent, Tensor) else builtins.float(exponent)
    return pow(x, e) if isinstance(x, Tensor) else pow(_as_tensor(x, e).to(_dt.float64), e)


@tensor_method(inplace=True)
def copysign(input, other):
    """|x| with the sign of y (the sign bit: −0.0 counts as negative)"""
    y = other if isinstance(other, Tensor) else _as_tensor(builtins.float(other), input)
    x = float_input(input)
    return where(y.signbit(), -x.abs(), x.abs())


@tensor_method(inplace=True)
def sinc(input):
    """sin(πx)/(πx), 1 at 0"""
    x = float_input(input) * 3.141592653589793
    safe = where(x == 0, 1.0, x)
    return where(x == 0, 1.0, safe.sin() / safe)


@tensor_method
def positive(input):
    return input


@tensor_method(inplace=True)
def logit(input, eps=None):
    """log(p/(1 − p)), p clamped to [eps, 1 − eps] when eps is given"""
    p = float_input(input)
    if eps is not None:
        p = p.clamp(eps, 1 - eps)
    return (p / (1 - p)).log()


@tensor_method(inplace=True)
def heaviside(input, values):
    """0 for x < 0, values where x = 0, 1 for x > 0"""
    one = Tensor(1, dtype=input.dtype, device=input.device)
    zero = Tensor(0, dtype=input.dtype, device=input.device)
    return where(input == 0, values, where(input > 0, one, zero))


@tensor_method
def sgn(input):
    return sign(input)


__all__ = ["neg", "negative", "abs", "absolute", "sign", "square", "reciprocal", "add", "sub", "subtract",
    "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "pow", "fmod", "remainder", "maximum",
    "minimum", "atan2", "arctan2", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "tanh",
    "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "erf", "erfc", "erfinv", "sigmoid", "frac",
    "floor", "ceil", "trunc", "fix", "round", "clamp", "clip", "clamp_min", "clamp_max", "nan_to_num",
    "isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit", "eq", "ne", "not_equal", "lt", "less",
    "le", "less_equal", "gt", "greater", "ge", "greater_equal", "logical_and", "logical_or", "logical_xor",
    "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "where", "masked_fill", "lerp",
    "addcmul", "addcdiv", "logaddexp", "logaddexp2", "hypot", "xlogy", "deg2rad", "rad2deg", "float_power",
    "copysign", "sinc", "positive", "logit", "heaviside", "sgn"]
