// Run-time choice of the SIMD path. The build has no -march flag; kernels that want
// wide vectors are compiled per target (__attribute__((target("avx512f,...")))) and one is
// picked here, once, from what the running CPU reports.
//
// TL_SIMD=portable|avx2|avx512 in the environment (or tinygrad_lite.set_simd_level) forces
// a lower path, so the tests can run every path this machine supports.
#pragma once

namespace tl {

enum class SimdLevel : int { Portable = 0, AVX2 = 1, AVX512 = 2 };

SimdLevel simd_level();                 // the path kernels use now
SimdLevel simd_max_level();             // the best the CPU supports
void set_simd_level(SimdLevel level);   // clamps to simd_max_level()
const char* simd_name(SimdLevel level);

}  // namespace tl
