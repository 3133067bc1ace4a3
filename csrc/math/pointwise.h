// The pointwise formulas: every elementwise op's value and derivative, written once and
// compiled by g++ (CPU kernels, csrc/cpu/pointwise*.cpp) and nvcc (CUDA kernels,
// csrc/cuda/elementwise.cu) alike. Which ops exist, their dtypes and parameters is the
// table csrc/ops/pointwise.def; this file holds only the math.
//
// Each unary op is a struct with
//   f(x, p)     -> y                    the value; p.a, p.b, p.c are the op's parameters
//   df(s, g, p) -> g·∂y/∂x              s is what the table row saves: x (X) or y (Y)
// each binary op a struct with
//   f(a, b)                  -> y
//   df(a, b, g, &ga, &gb)    ga = g·∂y/∂a, gb = g·∂y/∂b
// and each predicate a struct with f(x, p) / f(a, b) -> bool.
//
// `M` is the math library: tl::CpuMath (csrc/cpu/cpu_math.h: our vectorisable float32
// exp/log/tanh, std:: otherwise) or tlc::CudaMath (csrc/cuda/cuda_math.cuh: CUDA's
// intrinsics). Formulas use only M:: functions, arithmetic and selects, so they vectorise
// in the CPU loops. Derivatives follow torch's conventions at the edges (ties, kinks, NaN):
// the comment says which where it matters; tests compare every row with torch.
#pragma once
#include <cstdint>
#include <type_traits>

#include "hd.h"

