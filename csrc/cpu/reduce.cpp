// Reductions (backend/interface.py "Reductions"), see reduce.h for the semantics.
//
// Every reduction is brought to one shape: a contiguous array viewed as (outer, red, inner),
// reducing the middle axis.
//   inner == 1: row reduce — each of `outer` rows of length `red` is reduced with a SIMD
//               loop with many accumulators, pairwise-blocked (sum(axis=-1), full sums);
//   inner  > 1: column reduce — rows of `inner` elements are accumulated elementwise
//               (sum(axis=0) of (B, C): the bias gradient), in column tiles that stay in
//               cache, with 128-row blocks summed separately for accuracy.
// Reduced axes that are not one block of the (contiguous) layout are permuted last and
// copied once. A non-contiguous input that is a permutation of a contiguous one (x.T) is
// read in place.
//
// FP ops never trap here: lets GCC if-convert the NaN-propagating selects and vectorise.
#pragma GCC optimize("no-trapping-math")
#include "reduce.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "elementwise.h"

namespace tl {

namespace {

// ---------------------------------------------------------------------------------------
// The plan: x as contiguous (outer, red, inner).
struct Plan {
  Array x;
  int64_t outer = 1, red = 1, inner = 1;
  Shape out_shape;
};

Plan make_plan(const Array& x0, const std::vector<int64_t>& axes, bool keepdim, const char* op) {
  const int64_t nd = x0.ndim();
  std::vector<char> red(nd, 0);
  if (axes.empty()) {
    std::fill(red.begin(), red.end(), 1);
  } else {
    for (int64_t a : axes) {
      int64_t d = normalize_axis(a, nd, op);
      if (nd == 0) continue;
      TL_CHECK(!red[d], ValueError,
               op << ": dimension " << d << " appears more than once in the axes for shape " << shape_str(x0.shape));
      red[d] = 1;
    }
  }
  Plan p;
  for (int64_t d = 0; d < nd; ++d) {
    if (!red[d]) p.out_shape.push_back(x0.shape[d]);
    else if (keepdim) p.out_shape.push_back(1);
  }

  Array x = x0;
  if (!x.is_contiguous()) {
    // A permuted contiguous array (x.T): read in place if the kept axes stay in order.
    std::vector<int64_t> perm(nd);
    std::iota(perm.begin(), perm.end(), 0);
    std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return x.strides[a] > x.strides[b]; });
    Array xp = x.permute(perm);
    bool ok = xp.is_contiguous();
    int64_t last_kept = -1;
    for (int64_t i = 0; i < nd && ok; ++i) {
      int64_t d = perm[i];
      if (red[d] || x.shape[d] == 1) continue;
      if (d < last_kept) ok = false;
      last_kept = d;
    }
    if (ok) {
      std::vector<char> r2(nd);
      for (int64_t i = 0; i < nd; ++i) r2[i] = red[perm[i]];
      red = r2;
      x = xp;
    } else {
      x = x.contiguous();
    }
  }

  // Dims of size > 1: is the reduced set one block?
  int64_t first = -1, last = -1;
  bool block = true;
  for (int64_t d = 0; d < nd; ++d) {
    if (x.shape[d] == 1 || !red[d]) continue;
    if (first < 0) first = d;
    last = d;
  }
  for (int64_t d = first; first >= 0 && d <= last; ++d)
    if (x.shape[d] != 1 && !red[d]) block = false;
  if (first < 0) {  // nothing (of size > 1) reduced
    p.x = x;
    p.outer = x.numel();
    return p;
  }
  if (block) {
    p.x = x;
    for (int64_t d = 0; d < first; ++d) p.outer *= x.shape[d];
    for (int64_t d = first; d <= last; ++d) p.red *= x.shape[d];
    for (int64_t d = last + 1; d < nd; ++d) p.inner *= x.shape[d];
    return p;
  }
  // Kept axes first, reduced last, one copy.
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < nd; ++d)
    if (!red[d]) perm.push_back(d), p.outer *= x.shape[d];
  for (int64_t d = 0; d < nd; ++d)
    if (red[d]) perm.push_back(d), p.red *= x.shape[d];
  p.x = x.permute(perm).contiguous();
  return p;
}

