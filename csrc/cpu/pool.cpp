// Max, average and adaptive pooling, max-unpooling, and their backward passes. Formulas: pool.h.
//
// Each axis gets a table of windows (first element, end, step, and the count average
// pooling divides by); the kernels walk planes (n, c) in parallel, one output at a time.
// Backward passes scatter into the same plane they read, so planes stay independent.
#include "pool.h"

#include <cmath>
#include <limits>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "elementwise.h"

namespace tl {

namespace {

struct Win {
  int64_t begin, end, step;  // elements begin, begin + step, ... < end, all inside [0, size)
  int64_t padded;            // avg pooling: the window's size counting the padding
};

std::vector<Win> windows(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d) {
  std::vector<Win> w((size_t)out);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t start = i * s - p;
    int64_t b = start;
    if (b < 0) b += ((-b + d - 1) / d) * d;  // first tap inside the input
    const int64_t e = std::min(start + d * (k - 1) + 1, in);
    w[(size_t)i] = {b, std::max(b, e), d, std::min(start + k, in + p) - start};
  }
  return w;
}

std::vector<Win> adaptive_windows(int64_t in, int64_t out) {
  std::vector<Win> w((size_t)out);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t b = (i * in) / out, e = ((i + 1) * in + out - 1) / out;
    w[(size_t)i] = {b, e, 1, e - b};
  }
  return w;
}

std::vector<int64_t> pair(const std::vector<int64_t>& v, const char* op, const char* what) {
  TL_CHECK(v.size() == 2, ValueError, op << ": expected " << what << " to have 2 values (h, w), got " << v.size());
  return v;
}

// x as planes (P, H, W) of a float array with >= 2 dims.
void check_planes(const Array& x, const char* op) {
  check_cpu(x, op);
  TL_CHECK(is_floating(x.dtype), TypeError, op << ": expected a floating input, got " << dtype_name(x.dtype));
  TL_CHECK(x.ndim() >= 3, ValueError, op << ": expected an input of 3 or 4 dims (…, H, W), got " << shape_str(x.shape));
}

int64_t planes(const Shape& s) {
  int64_t p = 1;
  for (size_t i = 0; i + 2 < s.size(); ++i) p *= s[i];
  return p;
}

Shape with_hw(Shape s, int64_t h, int64_t w) {
  s[s.size() - 2] = h, s[s.size() - 1] = w;
  return s;
}

void check_window_args(const std::vector<int64_t>& k, const std::vector<int64_t>& s, const std::vector<int64_t>& p,
                       const std::vector<int64_t>& d, const char* op) {
  for (int a = 0; a < 2; ++a) {
    TL_CHECK(k[a] > 0 && s[a] > 0 && d[a] > 0, ValueError,
             op << ": kernel_size, stride and dilation must be positive, got kernel (" << k[0] << ", " << k[1]
                << "), stride (" << s[0] << ", " << s[1] << "), dilation (" << d[0] << ", " << d[1] << ")");
    TL_CHECK(p[a] >= 0 && p[a] <= k[a] / 2, ValueError,
             op << ": padding (" << p[0] << ", " << p[1] << ") must be non-negative and at most half of kernel_size ("
                << k[0] << ", " << k[1] << ")");
  }
}

// v replaces the running maximum (torch's rule: strictly greater, or NaN)
template <typename T>
inline bool beats(T v, T m) {
  return v > m || v != v;
}

// The 2×2, stride-2, unpadded window (every LeNet/VGG pooling layer): four loads and three
// selects per output, written without branches (random data would mispredict half of them)
// so the compiler vectorises the row per target. Same result as max_kernel.
template <typename T>
struct Max2x2 {
  TL_EW_DEF(row, (const T* r0, const T* r1, T* y, int64_t* idx, int64_t OW, int64_t base, int64_t W), {
    for (int64_t j = 0; j < OW; ++j) {
      const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
      int64_t k = base + 2 * j;
      bool t = (b > a) | (b != b);
      T m = t ? b : a;
      k = t ? k + 1 : k;
      t = (c > m) | (c != c);
      m = t ? c : m;
      k = t ? base + W + 2 * j : k;
      t = (d > m) | (d != d);
      m = t ? d : m;
      k = t ? base + W + 2 * j + 1 : k;
      y[j] = m;
      idx[j] = k;
    }
  })
};

