// Indexing kernels: index_select, index_add, gather, scatter_add, cat, nonzero.
// Every index is validated before any write (IndexError naming the op, index and size),
// so a bad index never touches memory and nothing is thrown inside a parallel region.
#include "index.h"

#include <cstring>

#include "../core/checks.h"
#include "../core/parallel.h"

namespace tl {

namespace {

void check_index_dtype(const Array& idx, const char* op) {
  check_cpu(idx, op);
  TL_CHECK(idx.dtype == DType::Int64, TypeError,
           op << ": expected an int64 index, got " << dtype_name(idx.dtype));
}

// Every value of idx (contiguous int64, n values) in [0, size).
void check_bounds(const int64_t* v, int64_t n, int64_t size, const char* op, int64_t axis) {
  for (int64_t i = 0; i < n; ++i)
    TL_CHECK(v[i] >= 0 && v[i] < size, IndexError,
             op << ": index " << v[i] << " is out of bounds for dimension " << axis << " with size " << size);
}

void split(const Shape& s, int64_t axis, int64_t& outer, int64_t& A, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= s[d];
  A = s[axis];
  for (int64_t d = axis + 1; d < (int64_t)s.size(); ++d) inner *= s[d];
}

Array zeros(const Shape& shape, DType dt) {
  Array a = Array::empty(shape, dt);
  if (a.numel()) std::memset(a.raw(), 0, (size_t)a.numel() * a.itemsize());
  return a;
}

void check_shape_arg(const Shape& shape, const char* op) {
  for (int64_t d : shape)
    TL_CHECK(d >= 0, ValueError, op << ": negative size in shape " << shape_str(shape));
}

// Arguments of the accumulating scatters (index_add, scatter_add): src on the CPU and
// numeric, idx int64, `shape` without negative sizes.
void check_accumulate_args(const Shape& shape, const Array& idx, const Array& src, const char* op) {
  check_cpu(src, op);
  check_index_dtype(idx, op);
  check_shape_arg(shape, op);
  TL_CHECK(src.dtype != DType::Bool, TypeError, op << ": expected a numeric dtype, got bool");
}

}  // namespace

// x viewed as (outer, A, inner) contiguous, idx (K,):
// out[o, k, i] = x[o, idx[k], i]   → out (outer, K, inner)
Array index_select(const Array& x_in, int64_t axis, const Array& idx_in) {
  const char* op = "index_select";
  check_cpu(x_in, op);
  check_index_dtype(idx_in, op);
  TL_CHECK(idx_in.ndim() <= 1, ValueError,
           op << ": index must be 1-D, got shape " << shape_str(idx_in.shape));
  Array x = x_in.ndim() == 0 ? x_in.reshape({1}) : x_in.contiguous();
  axis = normalize_axis(axis, x.ndim(), op);
  Array idx = idx_in.contiguous();
  const int64_t K = idx.numel();
  const int64_t* iv = idx.data<int64_t>();
  int64_t outer, A, inner;
  split(x.shape, axis, outer, A, inner);
  check_bounds(iv, K, A, op, axis);
  Shape os = x.shape;
  os[axis] = K;
  Array out = Array::empty(os, x.dtype);
  if (out.numel() == 0) return out;
  TL_DISPATCH_ALL(x.dtype, op, [&] {
    const scalar_t* xp = x.data<scalar_t>();
    scalar_t* op_ = out.data<scalar_t>();
    parallel_for(outer * K, outer * K * inner, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r / K, k = r % K;
        const scalar_t* s = xp + (o * A + iv[k]) * inner;
        scalar_t* d = op_ + r * inner;
        for (int64_t i = 0; i < inner; ++i) d[i] = s[i];
      }
    });
  });
  return out;
}

