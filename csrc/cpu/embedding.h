// The embedding's backward: a scatter-add of gradient rows into a (num_weights, D) table.
#pragma once
#include "../core/array.h"

namespace tl {

// idx (any shape) int64 in [0, num_weights), g (idx.shape..., D):
//   dW = zeros(num_weights, D);  dW[idx[n], :] += g[n, :] · s_n   for every n with idx[n] ≠ padding_idx
// s_n = 1, or 1/count(idx[n]) when scale_grad_by_freq. padding_idx < 0: no padding row.
// Threads own disjoint ranges of rows of dW (no atomics; the sum order per row is n's order,
// so results do not depend on the thread count); zeroing dW is threaded too.
Array embedding_backward(const Array& g, const Array& idx, int64_t num_weights, int64_t padding_idx,
                         bool scale_grad_by_freq);

}  // namespace tl