// ---------------------------------------------------------------------------------------
// SIMD loops. K accumulators (256 bytes: 4 AVX-512 / 8 AVX2 registers) hide add latency.
template <class T> TL_INLINE T max_nan(T v, T a) { return (v > a || v != v) ? v : a; }
template <class T> TL_INLINE T min_nan(T v, T a) { return (v < a || v != v) ? v : a; }

// max (MAX) or min of x[0..n), n >= 1, with K independent accumulators. Always inlined, so
// it is vectorised for the target of each per-ISA entry point that calls it.
template <class T, int K, bool MAX>
TL_INLINE T extreme_blk(const T* x, int64_t n) {
  auto pick = [](T v, T a) { return MAX ? max_nan(v, a) : min_nan(v, a); };
  T r = x[0];
  int64_t i = 0;
  if (n >= K) {
    T acc[K];
    for (int j = 0; j < K; ++j) acc[j] = x[j];
    for (i = K; i + K <= n; i += K)
      for (int j = 0; j < K; ++j) acc[j] = pick(x[i + j], acc[j]);
    for (int w = K / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) acc[j] = pick(acc[j + w], acc[j]);
    r = acc[0];
  }
  for (; i < n; ++i) r = pick(x[i], r);
  return r;
}

template <class T>
struct Loops {
  static constexpr int K = 256 / sizeof(T);
  // *res = Σ x[0..n)
  TL_EW_DEF(sum_blk, (const T* x, int64_t n, T* res), {
    T acc[K] = {};
    int64_t i = 0;
    for (; i + K <= n; i += K)
      for (int j = 0; j < K; ++j) acc[j] += x[i + j];
    T tail = 0;
    for (; i < n; ++i) tail += x[i];
    for (int w = K / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
    *res = acc[0] + tail;
  })
  // *res = max / min of x[0..n), n >= 1, NaN propagates
  TL_EW_DEF(max_blk, (const T* x, int64_t n, T* res), { *res = extreme_blk<T, K, true>(x, n); })
  TL_EW_DEF(min_blk, (const T* x, int64_t n, T* res), { *res = extreme_blk<T, K, false>(x, n); })
  // column accumulation: acc[c] ⊕= row[c]
  TL_EW_DEF(col_add, (T* acc, const T* row, int64_t w), {
    for (int64_t c = 0; c < w; ++c) acc[c] += row[c];
  })
  // acc[c] += (x[c] + x[ld+c]) + (x[2ld+c] + x[3ld+c]): 4 rows per pass over acc
  TL_EW_DEF(col_add4, (T* acc, const T* x, int64_t ld, int64_t w), {
    const T *x0 = x, *x1 = x + ld, *x2 = x + 2 * ld, *x3 = x + 3 * ld;
    for (int64_t c = 0; c < w; ++c) acc[c] += (x0[c] + x1[c]) + (x2[c] + x3[c]);
  })
  TL_EW_DEF(col_max, (T* acc, const T* row, int64_t w), {
    for (int64_t c = 0; c < w; ++c) acc[c] = max_nan(row[c], acc[c]);
  })
  TL_EW_DEF(col_min, (T* acc, const T* row, int64_t w), {
    for (int64_t c = 0; c < w; ++c) acc[c] = min_nan(row[c], acc[c]);
  })

  // Pairwise over blocks of kBlk: error grows like log(n), not n.
  static constexpr int64_t kBlk = 4096;
  static T sum(const T* x, int64_t n) {
    if (n <= kBlk) {
      T r;
      TL_SIMD_DISPATCH(sum_blk, x, n, &r);
      return r;
    }
    int64_t h = ((n / 2) + K - 1) / K * K;
    return sum(x, h) + sum(x + h, n - h);
  }
  static T max(const T* x, int64_t n) { T r; TL_SIMD_DISPATCH(max_blk, x, n, &r); return r; }
  static T min(const T* x, int64_t n) { T r; TL_SIMD_DISPATCH(min_blk, x, n, &r); return r; }
  static void add(T* acc, const T* row, int64_t w) { TL_SIMD_DISPATCH(col_add, acc, row, w); }
  static void add4(T* acc, const T* x, int64_t ld, int64_t w) { TL_SIMD_DISPATCH(col_add4, acc, x, ld, w); }
  static void cmax(T* acc, const T* row, int64_t w) { TL_SIMD_DISPATCH(col_max, acc, row, w); }
  static void cmin(T* acc, const T* row, int64_t w) { TL_SIMD_DISPATCH(col_min, acc, row, w); }
};

// The variance's two passes accumulate in double whatever T is: float32 data with a large
// mean (1e5 values of N(1e8, 1)) keep their tiny variance, where a float32 sum of the mean
// would be off by more than the spread itself.
template <class T>
struct WideLoops {
  static constexpr int K = 16;
  // *res = Σ x[0..n), in double
  TL_EW_DEF(sum_blk, (const T* x, int64_t n, double* res), {
    double acc[K] = {};
    int64_t i = 0;
    for (; i + K <= n; i += K)
      for (int j = 0; j < K; ++j) acc[j] += (double)x[i + j];
    double tail = 0;
    for (; i < n; ++i) tail += (double)x[i];
    for (int w = K / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
    *res = acc[0] + tail;
  })
  // *res = Σ (x − m)², in double
  TL_EW_DEF(sqdev_blk, (const T* x, int64_t n, double m, double* res), {
    double acc[K] = {};
    int64_t i = 0;
    for (; i + K <= n; i += K)
      for (int j = 0; j < K; ++j) {
        double d = (double)x[i + j] - m;
        acc[j] += d * d;
      }
    double tail = 0;
    for (; i < n; ++i) tail += ((double)x[i] - m) * ((double)x[i] - m);
    for (int w = K / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
    *res = acc[0] + tail;
  })
  // acc[c] += row[c];  acc[c] += (row[c] − m[c])²  (double accumulators)
  TL_EW_DEF(col_add, (double* acc, const T* row, int64_t w), {
    for (int64_t c = 0; c < w; ++c) acc[c] += (double)row[c];
  })
  TL_EW_DEF(col_sqdev, (double* acc, const T* row, const double* m, int64_t w), {
    for (int64_t c = 0; c < w; ++c) {
      double d = (double)row[c] - m[c];
      acc[c] += d * d;
    }
  })
  static double sum(const T* x, int64_t n) { double r; TL_SIMD_DISPATCH(sum_blk, x, n, &r); return r; }
  static double sqdev(const T* x, int64_t n, double m) {
    double r;
    TL_SIMD_DISPATCH(sqdev_blk, x, n, m, &r);
    return r;
  }
  static void add(double* acc, const T* row, int64_t w) { TL_SIMD_DISPATCH(col_add, acc, row, w); }
  static void sqd(double* acc, const T* row, const double* m, int64_t w) { TL_SIMD_DISPATCH(col_sqdev, acc, row, m, w); }
};

constexpr int64_t kTile = 1024;  // column tile (elements): the accumulators stay in L1
constexpr int64_t kRowBlk = 128; // rows summed into a fresh partial before joining the total

// x: (R, w) rows `ld` apart, w <= kTile; o[c] = Σ_r x[r, c].
template <class T>
void col_sum_tile(const T* x, int64_t R, int64_t ld, int64_t w, T* o) {
  T tmp[kTile];
  if (R == 0) {
    std::fill(o, o + w, T(0));
    return;
  }
  for (int64_t r0 = 0; r0 < R; r0 += kRowBlk) {
    int64_t r1 = std::min(R, r0 + kRowBlk);
    T* acc = r0 == 0 ? o : tmp;
    std::memcpy(acc, x + r0 * ld, w * sizeof(T));
    int64_t r = r0 + 1;
    for (; r + 4 <= r1; r += 4) Loops<T>::add4(acc, x + r * ld, ld, w);
    for (; r < r1; ++r) Loops<T>::add(acc, x + r * ld, w);
    if (r0 > 0) Loops<T>::add(o, tmp, w);
  }
}

// out (outer, inner) = Σ over red of x (outer, red, inner).
template <class T>
void sum_kernel(const Plan& p, T* out) {
  const T* x = p.x.data<T>();
  const int64_t outer = p.outer, red = p.red, inner = p.inner, total = outer * red * inner;
  if (inner == 1) {
    if (outer == 1 && get_num_threads() > 1 && red >= 2 * kParallelGrain) {  // one long row: partials
      int nt = get_num_threads();
      std::vector<T> part(nt, T(0));
      int64_t chunk = (red + nt - 1) / nt;
      parallel_for(nt, red, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          int64_t lo = t * chunk, hi = std::min(red, lo + chunk);
          if (lo < hi) part[t] = Loops<T>::sum(x + lo, hi - lo);
        }
      });
      T s = 0;
      for (T v : part) s += v;
      *out = s;
      return;
    }
    parallel_for(outer, total, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) out[o] = Loops<T>::sum(x + o * red, red);
    });
    return;
  }
  const int64_t tiles = (inner + kTile - 1) / kTile;
  const int nt = get_num_threads();
  if (outer * tiles < nt && red >= 2 * nt && total >= kParallelGrain) {
    // Few column tiles, many rows (sum over axis 0 of a tall matrix): split the rows.
    for (int64_t o = 0; o < outer; ++o) {
      const T* xo = x + o * red * inner;
      std::vector<T> part((size_t)nt * inner);
      int64_t chunk = (red + nt - 1) / nt;
      parallel_for(nt, total, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          int64_t lo = std::min(red, t * chunk), hi = std::min(red, lo + chunk);
          for (int64_t c0 = 0; c0 < inner; c0 += kTile)
            col_sum_tile<T>(xo + lo * inner + c0, hi - lo, inner, std::min(kTile, inner - c0), part.data() + t * inner + c0);
        }
      });
      T* oo = out + o * inner;
      std::memcpy(oo, part.data(), inner * sizeof(T));
      for (int t = 1; t < nt; ++t) Loops<T>::add(oo, part.data() + t * inner, inner);
    }
    return;
  }
  parallel_for(outer * tiles, total, [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      int64_t o = it / tiles, c0 = (it % tiles) * kTile;
      col_sum_tile<T>(x + o * red * inner + c0, red, inner, std::min(kTile, inner - c0), out + o * inner + c0);
    }
  });
}