// out (outer, A, inner) = 0;  out[o, idx[k], i] += src[o, k, i]  for k in [0, K)
// (serial over k within a column range: repeated indices accumulate, deterministically)
Array index_add(const Shape& shape, int64_t axis, const Array& idx_in, const Array& src_in) {
  const char* op = "index_add";
  check_accumulate_args(shape, idx_in, src_in, op);
  TL_CHECK(!shape.empty(), ValueError, op << ": shape must have at least one dimension");
  axis = normalize_axis(axis, (int64_t)shape.size(), op);
  TL_CHECK(idx_in.ndim() <= 1, ValueError, op << ": index must be 1-D, got shape " << shape_str(idx_in.shape));
  const int64_t K = idx_in.numel();
  Shape expect = shape;
  expect[axis] = K;
  TL_CHECK(src_in.shape == expect, ValueError,
           op << ": source shape " << shape_str(src_in.shape) << " does not match " << shape_str(expect)
              << " (shape " << shape_str(shape) << " with " << K << " indices on dimension " << axis << ")");
  Array idx = idx_in.contiguous(), src = src_in.contiguous();
  const int64_t* iv = idx.data<int64_t>();
  int64_t outer, A, inner;
  split(shape, axis, outer, A, inner);
  check_bounds(iv, K, A, op, axis);
  Array out = zeros(shape, src.dtype);
  if (out.numel() == 0 || K == 0) return out;
  TL_DISPATCH_NUMERIC(src.dtype, op, [&] {
    const scalar_t* sp = src.data<scalar_t>();
    scalar_t* dp = out.data<scalar_t>();
    auto body = [&](int64_t o0, int64_t o1, int64_t i0, int64_t i1) {
      for (int64_t o = o0; o < o1; ++o)
        for (int64_t k = 0; k < K; ++k) {
          scalar_t* d = dp + (o * A + iv[k]) * inner;
          const scalar_t* s = sp + (o * K + k) * inner;
          for (int64_t i = i0; i < i1; ++i) d[i] += s[i];
        }
    };
    if (inner >= 64)  // columns are independent: split them
      parallel_for(inner, outer * K * inner, [&](int64_t b, int64_t e) { body(0, outer, b, e); });
    else  // slabs of outer are independent
      parallel_for(outer, outer * K * inner, [&](int64_t b, int64_t e) { body(b, e, 0, inner); });
  });
  return out;
}

namespace {

// Strides of a contiguous shape; position p ↦ multi-index through them.
struct Odometer {
  Shape shape, cs;
  explicit Odometer(const Shape& s) : shape(s), cs(contiguous_strides(s)) {}
  int64_t coord(int64_t p, int64_t d) const { return (p / cs[d]) % shape[d]; }
};

}  // namespace

// out[p] = x[p with coordinate `axis` replaced by idx[p]], p over idx.shape (torch.gather).
Array gather(const Array& x_in, int64_t axis, const Array& idx_in) {
  const char* op = "gather";
  check_cpu(x_in, op);
  check_index_dtype(idx_in, op);
  Array x = x_in.ndim() == 0 ? x_in.reshape({1}) : x_in;
  Array idx = idx_in.ndim() == 0 ? idx_in.reshape({1}) : idx_in.contiguous();
  const int64_t nd = x.ndim();
  axis = normalize_axis(axis, nd, op);
  TL_CHECK(idx.ndim() == nd, ValueError,
           op << ": index " << shape_str(idx_in.shape) << " must have as many dimensions as input "
              << shape_str(x_in.shape));
  for (int64_t d = 0; d < nd; ++d)
    TL_CHECK(d == axis || idx.shape[d] <= x.shape[d], ValueError,
             op << ": index shape " << shape_str(idx.shape) << " exceeds input shape " << shape_str(x.shape)
                << " on dimension " << d);
  const int64_t n = idx.numel();
  const int64_t* iv = idx.data<int64_t>();
  check_bounds(iv, n, x.shape[axis], op, axis);
  Array out = Array::empty(idx_in.shape, x.dtype);
  if (n == 0) return out;
  const Odometer od(idx.shape);
  TL_DISPATCH_ALL(x.dtype, op, [&] {
    const scalar_t* xp = x.data<scalar_t>();
    scalar_t* op_ = out.data<scalar_t>();
    parallel_for(n, n * 4, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        int64_t off = iv[p] * x.strides[axis];
        for (int64_t d = 0; d < nd; ++d)
          if (d != axis) off += od.coord(p, d) * x.strides[d];
        op_[p] = xp[off];
      }
    });
  });
  return out;
}

