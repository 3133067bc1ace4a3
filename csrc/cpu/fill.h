// Creation kernels: full, arange.
#pragma once
#include "../core/array.h"

namespace tl {

// out[...] = value (converted to dtype; bool: value != 0).
Array full(const Shape& shape, double value, DType dtype);
// out[i] = start + i·step, i in [0, ceil((stop − start)/step)) (torch.arange; int64 uses
// start and step truncated to integers, as torch does). step 0 or a sign mismatch: ValueError.
Array arange(double start, double stop, double step, DType dtype);

}  // namespace tl