// out = max (IsMax) or min over red; red >= 1.
template <class T, bool IsMax>
void maxmin_kernel(const Plan& p, T* out) {
  const T* x = p.x.data<T>();
  const int64_t outer = p.outer, red = p.red, inner = p.inner, total = outer * red * inner;
  if (inner == 1) {
    parallel_for(outer, total, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) out[o] = IsMax ? Loops<T>::max(x + o * red, red) : Loops<T>::min(x + o * red, red);
    });
    return;
  }
  const int64_t tiles = (inner + kTile - 1) / kTile;
  parallel_for(outer * tiles, total, [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      int64_t o = it / tiles, c0 = (it % tiles) * kTile, w = std::min(kTile, inner - c0);
      const T* xo = x + o * red * inner + c0;
      T* oo = out + o * inner + c0;
      std::memcpy(oo, xo, w * sizeof(T));
      for (int64_t r = 1; r < red; ++r) {
        if (IsMax) Loops<T>::cmax(oo, xo + r * inner, w);
        else Loops<T>::cmin(oo, xo + r * inner, w);
      }
    }
  });
}

// out = Σ (x − mean)² / max(red − correction, 0), two passes accumulated in double (WideLoops).
// A correction at or beyond the count divides by 0 (inf or NaN), as torch.
template <class T>
void var_kernel(const Plan& p, double correction, T* out) {
  const T* x = p.x.data<T>();
  const int64_t outer = p.outer, red = p.red, inner = p.inner, total = outer * red * inner;
  const double denom = std::max((double)red - correction, 0.0);
  if (inner == 1) {
    parallel_for(outer, total, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* r = x + o * red;
        double m = WideLoops<T>::sum(r, red) / (double)red;
        out[o] = (T)(WideLoops<T>::sqdev(r, red, m) / denom);
      }
    });
    return;
  }
  const int64_t tiles = (inner + kTile - 1) / kTile;
  parallel_for(outer * tiles, total, [&](int64_t b, int64_t e) {
    std::vector<double> mean(kTile), acc(kTile);
    for (int64_t it = b; it < e; ++it) {
      int64_t o = it / tiles, c0 = (it % tiles) * kTile, w = std::min(kTile, inner - c0);
      const T* xo = x + o * red * inner + c0;
      std::fill(mean.begin(), mean.begin() + w, 0.0);
      for (int64_t r = 0; r < red; ++r) WideLoops<T>::add(mean.data(), xo + r * inner, w);
      for (int64_t c = 0; c < w; ++c) mean[c] /= (double)red;
      std::fill(acc.begin(), acc.begin() + w, 0.0);
      for (int64_t r = 0; r < red; ++r) WideLoops<T>::sqd(acc.data(), xo + r * inner, mean.data(), w);
      T* oo = out + o * inner + c0;
      for (int64_t c = 0; c < w; ++c) oo[c] = (T)(acc[c] / denom);
    }
  });
}

