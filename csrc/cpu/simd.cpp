#include "simd.h"

#include <cstdlib>
#include <cstring>

#include "../core/errors.h"

namespace tl {

namespace {

SimdLevel detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return SimdLevel::AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::AVX2;
#endif
  return SimdLevel::Portable;
}

SimdLevel from_env(SimdLevel max) {
  const char* e = std::getenv("TL_SIMD");
  if (!e) return max;
  SimdLevel want = max;
  if (!std::strcmp(e, "portable")) want = SimdLevel::Portable;
  else if (!std::strcmp(e, "avx2")) want = SimdLevel::AVX2;
  else if (!std::strcmp(e, "avx512")) want = SimdLevel::AVX512;
  return (int)want < (int)max ? want : max;
}

SimdLevel& current() {
  static SimdLevel level = from_env(simd_max_level());
  return level;
}

}  // namespace

SimdLevel simd_max_level() {
  static SimdLevel max = detect();
  return max;
}

SimdLevel simd_level() { return current(); }

void set_simd_level(SimdLevel level) {
  current() = (int)level < (int)simd_max_level() ? level : simd_max_level();
}

const char* simd_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::AVX512: return "avx512";
    case SimdLevel::AVX2: return "avx2";
    default: return "portable";
  }
}


}  // namespace tl
