// Creation kernels: full, arange.
#pragma once
#include "../core/array.h"

namespace tl {

// out[...] = value (converted to dtype; bool: value != 0). For int64, a value outside
// [-2**63, 2**63) or NaN is a RuntimeError (as torch); full_int keeps an integer exact.
Array full(const Shape& shape, double value, DType dtype);
Array full_int(const Shape& shape, int64_t value, DType dtype);
// out[i] = start + i·step, i in [0, ceil((stop − start)/step)) (torch.arange; int64 uses
// start and step truncated to integers, as torch does). step 0 or a sign mismatch: ValueError.
Array arange(double start, double stop, double step, DType dtype);
// The same for int64 with integer arguments, exact over the whole int64 range.
Array arange_int(int64_t start, int64_t stop, int64_t step);

}  // namespace tl
