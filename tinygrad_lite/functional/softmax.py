"""softmax and log_softmax along a dimension: fused native kernels, stable (max-subtracted)."""
from ..ops import nn as N
from ._api import tensor_method


def _need_float(x, op):
    if not x.dtype.is_floating_point:  # torch: "softmax_kernel_impl" not implemented for 'Long'
        raise TypeError(f"{op}: needs a floating point tensor, got {x.dtype.name} (pass dtype=float32, as torch)")


@tensor_method
def softmax(input, dim, dtype=None):
    """yᵢ = e^(xᵢ − m)/Σⱼ e^(xⱼ − m) along dim, m = maxⱼ xⱼ;  ∂L/∂xᵢ = yᵢ(gᵢ − Σⱼ gⱼyⱼ).
    dim is required, as in torch.softmax (nn.functional.softmax keeps torch's legacy default)."""
    x = input if dtype is None else input.to(dtype)
    _need_float(x, "softmax")
    return N.Softmax.apply(x, axis=dim)


@tensor_method
def log_softmax(input, dim, dtype=None):
    """yᵢ = xᵢ − m − ln Σⱼ e^(xⱼ − m) along dim;  ∂L/∂xᵢ = gᵢ − e^(yᵢ) Σⱼ gⱼ"""
    x = input if dtype is None else input.to(dtype)
    _need_float(x, "log_softmax")
    return N.LogSoftmax.apply(x, axis=dim)

__all__ = ["softmax", "log_softmax"]