// out = zeros(shape); out[p with coordinate `axis` replaced by idx[p]] += src[p], p over idx.shape.
Array scatter_add(const Shape& shape_in, int64_t axis, const Array& idx_in, const Array& src_in) {
  const char* op = "scatter_add";
  check_accumulate_args(shape_in, idx_in, src_in, op);
  const bool scalar = shape_in.empty();
  Shape shape = scalar ? Shape{1} : shape_in;
  Array src = src_in.ndim() == 0 ? src_in.reshape({1}) : src_in;
  Array idx = idx_in.ndim() == 0 ? idx_in.reshape({1}) : idx_in.contiguous();
  const int64_t nd = (int64_t)shape.size();
  axis = normalize_axis(axis, nd, op);
  TL_CHECK(idx.ndim() == nd && src.ndim() == nd, ValueError,
           op << ": index " << shape_str(idx_in.shape) << ", source " << shape_str(src_in.shape) << " and shape "
              << shape_str(shape_in) << " must have the same number of dimensions");
  for (int64_t d = 0; d < nd; ++d) {
    TL_CHECK(idx.shape[d] <= src.shape[d], ValueError,
             op << ": index shape " << shape_str(idx.shape) << " exceeds source shape " << shape_str(src.shape)
                << " on dimension " << d);
    TL_CHECK(d == axis || idx.shape[d] <= shape[d], ValueError,
             op << ": index shape " << shape_str(idx.shape) << " exceeds output shape " << shape_str(shape)
                << " on dimension " << d);
  }
  const int64_t n = idx.numel();
  const int64_t* iv = idx.data<int64_t>();
  check_bounds(iv, n, shape[axis], op, axis);
  Array out = zeros(shape, src.dtype);
  const Odometer od(idx.shape);
  const Shape ocs = contiguous_strides(shape);
  TL_DISPATCH_NUMERIC(src.dtype, op, [&] {
    const scalar_t* sp = src.data<scalar_t>();
    scalar_t* dp = out.data<scalar_t>();
    for (int64_t p = 0; p < n; ++p) {  // serial: colliding indices accumulate in a fixed order
      int64_t so = 0, oo = iv[p] * ocs[axis];
      for (int64_t d = 0; d < nd; ++d) {
        const int64_t c = od.coord(p, d);
        so += c * src.strides[d];
        if (d != axis) oo += c * ocs[d];
      }
      dp[oo] += sp[so];
    }
  });
  return scalar ? out.reshape({}) : out;
}

// out = copy of x; out[p with coordinate `axis` replaced by idx[p]] = src[p], p over idx.shape.
Array scatter(const Array& x_in, int64_t axis, const Array& idx_in, const Array& src_in) {
  const char* op = "scatter";
  check_cpu(x_in, op);
  check_cpu(src_in, op);
  check_index_dtype(idx_in, op);
  TL_CHECK(src_in.dtype == x_in.dtype, TypeError,
           op << ": expected src of dtype " << dtype_name(x_in.dtype) << ", got " << dtype_name(src_in.dtype));
  const bool scalar = x_in.ndim() == 0;
  Array out = scalar ? x_in.reshape({1}).clone() : x_in.clone();
  Array src = src_in.ndim() == 0 ? src_in.reshape({1}) : src_in;
  Array idx = idx_in.ndim() == 0 ? idx_in.reshape({1}) : idx_in.contiguous();
  const int64_t nd = out.ndim();
  axis = normalize_axis(axis, nd, op);
  TL_CHECK(idx.ndim() == nd && src.ndim() == nd, ValueError,
           op << ": index " << shape_str(idx_in.shape) << ", source " << shape_str(src_in.shape) << " and input "
              << shape_str(x_in.shape) << " must have the same number of dimensions");
  for (int64_t d = 0; d < nd; ++d) {
    TL_CHECK(idx.shape[d] <= src.shape[d], ValueError,
             op << ": index shape " << shape_str(idx.shape) << " exceeds source shape " << shape_str(src.shape)
                << " on dimension " << d);
    TL_CHECK(d == axis || idx.shape[d] <= out.shape[d], ValueError,
             op << ": index shape " << shape_str(idx.shape) << " exceeds input shape " << shape_str(out.shape)
                << " on dimension " << d);
  }
  const int64_t n = idx.numel();
  const int64_t* iv = idx.data<int64_t>();
  check_bounds(iv, n, out.shape[axis], op, axis);
  const Odometer od(idx.shape);
  const Shape ocs = contiguous_strides(out.shape);
  TL_DISPATCH_ALL(out.dtype, op, [&] {
    const scalar_t* sp = src.data<scalar_t>();
    scalar_t* dp = out.data<scalar_t>();
    for (int64_t p = 0; p < n; ++p) {  // serial: of colliding indices the last one wins
      int64_t so = 0, oo = iv[p] * ocs[axis];
      for (int64_t d = 0; d < nd; ++d) {
        const int64_t c = od.coord(p, d);
        so += c * src.strides[d];
        if (d != axis) oo += c * ocs[d];
      }
      dp[oo] = sp[so];
    }
  });
  return scalar ? out.reshape({}) : out;
}