template <typename T>
void max_2x2_kernel(const T* x, T* y, int64_t* idx, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  parallel_for(P, P * OH * OW * 4, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl)
      for (int64_t i = 0; i < OH; ++i) {
        const T* r0 = x + pl * H * W + 2 * i * W;
        const int64_t o = (pl * OH + i) * OW;
        TL_SIMD_DISPATCH(Max2x2<T>::row, r0, r0 + W, y + o, idx + o, OW, 2 * i * W, W);
      }
  });
}

// y[o] = max over the window (first maximum, NaN wins), idx[o] = h·W + w of it.
template <typename T>
void max_kernel(const T* x, T* y, int64_t* idx, int64_t P, int64_t H, int64_t W, const std::vector<Win>& wh,
                const std::vector<Win>& ww) {
  const int64_t OH = (int64_t)wh.size(), OW = (int64_t)ww.size();
  parallel_for(P, P * OH * OW * 4, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      const T* xs = x + pl * H * W;
      for (int64_t i = 0; i < OH; ++i) {
        const Win& a = wh[(size_t)i];
        for (int64_t j = 0; j < OW; ++j) {
          const Win& b = ww[(size_t)j];
          int64_t mi = a.begin * W + b.begin;
          T mv = -std::numeric_limits<T>::infinity();
          for (int64_t h = a.begin; h < a.end; h += a.step)
            for (int64_t w = b.begin; w < b.end; w += b.step) {
              const T v = xs[h * W + w];
              if (beats(v, mv)) mv = v, mi = h * W + w;
            }
          y[(pl * OH + i) * OW + j] = mv;
          idx[(pl * OH + i) * OW + j] = mi;
        }
      }
    }
  });
}

// AVG pooling forward (BACKWARD = false) or its backward (g → gx), D per window as pool.h.
template <typename T, bool BACKWARD>
void avg_kernel(const T* in, T* out, int64_t P, int64_t H, int64_t W, const std::vector<Win>& wh,
                const std::vector<Win>& ww, bool count_include_pad, int64_t divisor) {
  const int64_t OH = (int64_t)wh.size(), OW = (int64_t)ww.size();
  parallel_for(P, P * H * W + P * OH * OW * 4, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      T* xs = BACKWARD ? out + pl * H * W : nullptr;
      if (BACKWARD) std::fill(xs, xs + H * W, T(0));
      for (int64_t i = 0; i < OH; ++i) {
        const Win& a = wh[(size_t)i];
        for (int64_t j = 0; j < OW; ++j) {
          const Win& b = ww[(size_t)j];
          const int64_t n = (a.end - a.begin) * (b.end - b.begin);
          const int64_t D = divisor > 0 ? divisor : count_include_pad ? a.padded * b.padded : n;
          const int64_t o = (pl * OH + i) * OW + j;
          if (n <= 0) {
            if (!BACKWARD) out[o] = T(0);
            continue;
          }
          if (BACKWARD) {
            const T gv = in[o] / (T)D;
            for (int64_t h = a.begin; h < a.end; ++h)
              for (int64_t w = b.begin; w < b.end; ++w) xs[h * W + w] += gv;
          } else {
            const T* xs_in = in + pl * H * W;
            T s = T(0);
            for (int64_t h = a.begin; h < a.end; ++h)
              for (int64_t w = b.begin; w < b.end; ++w) s += xs_in[h * W + w];
            out[o] = s / (T)D;
          }
        }
      }
    }
  });
}

