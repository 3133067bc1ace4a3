// Optimizer update kernels. The loops are plain C++; each ISA entry point is
// `target(...) flatten`, so the same loop is inlined and auto-vectorised for AVX-512 / AVX2.
#include "optim.h"

#include <cmath>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "simd.h"

#define TL_T512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
#define TL_T256 __attribute__((target("avx2,fma")))

namespace tl {

namespace {

template <typename T>
struct SgdArgs {
  T lr, momentum, damp, wd;  // damp = 1 − dampening
  bool nesterov, maximize, first_step, has_buf;
};

// p, g, buf: (n,) contiguous, range [b, e):
//   g' = (maximize ? −g : g) + wd·p
//   buf = first_step ? g' : momentum·buf + (1−dampening)·g'      (when momentum buffer)
//   g'' = nesterov ? g' + momentum·buf : buf
//   p = p − lr·g''
template <typename T>
inline void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t b, int64_t e,
                     const SgdArgs<T>& a) {
  const T sign = a.maximize ? T(-1) : T(1), damp = a.damp;
  if (!a.has_buf) {
    for (int64_t i = b; i < e; ++i) {
      const T d = sign * g[i] + a.wd * p[i];
      p[i] = p[i] - a.lr * d;
    }
  } else if (a.first_step) {
    for (int64_t i = b; i < e; ++i) {
      T d = sign * g[i] + a.wd * p[i];
      buf[i] = d;
      d = a.nesterov ? d + a.momentum * d : d;
      p[i] = p[i] - a.lr * d;
    }
  } else {
    for (int64_t i = b; i < e; ++i) {
      T d = sign * g[i] + a.wd * p[i];
      const T bf = a.momentum * buf[i] + damp * d;
      buf[i] = bf;
      d = a.nesterov ? d + a.momentum * bf : bf;
      p[i] = p[i] - a.lr * d;
    }
  }
}

template <typename T>
struct AdamArgs {
  T lr, beta1, beta2, eps, wd, step_size, bc2_sqrt, decay, w1, w2;
  bool decoupled, maximize;
};

// p, g, m, v: (n,) contiguous, range [b, e):
//   g' = (maximize ? −g : g);  Adam: g' += wd·p;  AdamW: p = p·(1 − lr·wd)
//   m = lerp(m, g', 1−β1) = m + (1−β1)(g' − m);  v = β2·v + (1−β2)·g'²
//   p = p − step_size · m / (sqrt(v)/sqrt(1−β2^t) + eps),  step_size = lr/(1−β1^t)
template <typename T>
inline void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t b,
                      int64_t e, const AdamArgs<T>& a) {
  const T sign = a.maximize ? T(-1) : T(1);
  const T wd_add = a.decoupled ? T(0) : a.wd;
  const T decay = a.decoupled ? a.decay : T(1);
  const T w1 = a.w1, w1c = T(1) - a.w1, w2 = a.w2;
  const bool lerp_lo = a.w1 < T(0.5);  // torch's lerp: two forms by weight
  for (int64_t i = b; i < e; ++i) {
    T pi = p[i];
    const T gi = sign * g[i] + wd_add * pi;
    pi = pi * decay;
    const T mi = lerp_lo ? m[i] + w1 * (gi - m[i]) : gi - (gi - m[i]) * w1c;
    const T vi = a.beta2 * v[i] + w2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const T denom = std::sqrt(vi) / a.bc2_sqrt + a.eps;
    p[i] = pi + (-a.step_size * mi) / denom;  // torch addcdiv: p + (value·m)/denom
  }
}

template <typename T>
void sgd_portable(T* p, const T* g, T* buf, int64_t b, int64_t e, const SgdArgs<T>& a) {
  sgd_loop<T>(p, g, buf, b, e, a);
}
template <typename T>
TL_T512 __attribute__((flatten)) void sgd_512(T* p, const T* g, T* buf, int64_t b, int64_t e, const SgdArgs<T>& a) {
  sgd_loop<T>(p, g, buf, b, e, a);
}
template <typename T>
TL_T256 __attribute__((flatten)) void sgd_256(T* p, const T* g, T* buf, int64_t b, int64_t e, const SgdArgs<T>& a) {
  sgd_loop<T>(p, g, buf, b, e, a);
}
template <typename T>
void adam_portable(T* p, const T* g, T* m, T* v, int64_t b, int64_t e, const AdamArgs<T>& a) {
  adam_loop<T>(p, g, m, v, b, e, a);
}
template <typename T>
TL_T512 __attribute__((flatten)) void adam_512(T* p, const T* g, T* m, T* v, int64_t b, int64_t e,
                                               const AdamArgs<T>& a) {
  adam_loop<T>(p, g, m, v, b, e, a);
}
template <typename T>
TL_T256 __attribute__((flatten)) void adam_256(T* p, const T* g, T* m, T* v, int64_t b, int64_t e,
                                               const AdamArgs<T>& a) {
  adam_loop<T>(p, g, m, v, b, e, a);
}

