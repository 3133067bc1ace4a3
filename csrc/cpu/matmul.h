// matmul (torch.matmul semantics) and linear (x·wᵀ + b, fused) over the packed GEMM (gemm.h).
#pragma once
#include <optional>

#include "../core/array.h"

namespace tl {

// 1-D·1-D → 0-d; 1-D operands are promoted (a: prepend 1, b: append 1) and the added dim
// is squeezed from the result; batch dims broadcast. Any strides, read in place.
Array matmul(const Array& a, const Array& b);

// x (..., in), w (out, in), bias (out,) or none → (..., out) = x·wᵀ + bias.
Array linear(const Array& x, const Array& w, const std::optional<Array>& bias);

}  // namespace tl
