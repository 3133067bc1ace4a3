// Ordering and scans along one axis (torch.sort / argsort / topk / cumsum / cumprod).
// x is viewed as (outer, n, inner) around `axis`; every line x[o, :, i] is handled alone.
//   sort:  (values, int64 indices), stable (equal values keep their order, also descending);
//          NaN counts as larger than every number (last ascending, first descending), as torch.
//   topk:  the k largest (or smallest) of each line, ordered, with their int64 indices; ties
//          go to the lower index. 0 ≤ k ≤ n.
//   kthvalue: the k-th smallest (k from 1) of each line and its int64 index, output size 1 along
//          axis; among equal values the index torch's quick-select lands on (see sort.cpp).
//   cumsum, cumprod: y[j] = x[0] ∘ … ∘ x[j], floats accumulated in double (torch's CPU rule);
//          int64 in int64. cumprod_backward gives ∂L/∂x for y = cumprod(x) with zeros allowed.
#pragma once
#include <utility>

#include "../core/array.h"

namespace tl {

std::pair<Array, Array> sort(const Array& x, int64_t axis, bool descending);
std::pair<Array, Array> topk(const Array& x, int64_t k, int64_t axis, bool largest);
std::pair<Array, Array> kthvalue(const Array& x, int64_t k, int64_t axis);
Array cumsum(const Array& x, int64_t axis);
Array cumprod(const Array& x, int64_t axis);
// ∂L/∂x_i = Σ_{j≥i} g_j · Π_{k≤j, k≠i} x_k along axis (exact with zeros in x).
Array cumprod_backward(const Array& x, const Array& g, int64_t axis);

}  // namespace tl