void check_operand(const Array& param, const Array& a, const char* op, const char* name) {
  check_cpu(a, op);
  TL_CHECK(a.dtype == param.dtype, TypeError,
           op << ": " << name << " has dtype " << dtype_name(a.dtype) << ", param has " << dtype_name(param.dtype));
  TL_CHECK(a.shape == param.shape, ValueError,
           op << ": " << name << " shape " << shape_str(a.shape) << " differs from param shape "
              << shape_str(param.shape));
  TL_CHECK(a.is_contiguous(), ValueError, op << ": " << name << " must be contiguous");
}

}  // namespace

void sgd_step_(Array& param, const Array& grad, std::optional<Array> buf, double lr, double momentum,
               double dampening, double weight_decay, bool nesterov, bool maximize, bool first_step) {
  const char* op = "sgd_step_";
  check_cpu(param, op);
  TL_CHECK(is_floating(param.dtype), TypeError, op << ": expected a floating param, got " << dtype_name(param.dtype));
  check_operand(param, param, op, "param");
  check_operand(param, grad, op, "grad");
  if (momentum != 0) {
    TL_CHECK(buf.has_value(), ValueError, op << ": momentum " << momentum << " needs a momentum buffer");
    check_operand(param, *buf, op, "momentum_buf");
  }
  TL_CHECK(!nesterov || (momentum > 0 && dampening == 0), ValueError,
           op << ": Nesterov momentum requires a momentum and zero dampening");
  const int64_t n = param.numel();
  const SimdLevel lvl = simd_level();
  TL_DISPATCH_FLOATING(param.dtype, op, [&] {
    using T = scalar_t;
    const bool hb = momentum != 0;
    SgdArgs<T> a{(T)lr, (T)momentum, (T)(1.0 - dampening), (T)weight_decay, nesterov, maximize, first_step, hb};
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* bp = hb ? buf->data<T>() : nullptr;
    auto f = lvl == SimdLevel::AVX512 ? sgd_512<T> : lvl == SimdLevel::AVX2 ? sgd_256<T> : sgd_portable<T>;
    parallel_for(n, n, [&](int64_t b, int64_t e) { f(p, g, bp, b, e, a); });
  });
}

void adam_step_(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, double lr, double beta1,
                double beta2, double eps, double weight_decay, bool decoupled, int64_t step, bool maximize) {
  const char* op = "adam_step_";
  check_cpu(param, op);
  TL_CHECK(is_floating(param.dtype), TypeError, op << ": expected a floating param, got " << dtype_name(param.dtype));
  check_operand(param, param, op, "param");
  check_operand(param, grad, op, "grad");
  check_operand(param, exp_avg, op, "exp_avg");
  check_operand(param, exp_avg_sq, op, "exp_avg_sq");
  TL_CHECK(step >= 1, ValueError, op << ": step must be >= 1 (1-based), got " << step);
  TL_CHECK(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, ValueError,
           op << ": betas must be in [0, 1), got (" << beta1 << ", " << beta2 << ")");
  const double bc1 = 1.0 - std::pow(beta1, (double)step), bc2 = 1.0 - std::pow(beta2, (double)step);
  const int64_t n = param.numel();
  const SimdLevel lvl = simd_level();
  TL_DISPATCH_FLOATING(param.dtype, op, [&] {
    using T = scalar_t;
    AdamArgs<T> a{(T)lr, (T)beta1, (T)beta2, (T)eps, (T)weight_decay, (T)(lr / bc1), (T)std::sqrt(bc2),
                  (T)(1.0 - lr * weight_decay), (T)(1.0 - beta1), (T)(1.0 - beta2), decoupled, maximize};
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* m = exp_avg.data<T>();
    T* v = exp_avg_sq.data<T>();
    auto f = lvl == SimdLevel::AVX512 ? adam_512<T> : lvl == SimdLevel::AVX2 ? adam_256<T> : adam_portable<T>;
    parallel_for(n, n * 4, [&](int64_t b, int64_t e) { f(p, g, m, v, b, e, a); });
  });
}

}  // namespace tl
