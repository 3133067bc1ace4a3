"""softmax and log_softmax along a dimension: fused native kernels, stable (max-subtracted)."""
from ..ops import nn as N
from ._api import float_input as _float
from ._api import tensor_method


@tensor_method
def softmax(input, dim, dtype=None):
    """yᵢ = e^(xᵢ − m)/Σⱼ e^(xⱼ − m) along dim, m = maxⱼ xⱼ;  ∂L/∂xᵢ = yᵢ(gᵢ − Σⱼ gⱼyⱼ).
    dim is required, as in torch.softmax (nn.functional.softmax keeps torch's legacy default)."""
    x = _float(input if dtype is None else input.to(dtype))
    return N.Softmax.apply(x, axis=dim)


@tensor_method
def log_softmax(input, dim, dtype=None):
    """yᵢ = xᵢ − m − ln Σⱼ e^(xⱼ − m) along dim;  ∂L/∂xᵢ = gᵢ − e^(yᵢ) Σⱼ gⱼ"""
    x = _float(input if dtype is None else input.to(dtype))
    return N.LogSoftmax.apply(x, axis=dim)

__all__ = ["softmax", "log_softmax"]
