// Resampling kernels. F.pad: constant, reflect, replicate and circular padding of the last k <= 3 dimensions, and
// its backward. Also the resampling kernels of F.interpolate (upsample2d): both map each
// output element to source elements through small per-axis tables.
//
// pads, torch's order: (left, right) of the last dim, then of the one before, ... (k pairs).
// Output size along a padded dim of size n: n + left + right. Output index o reads input
// index i = o − left, mapped by the mode:
//   constant (0): i if 0 <= i < n, else the fill value (negative pads crop)
//   reflect (1):  −i if i < 0; 2(n − 1) − i if i >= n           (the edge is not repeated)
//   replicate (2): clamp(i, 0, n − 1)
//   circular (3): i mod n
// backward: gx[i] = Σ over the outputs o that read i of g[o] (a scatter-add).
#pragma once
#include <vector>

#include "../core/array.h"

namespace tl {

Array pad(const Array& x, const std::vector<int64_t>& pads, int64_t mode, double value);
Array pad_backward(const Array& g, const std::vector<int64_t>& input_shape, const std::vector<int64_t>& pads,
                   int64_t mode);

// F.interpolate of the last two dims of x (N, C, H, W) to (OH, OW); mode 0 nearest, 1 bilinear.
// Source coordinate of output row i (columns likewise), torch's conventions:
//   nearest:   h = min(⌊i·scale⌋, H − 1), scale = 1/scale_factor if given (> 0), else H/OH
//   bilinear, align_corners: h = i·(H − 1)/(OH − 1)  (0 when OH = 1)
//   bilinear, otherwise:     h = max(0, (i + ½)·scale − ½)
//   y = Σ of the (up to) 4 neighbours ⌊h⌋, ⌊h⌋+1 (clamped) weighted by 1 − frac, frac.
// scale_h / scale_w: the scale_factor the caller gave, or <= 0 when an output size was given.
Array upsample2d(const Array& x, int64_t out_h, int64_t out_w, int64_t mode, bool align_corners, double scale_h,
                 double scale_w);
// ∂L/∂x: each g[n, c, i, j] scattered to the neighbours it was interpolated from, by weight.
Array upsample2d_backward(const Array& g, int64_t in_h, int64_t in_w, int64_t mode, bool align_corners,
                          double scale_h, double scale_w);

}  // namespace tl
