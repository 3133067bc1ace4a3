// Binary pointwise kernels, one per table row (csrc/ops/pointwise.def): values with
// broadcasting, comparisons → bool, and the fused backward that yields both input
// gradients in one pass. Also the table's metadata (kPwInfo) for the bindings.
#pragma GCC optimize("no-trapping-math")
#include "../math/pointwise.h"

#include <array>

#include "elementwise.h"
#include "pointwise.h"

namespace tl {

const PwInfo kPwInfo[(int)PwOp::count_] = {
#define TL_UNARY(name, F, dt, saves, np, doc) \
  {#name, PwKind::Unary, PwDtypes::dt, PwSaves::saves, np, doc},
#define TL_UNARY_PRED(name, F, dt, np, doc) \
  {#name, PwKind::UnaryPred, PwDtypes::dt, PwSaves::NOGRAD, np, doc},
#define TL_BINARY(name, F, dt, grad, doc) {#name, PwKind::Binary, PwDtypes::dt, PwSaves::grad, 0, doc},
#define TL_BINARY_PRED(name, F, dt, doc) {#name, PwKind::BinaryPred, PwDtypes::dt, PwSaves::NOGRAD, 0, doc},
#include "../ops/pointwise.def"
};

void pw_dtype_error(const char* op, PwDtypes want, const Array& x) {
  static const char* what[] = {"a floating", "a numeric", "any", "an integer or bool"};
  TL_FAIL(TypeError, op << ": expected " << what[(int)want] << " dtype, got " << dtype_name(x.dtype) << " "
                        << shape_str(x.shape));
}

namespace {

template <class F, class T>
struct Value {
  TL_INLINE T operator()(T a, T b) const { return F::template f<CpuMath>(a, b); }
};
template <class F, class T>
struct Compare {
  TL_INLINE bool operator()(T a, T b) const { return F::template f<CpuMath>(a, b); }
};

// Integer division by zero traps on x86: reject it before any kernel runs (torch raises
// ZeroDivisionError).
void check_int_divisor(PwOp op, const Array& b, const char* name) {
  if (op != PwOp::fmod && op != PwOp::remainder && op != PwOp::floor_divide) return;
  if (b.dtype != DType::Int64 && b.dtype != DType::Bool) return;
  Array zero = pw_unary(PwOp::eq_scalar, b, std::array<double, 3>{0.0, 0.0, 0.0}.data());
  const bool* z = zero.data<bool>();
  for (int64_t i = 0, n = zero.numel(); i < n; ++i)
    TL_CHECK(!z[i], RuntimeError, name << ": ZeroDivisionError (integer division by zero), divisor "
                                       << shape_str(b.shape));
}

template <class F, PwDtypes DT>
Array run_value(PwOp op, const Array& a, const Array& b, const char* name) {
  ew::check_pair(a, b, name);
  check_int_divisor(op, b, name);
  Array y;
  pw_dispatch<DT>(name, a, [&](auto t) {
    using T = decltype(t);
    y = ew::binary_apply<T, T>(a, b, Value<F, T>{}, name);
  });
  return y;
}

template <class F, PwDtypes DT>
Array run_compare(const Array& a, const Array& b, const char* name) {
  ew::check_pair(a, b, name);
  Array y;
  pw_dispatch<DT>(name, a, [&](auto t) {
    using T = decltype(t);
    y = ew::binary_apply<T, bool>(a, b, Compare<F, T>{}, name);
  });
  return y;
}

// (ga, gb)[i] = F::df(a[i], b[i], g[i]) over contiguous memory; WA/WB: which to write.
template <class F, class T, bool WA, bool WB>
struct Grad2 {
  TL_EW_DEF(loop, (const T* a, const T* b, const T* g, T* ga, T* gb, int64_t n), {
    for (int64_t i = 0; i < n; ++i) {
      T x, y;
      F::template df<CpuMath>(a[i], b[i], g[i], x, y);
      if (WA) ga[i] = x;
      if (WB) gb[i] = y;
    }
  })
  static void run(const T* a, const T* b, const T* g, T* ga, T* gb, int64_t n) {
    TL_SIMD_DISPATCH(loop, a, b, g, ga, gb, n);
  }
};

template <class F, class T, bool WA, bool WB>
void grad_contiguous(const T* a, const T* b, const T* g, T* ga, T* gb, int64_t n) {
  if (n < kParallelGrain) return Grad2<F, T, WA, WB>::run(a, b, g, ga, gb, n);
  parallel_for(n, n, [&](int64_t lo, int64_t hi) {
    Grad2<F, T, WA, WB>::run(a + lo, b + lo, g + lo, WA ? ga + lo : ga, WB ? gb + lo : gb, hi - lo);
  });
}

// a, b broadcast to g's shape (the forward's output shape); ga, gb have g's shape.
template <class F>
std::pair<Array, Array> run_backward(const Array& a, const Array& b, const Array& g, bool wa, bool wb,
                                     const char* name) {
  ew::check_pair(a, b, name);
  ew::check_pair(a, g, name);
  const Shape shape = broadcast_shapes(a.shape, b.shape, name);
  TL_CHECK(g.shape == shape, ValueError,
           name << ": gradient of shape " << shape_str(g.shape) << " does not match the output shape "
                << shape_str(shape) << " of inputs " << shape_str(a.shape) << " and " << shape_str(b.shape));
  Array ga, gb;
  pw_dispatch<PwDtypes::FLOAT>(name, a, [&](auto t) {
    using T = decltype(t);
    const bool flat = a.shape == shape && b.shape == shape && a.is_contiguous() && b.is_contiguous() &&
                      g.is_contiguous();
    if (flat && !(wa && wb)) {  // one gradient wanted: write only that one
      Array out = Array::empty(shape, a.dtype);
      T* o = out.data<T>();
      if (wa) grad_contiguous<F, T, true, false>(a.data<T>(), b.data<T>(), g.data<T>(), o, nullptr, out.numel());
      else grad_contiguous<F, T, false, true>(a.data<T>(), b.data<T>(), g.data<T>(), nullptr, o, out.numel());
      (wa ? ga : gb) = out;
      return;
    }
    ga = Array::empty(shape, a.dtype);
    gb = Array::empty(shape, a.dtype);
    const int64_t n = ga.numel();
    if (n == 0) return;
    if (flat) {
      grad_contiguous<F, T, true, true>(a.data<T>(), b.data<T>(), g.data<T>(), ga.data<T>(), gb.data<T>(), n);
    } else {
      Array ea = a.expand(shape), eb = b.expand(shape);
      strided_loop<5>(shape, {&ga.strides, &gb.strides, &ea.strides, &eb.strides, &g.strides},
                      {(char*)ga.raw(), (char*)gb.raw(), (char*)ea.raw(), (char*)eb.raw(), (char*)g.raw()},
                      {(int64_t)sizeof(T), (int64_t)sizeof(T), (int64_t)sizeof(T), (int64_t)sizeof(T), (int64_t)sizeof(T)},
                      [](char** p, const int64_t* s, int64_t m) {
                        for (int64_t i = 0; i < m; ++i) {
                          T x, y;
                          F::template df<CpuMath>(*(const T*)(p[2] + i * s[2]), *(const T*)(p[3] + i * s[3]),
                                                  *(const T*)(p[4] + i * s[4]), x, y);
                          *(T*)(p[0] + i * s[0]) = x;
                          *(T*)(p[1] + i * s[1]) = y;
                        }
                      });
    }
    if (!wa) ga = Array();
    if (!wb) gb = Array();
  });
  return {ga, gb};
}

}  // namespace

Array pw_binary(PwOp op, const Array& a, const Array& b) {
  switch (op) {
#define TL_BINARY(name, F, dt, grad, doc) \
  case PwOp::name: return run_value<pw::F, PwDtypes::dt>(op, a, b, #name);
#define TL_BINARY_PRED(name, F, dt, doc) \
  case PwOp::name: return run_compare<pw::F, PwDtypes::dt>(a, b, #name);
#include "../ops/pointwise.def"
    default: break;
  }
  TL_FAIL(ValueError, "pw_binary: op " << kPwInfo[(int)op].name << " is not a binary op");
}

#define TL_BWD_GRAD(name, F) \
  case PwOp::name: return run_backward<pw::F>(a, b, g, want_a, want_b, #name "_backward");
#define TL_BWD_NOGRAD(name, F)

std::pair<Array, Array> pw_binary_backward(PwOp op, const Array& a, const Array& b, const Array& g, bool want_a,
                                           bool want_b) {
  switch (op) {
#define TL_BINARY(name, F, dt, grad, doc) TL_BWD_##grad(name, F)
#include "../ops/pointwise.def"
    default: break;
  }
  TL_FAIL(ValueError, "pw_binary_backward: op " << kPwInfo[(int)op].name << " has no derivative");
}

}  // namespace tl
