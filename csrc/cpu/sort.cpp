// Sorting, top-k and scans along one axis (see sort.h). Lines are independent, so the work
// is split over lines; each line is gathered into a small buffer, processed, and written out.
#include "sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"

namespace tl {

namespace {

// (outer, n, inner) of a shape around axis; a 0-d array is one line of length 1.
void split_axis(const Shape& s, int64_t axis, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = 1;
  inner = 1;
  if (s.empty()) {
    n = 1;
    return;
  }
  for (int64_t d = 0; d < axis; ++d) outer *= s[d];
  n = s[axis];
  for (int64_t d = axis + 1; d < (int64_t)s.size(); ++d) inner *= s[d];
}

int64_t axis_of(const Array& x, int64_t axis, const char* op) {
  if (x.ndim() > 0) return normalize_axis(axis, x.ndim(), op);
  TL_CHECK(axis == 0 || axis == -1, IndexError, op << ": dimension " << axis << " out of range for a 0-d tensor");
  return 0;
}

template <typename T>
inline bool is_nan(T v) {
  if constexpr (std::is_floating_point<T>::value) return v != v;
  return false;
}

// a before b in ascending order (NaN is the largest); descending: b before a.
template <typename T>
inline bool less_nan_last(T a, T b) {
  return !is_nan(a) && (is_nan(b) || a < b);
}

}  // namespace

// Line (o, i): values v[j] = x[o, j, i]; order p = stable_sort(0..n−1 by v); out[o, j, i] = v[p[j]].
std::pair<Array, Array> sort(const Array& x_in, int64_t axis, bool descending) {
  const char* op = "sort";
  check_cpu(x_in, op);
  axis = axis_of(x_in, axis, op);
  Array x = x_in.contiguous();
  int64_t outer, n, inner;
  split_axis(x.shape, axis, outer, n, inner);
  Array vals = Array::empty(x.shape, x.dtype), idx = Array::empty(x.shape, DType::Int64);
  const int64_t lines = outer * inner;
  if (x.numel() == 0) return {vals, idx};
  int64_t* ip = idx.data<int64_t>();
  TL_DISPATCH_ALL(x.dtype, op, [&] {
    using T = scalar_t;
    const T* xp = x.data<T>();
    T* vp = vals.data<T>();
    parallel_for(lines, lines * n * 8, [&](int64_t b, int64_t e) {
      std::vector<T> v(n);
      std::vector<int64_t> p(n);
      for (int64_t l = b; l < e; ++l) {
        const int64_t base = (l / inner) * n * inner + l % inner;
        for (int64_t j = 0; j < n; ++j) v[j] = xp[base + j * inner];
        std::iota(p.begin(), p.end(), 0);
        if (descending)
          std::stable_sort(p.begin(), p.end(), [&](int64_t a, int64_t c) { return less_nan_last(v[c], v[a]); });
        else
          std::stable_sort(p.begin(), p.end(), [&](int64_t a, int64_t c) { return less_nan_last(v[a], v[c]); });
        for (int64_t j = 0; j < n; ++j) {
          vp[base + j * inner] = v[p[j]];
          ip[base + j * inner] = p[j];
        }
      }
    });
  });
  return {vals, idx};
}

// The frame topk and kthvalue share: x_in made contiguous and viewed as (outer, n, inner) around
// axis, k checked against [k_min, n], and (values, int64 indices) allocated with k (keep_k) or 1
// elements along axis.
struct Selection {
  Array x, vals, idx;
  int64_t outer, n, inner, lines;
};

static Selection selection(const Array& x_in, int64_t axis, int64_t k, int64_t k_min, bool keep_k, const char* op) {
  check_cpu(x_in, op);
  axis = axis_of(x_in, axis, op);
  Selection s;
  s.x = x_in.contiguous();
  split_axis(s.x.shape, axis, s.outer, s.n, s.inner);
  TL_CHECK(k >= k_min && k <= s.n, IndexError,
           op << ": k (" << k << ") out of range for dimension " << axis << " of size " << s.n);
  Shape os = s.x.shape;
  if (!os.empty()) os[axis] = keep_k ? k : 1;
  s.vals = Array::empty(os, s.x.dtype);
  s.idx = Array::empty(os, DType::Int64);
  s.lines = s.outer * s.inner;
  return s;
}

// Line (o, i): the first k of the line's order (largest first when `largest`), NaN ranking as
// the largest value. Torch's own algorithm (aten TopKImpl.h), so that among equal values the same
// indices are chosen: the line's (value, index) pairs, then std::partial_sort of the first k when
// k·64 ≤ n, else std::nth_element at k−1 and std::sort of the k−1 before it. Ties carry no index
// order of their own there; following torch step by step is what makes its choice ours.
template <typename T>
static void topk_line(const T* x, int64_t n, int64_t stride, int64_t k, bool largest, std::vector<std::pair<T, int64_t>>& q,
                      T* vo, int64_t* io, int64_t ostride) {
  using P = std::pair<T, int64_t>;
  q.resize(n);
  for (int64_t j = 0; j < n; ++j) q[j] = {x[j * stride], j};
  auto run = [&](auto before) {
    if (k * 64 <= n) {
      std::partial_sort(q.begin(), q.begin() + k, q.end(), before);
    } else {
      std::nth_element(q.begin(), q.begin() + k - 1, q.end(), before);
      std::sort(q.begin(), q.begin() + k - 1, before);
    }
  };
  if (largest)
    run([](const P& a, const P& b) { return (is_nan(a.first) && !is_nan(b.first)) || a.first > b.first; });
  else
    run([](const P& a, const P& b) { return (!is_nan(a.first) && is_nan(b.first)) || a.first < b.first; });
  for (int64_t j = 0; j < k; ++j) {
    vo[j * ostride] = q[j].first;
    io[j * ostride] = q[j].second;
  }
}

std::pair<Array, Array> topk(const Array& x_in, int64_t k, int64_t axis, bool largest) {
  const char* op = "topk";
  Selection s = selection(x_in, axis, k, 0, true, op);
  const Array& x = s.x;
  Array &vals = s.vals, &idx = s.idx;
  const int64_t n = s.n, inner = s.inner, lines = s.lines;
  if (vals.numel() == 0) return {vals, idx};
  int64_t* ip = idx.data<int64_t>();
  TL_DISPATCH_ALL(x.dtype, op, [&] {
    using T = scalar_t;
    const T* xp = x.data<T>();
    T* vp = vals.data<T>();
    parallel_for(lines, lines * n * 2, [&](int64_t b, int64_t e) {
      std::vector<std::pair<T, int64_t>> q;
      for (int64_t l = b; l < e; ++l) {
        const int64_t o = l / inner, i = l % inner;
        topk_line<T>(xp + o * n * inner + i, n, inner, k, largest, q, vp + o * k * inner + i, ip + o * k * inner + i,
                     inner);
      }
    });
  });
  return {vals, idx};
}

// Line (o, i): the k-th smallest (0-based kk here), NaN ranking as the largest. Torch's CPU
// kthvalue is a median-of-three quick-select (aten SortingUtils.h, "Numerical Recipes" style)
// over the line's (value, index) pairs; which of several equal values it returns depends on
// every swap, so the same partition steps are taken here, with gt(a, b) = a > b or (a is NaN,
// b is not). Expected O(n) per line.
template <typename T>
static void kthvalue_line(const T* x, int64_t n, int64_t stride, int64_t kk, std::vector<T>& v,
                          std::vector<int64_t>& ix, T* vo, int64_t* io) {
  v.resize(n);
  ix.resize(n);
  for (int64_t j = 0; j < n; ++j) v[j] = x[j * stride], ix[j] = j;
  auto gt = [](T a, T b) { return (is_nan(a) && !is_nan(b)) || a > b; };
  auto swap = [&](int64_t a, int64_t b) {  // by value: std::vector<bool> has no references to swap
    const T t = v[a];
    v[a] = v[b], v[b] = t;
    std::swap(ix[a], ix[b]);
  };
  int64_t L = 0, R = n - 1;
  while (R > L) {
    if (R == L + 1) {  // two left
      if (gt(v[L], v[R])) swap(L, R);
      break;
    }
    // pivot: the median of v[L], v[mid], v[R], moved to L (v[L+1] ≤ v[L] ≤ v[R] after these)
    swap(L + (R - L) / 2, L + 1);
    if (gt(v[L + 1], v[R])) swap(L + 1, R);
    if (gt(v[L], v[R])) swap(L, R);
    if (gt(v[L + 1], v[L])) swap(L + 1, L);
    int64_t i = L + 1, j = R;
    const T piv = v[L];
    for (;;) {  // the sentinels v[L+1] ≤ piv ≤ v[R] stop both scans inside [L, R]
      do ++i; while (gt(piv, v[i]));
      do --j; while (gt(v[j], piv));
      if (j < i) break;
      swap(i, j);
    }
    swap(L, j);  // the pivot to its final place j
    if (j <= kk) L = i;
    if (j >= kk) R = j - 1;
  }
  *vo = v[kk];
  *io = ix[kk];
}

std::pair<Array, Array> kthvalue(const Array& x_in, int64_t k, int64_t axis) {
  const char* op = "kthvalue";
  Selection s = selection(x_in, axis, k, 1, false, op);
  const Array& x = s.x;
  Array &vals = s.vals, &idx = s.idx;
  const int64_t n = s.n, inner = s.inner, lines = s.lines;
  if (vals.numel() == 0) return {vals, idx};
  int64_t* ip = idx.data<int64_t>();
  TL_DISPATCH_ALL(x.dtype, op, [&] {
    using T = scalar_t;
    const T* xp = x.data<T>();
    T* vp = vals.data<T>();
    parallel_for(lines, lines * n * 2, [&](int64_t b, int64_t e) {
      std::vector<T> v;
      std::vector<int64_t> ix;
      for (int64_t l = b; l < e; ++l) {
        const int64_t o = l / inner, i = l % inner;
        kthvalue_line<T>(xp + o * n * inner + i, n, inner, k - 1, v, ix, vp + o * inner + i, ip + o * inner + i);
      }
    });
  });
  return {vals, idx};
}

namespace {

// y[o, j, i] = x[o, 0, i] ∘ … ∘ x[o, j, i]; lanes run along inner (contiguous), slabs of
// outer are split over threads. Acc: double for floats, int64 for int64.
template <bool Prod>
Array scan(const Array& x_in, int64_t axis, const char* op) {
  check_cpu(x_in, op);
  axis = axis_of(x_in, axis, op);
  TL_CHECK(x_in.dtype != DType::Bool, TypeError, op << ": expected a numeric dtype, got bool (convert it first)");
  Array x = x_in.contiguous();
  int64_t outer, n, inner;
  split_axis(x.shape, axis, outer, n, inner);
  Array out = Array::empty(x.shape, x.dtype);
  if (x.numel() == 0) return out;
  TL_DISPATCH_NUMERIC(x.dtype, op, [&] {
    using T = scalar_t;
    using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;
    const T* xp = x.data<T>();
    T* yp = out.data<T>();
    if (inner == 1) {  // one running value per line: kept in a register
      parallel_for(outer, outer * n, [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const T* s = xp + o * n;
          T* d = yp + o * n;
          Acc run = Prod ? Acc(1) : Acc(0);
          for (int64_t j = 0; j < n; ++j) {
            run = Prod ? run * (Acc)s[j] : run + (Acc)s[j];
            d[j] = (T)run;
          }
        }
      });
      return;
    }
    parallel_for(outer, outer * n * inner, [&](int64_t b, int64_t e) {
      std::vector<Acc> acc(inner);
      for (int64_t o = b; o < e; ++o) {
        std::fill(acc.begin(), acc.end(), Prod ? Acc(1) : Acc(0));
        Acc* a = acc.data();
        for (int64_t j = 0; j < n; ++j) {
          const T* s = xp + (o * n + j) * inner;
          T* d = yp + (o * n + j) * inner;
          for (int64_t i = 0; i < inner; ++i) {
            if (Prod)
              a[i] *= (Acc)s[i];
            else
              a[i] += (Acc)s[i];
            d[i] = (T)a[i];
          }
        }
      }
    });
  });
  return out;
}

}  // namespace

