"""Integer power, exact as torch: int ** int stays an integer (int64 wraps like C), bool ** int is
int64, a negative Python exponent raises, and a negative tensor exponent gives torch's values
(1 for a base of 1, ±1 for -1, else 0). Squaring by the exponent's bits: at most 64 multiplies,
with the tensor ops, so it runs on any device (a core module, beside tensor.py, which calls it). Not differentiable (integer tensors never are)."""
import builtins

from . import dtypes as _dt
from .ops.elementwise import Where
from .tensor import Tensor, int_scalar


def where(cond, x, y):
    """cond ? x : y for the int64 tensors here (same dtype; they broadcast): the op itself, since this
    core module sits below functional's checked `where`"""
    return Where.apply(cond, x, y)


def _operand(x, like):
    if isinstance(x, Tensor):
        return x
    if type(x) is builtins.bool:
        return Tensor(x, dtype=_dt.bool_, device=like.device)
    return Tensor(int_scalar(x, like.dtype, "pow"), dtype=_dt.int64, device=like.device)


def int_pow(base, exponent):
    like = base if isinstance(base, Tensor) else exponent
    if type(exponent) is builtins.int and exponent < 0 and exponent >= -2 ** 63:
        raise RuntimeError(f"pow: integers to negative integer powers are not allowed (exponent {exponent}; "
                           "torch raises too — use a float base)")
    if type(exponent) is builtins.int and exponent >= 2 ** 63:
        raise RuntimeError(f"pow: exponent {exponent} cannot be converted to int64 without overflow (torch raises too)")
    b, e = _operand(base, like), _operand(exponent, like)
    if type(base) is builtins.int and type(exponent) is not builtins.int:  # python int ** tensor: dtype of the tensor
        dt = _dt.int64 if e.dtype is _dt.bool_ else e.dtype
    elif type(exponent) in (builtins.int, builtins.bool):
        dt = _dt.int64 if b.dtype is _dt.bool_ and type(exponent) is builtins.int else b.dtype
    else:
        dt = _dt.result_type(b.dtype, b.ndim == 0, e.dtype, e.ndim == 0)
    if dt is _dt.bool_ and type(exponent) is not builtins.bool:
        raise TypeError("pow: not implemented for bool ** bool (torch raises too)")
    b, e = b.to(_dt.int64), e.to(_dt.int64)
    one = Tensor(1, dtype=_dt.int64, device=like.device)
    zero = Tensor(0, dtype=_dt.int64, device=like.device)
    neg = e < 0
    # torch's negative exponents: 1 ** -n = 1, (-1) ** -n = ±1 by the parity of n, else 0
    neg_val = where(b == 1, one, where(b == -1, where(e % 2 == 0, one, -one), zero))
    rest = where(neg, zero, e)
    out = (b * 0 + one) + rest * 0  # ones of the broadcast shape
    acc = b + rest * 0
    while (rest != 0).numpy().any():  # host check: at most 64 rounds
        out = where(rest % 2 == 1, out * acc, out)
        acc = acc * acc
        rest = rest // 2
    out = where(neg, neg_val + out * 0, out)
    return out.to(dt)
