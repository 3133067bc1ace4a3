// matmul / linear on Arrays: shape logic, broadcasting of batch dims, then gemm (gemm.h).
// Operands are never copied: their strides go to the packing routines as they are.
#include "matmul.h"

#include <algorithm>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "gemm.h"

namespace tl {

namespace {

void check_float_pair(const Array& a, const Array& b, const char* op, bool allow_int64 = false) {
  check_cpu(a, op);
  check_cpu(b, op);
  TL_CHECK(a.dtype == b.dtype, TypeError,
           op << ": expected both operands to have the same dtype, got " << dtype_name(a.dtype)
              << " and " << dtype_name(b.dtype));
  TL_CHECK(is_floating(a.dtype) || (allow_int64 && a.dtype == DType::Int64), TypeError,
           op << ": expected a floating dtype (float32 or float64)" << (allow_int64 ? " or int64" : "")
              << ", got " << dtype_name(a.dtype));
}

// The int64 product, exact with two's-complement wrap-around as torch's CPU gives: no GEMM
// (no SIMD multiply-add for int64), one output row per task, sums in uint64 (wrapping is
// defined there, not in int64).
void int64_batched_matmul(int64_t nb, int64_t M, int64_t N, int64_t K, const int64_t* A,
                          const std::vector<int64_t>& aoff, int64_t rsa, int64_t csa, const int64_t* B,
                          const std::vector<int64_t>& boff, int64_t rsb, int64_t csb, int64_t* C) {
  parallel_for(nb * M, nb * M * N * std::max<int64_t>(K, 1), [&](int64_t lo, int64_t hi) {
    std::vector<uint64_t> row((size_t)N);
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t t = r / M, i = r % M;
      const int64_t* a = A + aoff[(size_t)t] + i * rsa;
      const int64_t* b = B + boff[(size_t)t];
      std::fill(row.begin(), row.end(), uint64_t(0));
      for (int64_t k = 0; k < K; ++k) {
        const uint64_t av = (uint64_t)a[k * csa];
        const int64_t* bk = b + k * rsb;
        for (int64_t j = 0; j < N; ++j) row[(size_t)j] += av * (uint64_t)bk[j * csb];
      }
      for (int64_t j = 0; j < N; ++j) C[r * N + j] = (int64_t)row[(size_t)j];
    }
  });
}

// Can dims [0, n) of (shape, strides) be walked as one dimension? Returns its stride (any
// value when every size is 1) or false.
bool merge_dims(const Shape& shape, const Shape& strides, size_t n, int64_t& stride_out) {
  bool have = false;
  int64_t stride = 0, span = 1;
  for (size_t d = n; d-- > 0;) {
    if (shape[d] == 1) continue;
    if (!have) {
      stride = strides[d];
      span = shape[d];
      have = true;
    } else if (strides[d] == stride * span) {
      span *= shape[d];
    } else {
      return false;
    }
  }
  stride_out = have ? stride : 0;
  return true;
}

// Offsets of every element of a (broadcast) batch index space.
std::vector<int64_t> batch_offsets(const Shape& bshape, const Shape& strides) {
  int64_t n = shape_numel(bshape);
  std::vector<int64_t> off((size_t)n, 0);
  size_t nd = bshape.size();
  std::vector<int64_t> idx(nd, 0);
  int64_t cur = 0;
  for (int64_t t = 0; t < n; ++t) {
    off[(size_t)t] = cur;
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < bshape[d]) {
        cur += strides[d];
        break;
      }
      cur -= strides[d] * (bshape[d] - 1);
      idx[d] = 0;
    }
  }
  return off;
}

