// Iterate N operands of one shape, each with its own strides (elements) and itemsize.
// Adjacent dimensions that are contiguous in every operand are merged first, so a
// contiguous or plain-broadcast case becomes one long inner loop the compiler vectorises.
//
//   strided_loop<3>(out_shape, {out_strides, a_strides, b_strides}, {out_ptr, a_ptr, b_ptr},
//                   {4, 4, 4}, [](char** p, const int64_t* step, int64_t n) {...});
//
// `inner(p, step, n)` processes n elements: operand k at p[k], advancing step[k] bytes.
// Outer iterations are split across OpenMP threads when the array is large.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "array.h"
#include "parallel.h"

namespace tl {

template <int N, typename F>
void strided_loop(const Shape& shape, const std::array<const Shape*, N>& strides,
                  const std::array<char*, N>& base, const std::array<int64_t, N>& itemsize,
                  F&& inner) {
  const int64_t nd = (int64_t)shape.size();
  // Collapsed dims, innermost last; strides in bytes.
  std::vector<int64_t> dims;
  std::vector<std::array<int64_t, N>> st;
  for (int64_t d = 0; d < nd; ++d) {
    if (shape[d] == 1) continue;
    std::array<int64_t, N> s;
    for (int k = 0; k < N; ++k) s[k] = (*strides[k])[d] * itemsize[k];
    if (!dims.empty()) {
      bool merge = true;
      for (int k = 0; k < N; ++k)
        if (st.back()[k] != s[k] * shape[d]) merge = false;
      if (merge) {
        dims.back() *= shape[d];
        st.back() = s;
        continue;
      }
    }
    dims.push_back(shape[d]);
    st.push_back(s);
  }
  for (int64_t d : shape)
    if (d == 0) return;
  if (dims.empty()) {  // a single element
    std::array<char*, N> p = base;
    std::array<int64_t, N> step{};
    inner(p.data(), step.data(), 1);
    return;
  }
  const int64_t inner_n = dims.back();
  const std::array<int64_t, N> inner_step = st.back();
  const int64_t outer_nd = (int64_t)dims.size() - 1;
  int64_t outer = 1;
  for (int64_t d = 0; d < outer_nd; ++d) outer *= dims[d];

  auto run_range = [&](int64_t begin, int64_t end) {
    if (begin >= end) return;
    std::vector<int64_t> idx(outer_nd, 0);
    int64_t r = begin;
    for (int64_t d = outer_nd - 1; d >= 0; --d) {
      idx[d] = r % dims[d];
      r /= dims[d];
    }
    std::array<char*, N> p;
    for (int k = 0; k < N; ++k) {
      p[k] = base[k];
      for (int64_t d = 0; d < outer_nd; ++d) p[k] += idx[d] * st[d][k];
    }
    std::array<int64_t, N> step = inner_step;
    for (int64_t it = begin; it < end; ++it) {
      std::array<char*, N> q = p;
      inner(q.data(), step.data(), inner_n);
      for (int64_t d = outer_nd - 1; d >= 0; --d) {  // advance the odometer
        for (int k = 0; k < N; ++k) p[k] += st[d][k];
        if (++idx[d] < dims[d]) break;
        for (int k = 0; k < N; ++k) p[k] -= st[d][k] * dims[d];
        idx[d] = 0;
      }
    }
  };
  parallel_for(outer, outer * inner_n, run_range);
}

}  // namespace tl