// out (int64) = index of the first max (IsMax) / min along red; a NaN wins.
template <class T, bool IsMax>
void arg_kernel(const Plan& p, int64_t* out) {
  const T* x = p.x.data<T>();
  const int64_t outer = p.outer, red = p.red, inner = p.inner, total = outer * red * inner;
  auto better = [](T v, T best) {
    if (v != v) return best == best;  // first NaN wins, later ones do not
    return IsMax ? v > best : v < best;
  };
  parallel_for(outer * inner, total, [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      int64_t o = it / inner, c = it % inner;
      const T* xo = x + o * red * inner + c;
      T best = xo[0];
      int64_t bi = 0;
      for (int64_t r = 1; r < red; ++r) {
        T v = xo[r * inner];
        if (better(v, best)) best = v, bi = r;
      }
      out[it] = bi;
    }
  });
}

void check_nonempty(const Plan& p, const Array& x, const char* op) {
  TL_CHECK(p.red > 0, ValueError,
           op << ": cannot reduce over an empty dimension (input shape " << shape_str(x.shape)
              << "); the reduction has no identity");
}

}  // namespace

// x: any shape/strides; out = Σ over axes; float keeps its dtype, int64/bool → int64.
Array sum(const Array& x, const std::vector<int64_t>& axes, bool keepdim) {
  if (x.dtype == DType::Bool) return sum(x.astype(DType::Int64), axes, keepdim);
  Array out;
  TL_DISPATCH_NUMERIC(x.dtype, "sum", [&] {
    Plan p = make_plan(x, axes, keepdim, "sum");
    out = Array::empty(p.out_shape, x.dtype);
    if (p.outer * p.inner == 0) return;
    if (p.red == 0) return (void)std::fill(out.data<scalar_t>(), out.data<scalar_t>() + out.numel(), scalar_t(0));
    sum_kernel<scalar_t>(p, out.data<scalar_t>());
  });
  return out;
}

