// Pooling kernels (csrc/cpu/pool.cpp).
#include "../cpu/pool.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_pool(py::module_& m) {
  m.def("max_pool2d", &max_pool2d, py::arg("x"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
        py::arg("dilation"), py::arg("ceil_mode"),
        "(y, idx): window maxima over the last two dims; idx = h·W + w of the first maximum (int64)");
  m.def("max_pool2d_backward", &max_pool2d_backward, py::arg("g"), py::arg("idx"), py::arg("input_size"),
        "zeros (…, H, W) with g scatter-added at idx");
  m.def("max_unpool2d", &max_unpool2d, py::arg("x"), py::arg("idx"), py::arg("output_size"),
        "zeros (…, OH, OW) with y[idx] = x");
  m.def("avg_pool2d", &avg_pool2d, py::arg("x"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
        py::arg("ceil_mode"), py::arg("count_include_pad"), py::arg("divisor_override"),
        "window means over the last two dims (divisor_override 0: none)");
  m.def("avg_pool2d_backward", &avg_pool2d_backward, py::arg("g"), py::arg("input_size"), py::arg("kernel_size"),
        py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"), py::arg("count_include_pad"),
        py::arg("divisor_override"), "g / D spread over each window");
  m.def("adaptive_avg_pool2d", &adaptive_avg_pool2d, py::arg("x"), py::arg("output_size"),
        "means over windows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)");
  m.def("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward, py::arg("g"), py::arg("input_size"),
        "g / window size spread over each adaptive window");
  m.def("adaptive_max_pool2d", &adaptive_max_pool2d, py::arg("x"), py::arg("output_size"),
        "(y, idx): maxima over adaptive windows, idx as max_pool2d");
}
TL_REGISTER_BINDINGS(bind_pool)

}  // namespace tl
