// Creation and random kernels (csrc/cpu/fill.cpp, csrc/cpu/random.cpp).
#include "../cpu/fill.h"
#include "../cpu/random.h"
#include "args.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static DType dtype_code(int code) {
  TL_CHECK(code >= 0 && code <= 3, TypeError, "unknown dtype code " << code);
  return (DType)code;
}

static void bind_random(py::module_& m) {
  // A Python int value stays exact (int64: 2**60 + 1 is not rounded through a double; outside
  // int64: RuntimeError); a float goes through double.
  m.def("full",
        [](py::handle shape, py::handle value, int dtype) {
          Shape s = shape_arg(shape, "full");
          if (PyLong_Check(value.ptr())) {
            int64_t v = 0;
            if (int64_from(value, &v, "full", "value")) return full_int(s, v, dtype_code(dtype));
            TL_CHECK(dtype_code(dtype) != DType::Int64 && dtype_code(dtype) != DType::Bool, RuntimeError,
                     "full: value " << py_repr(value) << " cannot be converted to type "
                                    << dtype_name(dtype_code(dtype)) << " without overflow");
          }
          return full(s, value.cast<double>(), dtype_code(dtype));
        },
        py::arg("shape"), py::arg("value"), py::arg("dtype"));
  // Python ints for an int64 range are exact (arange(2**63 - 10, 2**63 - 1)); otherwise doubles.
  m.def("arange",
        [](py::handle start, py::handle stop, py::handle step, int dtype) {
          auto is_int = [](py::handle h) { return PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr()); };
          if (dtype_code(dtype) == DType::Int64 && is_int(start) && is_int(stop) && is_int(step))
            return arange_int(int_arg(start, "arange", "start"), int_arg(stop, "arange", "end"),
                              int_arg(step, "arange", "step"));
          return arange(start.cast<double>(), stop.cast<double>(), step.cast<double>(), dtype_code(dtype));
        },
        py::arg("start"), py::arg("stop"), py::arg("step"), py::arg("dtype"),
        "start + i·step for i < ceil((stop − start)/step)");
  // torch.manual_seed takes any int in [-2**63, 2**64): negative seeds wrap to uint64.
  m.def("manual_seed",
        [](py::handle seed) {
          int64_t v = 0;
          if (!int64_from(seed, &v, "manual_seed", "seed")) {
            unsigned long long u = PyLong_AsUnsignedLongLong(seed.ptr());
            if (PyErr_Occurred()) {
              PyErr_Clear();
              TL_CHECK(false, RuntimeError,
                       "manual_seed: seed " << py_repr(seed) << " is out of range [-2**63, 2**64)");
            }
            v = (int64_t)u;
          }
          manual_seed(v);
        },
        py::arg("seed"), "seed the global Philox generator (offset reset to 0)");
  m.def("initial_seed", &initial_seed);
  m.def("rand", [](py::handle shape, int dtype) { return rand(shape_arg(shape, "rand"), dtype_code(dtype)); },
        py::arg("shape"), py::arg("dtype"), "U[0, 1)");
  m.def("randn", [](py::handle shape, int dtype) { return randn(shape_arg(shape, "randn"), dtype_code(dtype)); },
        py::arg("shape"), py::arg("dtype"), "N(0, 1)");
  m.def("randint",
        [](py::handle low, py::handle high, py::handle shape) {
          return randint(int_arg(low, "randint", "low"), int_arg(high, "randint", "high"),
                         shape_arg(shape, "randint"));
        },
        py::arg("low"), py::arg("high"), py::arg("shape"), "int64 in [low, high)");
  m.def("uniform_", [](Array x, double lo, double hi) { uniform_(x, lo, hi); }, py::arg("x"), py::arg("lo"),
        py::arg("hi"));
  m.def("normal_", [](Array x, double mean, double std) { normal_(x, mean, std); }, py::arg("x"),
        py::arg("mean"), py::arg("std"));
  m.def("randperm", [](py::handle n) { return randperm(int_arg(n, "randperm", "n")); }, py::arg("n"));
  m.def("dropout", &dropout, py::arg("x"), py::arg("p"), "(y, mask): y = x·mask/(1−p), mask kept w.p. 1−p");
}
TL_REGISTER_BINDINGS(bind_random)

}  // namespace tl
