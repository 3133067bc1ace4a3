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
#include "../core/checks.h"

namespace tl {

using BindFn = void (*)(pybind11::module_&);

inline std::vector<BindFn>& bind_registry() {
  static std::vector<BindFn> fns;  // function-local: safe across static-init order
  return fns;
}

struct BindRegistrar {
  explicit BindRegistrar(BindFn fn) { bind_registry().push_back(fn); }
};

// Run f() without the GIL when the work is large (n elements): for small inputs releasing and
// re-taking the GIL would cost more than the kernel.
constexpr int64_t kNoGilElems = 1 << 16;
template <class F>
auto nogil_if_large(int64_t n, F&& f) -> decltype(f()) {
  if (n >= kNoGilElems) {
    pybind11::gil_scoped_release release;
    return f();
  }
  return f();
}

}  // namespace tl

#define TL_REGISTER_BINDINGS(fn) static ::tl::BindRegistrar tl_bind_registrar_##fn(fn);
