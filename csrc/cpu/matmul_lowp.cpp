// Lower-precision products on Arrays: shapes, checks, quantisation (matmul_lowp.h); the kernels
// are in gemm_bf16.cpp and gemm_int8.cpp.
#include "matmul_lowp.h"

#include <algorithm>
#include <cmath>

#include "../core/errors.h"
#include "../core/parallel.h"

namespace tl {

namespace {

void check_cpu(const Array& a, const char* op) {
  TL_CHECK(a.device().type == Device::CPU, RuntimeError, op << ": the CPU kernel got a tensor on " << a.device().str());
}

// x (..., K) as an M×K matrix of rows (a view when one stride walks the rows, else a copy).
struct Rows {
  Array m;
  Shape lead;  // the leading dims, for the output's shape
  int64_t M, K;
};

Rows as_rows(const Array& x, DType dtype, const char* op) {
  check_cpu(x, op);
  TL_CHECK(x.dtype == dtype, TypeError,
           op << ": expected " << dtype_name(dtype) << " input, got " << dtype_name(x.dtype));
  TL_CHECK(x.ndim() >= 1, ValueError, op << ": expected an input of at least 1 dim, got a 0-d tensor");
  Rows r;
  r.K = x.shape.back();
  r.lead.assign(x.shape.begin(), x.shape.end() - 1);
  r.M = shape_numel(r.lead);
  r.m = x.reshape({r.M, r.K});
  return r;
}

void check_matrix(const Array& b, DType dtype, int64_t K, const Array& a, const char* op) {
  check_cpu(b, op);
  TL_CHECK(b.dtype == dtype, TypeError,
           op << ": expected " << dtype_name(dtype) << " operands, got " << dtype_name(b.dtype));
  TL_CHECK(b.ndim() == 2, ValueError, op << ": expected b to be 2-D (K, N), got shape " << shape_str(b.shape));
  TL_CHECK(b.shape[0] == K, ValueError,
           op << ": shapes " << shape_str(a.shape) << " and " << shape_str(b.shape) << " cannot be multiplied ("
              << K << " != " << b.shape[0] << ")");
}

Shape with_last(Shape lead, int64_t n) {
  lead.push_back(n);
  return lead;
}

// Rows of int64 values in [-128, 127] as a contiguous int8 matrix (ValueError naming the bad value).
std::vector<int8_t> to_int8(const Array& m, const char* op) {
  const int64_t R = m.shape[0], Cn = m.shape[1];
  std::vector<int8_t> out((size_t)(R * Cn));
  const int64_t* p = m.data<int64_t>();
  for (int64_t i = 0; i < R; ++i)
    for (int64_t j = 0; j < Cn; ++j) {
      const int64_t v = p[i * m.strides[0] + j * m.strides[1]];
      TL_CHECK(v >= -128 && v <= 127, ValueError,
               op << ": expected int8 values in [-128, 127], got " << v << " at (" << i << ", " << j << ")");
      out[(size_t)(i * Cn + j)] = (int8_t)v;
    }
  return out;
}

void check_k_int8(int64_t K, const char* op) {
  TL_CHECK(K <= 65536, ValueError, op << ": K = " << K << " exceeds 65536 (the int32 sums could overflow)");
}

void add_bias(const std::optional<Array>& bias, int64_t out_features, Array& y, int64_t M, const char* op) {
  if (!bias) return;
  check_cpu(*bias, op);
  TL_CHECK(bias->dtype == DType::Float32 && bias->ndim() == 1 && bias->shape[0] == out_features, ValueError,
           op << ": expected a float32 bias of shape (" << out_features << ",), got " << dtype_name(bias->dtype)
              << " " << shape_str(bias->shape));
  float* o = y.data<float>();
  const float* b = bias->data<float>();
  const int64_t bs = bias->strides[0];
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < out_features; ++j) o[i * out_features + j] += b[j * bs];
}

}  // namespace

Array matmul_bf16(const Array& a, const Array& b) {
  const char* op = "matmul_bf16";
  Rows r = as_rows(a, DType::Float32, op);
  check_matrix(b, DType::Float32, r.K, a, op);
  const int64_t N = b.shape[1];
  Array out = Array::empty(with_last(r.lead, N), DType::Float32);
  if (r.M == 0 || N == 0) return out;
  static thread_local PackedBF16 P;  // reused: no fresh pages per call
  pack_bf16(P, r.K, N, b.data<float>(), b.strides[0], b.strides[1]);
  gemm_bf16(r.M, r.m.data<float>(), r.m.strides[0], r.m.strides[1], P, out.data<float>(), N, get_num_threads());
  return out;
}