// out = [xs[0] | xs[1] | ...] along axis.
Array cat(const std::vector<Array>& xs, int64_t axis) {
  const char* op = "cat";
  TL_CHECK(!xs.empty(), ValueError, op << ": expected a non-empty list of tensors");
  const Array& a0 = xs[0];
  TL_CHECK(a0.ndim() > 0, ValueError, op << ": zero-dimensional tensor (at position 0) cannot be concatenated");
  axis = normalize_axis(axis, a0.ndim(), op);
  int64_t total = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Array& a = xs[i];
    check_cpu(a, op);
    TL_CHECK(a.dtype == a0.dtype, TypeError,
             op << ": expected all tensors to have dtype " << dtype_name(a0.dtype) << ", tensor " << i << " has "
                << dtype_name(a.dtype));
    TL_CHECK(a.ndim() == a0.ndim(), ValueError,
             op << ": tensors must have the same number of dimensions: tensor 0 has shape " << shape_str(a0.shape)
                << ", tensor " << i << " has shape " << shape_str(a.shape));
    for (int64_t d = 0; d < a.ndim(); ++d)
      TL_CHECK(d == axis || a.shape[d] == a0.shape[d], ValueError,
               op << ": sizes of tensors must match except in dimension " << axis << ": tensor 0 has shape "
                  << shape_str(a0.shape) << ", tensor " << i << " has shape " << shape_str(a.shape));
    total += a.shape[axis];
  }
  Shape os = a0.shape;
  os[axis] = total;
  Array out = Array::empty(os, a0.dtype);
  int64_t off = 0;
  for (const Array& a : xs) {
    const int64_t n = a.shape[axis];
    if (n > 0 && a.numel() > 0) out.slice(axis, off, off + n, 1).copy_from(a);
    off += n;
  }
  return out;
}

// out[k, :] = coordinates of the k-th non-zero element of x in row-major order; (K, ndim).
Array nonzero(const Array& x_in) {
  const char* op = "nonzero";
  check_cpu(x_in, op);
  Array x = x_in.contiguous();
  const int64_t n = x.numel(), nd = x.ndim();
  std::vector<int64_t> pos;
  TL_DISPATCH_ALL(x.dtype, op, [&] {
    const scalar_t* p = x.data<scalar_t>();
    for (int64_t i = 0; i < n; ++i)
      if (p[i] != scalar_t(0)) pos.push_back(i);
  });
  const int64_t K = (int64_t)pos.size();
  Array out = Array::empty({K, nd}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  const Shape cs = contiguous_strides(x.shape);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t d = 0; d < nd; ++d) o[k * nd + d] = (pos[k] / cs[d]) % x.shape[d];
  return out;
}

}  // namespace tl
