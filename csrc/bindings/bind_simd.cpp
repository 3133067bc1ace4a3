// Bindings of the run-time SIMD choice (csrc/cpu/simd.h): which path the kernels use, and
// forcing a lower one (the tests run every path the machine supports).
#include <string>

#include "../cpu/simd.h"
#include "registry.h"

namespace tl {

static void bind_simd(pybind11::module_& m) {
  m.def("simd_level", [] { return std::string(simd_name(simd_level())); },
        "the SIMD path the kernels use now: 'avx512', 'avx2' or 'portable'");
  m.def("simd_max_level", [] { return std::string(simd_name(simd_max_level())); });
  m.def("set_simd_level", [](const std::string& name) {
    SimdLevel l = name == "avx512" ? SimdLevel::AVX512
                  : name == "avx2" ? SimdLevel::AVX2
                  : name == "portable" ? SimdLevel::Portable
                                       : (throw ValueError("set_simd_level: expected 'avx512', 'avx2' or "
                                                           "'portable', got '" + name + "'"),
                                          SimdLevel::Portable);
    set_simd_level(l);
    return std::string(simd_name(simd_level()));
  });
}
TL_REGISTER_BINDINGS(bind_simd)

}  // namespace tl
