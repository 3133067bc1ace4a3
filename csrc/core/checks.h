// Device checks shared by the kernels: an op that runs on the CPU refuses arrays that live
// elsewhere, with a message naming the op and the devices.
#pragma once
#include "array.h"

namespace tl {

inline void check_same_device(const Array& a, const Array& b, const char* op) {
  TL_CHECK(a.device() == b.device(), RuntimeError,
           op << ": expected all tensors to be on the same device, got " << a.device().str() << " and "
              << b.device().str());
}

inline void check_cpu(const Array& a, const char* op) {
  TL_CHECK(a.device().type == Device::CPU, RuntimeError,
           op << ": the CPU kernel got a tensor on " << a.device().str());
}

}  // namespace tl