// x: float, any shape; out = Σ over axes / N (NaN for an empty reduction).
Array mean(const Array& x, const std::vector<int64_t>& axes, bool keepdim) {
  Array out;
  TL_DISPATCH_FLOATING(x.dtype, "mean", [&] {
    Plan p = make_plan(x, axes, keepdim, "mean");
    out = Array::empty(p.out_shape, x.dtype);
    const int64_t n = p.outer * p.inner;
    if (n == 0) return;
    scalar_t* o = out.data<scalar_t>();
    if (p.red == 0) return (void)std::fill(o, o + n, std::numeric_limits<scalar_t>::quiet_NaN());
    sum_kernel<scalar_t>(p, o);
    const scalar_t r = (scalar_t)p.red;
    for (int64_t i = 0; i < n; ++i) o[i] /= r;
  });
  return out;
}

namespace {
// x: numeric, any shape; out = max (MAX) / min over axes, NaN propagates; empty → ValueError.
template <bool MAX>
Array maxmin(const Array& x, const std::vector<int64_t>& axes, bool keepdim, const char* op) {
  Array out;
  TL_DISPATCH_NUMERIC(x.dtype, op, [&] {
    Plan p = make_plan(x, axes, keepdim, op);
    check_nonempty(p, x, op);
    out = Array::empty(p.out_shape, x.dtype);
    if (p.outer * p.inner == 0) return;
    maxmin_kernel<scalar_t, MAX>(p, out.data<scalar_t>());
  });
  return out;
}
}  // namespace