template <typename T>
void batched_gemm(int64_t nb, int64_t M, int64_t N, int64_t K, const T* A,
                  const std::vector<int64_t>& aoff, int64_t rsa, int64_t csa, const T* B,
                  const std::vector<int64_t>& boff, int64_t rsb, int64_t csb, T* C) {
  const int nt = get_num_threads();
  if (nb > 1 && nt > 1 && !gemm_wants_threads(M, N, K) &&
      nb * M * N * std::max<int64_t>(K, 1) >= (int64_t(1) << 18)) {
    // Small products: whole products per thread, a few chunks of the batch per thread.
    const int64_t chunks = std::min<int64_t>(nb, int64_t(nt) * 4);
    gemm_parallel_chunks(nt, chunks, [&](int64_t c) {
      for (int64_t t = nb * c / chunks; t < nb * (c + 1) / chunks; ++t)
        gemm<T>(M, N, K, T(1), A + aoff[(size_t)t], rsa, csa, B + boff[(size_t)t], rsb, csb,
                T(0), C + t * M * N, N, 1, 1);
    });
    return;
  }
  for (int64_t t = 0; t < nb; ++t)
    gemm<T>(M, N, K, T(1), A + aoff[(size_t)t], rsa, csa, B + boff[(size_t)t], rsb, csb, T(0),
            C + t * M * N, N, 1, nt);
}

}  // namespace

Array matmul(const Array& a, const Array& b) {
  const char* op = "matmul";
  check_float_pair(a, b, op, /*allow_int64=*/true);
  TL_CHECK(a.ndim() >= 1 && b.ndim() >= 1, ValueError,
           "matmul: both arguments need to be at least 1-D, got shapes " << shape_str(a.shape)
                                                                           << " and " << shape_str(b.shape));
  const int64_t ka = a.shape.back();
  const int64_t kb = b.ndim() == 1 ? b.shape[0] : b.shape[b.ndim() - 2];
  TL_CHECK(ka == kb, ValueError,
           "matmul: shapes " << shape_str(a.shape) << " and " << shape_str(b.shape)
                             << " cannot be multiplied (" << ka << " != " << kb << ")");
  const int64_t K = ka;
  const bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  const int64_t M = a_vec ? 1 : a.shape[a.ndim() - 2];
  const int64_t N = b_vec ? 1 : b.shape.back();
  // Matrix strides (a 1-D operand's missing dim gets stride 0: its size is 1).
  const int64_t csa = a.strides.back(), rsa = a_vec ? 0 : a.strides[a.ndim() - 2];
  const int64_t rsb = b_vec ? b.strides[0] : b.strides[b.ndim() - 2];
  const int64_t csb = b_vec ? 0 : b.strides.back();

  Shape ba(a.shape.begin(), a.shape.end() - (a_vec ? 1 : 2));
  Shape bb(b.shape.begin(), b.shape.end() - (b_vec ? 1 : 2));
  Shape sa(a.strides.begin(), a.strides.end() - (a_vec ? 1 : 2));
  Shape sb(b.strides.begin(), b.strides.end() - (b_vec ? 1 : 2));
  Shape bshape;
  try {
    bshape = broadcast_shapes(ba, bb, op);
  } catch (const ValueError&) {
    TL_CHECK(false, ValueError,
             "matmul: shapes " << shape_str(a.shape) << " and " << shape_str(b.shape)
                               << " cannot be multiplied (batch dimensions " << shape_str(ba) << " and "
                               << shape_str(bb) << " do not broadcast)");
  }
  const size_t nbd = bshape.size();
  // Strides of each operand over the broadcast batch shape (0 where broadcast).
  Shape ea(nbd, 0), eb(nbd, 0);
  for (size_t i = 0; i < nbd; ++i) {
    size_t la = nbd - ba.size(), lb = nbd - bb.size();
    if (i >= la && ba[i - la] != 1) ea[i] = sa[i - la];
    if (i >= lb && bb[i - lb] != 1) eb[i] = sb[i - lb];
  }

  Shape out_shape = bshape;
  if (!a_vec) out_shape.push_back(M);
  if (!b_vec) out_shape.push_back(N);
  Array out = Array::empty(out_shape, a.dtype);
  const int64_t nb = shape_numel(bshape);
  if (nb == 0 || M == 0 || N == 0) return out;
  if (a.dtype == DType::Int64) {
    int64_batched_matmul(nb, M, N, K, a.data<int64_t>(), batch_offsets(bshape, ea), rsa, csa,
                         b.data<int64_t>(), batch_offsets(bshape, eb), rsb, csb, out.data<int64_t>());
    return out;
  }

  TL_DISPATCH_FLOATING(a.dtype, op, [&] {
    const scalar_t* A = a.data<scalar_t>();
    const scalar_t* B = b.data<scalar_t>();
    scalar_t* C = out.data<scalar_t>();
    const int nt = get_num_threads();
    if (nb == 1) {
      gemm<scalar_t>(M, N, K, scalar_t(1), A, rsa, csa, B, rsb, csb, scalar_t(0), C, N, 1, nt);
      return;
    }
    // b shared by every batch element and a's batch dims fold into its rows: one product.
    bool b_shared = std::all_of(eb.begin(), eb.end(), [](int64_t s) { return s == 0; });
    if (b_shared) {
      Shape fs(bshape), fst(ea);
      fs.push_back(M);
      fst.push_back(rsa);
      int64_t rs;
      if (merge_dims(fs, fst, fs.size(), rs)) {
        gemm<scalar_t>(nb * M, N, K, scalar_t(1), A, rs, csa, B, rsb, csb, scalar_t(0), C, N, 1,
                       nt);
        return;
      }
    }
    std::vector<int64_t> aoff = batch_offsets(bshape, ea), boff = batch_offsets(bshape, eb);
    batched_gemm<scalar_t>(nb, M, N, K, A, aoff, rsa, csa, B, boff, rsb, csb, C);
  });
  return out;
}

