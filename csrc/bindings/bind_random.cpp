// Creation and random kernels (csrc/cpu/fill.cpp, csrc/cpu/random.cpp).
#include "../cpu/fill.h"
#include "../cpu/random.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static DType dtype_code(int code) {
  TL_CHECK(code >= 0 && code <= 3, TypeError, "unknown dtype code " << code);
  return (DType)code;
}

static void bind_random(py::module_& m) {
  m.def("full", [](const Shape& shape, double value, int dtype) { return full(shape, value, dtype_code(dtype)); },
        py::arg("shape"), py::arg("value"), py::arg("dtype"));
  m.def("arange",
        [](double start, double stop, double step, int dtype) { return arange(start, stop, step, dtype_code(dtype)); },
        py::arg("start"), py::arg("stop"), py::arg("step"), py::arg("dtype"),
        "start + i·step for i < ceil((stop − start)/step)");
  m.def("manual_seed", &manual_seed, py::arg("seed"), "seed the global Philox generator (offset reset to 0)");
  m.def("initial_seed", &initial_seed);
  m.def("rand", [](const Shape& shape, int dtype) { return rand(shape, dtype_code(dtype)); }, py::arg("shape"),
        py::arg("dtype"), "U[0, 1)");
  m.def("randn", [](const Shape& shape, int dtype) { return randn(shape, dtype_code(dtype)); }, py::arg("shape"),
        py::arg("dtype"), "N(0, 1)");
  m.def("randint", &randint, py::arg("low"), py::arg("high"), py::arg("shape"), "int64 in [low, high)");
  m.def("uniform_", [](Array x, double lo, double hi) { uniform_(x, lo, hi); }, py::arg("x"), py::arg("lo"),
        py::arg("hi"));
  m.def("normal_", [](Array x, double mean, double std) { normal_(x, mean, std); }, py::arg("x"),
        py::arg("mean"), py::arg("std"));
  m.def("randperm", &randperm, py::arg("n"));
  m.def("dropout", &dropout, py::arg("x"), py::arg("p"), "(y, mask): y = x·mask/(1−p), mask kept w.p. 1−p");
}
TL_REGISTER_BINDINGS(bind_random)

}  // namespace tl