// Planes of idx (P, L) into planes of out (P, HW): out[idx] += v (ADD) or out[idx] = v.
template <typename T, bool ADD>
void scatter_planes(const T* v, const int64_t* idx, T* out, int64_t P, int64_t L, int64_t HW, const char* op) {
  for (int64_t i = 0; i < P * L; ++i)
    TL_CHECK(idx[i] >= 0 && idx[i] < HW, IndexError,
             op << ": index " << idx[i] << " is out of range for a plane of " << HW << " elements");
  parallel_for(P, P * (L + HW), [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      T* os = out + pl * HW;
      std::fill(os, os + HW, T(0));
      for (int64_t l = 0; l < L; ++l) {
        if (ADD) os[idx[pl * L + l]] += v[pl * L + l];
        else os[idx[pl * L + l]] = v[pl * L + l];
      }
    }
  });
}

}  // namespace

int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode, const char* op) {
  int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && out > 0 && (out - 1) * s >= in + p) --out;
  TL_CHECK(out > 0, ValueError,
           op << ": input size " << in << " with kernel " << k << ", stride " << s << ", padding " << p << " and dilation "
              << d << " gives an output size of " << out << ": too small");
  return out;
}

std::pair<Array, Array> max_pool2d(const Array& x_, const std::vector<int64_t>& kernel,
                                   const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                                   const std::vector<int64_t>& dilation, bool ceil_mode) {
  const char* op = "max_pool2d";
  check_planes(x_, op);
  auto k = pair(kernel, op, "kernel_size"), s = pair(stride, op, "stride"), p = pair(padding, op, "padding"),
       d = pair(dilation, op, "dilation");
  check_window_args(k, s, p, d, op);
  Array x = x_.contiguous();
  const int64_t H = x.shape[x.ndim() - 2], W = x.shape[x.ndim() - 1];
  const int64_t OH = pool_output_size(H, k[0], s[0], p[0], d[0], ceil_mode, op);
  const int64_t OW = pool_output_size(W, k[1], s[1], p[1], d[1], ceil_mode, op);
  Array y = Array::empty(with_hw(x.shape, OH, OW), x.dtype), idx = Array::empty(y.shape, DType::Int64);
  const bool two_by_two = k[0] == 2 && k[1] == 2 && s[0] == 2 && s[1] == 2 && p[0] == 0 && p[1] == 0 &&
                          d[0] == 1 && d[1] == 1 && 2 * OH <= H && 2 * OW <= W;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    if (two_by_two)
      max_2x2_kernel<scalar_t>(x.data<scalar_t>(), y.data<scalar_t>(), idx.data<int64_t>(), planes(x.shape), H, W,
                               OH, OW);
    else
      max_kernel<scalar_t>(x.data<scalar_t>(), y.data<scalar_t>(), idx.data<int64_t>(), planes(x.shape), H, W,
                           windows(H, OH, k[0], s[0], p[0], d[0]), windows(W, OW, k[1], s[1], p[1], d[1]));
  });
  return {y, idx};
}

std::pair<Array, Array> adaptive_max_pool2d(const Array& x_, const std::vector<int64_t>& output_hw) {
  const char* op = "adaptive_max_pool2d";
  check_planes(x_, op);
  auto o = pair(output_hw, op, "output_size");
  TL_CHECK(o[0] > 0 && o[1] > 0, ValueError, op << ": output_size must be positive, got (" << o[0] << ", " << o[1] << ")");
  Array x = x_.contiguous();
  const int64_t H = x.shape[x.ndim() - 2], W = x.shape[x.ndim() - 1];
  TL_CHECK(H > 0 && W > 0, ValueError, op << ": input " << shape_str(x.shape) << " has an empty spatial size");
  Array y = Array::empty(with_hw(x.shape, o[0], o[1]), x.dtype), idx = Array::empty(y.shape, DType::Int64);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    max_kernel<scalar_t>(x.data<scalar_t>(), y.data<scalar_t>(), idx.data<int64_t>(), planes(x.shape), H, W,
                         adaptive_windows(H, o[0]), adaptive_windows(W, o[1]));
  });
  return {y, idx};
}

