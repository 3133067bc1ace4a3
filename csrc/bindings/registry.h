// Each kernel family binds its own functions into tinygrad_lite._C from its own file:
//   static void bind_softmax(pybind11::module_& m) { m.def("softmax", ...); }
//   TL_REGISTER_BINDINGS(bind_softmax)
// module.cpp binds Array first, then calls every registered function, so adding a
// family never touches a shared file.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <vector>

#include "../core/array.h"

namespace tl {

using BindFn = void (*)(pybind11::module_&);

inline std::vector<BindFn>& bind_registry() {
  static std::vector<BindFn> fns;  // function-local: safe across static-init order
  return fns;
}

struct BindRegistrar {
  explicit BindRegistrar(BindFn fn) { bind_registry().push_back(fn); }
};

// check_cpu / check_same_device live in core/array.h: kernels use them without pybind11.

}  // namespace tl

#define TL_REGISTER_BINDINGS(fn) static ::tl::BindRegistrar tl_bind_registrar_##fn(fn);
