"""nn.LayerNorm and nn.RMSNorm: normalisation over the trailing dims of each sample (torch keeps
them in torch.nn.modules.normalization)."""
import numbers

import tinygrad_lite as _tl

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(d) for d in normalized_shape)


def _kw(device, dtype):
    return {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}


class LayerNorm(Module):
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β over the last len(normalized_shape) dims
    (biased variance); γ = 1, β = 0 at start (elementwise_affine; bias=False drops β)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_tl.empty(tuple(self.normalized_shape), **_kw(device, dtype)))
            if bias:
                self.bias = Parameter(_tl.empty(tuple(self.normalized_shape), **_kw(device, dtype)))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """y = x / √(mean(x²) + ε) · γ over the last len(normalized_shape) dims; γ = 1 at start.
    eps None: the input dtype's machine epsilon (torch.finfo(x.dtype).eps), as torch."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_tl.empty(tuple(self.normalized_shape), **_kw(device, dtype)))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
