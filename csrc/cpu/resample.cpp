// F.pad and F.interpolate (nearest, bilinear) with their backward passes. Formulas: resample.h.
// Both build one table per axis (output index → source index, or → two neighbours and a
// weight) and then walk the output once; the backward passes walk the same tables and
// scatter-add, one (n, c) slab per thread at a time, so no two threads write one element.
#include "resample.h"

#include <cmath>

#include "../core/checks.h"
#include "../core/parallel.h"

namespace tl {

namespace {

const char* kPadModes[] = {"constant", "reflect", "replicate", "circular"};

// x's shape seen as (outer, A, B, C): the last k dims padded, size-1 dims in front when k < 3.
struct PadPlan {
  int64_t outer = 1;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  std::vector<int64_t> src[3];  // per axis: output index → input index, or −1 (the fill value)
  Shape out_shape;
};

PadPlan plan_pad(const Shape& shape, const std::vector<int64_t>& pads, int64_t mode, const char* op) {
  TL_CHECK(mode >= 0 && mode <= 3, ValueError, op << ": unknown mode " << mode << " (0 constant, 1 reflect, 2 replicate, 3 circular)");
  TL_CHECK(pads.size() % 2 == 0 && !pads.empty() && pads.size() <= 6, ValueError,
           op << ": expected 2, 4 or 6 padding values (left, right per dim, last dim first), got " << pads.size());
  const int64_t k = (int64_t)pads.size() / 2, nd = (int64_t)shape.size();
  TL_CHECK(k <= nd, ValueError, op << ": " << pads.size() << " padding values pad " << k << " dims, but the input "
                                   << shape_str(shape) << " has only " << nd);
  PadPlan p;
  p.out_shape = shape;
  for (int64_t d = 0; d < nd - k; ++d) p.outer *= shape[d];
  for (int64_t d = 0; d < k; ++d) {
    const int64_t axis = nd - 1 - d, slot = 2 - d;
    const int64_t n = shape[axis], left = pads[2 * d], right = pads[2 * d + 1], m = n + left + right;
    TL_CHECK(m >= 0, ValueError, op << ": padding (" << left << ", " << right << ") of dim " << axis << " of input "
                                    << shape_str(shape) << " gives a negative size " << m);
    if (mode != 0) {
      TL_CHECK(left >= 0 && right >= 0, ValueError, op << ": " << kPadModes[mode] << " padding must be non-negative, got ("
                                                       << left << ", " << right << ")");
      TL_CHECK(n > 0, ValueError, op << ": " << kPadModes[mode] << " padding of an empty dim " << axis << " of input "
                                     << shape_str(shape));
    }
    if (mode == 1)
      TL_CHECK(left < n && right < n, ValueError,
               op << ": reflect padding (" << left << ", " << right << ") must be smaller than dim " << axis
                  << " of size " << n << " (input " << shape_str(shape) << ")");
    if (mode == 3)
      TL_CHECK(left <= n && right <= n, ValueError,
               op << ": circular padding (" << left << ", " << right << ") must be at most dim " << axis << " of size "
                  << n << " (input " << shape_str(shape) << ")");
    p.in[slot] = n, p.out[slot] = m, p.out_shape[axis] = m;
    std::vector<int64_t>& t = p.src[slot];
    t.resize((size_t)m);
    for (int64_t o = 0; o < m; ++o) {
      int64_t i = o - left;
      switch (mode) {
        case 0: i = (i >= 0 && i < n) ? i : -1; break;
        case 1: i = i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); break;
        case 2: i = std::min(std::max<int64_t>(i, 0), n - 1); break;
        default: i = ((i % n) + n) % n; break;
      }
      t[(size_t)o] = i;
    }
  }
  for (int64_t slot = 0; slot < 3 - k; ++slot) p.src[slot] = {0};
  return p;
}

}  // namespace

Array pad(const Array& x_, const std::vector<int64_t>& pads, int64_t mode, double value) {
  const char* op = "pad";
  check_cpu(x_, op);
  Array x = x_.contiguous();
  PadPlan p = plan_pad(x.shape, pads, mode, op);
  Array y = Array::empty(p.out_shape, x.dtype);
  const int64_t rows = p.outer * p.out[0] * p.out[1];
  if (y.numel() == 0) return y;
  TL_DISPATCH_ALL(x.dtype, op, [&] {
    const scalar_t* xp = x.data<scalar_t>();
    scalar_t* yp = y.data<scalar_t>();
    const scalar_t fill = (scalar_t)value;
    const int64_t *ta = p.src[0].data(), *tb = p.src[1].data(), *tc = p.src[2].data();
    parallel_for(rows, y.numel(), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t o = r / (p.out[0] * p.out[1]), a = (r / p.out[1]) % p.out[0], b = r % p.out[1];
        scalar_t* yr = yp + r * p.out[2];
        if (ta[a] < 0 || tb[b] < 0) {
          std::fill(yr, yr + p.out[2], fill);
          continue;
        }
        const scalar_t* xr = xp + ((o * p.in[0] + ta[a]) * p.in[1] + tb[b]) * p.in[2];
        for (int64_t c = 0; c < p.out[2]; ++c) yr[c] = tc[c] < 0 ? fill : xr[tc[c]];
      }
    });
  });
  return y;
}

