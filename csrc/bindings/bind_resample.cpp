// Padding and interpolation kernels (csrc/cpu/resample.cpp).
#include "../cpu/resample.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_resample(py::module_& m) {
  m.def("pad", &pad, py::arg("x"), py::arg("pads"), py::arg("mode"), py::arg("value"),
        "F.pad of the last len(pads)/2 dims; mode 0 constant, 1 reflect, 2 replicate, 3 circular");
  m.def("pad_backward", &pad_backward, py::arg("g"), py::arg("input_shape"), py::arg("pads"), py::arg("mode"),
        "g scatter-added back to the elements each padded element was read from");
  m.def("upsample2d", &upsample2d, py::arg("x"), py::arg("out_h"), py::arg("out_w"), py::arg("mode"),
        py::arg("align_corners"), py::arg("scale_h"), py::arg("scale_w"),
        "F.interpolate of (N, C, H, W) to (N, C, out_h, out_w); mode 0 nearest, 1 bilinear");
  m.def("upsample2d_backward", &upsample2d_backward, py::arg("g"), py::arg("in_h"), py::arg("in_w"), py::arg("mode"),
        py::arg("align_corners"), py::arg("scale_h"), py::arg("scale_w"), "∂L/∂x of upsample2d");
}
TL_REGISTER_BINDINGS(bind_resample)

}  // namespace tl
