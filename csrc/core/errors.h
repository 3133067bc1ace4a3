// Errors raised by the native core. Each maps to a Python exception at the pybind11
// boundary (see bindings/module.cpp):
//   tl::ValueError -> ValueError, tl::IndexError -> IndexError,
//   tl::TypeError  -> TypeError,  tl::RuntimeError -> RuntimeError.
// Kernels never crash on bad input: they validate and throw one of these, with a
// message that names the op and the shapes involved.
#pragma once
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tl {

struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct RuntimeError : std::runtime_error { using std::runtime_error::runtime_error; };

inline std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  if (s.size() == 1) os << ',';
  os << ')';
  return os.str();
}

}  // namespace tl

// TL_CHECK(cond, ValueError, "matmul: shapes " << a << " and " << b << " do not align")
#define TL_CHECK(cond, Kind, msg)            \
  do {                                       \
    if (!(cond)) {                           \
      std::ostringstream tl_os_;             \
      tl_os_ << msg;                         \
      throw ::tl::Kind(tl_os_.str());        \
    }                                        \
  } while (0)

// TL_FAIL(ValueError, "pad: mode " << m << " is unknown") — throw unconditionally.
#define TL_FAIL(Kind, msg)                 \
  do {                                     \
    std::ostringstream tl_os_;             \
    tl_os_ << msg;                         \
    throw ::tl::Kind(tl_os_.str());        \
  } while (0)
