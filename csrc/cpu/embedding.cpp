// Embedding backward (see embedding.h). For a large vocabulary the cost is writing the zeros of
// dW (memory bound, split over threads); the scatter touches only the rows that were picked.
#include "embedding.h"

#include <cstring>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"

namespace tl {

namespace {

// dW rows [v0, v1): every n with v0 ≤ idx[n] < v1 adds its row (scaled) into dW[idx[n]].
template <typename T>
void scatter_rows(const T* g, const int64_t* idx, const T* scale, T* dw, int64_t N, int64_t D, int64_t v0,
                  int64_t v1, int64_t pad) {
  for (int64_t n = 0; n < N; ++n) {
    const int64_t v = idx[n];
    if (v < v0 || v >= v1 || v == pad) continue;
    T* d = dw + v * D;
    const T* s = g + n * D;
    if (scale) {
      const T c = scale[v];
      for (int64_t i = 0; i < D; ++i) d[i] += c * s[i];
    } else {
      for (int64_t i = 0; i < D; ++i) d[i] += s[i];
    }
  }
}

}  // namespace

Array embedding_backward(const Array& g_in, const Array& idx_in, int64_t V, int64_t pad, bool by_freq) {
  const char* op = "embedding_backward";
  check_cpu(g_in, op);
  check_same_device(g_in, idx_in, op);
  TL_CHECK(is_floating(g_in.dtype), TypeError, op << ": expected a floating gradient, got " << dtype_name(g_in.dtype));
  TL_CHECK(idx_in.dtype == DType::Int64, TypeError, op << ": expected int64 indices, got " << dtype_name(idx_in.dtype));
  TL_CHECK(V >= 0, ValueError, op << ": num_weights must be non-negative, got " << V);
  const int64_t k = idx_in.ndim();
  bool ok = g_in.ndim() == k + 1;
  for (int64_t d = 0; ok && d < k; ++d) ok = g_in.shape[d] == idx_in.shape[d];
  TL_CHECK(ok, ValueError,
           op << ": gradient of shape " << shape_str(g_in.shape) << " does not match indices of shape "
              << shape_str(idx_in.shape) << " (expected indices.shape + (D,))");
  const int64_t D = g_in.shape[k], N = idx_in.numel();
  Array idx = idx_in.contiguous(), g = g_in.contiguous();
  const int64_t* iv = idx.data<int64_t>();
  for (int64_t n = 0; n < N; ++n)
    TL_CHECK(iv[n] >= 0 && iv[n] < V, IndexError,
             op << ": index " << iv[n] << " is out of range for an embedding of " << V << " rows");
  Array dw = Array::empty({V, D}, g.dtype);
  if (dw.numel() == 0) return dw;
  TL_DISPATCH_FLOATING(g.dtype, op, [&] {
    using T = scalar_t;
    T* dp = dw.data<T>();
    const T* gp = g.data<T>();
    std::vector<T> scale;
    if (by_freq) {  // s_v = 1 / (times v occurs in idx)
      scale.assign((size_t)V, T(0));
      for (int64_t n = 0; n < N; ++n) scale[(size_t)iv[n]] += T(1);
      for (T& s : scale) s = s > 0 ? T(1) / s : T(0);
    }
    const T* sp = by_freq ? scale.data() : nullptr;
    // threads own row ranges: each zeroes its rows, then adds the gradient rows that land there
    parallel_for(V, V * D + N * D, [&](int64_t v0, int64_t v1) {
      std::memset(dp + v0 * D, 0, (size_t)((v1 - v0) * D) * sizeof(T));
      scatter_rows<T>(gp, iv, sp, dp, N, D, v0, v1, pad);
    });
  });
  return dw;
}

}  // namespace tl
