"""torch.nn.functional.layer_norm and rms_norm: one fused native kernel forward and backward."""
import builtins

from tinygrad_lite import argcheck
from tinygrad_lite import dtypes as _dt
from tinygrad_lite.ops import layer_norm as N


def _shape(normalized_shape, op):
    if isinstance(normalized_shape, builtins.int):
        return [normalized_shape]
    try:
        return [builtins.int(d) for d in normalized_shape]
    except TypeError:
        raise TypeError(f"{op}: normalized_shape must be an int or a sequence of ints, got "
                        f"{argcheck.describe(normalized_shape)}") from None


def _check_input(input, op):
    if not input.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype.name}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """y = (x − E[x]) / √(Var[x] + ε) · weight + bias, the statistics taken over the trailing
    `normalized_shape` dims (biased variance)."""
    _check_input(input, "layer_norm")
    shape = _shape(normalized_shape, "layer_norm")
    params = [t for t in (weight, bias) if t is not None]
    return N.LayerNorm.apply(input, *params, normalized_shape=shape, eps=builtins.float(eps),
                             has_weight=weight is not None, has_bias=bias is not None)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """y = x / √(mean(x²) + ε) · weight over the trailing `normalized_shape` dims;
    eps None: the input dtype's machine epsilon (torch.finfo(x.dtype).eps), as torch."""
    _check_input(input, "rms_norm")
    shape = _shape(normalized_shape, "rms_norm")
    eps = _dt.finfo(input.dtype).eps if eps is None else builtins.float(eps)
    if weight is None:
        return N.RMSNorm.apply(input, normalized_shape=shape, eps=eps)
    return N.RMSNorm.apply(input, weight, normalized_shape=shape, eps=eps)
