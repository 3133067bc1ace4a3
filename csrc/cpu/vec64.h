// Vec<T>: one 64-byte vector of T through GCC's vector extension — a zmm register on AVX-512,
// two ymm on AVX2, four xmm on the portable path, whichever target the including function is
// compiled for — and vload, its unaligned load. Shared by the direct convolution kernels
// (conv_direct.cpp, conv_channels.cpp).
#pragma once
#include <cstring>

#include "cpu_math.h"  // TL_INLINE

namespace tl {

template <typename T>
struct VecOf {
  typedef T type __attribute__((vector_size(64)));
};
template <typename T>
using Vec = typename VecOf<T>::type;

template <typename T>
TL_INLINE Vec<T> vload(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace tl