Array max_pool2d_backward(const Array& g_, const Array& idx_, const std::vector<int64_t>& input_hw) {
  const char* op = "max_pool2d_backward";
  check_planes(g_, op);
  auto hw = pair(input_hw, op, "input_size");
  TL_CHECK(idx_.dtype == DType::Int64 && idx_.shape == g_.shape, ValueError,
           op << ": expected int64 indices of the gradient's shape " << shape_str(g_.shape) << ", got "
              << dtype_name(idx_.dtype) << " " << shape_str(idx_.shape));
  Array g = g_.contiguous(), idx = idx_.contiguous();
  Array gx = Array::empty(with_hw(g.shape, hw[0], hw[1]), g.dtype);
  TL_DISPATCH_FLOATING(g.dtype, op, [&] {
    scatter_planes<scalar_t, true>(g.data<scalar_t>(), idx.data<int64_t>(), gx.data<scalar_t>(), planes(g.shape),
                                   g.shape[g.ndim() - 2] * g.shape[g.ndim() - 1], hw[0] * hw[1], op);
  });
  return gx;
}

Array max_unpool2d(const Array& x_, const Array& idx_, const std::vector<int64_t>& output_hw) {
  const char* op = "max_unpool2d";
  check_planes(x_, op);
  auto hw = pair(output_hw, op, "output_size");
  TL_CHECK(hw[0] >= 0 && hw[1] >= 0, ValueError, op << ": output_size must be non-negative");
  TL_CHECK(idx_.dtype == DType::Int64 && idx_.shape == x_.shape, ValueError,
           op << ": expected int64 indices of the input's shape " << shape_str(x_.shape) << ", got "
              << dtype_name(idx_.dtype) << " " << shape_str(idx_.shape));
  Array x = x_.contiguous(), idx = idx_.contiguous();
  Array y = Array::empty(with_hw(x.shape, hw[0], hw[1]), x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    scatter_planes<scalar_t, false>(x.data<scalar_t>(), idx.data<int64_t>(), y.data<scalar_t>(), planes(x.shape),
                                    x.shape[x.ndim() - 2] * x.shape[x.ndim() - 1], hw[0] * hw[1], op);
  });
  return y;
}

Array avg_pool2d(const Array& x_, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                 const std::vector<int64_t>& padding, bool ceil_mode, bool count_include_pad,
                 int64_t divisor_override) {
  const char* op = "avg_pool2d";
  check_planes(x_, op);
  auto k = pair(kernel, op, "kernel_size"), s = pair(stride, op, "stride"), p = pair(padding, op, "padding");
  check_window_args(k, s, p, {1, 1}, op);
  TL_CHECK(divisor_override >= 0, ValueError, op << ": divisor_override must be positive, got " << divisor_override);
  Array x = x_.contiguous();
  const int64_t H = x.shape[x.ndim() - 2], W = x.shape[x.ndim() - 1];
  const int64_t OH = pool_output_size(H, k[0], s[0], p[0], 1, ceil_mode, op);
  const int64_t OW = pool_output_size(W, k[1], s[1], p[1], 1, ceil_mode, op);
  Array y = Array::empty(with_hw(x.shape, OH, OW), x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    avg_kernel<scalar_t, false>(x.data<scalar_t>(), y.data<scalar_t>(), planes(x.shape), H, W,
                                windows(H, OH, k[0], s[0], p[0], 1), windows(W, OW, k[1], s[1], p[1], 1),
                                count_include_pad, divisor_override);
  });
  return y;
}

