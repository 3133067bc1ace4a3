// Bindings of the lower-precision products (cpu/matmul_lowp.h): matmul_bf16, matmul_int8, and the
// packed weights LinearBF16 / LinearInt8 for inference.
#include "../cpu/cpu_info.h"
#include "../cpu/gemm_lowp.h"
#include "../cpu/matmul_lowp.h"
#include "registry.h"

namespace tl {

static void bind_lowp(pybind11::module_& m) {
  namespace py = pybind11;
  m.def("matmul_bf16", &matmul_bf16, py::arg("a"), py::arg("b"),
        "float32 a (..., K) · b (K, N) with both rounded to bf16 and float32 sums → float32 (..., N)");
  m.def("matmul_int8", &matmul_int8, py::arg("a"), py::arg("b"),
        "int64 a (..., K) · b (K, N) holding int8 values ([-128, 127]) → the exact int64 sums (K ≤ 65536)");
  py::class_<LinearBF16>(m, "LinearBF16",
                         "a weight (out_features, in_features) packed once as bf16; forward(x, bias) = "
                         "bf16(x)·bf16(w)ᵀ + bias in float32")
      .def(py::init<const Array&>(), py::arg("weight"))
      .def("forward", &LinearBF16::forward, py::arg("x"), py::arg("bias") = py::none())
      .def_readonly("in_features", &LinearBF16::in_features)
      .def_readonly("out_features", &LinearBF16::out_features)
      .def_property_readonly("nbytes", &LinearBF16::nbytes);
  py::class_<LinearInt8>(m, "LinearInt8",
                         "a weight (out_features, in_features) quantised once to int8 per output row "
                         "(symmetric); forward(x, bias) quantises each row of x on the fly, int32 sums")
      .def(py::init<const Array&>(), py::arg("weight"))
      .def("forward", &LinearInt8::forward, py::arg("x"), py::arg("bias") = py::none())
      .def("dequantized", &LinearInt8::dequantized, "the quantised weight s_w[j]·q_w[j, k] as float32")
      .def_readonly("in_features", &LinearInt8::in_features)
      .def_readonly("out_features", &LinearInt8::out_features)
      .def_property_readonly("nbytes", &LinearInt8::nbytes);
  m.def("lowp_info", [] {
    py::dict d;
    d["bf16_native"] = bf16_native();
    d["int8_native"] = int8_native();
    d["amx_granted"] = amx_tiles_granted();
    d["bf16_kernel"] = std::string(bf16_native() ? "avx512-bf16 14x32 (vdpbf16ps)" : "fallback: bf16-rounded float32 GEMM");
    d["int8_kernel"] = std::string(int8_native() ? "avx512-vnni 14x32 (vpdpbusd)" : "portable int32 loop");
    return d;
  }, "which lower-precision kernels run at the current SIMD level on this CPU");
}
TL_REGISTER_BINDINGS(bind_lowp)

}  // namespace tl