namespace tl {
namespace pw {

template <class T>
struct Args {
  T a, b, c;
};

template <class T>
TL_HD bool isnan_(T x) { return x != x; }

// A scalar parameter (a double from Python) as T, without C++'s undefined behaviour: int64
// truncates toward zero and saturates (NaN → 0), bool is (v != 0), floats round.
template <class T>
TL_HD T from_double(double v) {
  if constexpr (std::is_same<T, bool>::value) {
    return v != 0.0;
  } else if constexpr (std::is_integral<T>::value) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (T)v;
  } else {
    return (T)v;
  }
}

template <class T>
TL_HD Args<T> args_from(double a, double b, double c) {
  return {from_double<T>(a), from_double<T>(b), from_double<T>(c)};
}

// Integer %, // as Python's (the sign of the divisor) and fmod (the sign of the dividend).
// Division by zero is rejected before a kernel runs; b = −1 is special-cased because
// INT64_MIN / −1 traps.
template <class T>
TL_HD T int_fmod(T a, T b) { return (b == 0 || b == -1) ? T(0) : a % b; }
template <class T>
TL_HD T int_remainder(T a, T b) {
  if (b == 0 || b == -1) return T(0);
  T r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
template <class T>
TL_HD T int_floor_divide(T a, T b) {
  if (b == 0) return T(0);
  if (b == -1) return (T)(0ull - (uint64_t)a);
  T q = a / b;
  return ((a % b != 0) && ((a < 0) != (b < 0))) ? q - 1 : q;
}

#define TL_PW_UNARY_F template <class M, class T> TL_HD static T f(T x, const Args<T>& p)
#define TL_PW_UNARY_DF template <class M, class T> TL_HD static T df(T s, T g, const Args<T>& p)
#define TL_PW_PRED_F template <class M, class T> TL_HD static bool f(T x, const Args<T>& p)

// ---------------------------------------------------------------------------- arithmetic
struct Neg {  // y = −x;  y' = −1
  TL_PW_UNARY_F { return -x; }
  TL_PW_UNARY_DF { return -g; }
};
struct Abs {  // y = |x|;  y' = sgn(x) (0 at 0 and at NaN, as torch)
  TL_PW_UNARY_F { return x < T(0) ? -x : x; }
  TL_PW_UNARY_DF { return s > T(0) ? g : (s < T(0) ? -g : T(0)); }
};
struct Sign {  // y = sgn(x) ∈ {−1, 0, 1} (0 for NaN, as torch); not differentiable: y' = 0
  TL_PW_UNARY_F { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }
};
struct Square {  // y = x²;  y' = 2x
  TL_PW_UNARY_F { return x * x; }
  TL_PW_UNARY_DF { return g * (s + s); }
};
struct Reciprocal {  // y = 1/x;  y' = −1/x² = −y²  (saves y)
  TL_PW_UNARY_F { return T(1) / x; }
  TL_PW_UNARY_DF { return -g * s * s; }
};
struct AddScalar {  // y = x + s;  y' = 1 (table: ONE, the gradient passes unchanged)
  TL_PW_UNARY_F { return x + p.a; }
};
struct MulScalar {  // y = s·x;  y' = s
  TL_PW_UNARY_F { return x * p.a; }
  TL_PW_UNARY_DF { return g * p.a; }
};
struct RSubScalar {  // y = s − x;  y' = −1
  TL_PW_UNARY_F { return p.a - x; }
  TL_PW_UNARY_DF { return -g; }
};
struct DivScalar {  // y = x / s;  y' = 1/s
  TL_PW_UNARY_F { return x / p.a; }
  TL_PW_UNARY_DF { return g / p.a; }
};
struct RDivScalar {  // y = s / x;  y' = −s/x²  (saves x)
  TL_PW_UNARY_F { return p.a / x; }
  TL_PW_UNARY_DF { return -g * p.a / (s * s); }
};
struct PowScalar {  // y = xˢ;  y' = s·xˢ⁻¹ (0 when s = 0, as torch)
  TL_PW_UNARY_F { return p.a == T(2) ? x * x : M::pow(x, p.a); }
  TL_PW_UNARY_DF {
    return p.a == T(0) ? T(0) : (p.a == T(2) ? g * (s + s) : g * p.a * M::pow(s, p.a - T(1)));
  }
};
struct RPowScalar {  // y = sˣ;  y' = sˣ·ln s  (saves y; 0 where y = 0 and x ≥ 0 gives no slope, as torch)
  TL_PW_UNARY_F { return M::pow(p.a, x); }
  TL_PW_UNARY_DF { return (p.a == T(0)) ? (s == T(0) ? T(0) : g * s * M::log(p.a)) : g * s * M::log(p.a); }
};
struct FmodScalar {  // y = fmod(x, s) (sign of x);  y' = 1 (ONE)
  TL_PW_UNARY_F { return M::fmod(x, p.a); }
};
struct RemainderScalar {  // y = x − ⌊x/s⌋·s (sign of s, Python's %);  y' = 1 (ONE)
  TL_PW_UNARY_F { return M::remainder(x, p.a); }
};

// ---------------------------------------------------------------------------- clamping
// clamp_min(x, lo) = max(x, lo), clamp_max(x, hi) = min(x, hi), clamp(x, lo, hi); NaN
// stays NaN; y' = 1 inside the closed interval, 0 outside (torch's clamp_backward).
struct ClampMin {
  TL_PW_UNARY_F { return (x < p.a) ? p.a : x; }
  TL_PW_UNARY_DF { return s >= p.a ? g : T(0); }
};
struct ClampMax {
  TL_PW_UNARY_F { return (x > p.a) ? p.a : x; }
  TL_PW_UNARY_DF { return s <= p.a ? g : T(0); }
};
struct Clamp {
  TL_PW_UNARY_F { return (x < p.a) ? p.a : ((x > p.b) ? p.b : x); }
  TL_PW_UNARY_DF { return (s >= p.a && s <= p.b) ? g : T(0); }
};

// ---------------------------------------------------------------------------- exp / log
struct Exp {  // y = eˣ;  y' = eˣ = y  (saves y)
  TL_PW_UNARY_F { return M::exp(x); }
  TL_PW_UNARY_DF { return g * s; }
};
struct Exp2 {  // y = 2ˣ;  y' = y·ln 2  (saves y)
  TL_PW_UNARY_F { return M::exp(x * T(0.69314718055994530942)); }
  TL_PW_UNARY_DF { return g * s * T(0.69314718055994530942); }
};
struct Expm1 {  // y = eˣ − 1;  y' = eˣ = y + 1  (saves y)
  TL_PW_UNARY_F { return M::expm1(x); }
  TL_PW_UNARY_DF { return g * (s + T(1)); }
};
struct Log {  // y = ln x;  y' = 1/x
  TL_PW_UNARY_F { return M::log(x); }
  TL_PW_UNARY_DF { return g / s; }
};
struct Log2 {  // y = log₂ x;  y' = 1/(x ln 2)
  TL_PW_UNARY_F { return M::log(x) * T(1.44269504088896340736); }
  TL_PW_UNARY_DF { return g / (s * T(0.69314718055994530942)); }
};
struct Log10 {  // y = log₁₀ x;  y' = 1/(x ln 10)
  TL_PW_UNARY_F { return M::log(x) * T(0.43429448190325182765); }
  TL_PW_UNARY_DF { return g / (s * T(2.30258509299404568402)); }
};
struct Log1p {  // y = ln(1 + x);  y' = 1/(1 + x)
  TL_PW_UNARY_F { return M::log1p(x); }
  TL_PW_UNARY_DF { return g / (s + T(1)); }
};
struct Sqrt {  // y = √x;  y' = 1/(2√x) = 1/(2y)  (saves y)
  TL_PW_UNARY_F { return M::sqrt(x); }
  TL_PW_UNARY_DF { return g / (s + s); }
};
struct Rsqrt {  // y = 1/√x;  y' = −½x^(−3/2) = −½y³  (saves y)
  TL_PW_UNARY_F { return T(1) / M::sqrt(x); }
  TL_PW_UNARY_DF { return T(-0.5) * g * s * s * s; }
};

// ---------------------------------------------------------------------------- trigonometric
struct Sin {  // y' = cos x
  TL_PW_UNARY_F { return M::sin(x); }
  TL_PW_UNARY_DF { return g * M::cos(s); }
};
struct Cos {  // y' = −sin x
  TL_PW_UNARY_F { return M::cos(x); }
  TL_PW_UNARY_DF { return -g * M::sin(s); }
};
struct Tan {  // y' = 1 + tan²x = 1 + y²  (saves y)
  TL_PW_UNARY_F { return M::tan(x); }
  TL_PW_UNARY_DF { return g * (T(1) + s * s); }
};
struct Asin {  // y' = 1/√(1 − x²)
  TL_PW_UNARY_F { return M::asin(x); }
  TL_PW_UNARY_DF { return g / M::sqrt(T(1) - s * s); }
};
struct Acos {  // y' = −1/√(1 − x²)
  TL_PW_UNARY_F { return M::acos(x); }
  TL_PW_UNARY_DF { return -g / M::sqrt(T(1) - s * s); }
};
struct Atan {  // y' = 1/(1 + x²)
  TL_PW_UNARY_F { return M::atan(x); }
  TL_PW_UNARY_DF { return g / (T(1) + s * s); }
};
struct Sinh {  // y' = cosh x
  TL_PW_UNARY_F { return M::sinh(x); }
  TL_PW_UNARY_DF { return g * M::cosh(s); }
};
struct Cosh {  // y' = sinh x
  TL_PW_UNARY_F { return M::cosh(x); }
  TL_PW_UNARY_DF { return g * M::sinh(s); }
};
struct Tanh {  // y' = 1 − tanh²x = 1 − y²  (saves y)
  TL_PW_UNARY_F { return M::tanh(x); }
  TL_PW_UNARY_DF { return g * (T(1) - s * s); }
};
struct Asinh {  // y' = 1/√(x² + 1)
  TL_PW_UNARY_F { return M::asinh(x); }
  TL_PW_UNARY_DF { return g / M::sqrt(s * s + T(1)); }
};
struct Acosh {  // y' = 1/√(x² − 1)
  TL_PW_UNARY_F { return M::acosh(x); }
  TL_PW_UNARY_DF { return g / M::sqrt(s * s - T(1)); }
};
struct Atanh {  // y' = 1/(1 − x²)
  TL_PW_UNARY_F { return M::atanh(x); }
  TL_PW_UNARY_DF { return g / (T(1) - s * s); }
};

// ---------------------------------------------------------------------------- error function
struct Erf {  // y = erf x;  y' = 2/√π · e^(−x²)
  TL_PW_UNARY_F { return M::erf(x); }
  TL_PW_UNARY_DF { return g * T(1.12837916709551257390) * M::exp(-s * s); }
};
struct Erfc {  // y = 1 − erf x;  y' = −2/√π · e^(−x²)
  TL_PW_UNARY_F { return M::erfc(x); }
  TL_PW_UNARY_DF { return -g * T(1.12837916709551257390) * M::exp(-s * s); }
};
struct Erfinv {  // y = erf⁻¹ x;  y' = √π/2 · e^(y²)  (saves y)
  TL_PW_UNARY_F { return M::erfinv(x); }
  TL_PW_UNARY_DF { return g * T(0.88622692545275801365) * M::exp(s * s); }
};

// ---------------------------------------------------------------------------- rounding
// Piecewise constant: not differentiable, y' = 0 (torch returns zeros). frac is x − trunc x.
struct Floor { TL_PW_UNARY_F { return M::floor(x); } };
struct Ceil { TL_PW_UNARY_F { return M::ceil(x); } };
struct Round { TL_PW_UNARY_F { return M::rint(x); } };  // half to even, as torch.round
struct Trunc { TL_PW_UNARY_F { return M::trunc(x); } };
struct Frac {  // y = x − trunc x;  y' = 1 (ONE)
  TL_PW_UNARY_F { return x - M::trunc(x); }
};

// ---------------------------------------------------------------------------- activations
// σ(x) = 1/(1 + e^(−x)) without overflow: e = e^(−|x|), σ = 1/(1+e) for x ≥ 0, e/(1+e) below.
template <class M, class T>
TL_HD T sigmoid_(T x) {
  T e = M::exp(x < T(0) ? x : -x);
  T r = T(1) / (T(1) + e);
  return x < T(0) ? e * r : r;
}
// softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^(−|x|)), stable for any x.
template <class M, class T>
TL_HD T softplus_(T x) {
  T ax = x < T(0) ? -x : x;
  return (x > T(0) ? x : T(0)) + M::log1p(M::exp(-ax));
}

struct Relu {  // y = max(x, 0) (NaN stays NaN);  y' = [x > 0] (NaN passes g, as torch)
  TL_PW_UNARY_F { return x < T(0) ? T(0) : x; }
  TL_PW_UNARY_DF { return s <= T(0) ? T(0) : g; }
};
struct LeakyRelu {  // y = x for x > 0, a·x else (a = negative_slope);  y' = 1 or a
  TL_PW_UNARY_F { return x > T(0) ? x : x * p.a; }
  TL_PW_UNARY_DF { return s > T(0) ? g : g * p.a; }
};
// elu(x; α, λ, κ) = λx for x > 0, λα(e^(κx) − 1) else;  y' = λ or λακ·e^(κx).
// torch's ELU (λ = κ = 1), SELU (α = 1.6732632…, λ = 1.0507009…, κ = 1) and
// CELU (κ = 1/α) are this one row with different parameters.
struct Elu {
  TL_PW_UNARY_F { return x > T(0) ? p.b * x : p.b * p.a * M::expm1(x * p.c); }
  TL_PW_UNARY_DF { return s > T(0) ? g * p.b : g * p.b * p.a * p.c * M::exp(s * p.c); }
};
// softplus(x; β, t) = ln(1 + e^(βx))/β, or x where βx > t (linear regime, as torch);
// y' = σ(βx), or 1 above the threshold.
struct Softplus {
  TL_PW_UNARY_F { return x * p.a > p.b ? x : softplus_<M>(x * p.a) / p.a; }
  TL_PW_UNARY_DF { return s * p.a > p.b ? g : g * sigmoid_<M>(s * p.a); }
};
struct Sigmoid {  // y = σ(x);  y' = y(1 − y)  (saves y)
  TL_PW_UNARY_F { return sigmoid_<M>(x); }
  TL_PW_UNARY_DF { return g * s * (T(1) - s); }
};
struct LogSigmoid {  // y = ln σ(x) = −softplus(−x);  y' = σ(−x)
  TL_PW_UNARY_F { return -softplus_<M>(-x); }
  TL_PW_UNARY_DF { return g * sigmoid_<M>(-s); }
};
struct Silu {  // y = x·σ(x);  y' = σ(x)(1 + x(1 − σ(x)))
  TL_PW_UNARY_F { return x * sigmoid_<M>(x); }
  TL_PW_UNARY_DF {
    T sg = sigmoid_<M>(s);
    return g * sg * (T(1) + s * (T(1) - sg));
  }
};
struct Mish {  // y = x·tanh(softplus x);  y' = t + x·σ(x)(1 − t²), t = tanh(softplus x)
  TL_PW_UNARY_F { return x * M::tanh(softplus_<M>(x)); }
  TL_PW_UNARY_DF {
    T t = M::tanh(softplus_<M>(s));
    return g * (t + s * sigmoid_<M>(s) * (T(1) - t * t));
  }
};
// gelu(x) = x·Φ(x), Φ(x) = ½ erfc(−x/√2);  y' = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
struct Gelu {
  TL_PW_UNARY_F { return x * M::norm_cdf(x); }
  TL_PW_UNARY_DF {
    T pdf = T(0.39894228040143267794) * M::exp(T(-0.5) * s * s);
    return g * (M::norm_cdf(s) + s * pdf);
  }
};
// gelu_tanh(x) = ½x(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³) — the σ form keeps
// relative accuracy for negative x, where 1 + tanh u cancels;
// y' = σ(2u) + x·σ(2u)(1 − σ(2u))·2u',  u' = √(2/π)(1 + 3·0.044715x²)
struct GeluTanh {
  TL_PW_UNARY_F {
    T u = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
    return x * sigmoid_<M>(u + u);
  }
  TL_PW_UNARY_DF {
    T s2 = s * s;
    T u = T(0.79788456080286535588) * (s + T(0.044715) * s2 * s);
    T sg = sigmoid_<M>(u + u);
    T du = T(2) * T(0.79788456080286535588) * (T(1) + T(0.134145) * s2);
    return g * (sg + s * sg * (T(1) - sg) * du);
  }
};
struct Hardtanh {  // y = clamp(x, lo, hi);  y' = [lo < x < hi] (0 at the ends, 1 at NaN, as torch)
  TL_PW_UNARY_F { return (x < p.a) ? p.a : ((x > p.b) ? p.b : x); }
  TL_PW_UNARY_DF { return (s <= p.a || s >= p.b) ? T(0) : g; }
};
struct Hardsigmoid {  // y = clamp(x/6 + ½, 0, 1);  y' = 1/6 on (−3, 3)
  TL_PW_UNARY_F { return x <= T(-3) ? T(0) : (x >= T(3) ? T(1) : x / T(6) + T(0.5)); }
  TL_PW_UNARY_DF { return (s > T(-3) && s < T(3)) ? g / T(6) : T(0); }
};
struct Hardswish {  // y = x·clamp(x + 3, 0, 6)/6;  y' = 0 (x ≤ −3), x/3 + ½ (x < 3), 1
  TL_PW_UNARY_F { return x <= T(-3) ? T(0) : (x >= T(3) ? x : x * (x + T(3)) / T(6)); }
  TL_PW_UNARY_DF { return s <= T(-3) ? T(0) : (s < T(3) ? g * (s / T(3) + T(0.5)) : g); }
};
struct Softsign {  // y = x/(1 + |x|);  y' = 1/(1 + |x|)²
  TL_PW_UNARY_F { return x / (T(1) + (x < T(0) ? -x : x)); }
  TL_PW_UNARY_DF {
    T d = T(1) + (s < T(0) ? -s : s);
    return g / (d * d);
  }
};
struct Tanhshrink {  // y = x − tanh x;  y' = tanh²x
  TL_PW_UNARY_F { return x - M::tanh(x); }
  TL_PW_UNARY_DF {
    T t = M::tanh(s);
    return g * t * t;
  }
};
struct Hardshrink {  // y = x where |x| > λ, else 0;  y' = [|x| > λ]
  TL_PW_UNARY_F { return (x >= -p.a && x <= p.a) ? T(0) : x; }
  TL_PW_UNARY_DF { return (s >= -p.a && s <= p.a) ? T(0) : g; }
};
struct Softshrink {  // y = x − λ (x > λ), x + λ (x < −λ), 0 else;  y' = [|x| > λ]
  TL_PW_UNARY_F { return x > p.a ? x - p.a : (x < -p.a ? x + p.a : T(0)); }
  TL_PW_UNARY_DF { return (s > p.a || s < -p.a) ? g : T(0); }
};
struct Threshold {  // y = x where x > t, else v;  y' = [x > t]
  TL_PW_UNARY_F { return x > p.a ? x : p.b; }
  TL_PW_UNARY_DF { return s > p.a ? g : T(0); }
};
// nan_to_num(x; nan, posinf, neginf): NaN → nan, +inf → posinf, −inf → neginf;
// y' = 1 for finite x, 0 where a replacement happened.
struct NanToNum {
  TL_PW_UNARY_F {
    return isnan_(x) ? p.a : (x == M::template inf<T>() ? p.b : (x == -M::template inf<T>() ? p.c : x));
  }
  TL_PW_UNARY_DF { return (isnan_(s) || s == M::template inf<T>() || s == -M::template inf<T>()) ? T(0) : g; }
};

// ---------------------------------------------------------------------------- predicates → bool
struct IsNan { TL_PW_PRED_F { return isnan_(x); } };
struct IsInf { TL_PW_PRED_F { return x == M::template inf<T>() || x == -M::template inf<T>(); } };
struct IsPosInf { TL_PW_PRED_F { return x == M::template inf<T>(); } };
struct IsNegInf { TL_PW_PRED_F { return x == -M::template inf<T>(); } };
struct IsFinite { TL_PW_PRED_F { return !isnan_(x) && x != M::template inf<T>() && x != -M::template inf<T>(); } };
struct Signbit { TL_PW_PRED_F { return M::signbit(x); } };
struct LogicalNot { TL_PW_PRED_F { return x == T(0); } };
// x compared with a scalar s (rounded to x's dtype, as torch; the kernel compares int64 in
// double when s is not an integer).
struct EqScalar { TL_PW_PRED_F { return x == p.a; } };
struct NeScalar { TL_PW_PRED_F { return x != p.a; } };
struct LtScalar { TL_PW_PRED_F { return x < p.a; } };
struct LeScalar { TL_PW_PRED_F { return x <= p.a; } };
struct GtScalar { TL_PW_PRED_F { return x > p.a; } };
struct GeScalar { TL_PW_PRED_F { return x >= p.a; } };

#undef TL_PW_UNARY_F
#undef TL_PW_UNARY_DF
#undef TL_PW_PRED_F

// ---------------------------------------------------------------------------- binary
#define TL_PW_BIN_F template <class M, class T> TL_HD static T f(T a, T b)
#define TL_PW_BIN_DF template <class M, class T> TL_HD static void df(T a, T b, T g, T& ga, T& gb)
#define TL_PW_CMP_F template <class M, class T> TL_HD static bool f(T a, T b)

struct Add {  // ∂/∂a = 1, ∂/∂b = 1
  TL_PW_BIN_F { return a + b; }
  TL_PW_BIN_DF { ga = g; gb = g; }
};
struct Sub {  // ∂/∂a = 1, ∂/∂b = −1
  TL_PW_BIN_F { return a - b; }
  TL_PW_BIN_DF { ga = g; gb = -g; }
};
struct Mul {  // ∂/∂a = b, ∂/∂b = a
  TL_PW_BIN_F { return a * b; }
  TL_PW_BIN_DF { ga = g * b; gb = g * a; }
};
struct Div {  // ∂/∂a = 1/b, ∂/∂b = −a/b²
  TL_PW_BIN_F { return a / b; }
  TL_PW_BIN_DF {
    ga = g / b;
    gb = -ga * a / b;
  }
};
// y = aᵇ;  ∂/∂a = b·aᵇ⁻¹ (0 when b = 0), ∂/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0), as torch.
struct Pow {
  TL_PW_BIN_F { return M::pow(a, b); }
  TL_PW_BIN_DF {
    ga = b == T(0) ? T(0) : g * b * M::pow(a, b - T(1));
    gb = (a == T(0) && b >= T(0)) ? T(0) : g * M::pow(a, b) * M::log(a);
  }
};
// maximum/minimum propagate NaN; a tie splits g in halves, as torch. torch's rule for the
// gradient: a gets g unless it lost (a < b for maximum), so with a NaN (no comparison holds)
// both operands get g.
struct Maximum {
  TL_PW_BIN_F { return (a > b || isnan_(a)) ? a : b; }
  TL_PW_BIN_DF {
    bool tie = a == b;
    ga = tie ? g * T(0.5) : (a < b ? T(0) : g);
    gb = tie ? g * T(0.5) : (a > b ? T(0) : g);
  }
};
struct Minimum {
  TL_PW_BIN_F { return (a < b || isnan_(a)) ? a : b; }
  TL_PW_BIN_DF {
    bool tie = a == b;
    ga = tie ? g * T(0.5) : (a > b ? T(0) : g);
    gb = tie ? g * T(0.5) : (a < b ? T(0) : g);
  }
};
struct Atan2 {  // y = atan2(a, b);  ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²)  (0 at the origin, as torch)
  TL_PW_BIN_F { return M::atan2(a, b); }
  TL_PW_BIN_DF {
    T d = a * a + b * b;
    T r = d == T(0) ? T(0) : g / d;
    ga = b * r;
    gb = -a * r;
  }
};
struct Fmod {  // y = a − trunc(a/b)·b (sign of a);  ∂/∂a = 1, ∂/∂b = −trunc(a/b)
  TL_PW_BIN_F { return M::fmod(a, b); }
  TL_PW_BIN_DF { ga = g; gb = -g * M::trunc(a / b); }
};
struct Remainder {  // y = a − ⌊a/b⌋·b (sign of b);  ∂/∂a = 1, ∂/∂b = −⌊a/b⌋
  TL_PW_BIN_F { return M::remainder(a, b); }
  TL_PW_BIN_DF { ga = g; gb = -g * M::floor(a / b); }
};
struct FloorDivide { TL_PW_BIN_F { return M::floor_divide(a, b); } };  // ⌊a/b⌋, not differentiable
struct BitwiseAnd { TL_PW_BIN_F { return a & b; } };
struct BitwiseOr { TL_PW_BIN_F { return a | b; } };
struct BitwiseXor { TL_PW_BIN_F { return a ^ b; } };

struct Eq { TL_PW_CMP_F { return a == b; } };
struct Ne { TL_PW_CMP_F { return a != b; } };
struct Lt { TL_PW_CMP_F { return a < b; } };
struct Le { TL_PW_CMP_F { return a <= b; } };
struct Gt { TL_PW_CMP_F { return a > b; } };
struct Ge { TL_PW_CMP_F { return a >= b; } };
struct LogicalAnd { TL_PW_CMP_F { return (a != T(0)) && (b != T(0)); } };
struct LogicalOr { TL_PW_CMP_F { return (a != T(0)) || (b != T(0)); } };
struct LogicalXor { TL_PW_CMP_F { return (a != T(0)) != (b != T(0)); } };

#undef TL_PW_BIN_F
#undef TL_PW_BIN_DF
#undef TL_PW_CMP_F

}  // namespace pw
}  // namespace tl
