// Fused cross-entropy over class logits (torch.nn.functional.cross_entropy with class-index
// targets, ignore_index and label_smoothing; no class weights).
#pragma once
#include <utility>

#include "../core/array.h"

namespace tl {

// logits (N, C) float, target (N,) int64. reduction: 0 none → loss (N,), 1 mean over the
// non-ignored rows → loss (), 2 sum → loss (). Returns (loss, lse) with lse (N,) the
// log-sum-exp of each row (saved for the backward).
std::pair<Array, Array> cross_entropy(const Array& logits, const Array& target, int64_t ignore_index,
                                      double label_smoothing, int64_t reduction);

// dlogits (N, C) = g_n·(softmax(x_n) − ((1−ε)·onehot(t_n) + ε/C)); zero rows where ignored.
// grad_loss: (N,) for reduction none, one element for mean/sum (mean divides by the count).
Array cross_entropy_backward(const Array& logits, const Array& target, const Array& lse,
                             const Array& grad_loss, int64_t ignore_index, double label_smoothing,
                             int64_t reduction);

}  // namespace tl