Array cumsum(const Array& x, int64_t axis) { return scan<false>(x, axis, "cumsum"); }
Array cumprod(const Array& x, int64_t axis) { return scan<true>(x, axis, "cumprod"); }

// One line x[0..n), g[0..n), z = the first j with x_j = 0 (n if none), P_j = Π_{k≤j} x_k:
//   i < z:  dx_i = (Σ_{j≥i} g_j P_j) / x_i            (P_j = 0 for j ≥ z: those terms vanish)
//   i = z:  dx_z = P_{z−1} · Σ_{j≥z} g_j Π_{z<k≤j} x_k
//   i > z:  dx_i = 0                                   (every product keeps the zero x_z)
Array cumprod_backward(const Array& x_in, const Array& g_in, int64_t axis) {
  const char* op = "cumprod_backward";
  check_cpu(x_in, op);
  check_cpu(g_in, op);
  TL_CHECK(x_in.shape == g_in.shape && x_in.dtype == g_in.dtype, ValueError,
           op << ": x " << shape_str(x_in.shape) << " and g " << shape_str(g_in.shape) << " must match");
  axis = axis_of(x_in, axis, op);
  Array x = x_in.contiguous(), g = g_in.contiguous();
  int64_t outer, n, inner;
  split_axis(x.shape, axis, outer, n, inner);
  Array dx = Array::empty(x.shape, x.dtype);
  if (x.numel() == 0) return dx;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    const T *xp = x.data<T>(), *gp = g.data<T>();
    T* dp = dx.data<T>();
    const int64_t lines = outer * inner;
    parallel_for(lines, lines * n * 4, [&](int64_t b, int64_t e) {
      std::vector<double> P(n);
      for (int64_t l = b; l < e; ++l) {
        const int64_t base = (l / inner) * n * inner + l % inner;
        auto X = [&](int64_t j) { return (double)xp[base + j * inner]; };
        auto G = [&](int64_t j) { return (double)gp[base + j * inner]; };
        int64_t z = n;
        double run = 1.0;
        for (int64_t j = 0; j < n; ++j) {
          if (z == n && X(j) == 0.0) z = j;
          run *= X(j);
          P[j] = run;
        }
        double suffix = 0.0;  // Σ_{j≥i} g_j P_j, built from the end
        for (int64_t j = n - 1; j >= 0; --j) {
          suffix += G(j) * P[j];
          if (j < z) dp[base + j * inner] = (T)(suffix / X(j));
          else if (j > z) dp[base + j * inner] = T(0);
        }
        if (z < n) {
          double acc = 0.0, q = 1.0;
          for (int64_t j = z; j < n; ++j) {
            if (j > z) q *= X(j);
            acc += G(j) * q;
          }
          dp[base + z * inner] = (T)((z > 0 ? P[z - 1] : 1.0) * acc);
        }
      }
    });
  });
  return dx;
}

}  // namespace tl