Array matmul_int8(const Array& a, const Array& b) {
  const char* op = "matmul_int8";
  Rows r = as_rows(a, DType::Int64, op);
  check_matrix(b, DType::Int64, r.K, a, op);
  check_k_int8(r.K, op);
  const int64_t N = b.shape[1];
  Array out = Array::empty(with_last(r.lead, N), DType::Int64);
  if (r.M == 0 || N == 0) return out;
  std::vector<int8_t> a8 = to_int8(r.m, op), b8 = to_int8(b, op);
  PackedInt8 P;
  pack_int8(P, r.K, N, b8.data(), N, 1);
  int32_t* c = lowp_scratch<int32_t, 3>((size_t)(r.M * N));
  gemm_int8(r.M, a8.data(), r.K, P, c, N, get_num_threads());
  std::copy(c, c + r.M * N, out.data<int64_t>());
  return out;
}

LinearBF16::LinearBF16(const Array& wt) {
  const char* op = "LinearBF16";
  check_cpu(wt, op);
  TL_CHECK(wt.dtype == DType::Float32 && wt.ndim() == 2, ValueError,
           op << ": expected a float32 weight (out_features, in_features), got " << dtype_name(wt.dtype) << " "
              << shape_str(wt.shape));
  out_features = wt.shape[0], in_features = wt.shape[1];
  pack_bf16(w, in_features, out_features, wt.data<float>(), wt.strides[1], wt.strides[0]);  // B = wᵀ
}

Array LinearBF16::forward(const Array& x, const std::optional<Array>& bias) const {
  const char* op = "LinearBF16";
  Rows r = as_rows(x, DType::Float32, op);
  TL_CHECK(r.K == in_features, ValueError,
           op << ": input of shape " << shape_str(x.shape) << " does not match in_features " << in_features);
  Array y = Array::empty(with_last(r.lead, out_features), DType::Float32);
  if (r.M == 0 || out_features == 0) return y;
  gemm_bf16(r.M, r.m.data<float>(), r.m.strides[0], r.m.strides[1], w, y.data<float>(), out_features,
            get_num_threads());
  add_bias(bias, out_features, y, r.M, op);
  return y;
}

LinearInt8::LinearInt8(const Array& wt) {
  const char* op = "LinearInt8";
  check_cpu(wt, op);
  TL_CHECK(wt.dtype == DType::Float32 && wt.ndim() == 2, ValueError,
           op << ": expected a float32 weight (out_features, in_features), got " << dtype_name(wt.dtype) << " "
              << shape_str(wt.shape));
  out_features = wt.shape[0], in_features = wt.shape[1];
  check_k_int8(in_features, op);
  std::vector<int8_t> q((size_t)(out_features * in_features));
  scale.resize((size_t)out_features);
  const float* p = wt.data<float>();
  for (int64_t j = 0; j < out_features; ++j)
    scale[(size_t)j] = quantize_row_s8(in_features, p + j * wt.strides[0], wt.strides[1], q.data() + j * in_features);
  pack_int8(w, in_features, out_features, q.data(), 1, in_features);  // B = qᵀ
}

Array LinearInt8::forward(const Array& x, const std::optional<Array>& bias) const {
  const char* op = "LinearInt8";
  Rows r = as_rows(x, DType::Float32, op);
  TL_CHECK(r.K == in_features, ValueError,
           op << ": input of shape " << shape_str(x.shape) << " does not match in_features " << in_features);
  Array y = Array::empty(with_last(r.lead, out_features), DType::Float32);
  const int64_t M = r.M, K = r.K, N = out_features;
  if (M == 0 || N == 0) return y;
  int8_t* qx = lowp_scratch<int8_t, 4>((size_t)(M * K));
  std::vector<float> sx((size_t)M);
  const float* xp = r.m.data<float>();
  for (int64_t i = 0; i < M; ++i)
    sx[(size_t)i] = quantize_row_s8(K, xp + i * r.m.strides[0], r.m.strides[1], qx + i * K);
  int32_t* acc = lowp_scratch<int32_t, 3>((size_t)(M * N));
  gemm_int8(M, qx, K, w, acc, N, get_num_threads());
  float* o = y.data<float>();
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) o[i * N + j] = (float)acc[i * N + j] * sx[(size_t)i] * scale[(size_t)j];
  add_bias(bias, N, y, M, op);
  return y;
}

Array LinearInt8::dequantized() const {
  Array out = Array::empty({out_features, in_features}, DType::Float32);
  float* o = out.data<float>();
  for (int64_t j = 0; j < out_features; ++j) {
    const uint32_t* pan = w.panel(j / 32);
    for (int64_t k = 0; k < in_features; ++k) {
      const int8_t q = (int8_t)(uint8_t)(pan[(k / 4) * 32 + j % 32] >> (8 * (k % 4)));
      o[j * in_features + k] = scale[(size_t)j] * (float)q;
    }
  }
  return out;
}

}  // namespace tl
