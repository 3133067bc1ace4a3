// Indexing kernels (torch semantics): index_select / index_add (embedding and its backward),
// gather / scatter_add, cat, nonzero. Indices are int64, bounds-checked (IndexError naming
// the op, the index and the size), never wrapped.
#pragma once
#include <vector>

#include "../core/array.h"

namespace tl {

// out = x with axis restricted to idx: out[..., k, ...] = x[..., idx[k], ...]; idx 1-D (or 0-d).
Array index_select(const Array& x, int64_t axis, const Array& idx);
// out = zeros(shape); out[..., idx[k], ...] += src[..., k, ...] (repeats accumulate).
Array index_add(const Shape& shape, int64_t axis, const Array& idx, const Array& src);
// out[i][j][k] = x[i][idx[i][j][k]][k] (axis 1); out.shape = idx.shape.
Array gather(const Array& x, int64_t axis, const Array& idx);
// out = zeros(shape); out[i][idx[i][j][k]][k] += src[i][j][k] (axis 1), over idx's shape.
Array scatter_add(const Shape& shape, int64_t axis, const Array& idx, const Array& src);
// out = copy of x; out[i][idx[i][j][k]][k] = src[i][j][k] (axis 1), over idx's shape; of
// colliding indices the last (in row-major order of idx) wins. src broadcasts nothing: its
// shape covers idx's (torch.scatter).
Array scatter(const Array& x, int64_t axis, const Array& idx, const Array& src);
// Concatenate along axis; shapes equal except on axis, dtypes equal.
Array cat(const std::vector<Array>& xs, int64_t axis);
// (K, ndim) int64 coordinates of the non-zero elements, row-major order.
Array nonzero(const Array& x);

}  // namespace tl