// out = max_axes x / min_axes x (shapes and rules: maxmin above).
Array max(const Array& x, const std::vector<int64_t>& axes, bool keepdim) {
  return maxmin<true>(x, axes, keepdim, "max");
}
Array min(const Array& x, const std::vector<int64_t>& axes, bool keepdim) {
  return maxmin<false>(x, axes, keepdim, "min");
}

// x: float, any shape; out = Σ (x − mean)² / (N − correction) over axes.
Array var(const Array& x, const std::vector<int64_t>& axes, double correction, bool keepdim) {
  Array out;
  TL_DISPATCH_FLOATING(x.dtype, "var", [&] {
    Plan p = make_plan(x, axes, keepdim, "var");
    out = Array::empty(p.out_shape, x.dtype);
    const int64_t n = p.outer * p.inner;
    if (n == 0) return;
    scalar_t* o = out.data<scalar_t>();
    if (p.red == 0) return (void)std::fill(o, o + n, std::numeric_limits<scalar_t>::quiet_NaN());
    var_kernel<scalar_t>(p, correction, o);
  });
  return out;
}

namespace {
template <bool IsMax>
Array arg_reduce(const Array& x, std::optional<int64_t> axis, bool keepdim, const char* op) {
  Array out;
  TL_DISPATCH_NUMERIC(x.dtype, op, [&] {
    Plan p;
    if (axis) {
      p = make_plan(x, {*axis}, keepdim, op);
    } else {  // over the flattened array
      p.x = x.contiguous();
      p.red = x.numel();
      if (keepdim) p.out_shape.assign(x.ndim(), 1);
    }
    check_nonempty(p, x, op);
    out = Array::empty(p.out_shape, DType::Int64);
    if (p.outer * p.inner == 0) return;
    arg_kernel<scalar_t, IsMax>(p, out.data<int64_t>());
  });
  return out;
}
}  // namespace

// x: numeric, any shape; out (int64) = index along `axis` (or into the flattened array) of
// the first maximum / minimum.
Array argmax(const Array& x, std::optional<int64_t> axis, bool keepdim) {
  return arg_reduce<true>(x, axis, keepdim, "argmax");
}
Array argmin(const Array& x, std::optional<int64_t> axis, bool keepdim) {
  return arg_reduce<false>(x, axis, keepdim, "argmin");
}

}  // namespace tl
