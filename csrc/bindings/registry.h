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

// Kernels take plain doubles for scalars; the dtype of the result follows the arrays.
inline void check_same_device(const Array& a, const Array& b, const char* op) {
  TL_CHECK(a.device() == b.device(), RuntimeError,
           op << ": expected all tensors to be on the same device, got " << a.device().str() << " and "
              << b.device().str());
}

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

inline void check_cpu(const Array& a, const char* op) {
  TL_CHECK(a.device().type == Device::CPU, RuntimeError,
           op << ": the CPU kernel got a tensor on " << a.device().str());
}

}  // namespace tl

#define TL_REGISTER_BINDINGS(fn) static ::tl::BindRegistrar tl_bind_registrar_##fn(fn);