Array pad_backward(const Array& g_, const std::vector<int64_t>& input_shape, const std::vector<int64_t>& pads,
                   int64_t mode) {
  const char* op = "pad_backward";
  check_cpu(g_, op);
  TL_CHECK(is_floating(g_.dtype), TypeError, op << ": expected a floating gradient, got " << dtype_name(g_.dtype));
  PadPlan p = plan_pad(input_shape, pads, mode, op);
  TL_CHECK(g_.shape == p.out_shape, ValueError, op << ": gradient " << shape_str(g_.shape) << " does not match the padded shape "
                                                   << shape_str(p.out_shape));
  Array g = g_.contiguous();
  Array gx = Array::empty(input_shape, g.dtype);
  if (gx.numel() == 0) return gx;
  TL_DISPATCH_FLOATING(g.dtype, op, [&] {
    const scalar_t* gp = g.data<scalar_t>();
    scalar_t* xp = gx.data<scalar_t>();
    std::fill(xp, xp + gx.numel(), scalar_t(0));
    const int64_t *ta = p.src[0].data(), *tb = p.src[1].data(), *tc = p.src[2].data();
    const int64_t slab_in = p.in[0] * p.in[1] * p.in[2], slab_out = p.out[0] * p.out[1] * p.out[2];
    parallel_for(p.outer, g.numel(), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o)
        for (int64_t a = 0; a < p.out[0]; ++a) {
          if (ta[a] < 0) continue;
          for (int64_t b = 0; b < p.out[1]; ++b) {
            if (tb[b] < 0) continue;
            const scalar_t* gr = gp + o * slab_out + (a * p.out[1] + b) * p.out[2];
            scalar_t* xr = xp + o * slab_in + (ta[a] * p.in[1] + tb[b]) * p.in[2];
            for (int64_t c = 0; c < p.out[2]; ++c)
              if (tc[c] >= 0) xr[tc[c]] += gr[c];
          }
        }
    });
  });
  return gx;
}

// ---------------------------------------------------------------------------------------
// interpolate

namespace {

// Output index → (i0, i1, λ): the value is (1 − λ)·x[i0] + λ·x[i1]. T: the arithmetic torch
// uses for the source coordinate (float for float32 input, double for float64).
template <typename T>
struct Axis {
  std::vector<int64_t> i0, i1;
  std::vector<T> lam;
};

template <typename T>
Axis<T> axis_table(int64_t in, int64_t out, int64_t mode, bool align_corners, double scale) {
  Axis<T> a;
  a.i0.resize((size_t)out), a.i1.resize((size_t)out), a.lam.resize((size_t)out);
  for (int64_t o = 0; o < out; ++o) {
    if (mode == 0) {  // nearest: torch computes the scale in float
      const float s = scale > 0 ? (float)(1.0 / scale) : (float)in / (float)out;
      const int64_t i = std::min<int64_t>((int64_t)std::floor((float)o * s), in - 1);
      a.i0[(size_t)o] = a.i1[(size_t)o] = i, a.lam[(size_t)o] = T(0);
      continue;
    }
    T src;
    if (align_corners) {
      src = out > 1 ? (T)(in - 1) / (T)(out - 1) * (T)o : T(0);
    } else {
      const T s = scale > 0 ? (T)(1.0 / scale) : (T)in / (T)out;
      src = s * ((T)o + T(0.5)) - T(0.5);
      if (src < T(0)) src = T(0);
    }
    const int64_t i = std::min<int64_t>((int64_t)src, in - 1);
    a.i0[(size_t)o] = i;
    a.i1[(size_t)o] = i + (i < in - 1 ? 1 : 0);
    a.lam[(size_t)o] = std::min<T>(src - (T)i, T(1));
  }
  return a;
}

void check_upsample(const Shape& s, int64_t oh, int64_t ow, int64_t mode, const char* op) {
  TL_CHECK(s.size() == 4, ValueError, op << ": expected a 4-D input (N, C, H, W), got " << shape_str(s));
  TL_CHECK(mode == 0 || mode == 1, ValueError, op << ": mode must be 0 (nearest) or 1 (bilinear), got " << mode);
  TL_CHECK(s[2] > 0 && s[3] > 0 && oh > 0 && ow > 0, ValueError,
           op << ": input " << shape_str(s) << " and output size (" << oh << ", " << ow << ") must be non-empty");
}

}  // namespace

