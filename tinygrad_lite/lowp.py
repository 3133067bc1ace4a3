"""Lower-precision products for inference, opt-in: the float32 GEMM stays the default everywhere.

    matmul_bf16(a, b)          a (..., K) @ b (K, N) with both rounded to bfloat16 (nearest even) and the
                               products summed in float32 → float32 (..., N). bf16 keeps float32's exponent
                               and 8 bits of mantissa: |bf16(x) − x| ≤ 2⁻⁹·|x|, and a product of two bf16
                               values is exact in float32, so the result differs from the float32 GEMM by
                               the input rounding only (relative error ≈ 2⁻⁹ for random data).
    matmul_int8(a, b)          int64 tensors holding int8 values ([-128, 127]) → the exact int64 sums
                               (int32 inside; K ≤ 65536).
    LinearBF16(weight, bias)   an nn.Linear weight (out, in) packed once as bf16 (half the bytes, which is
                               what bounds decoding); y = bf16(x)·bf16(W)ᵀ + b.
    LinearInt8(weight, bias)   the weight quantised once per output row, symmetric: s_w[j] = max_k |W[j,k]|/127,
                               q_w = round(W/s_w); each row of x is quantised the same way when called
                               (dynamic quantisation, as torch.ao's quantize_dynamic): y[i, j] =
                               s_x[i]·s_w[j]·Σ_k q_x[i,k]·q_w[j,k] + b[j], int32 sums.

Kernels (csrc/cpu/gemm_bf16.cpp, gemm_int8.cpp): AVX512-BF16 vdpbf16ps and AVX512-VNNI vpdpbusd where the
CPU has them (`tinygrad_lite._C.lowp_info()`), else the same numbers from a portable path. CPU tensors
only; the results do not track gradients.
"""
from . import _C
from .tensor import Tensor

__all__ = ["matmul_bf16", "matmul_int8", "LinearBF16", "LinearInt8"]


def _array(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(t).__name__}")
    return t._data


def _optional(t, name):
    return None if t is None else _array(t, name)


def matmul_bf16(a, b):
    """a (..., K) @ b (K, N) in bfloat16 with float32 accumulation → float32 (..., N)."""
    return Tensor._wrap(_C.matmul_bf16(_array(a, "matmul_bf16"), _array(b, "matmul_bf16")))


def matmul_int8(a, b):
    """Exact a (..., K) @ b (K, N) of int64 tensors holding int8 values → int64 (..., N)."""
    return Tensor._wrap(_C.matmul_int8(_array(a, "matmul_int8"), _array(b, "matmul_int8")))


class _PackedLinear:
    _native = None  # the _C class

    def __init__(self, weight, bias=None):
        self._packed = self._native(_array(weight, type(self).__name__))
        self.bias = bias
        self._bias = _optional(bias, type(self).__name__)

    @classmethod
    def from_linear(cls, linear):
        """From a module with .weight (out, in) and .bias (nn.Linear)."""
        return cls(linear.weight.detach(), None if linear.bias is None else linear.bias.detach())

    @property
    def in_features(self):
        return self._packed.in_features

    @property
    def out_features(self):
        return self._packed.out_features

    @property
    def nbytes(self):
        """Bytes of the packed weight (float32 would take 4·in·out)."""
        return self._packed.nbytes

    def __call__(self, x):
        return Tensor._wrap(self._packed.forward(_array(x, type(self).__name__), self._bias))

    def __repr__(self):
        return f"{type(self).__name__}(in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None})"


class LinearBF16(_PackedLinear):
    """y = bf16(x)·bf16(W)ᵀ + b, float32 sums; W (out, in) packed once as bf16."""
    _native = _C.LinearBF16


class LinearInt8(_PackedLinear):
    """y[i, j] = s_x[i]·s_w[j]·Σ_k q_x[i,k]·q_w[j,k] + b[j]: W quantised once per output row (symmetric int8),
    each row of x quantised when called."""
    _native = _C.LinearInt8

    def dequantized_weight(self):
        """s_w[j]·q_w[j, k] as float32: the weight the product actually uses."""
        return Tensor._wrap(self._packed.dequantized())
