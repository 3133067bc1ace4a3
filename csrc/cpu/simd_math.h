// The one definition of the float32 exp math used by every CPU kernel (Cephes expf):
//
//   exp(x) = 2^n · e^r,   n = round(x·log2 e),   r = x − n·ln2,  |r| <= ln2/2
//   r by Cody-Waite: ln2 = kLn2Hi + kLn2Lo, kLn2Hi has few mantissa bits so n·kLn2Hi is exact
//   e^r = 1 + r + r²·P(r),  P a degree-5 minimax polynomial (kExpP, Horner)   ~1 ulp
//
// It is written against an arithmetic policy A (A::V, A::set1, A::fmadd, A::fnmadd), so the
// same lines serve both code shapes that use it:
//   * tl::vm::exp (elementwise.h): A = ScalarArith, plain float arithmetic inside loops that
//     GCC auto-vectorises per target (elementwise and optimizer kernels);
//   * nnsimd::Ops512 / Ops256::exp (softmax.h): A = the Ops struct itself, explicit
//     intrinsics (softmax, log_softmax, cross-entropy).
// What stays per shape is only the range handling and the 2^n scaling, because the fastest
// form differs: AVX-512 has roundscale + scalef (scalef saturates to inf / 0 by itself, one
// lower clamp is enough); AVX2 rounds with vroundps, builds 2^n in the exponent field and
// flushes results below the normal range to 0; auto-vectorised scalar code has neither
// instruction, so vm::exp rounds with the 1.5·2^23 trick and scales by 2^n in two factors
// (keeping denormal results). Measured (8K floats in L1, 1 thread): the intrinsic forms take
// 0.18 / 0.33 ns per element (AVX-512 / AVX2), the auto-vectorised vm form 0.30 / 0.48, so
// softmax keeps its intrinsics; vm::exp must stay scalar-shaped because tanh, sigmoid, gelu
// and the optimizers call it from loops GCC vectorises. Hence two shapes, one polynomial.
#pragma once

namespace tl {
namespace expf_math {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
// P(r), highest degree first; e^r = 1 + r + r²·P(r).
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;

// Plain float arithmetic: the policy for code that GCC vectorises by itself.
struct ScalarArith {
  using V = float;
  static inline __attribute__((always_inline)) V set1(float a) { return a; }
  static inline __attribute__((always_inline)) V fmadd(V a, V b, V c) { return a * b + c; }
  static inline __attribute__((always_inline)) V fnmadd(V a, V b, V c) { return c - a * b; }
};

// r = x − n·ln2 (Cody-Waite, two steps); n is x·log2 e rounded to an integer (as a float).
template <class A>
inline __attribute__((always_inline)) typename A::V reduce(typename A::V x, typename A::V n) {
  typename A::V r = A::fnmadd(n, A::set1(kLn2Hi), x);
  return A::fnmadd(n, A::set1(kLn2Lo), r);
}

// P(r) by Horner (the caller forms 1 + r + r²·P in the order its shape evaluates best).
template <class A>
inline __attribute__((always_inline)) typename A::V poly(typename A::V r) {
  typename A::V p = A::set1(kP0);
  p = A::fmadd(p, r, A::set1(kP1));
  p = A::fmadd(p, r, A::set1(kP2));
  p = A::fmadd(p, r, A::set1(kP3));
  p = A::fmadd(p, r, A::set1(kP4));
  return A::fmadd(p, r, A::set1(kP5));
}

}  // namespace expf_math
}  // namespace tl
