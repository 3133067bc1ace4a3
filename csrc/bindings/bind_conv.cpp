// Convolution kernels (csrc/cpu/conv.cpp, conv_direct.cpp) and F.unfold / F.fold.
#include "../cpu/conv.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_conv(py::module_& m) {
  m.def("conv2d", &conv2d, py::arg("x"), py::arg("w"), py::arg("bias"), py::arg("stride"), py::arg("padding"),
        py::arg("dilation"), py::arg("groups"),
        "y[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q]·x[n, g·Cg+c, i·sh−ph+p·dh, j·sw−pw+q·dw] (zero padding)");
  m.def("conv2d_backward_input", &conv2d_backward_input, py::arg("g"), py::arg("w"), py::arg("input_size"),
        py::arg("stride"), py::arg("padding"), py::arg("dilation"), py::arg("groups"),
        "∂L/∂x of conv2d from g = ∂L/∂y: the transposed convolution of g (also conv_transpose2d)");
  m.def("conv2d_backward_weight", &conv2d_backward_weight, py::arg("x"), py::arg("g"), py::arg("kernel_size"),
        py::arg("stride"), py::arg("padding"), py::arg("dilation"), py::arg("groups"),
        "∂L/∂w of conv2d: Σ_n g[n]·im2col(x[n])ᵀ per group");
  m.def("im2col", &im2col, py::arg("x"), py::arg("kernel_size"), py::arg("dilation"), py::arg("padding"),
        py::arg("stride"), "F.unfold: (N, C, H, W) → (N, C·kH·kW, L) sliding blocks");
  m.def("col2im", &col2im, py::arg("cols"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation"),
        py::arg("padding"), py::arg("stride"), "F.fold: (N, C·kH·kW, L) → (N, C, H, W), overlaps summed");
  m.def("conv2d_set_algorithm", &conv::set_algorithm, py::arg("mode"),
        "CPU only: 0 pick by shape, 1 im2col + GEMM, 2 direct along rows, 3 direct across output channels, "
        "4 AVX-512 register tiles (float32)");
  m.def("conv2d_get_algorithm", &conv::get_algorithm);
  m.def("conv2d_algorithm_for", &conv2d_algorithm_for, py::arg("x_shape"), py::arg("w_shape"), py::arg("stride"),
        py::arg("padding"), py::arg("dilation"), py::arg("groups"), py::arg("pass_"),
        "CPU only: the algorithm a float32 pass (0 forward, 1 input grad, 2 weight grad) takes: 1 gemm, 2 direct, "
        "3 channels, 4 tiles");
}
TL_REGISTER_BINDINGS(bind_conv)

}  // namespace tl
