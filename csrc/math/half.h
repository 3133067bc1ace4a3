// The two 16-bit floating types, as storage: IEEE binary16 (torch.float16 / half) and
// bfloat16 (the top half of a float32). Values convert to and from float32 here, once, for
// the CPU and the CUDA kernels; arithmetic on them is done in float32 by the callers (as torch
// does on the CPU: compute in float, round each result to the storage type).
//
//   float16:  1 sign, 5 exponent (bias 15), 10 mantissa bits; max 65504, subnormals down to 2^-24
//   bfloat16: 1 sign, 8 exponent (bias 127), 7 mantissa bits; the range of float32
//
// Both roundings are to nearest, ties to even; inf stays inf, NaN stays NaN (quiet: 0x7e00
// with the sign for float16; 0x7fc0 for bfloat16, as c10::BFloat16), overflow becomes inf.
#pragma once
#include <cstdint>
#include <cstring>

#include "hd.h"

namespace tl {

TL_HD uint32_t f32_bits(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  return x;
}

TL_HD float f32_from_bits(uint32_t x) {
  float f;
  memcpy(&f, &x, 4);
  return f;
}

// float32 -> binary16 bits, round to nearest even.
TL_HD uint16_t float_to_half_bits(float f) {
  const uint32_t x = f32_bits(f);
  const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return sign | 0x7e00u;   // NaN
  if (ax >= 0x477ff000u) return sign | 0x7c00u;  // inf, or >= 65520: rounds past 65504
  if (ax < 0x38800000u) {                         // |f| < 2^-14: a half subnormal or zero
    if (ax <= 0x33000000u) return sign;           // |f| <= 2^-25: rounds to (even) zero
    // |f| = m·2^(e−150) with the implicit bit; in units of 2^-24: q = m >> (126 − e)
    const uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e, q = m >> shift, rem = m & ((1u << shift) - 1), mid = 1u << (shift - 1);
    return sign | (uint16_t)(q + (rem > mid || (rem == mid && (q & 1))));
  }
  // normal: rebias the exponent (127 -> 15), keep 10 of 23 mantissa bits; a carry out of the
  // mantissa correctly bumps the exponent (up to inf)
  const uint32_t v = ax - 0x38000000u, q = v >> 13, rem = v & 0x1fffu;
  return sign | (uint16_t)(q + (rem > 0x1000u || (rem == 0x1000u && (q & 1))));
}

// binary16 bits -> float32 (exact).
TL_HD float half_bits_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0x1f) return f32_from_bits(sign | 0x7f800000u | (m << 13));  // inf / NaN
  if (e == 0) {                                                          // zero / subnormal: m·2^-24
    const float v = (float)m * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  return f32_from_bits(sign | ((e + 112) << 23) | (m << 13));
}

// float32 -> bfloat16 bits, round to nearest even (c10::BFloat16's round_to_nearest_even).
TL_HD uint16_t float_to_bf16_bits(float f) {
  const uint32_t x = f32_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u;  // NaN
  return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

TL_HD float bf16_bits_to_float(uint16_t b) { return f32_from_bits((uint32_t)b << 16); }

// Storage types: converting constructors from float and a conversion to float, so the
// core's generic copy (`(D)src`) converts between any two dtypes through float32.
struct Half {
  uint16_t bits;
  Half() = default;
  TL_HD Half(float f) : bits(float_to_half_bits(f)) {}
  TL_HD operator float() const { return half_bits_to_float(bits); }
};

struct BFloat16 {
  uint16_t bits;
  BFloat16() = default;
  TL_HD BFloat16(float f) : bits(float_to_bf16_bits(f)) {}
  TL_HD operator float() const { return bf16_bits_to_float(bits); }
};

}  // namespace tl