Array upsample2d(const Array& x_, int64_t out_h, int64_t out_w, int64_t mode, bool align_corners, double scale_h,
                 double scale_w) {
  const char* op = "upsample2d";
  check_cpu(x_, op);
  TL_CHECK(is_floating(x_.dtype), TypeError, op << ": expected a floating input, got " << dtype_name(x_.dtype));
  check_upsample(x_.shape, out_h, out_w, mode, op);
  Array x = x_.contiguous();
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  Array y = Array::empty({N, C, out_h, out_w}, x.dtype);
  if (N * C == 0) return y;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    const Axis<T> ah = axis_table<T>(H, out_h, mode, align_corners, scale_h);
    const Axis<T> aw = axis_table<T>(W, out_w, mode, align_corners, scale_w);
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    parallel_for(N * C, y.numel() * 4, [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* xs = xp + pl * H * W;
        T* ys = yp + pl * out_h * out_w;
        for (int64_t i = 0; i < out_h; ++i) {
          const T* r0 = xs + ah.i0[(size_t)i] * W;
          const T* r1 = xs + ah.i1[(size_t)i] * W;
          const T l1 = ah.lam[(size_t)i], l0 = T(1) - l1;
          T* yr = ys + i * out_w;
          if (mode == 0) {
            for (int64_t j = 0; j < out_w; ++j) yr[j] = r0[aw.i0[(size_t)j]];
            continue;
          }
          for (int64_t j = 0; j < out_w; ++j) {
            const int64_t c0 = aw.i0[(size_t)j], c1 = aw.i1[(size_t)j];
            const T m1 = aw.lam[(size_t)j], m0 = T(1) - m1;
            yr[j] = l0 * (m0 * r0[c0] + m1 * r0[c1]) + l1 * (m0 * r1[c0] + m1 * r1[c1]);
          }
        }
      }
    });
  });
  return y;
}

Array upsample2d_backward(const Array& g_, int64_t in_h, int64_t in_w, int64_t mode, bool align_corners,
                          double scale_h, double scale_w) {
  const char* op = "upsample2d_backward";
  check_cpu(g_, op);
  TL_CHECK(is_floating(g_.dtype), TypeError, op << ": expected a floating gradient, got " << dtype_name(g_.dtype));
  TL_CHECK(g_.ndim() == 4, ValueError, op << ": expected a 4-D gradient, got " << shape_str(g_.shape));
  check_upsample({g_.shape[0], g_.shape[1], in_h, in_w}, g_.shape[2], g_.shape[3], mode, op);
  Array g = g_.contiguous();
  const int64_t N = g.shape[0], C = g.shape[1], OH = g.shape[2], OW = g.shape[3];
  Array gx = Array::empty({N, C, in_h, in_w}, g.dtype);
  if (N * C == 0) return gx;
  TL_DISPATCH_FLOATING(g.dtype, op, [&] {
    using T = scalar_t;
    const Axis<T> ah = axis_table<T>(in_h, OH, mode, align_corners, scale_h);
    const Axis<T> aw = axis_table<T>(in_w, OW, mode, align_corners, scale_w);
    const T* gp = g.data<T>();
    T* xp = gx.data<T>();
    parallel_for(N * C, g.numel() * 4, [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        T* xs = xp + pl * in_h * in_w;
        std::fill(xs, xs + in_h * in_w, T(0));
        const T* gs = gp + pl * OH * OW;
        for (int64_t i = 0; i < OH; ++i) {
          T* r0 = xs + ah.i0[(size_t)i] * in_w;
          T* r1 = xs + ah.i1[(size_t)i] * in_w;
          const T l1 = ah.lam[(size_t)i], l0 = T(1) - l1;
          const T* gr = gs + i * OW;
          if (mode == 0) {
            for (int64_t j = 0; j < OW; ++j) r0[aw.i0[(size_t)j]] += gr[j];
            continue;
          }
          for (int64_t j = 0; j < OW; ++j) {
            const int64_t c0 = aw.i0[(size_t)j], c1 = aw.i1[(size_t)j];
            const T m1 = aw.lam[(size_t)j], m0 = T(1) - m1;
            r0[c0] += l0 * m0 * gr[j];
            r0[c1] += l0 * m1 * gr[j];
            r1[c0] += l1 * m0 * gr[j];
            r1[c1] += l1 * m1 * gr[j];
          }
        }
      }
    });
  });
  return gx;
}

}  // namespace tl