Array linear(const Array& x, const Array& w, const std::optional<Array>& bias) {
  const char* op = "linear";
  check_float_pair(x, w, op);
  TL_CHECK(x.ndim() >= 1 && w.ndim() == 2, ValueError,
           "linear: expected x (..., in) and w (out, in), got shapes " << shape_str(x.shape) << " and "
                                                                         << shape_str(w.shape));
  const int64_t K = x.shape.back(), N = w.shape[0];
  TL_CHECK(K == w.shape[1], ValueError,
           "linear: shapes " << shape_str(x.shape) << " and " << shape_str(w.shape)
                             << " cannot be multiplied (in_features " << K << " != " << w.shape[1]
                             << ")");
  if (bias) {
    check_float_pair(x, *bias, op);
    TL_CHECK(bias->ndim() == 1 && bias->shape[0] == N, ValueError,
             "linear: bias of shape " << shape_str(bias->shape) << " does not match weight of shape "
                                      << shape_str(w.shape) << " (expected (" << N << ",))");
  }
  Shape out_shape(x.shape.begin(), x.shape.end() - 1);
  out_shape.push_back(N);
  Array out = Array::empty(out_shape, x.dtype);
  const int64_t M = shape_numel(Shape(x.shape.begin(), x.shape.end() - 1));
  if (M == 0 || N == 0) return out;

  Array xx = x;
  int64_t rsa = 0;
  if (!merge_dims(x.shape, x.strides, x.shape.size() - 1, rsa)) {
    xx = x.contiguous();  // rows that no single stride walks: rare (a permuted batch view)
    rsa = K;
  }
  const int64_t csa = xx.strides.back();
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    scalar_t* C = out.data<scalar_t>();
    scalar_t beta = scalar_t(0);
    if (bias) {
      const scalar_t* bp = bias->data<scalar_t>();
      const int64_t bs = bias->strides[0];
      for (int64_t j = 0; j < N; ++j) C[j] = bp[j * bs];
      for (int64_t i = 1; i < M; ++i) std::copy(C, C + N, C + i * N);
      beta = scalar_t(1);
    }
    // B = wᵀ read in place: (k, j) at w[j, k].
    gemm<scalar_t>(M, N, K, scalar_t(1), xx.data<scalar_t>(), rsa, csa, w.data<scalar_t>(),
                   w.strides[1], w.strides[0], beta, C, N, 1, get_num_threads());
  });
  return out;
}

}  // namespace tl
