// 2-D pooling over the last two dims of x (N, C, H, W) (any leading dims flattened into planes).
//
// Windows, per axis (rows shown; columns alike), for output row i:
//   max/avg pool: rows i·s − p + u·d, u < k (avg: d = 1), those inside [0, H) taken
//     OH = ⌊(H + 2p − d·(k − 1) − 1 + (ceil_mode ? s − 1 : 0)) / s⌋ + 1, minus one when
//     ceil_mode makes the last window start in the right padding ((OH − 1)·s >= H + p)
//   adaptive: rows [⌊i·H/OH⌋, ⌈(i + 1)·H/OH⌉)
// max:  y = the window's maximum; idx = h·W + w of the first maximum in row-major scan order
//       (a NaN is a maximum), as torch; ∂L/∂x[idx] += g (routed to that one element)
// avg:  y = Σ window / D, D = divisor_override, or the window's size counting the padding
//       (count_include_pad, windows clipped to [−p, H + p)), or not; ∂L/∂x[window] += g / D
// max_unpool: y = zeros (N, C, OH, OW) with y[idx] = x (the inverse of the scatter in max).
#pragma once
#include <utility>
#include <vector>

#include "../core/array.h"

namespace tl {

// (y, idx int64) — kernel, stride, padding, dilation: (h, w) pairs.
std::pair<Array, Array> max_pool2d(const Array& x, const std::vector<int64_t>& kernel,
                                   const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                                   const std::vector<int64_t>& dilation, bool ceil_mode);
// gx (…, H, W): zeros with g scatter-added at idx (max_pool2d's and adaptive_max_pool2d's backward).
Array max_pool2d_backward(const Array& g, const Array& idx, const std::vector<int64_t>& input_hw);
// y (…, OH, OW): zeros with y[idx] = x.
Array max_unpool2d(const Array& x, const Array& idx, const std::vector<int64_t>& output_hw);

Array avg_pool2d(const Array& x, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                 const std::vector<int64_t>& padding, bool ceil_mode, bool count_include_pad,
                 int64_t divisor_override);
Array avg_pool2d_backward(const Array& g, const std::vector<int64_t>& input_hw, const std::vector<int64_t>& kernel,
                          const std::vector<int64_t>& stride, const std::vector<int64_t>& padding, bool ceil_mode,
                          bool count_include_pad, int64_t divisor_override);

Array adaptive_avg_pool2d(const Array& x, const std::vector<int64_t>& output_hw);
Array adaptive_avg_pool2d_backward(const Array& g, const std::vector<int64_t>& input_hw);
std::pair<Array, Array> adaptive_max_pool2d(const Array& x, const std::vector<int64_t>& output_hw);

// The pooled size along one axis (OH above); ValueError naming op when it is not positive.
int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode, const char* op);

}  // namespace tl