Array avg_pool2d_backward(const Array& g_, const std::vector<int64_t>& input_hw, const std::vector<int64_t>& kernel,
                          const std::vector<int64_t>& stride, const std::vector<int64_t>& padding, bool ceil_mode,
                          bool count_include_pad, int64_t divisor_override) {
  const char* op = "avg_pool2d_backward";
  check_planes(g_, op);
  auto hw = pair(input_hw, op, "input_size");
  auto k = pair(kernel, op, "kernel_size"), s = pair(stride, op, "stride"), p = pair(padding, op, "padding");
  check_window_args(k, s, p, {1, 1}, op);
  const int64_t H = hw[0], W = hw[1];
  const int64_t OH = pool_output_size(H, k[0], s[0], p[0], 1, ceil_mode, op);
  const int64_t OW = pool_output_size(W, k[1], s[1], p[1], 1, ceil_mode, op);
  TL_CHECK(g_.shape[g_.ndim() - 2] == OH && g_.shape[g_.ndim() - 1] == OW, ValueError,
           op << ": gradient " << shape_str(g_.shape) << " does not match the pooled size (" << OH << ", " << OW << ")");
  Array g = g_.contiguous();
  Array gx = Array::empty(with_hw(g.shape, H, W), g.dtype);
  TL_DISPATCH_FLOATING(g.dtype, op, [&] {
    avg_kernel<scalar_t, true>(g.data<scalar_t>(), gx.data<scalar_t>(), planes(g.shape), H, W,
                               windows(H, OH, k[0], s[0], p[0], 1), windows(W, OW, k[1], s[1], p[1], 1),
                               count_include_pad, divisor_override);
  });
  return gx;
}

namespace {
// Global average pooling (output 1×1, ResNet's head): each plane's mean, summed in vectorisable
// blocks of 16 partial sums.
template <typename T>
struct PlaneMean {
  TL_EW_DEF(run, (const T* x, T* y, int64_t P, int64_t n), {
    for (int64_t pl = 0; pl < P; ++pl) {
      const T* xs = x + pl * n;
      T acc[16] = {};
      int64_t i = 0;
      for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; ++j) acc[j] += xs[i + j];
      T s = 0;
      for (; i < n; ++i) s += xs[i];
      for (int j = 0; j < 16; ++j) s += acc[j];
      y[pl] = s / (T)n;
    }
  })
};
}  // namespace

Array adaptive_avg_pool2d(const Array& x_, const std::vector<int64_t>& output_hw) {
  const char* op = "adaptive_avg_pool2d";
  check_planes(x_, op);
  auto o = pair(output_hw, op, "output_size");
  TL_CHECK(o[0] > 0 && o[1] > 0, ValueError, op << ": output_size must be positive, got (" << o[0] << ", " << o[1] << ")");
  Array x = x_.contiguous();
  const int64_t H = x.shape[x.ndim() - 2], W = x.shape[x.ndim() - 1];
  TL_CHECK(H > 0 && W > 0, ValueError, op << ": input " << shape_str(x.shape) << " has an empty spatial size");
  Array y = Array::empty(with_hw(x.shape, o[0], o[1]), x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    if (o[0] == 1 && o[1] == 1) {
      TL_SIMD_DISPATCH(PlaneMean<scalar_t>::run, x.data<scalar_t>(), y.data<scalar_t>(), planes(x.shape), H * W);
      return;
    }
    avg_kernel<scalar_t, false>(x.data<scalar_t>(), y.data<scalar_t>(), planes(x.shape), H, W,
                                adaptive_windows(H, o[0]), adaptive_windows(W, o[1]), false, 0);
  });
  return y;
}

Array adaptive_avg_pool2d_backward(const Array& g_, const std::vector<int64_t>& input_hw) {
  const char* op = "adaptive_avg_pool2d_backward";
  check_planes(g_, op);
  auto hw = pair(input_hw, op, "input_size");
  TL_CHECK(hw[0] > 0 && hw[1] > 0, ValueError, op << ": input size must be positive");
  Array g = g_.contiguous();
  Array gx = Array::empty(with_hw(g.shape, hw[0], hw[1]), g.dtype);
  TL_DISPATCH_FLOATING(g.dtype, op, [&] {
    avg_kernel<scalar_t, true>(g.data<scalar_t>(), gx.data<scalar_t>(), planes(g.shape), hw[0], hw[1],
                               adaptive_windows(hw[0], g.shape[g.ndim() - 2]),
                               adaptive_windows(hw[1], g.shape[g.ndim() - 1]), false, 0);
  });
  return gx;
}

}  // namespace tl
