// Reductions (backend/interface.py "Reductions"). `axes` may be negative; an empty list reduces over
// every axis; keepdim keeps reduced axes as size 1. Any input strides.
//   sum: float32/float64/int64 (bool is summed as int64) → same dtype (int64 for bool);
//        float32 accumulates in float32 with multi-accumulator, pairwise blocking.
//   mean, var: float only. var divides by N − correction (two-pass, stable).
//   max, min: numeric; NaN propagates; an empty reduction raises ValueError.
//   argmax, argmin: one axis (or none: over the flattened array) → int64, first occurrence
//        (a NaN counts as the maximum/minimum, as in torch).
#pragma once
#include <optional>
#include <vector>

#include "../core/array.h"

namespace tl {

Array sum(const Array& x, const std::vector<int64_t>& axes, bool keepdim);
Array mean(const Array& x, const std::vector<int64_t>& axes, bool keepdim);
Array max(const Array& x, const std::vector<int64_t>& axes, bool keepdim);
Array min(const Array& x, const std::vector<int64_t>& axes, bool keepdim);
Array var(const Array& x, const std::vector<int64_t>& axes, double correction, bool keepdim);
Array argmax(const Array& x, std::optional<int64_t> axis, bool keepdim);
Array argmin(const Array& x, std::optional<int64_t> axis, bool keepdim);

}  // namespace tl
