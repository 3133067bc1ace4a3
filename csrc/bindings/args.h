// Python arguments → core types, with errors that name the op. pybind11's own int64 caster
// rejects a Python int outside [-2**63, 2**63) (or a float where an int belongs) with a dump of
// every overload's signature; these helpers say what was wrong instead:
//   shape_arg(obj, "rand")  → Shape; TypeError "rand: size 9223372036854775808 in ... does not fit in int64"
//   int_arg(obj, "randint", "high") → int64_t
//   clamped_int(obj)        → int64_t saturated to [INT64_MIN, INT64_MAX] (slice bounds: x[2**63:])
#pragma once
#include <pybind11/pybind11.h>

#include <climits>
#include <string>

#include "../core/array.h"

namespace tl {

// The Python object's repr, shortened for a message.
inline std::string py_repr(pybind11::handle h) {
  std::string s = pybind11::repr(h).cast<std::string>();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// An exact int64 from a Python int (or anything with __index__: numpy ints, bool).
// Returns false (and leaves *out alone) when the value does not fit; throws TypeError when the
// object is not an integer at all.
inline bool int64_from(pybind11::handle h, int64_t* out, const char* op, const char* what) {
  if (PyLong_CheckExact(h.ptr())) {  // the common case, without a new reference
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow != 0) return false;
    *out = (int64_t)v;
    return true;
  }
  PyObject* idx = PyNumber_Index(h.ptr());
  if (!idx) {
    PyErr_Clear();
    TL_CHECK(false, TypeError,
             op << ": " << what << " must be an integer, got " << Py_TYPE(h.ptr())->tp_name << " " << py_repr(h));
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(idx, &overflow);
  Py_DECREF(idx);
  if (overflow != 0) return false;
  *out = (int64_t)v;
  return true;
}

inline int64_t int_arg(pybind11::handle h, const char* op, const char* what) {
  int64_t v = 0;
  TL_CHECK(int64_from(h, &v, op, what), RuntimeError,
           op << ": " << what << " " << py_repr(h) << " does not fit in int64 (must be in [-2**63, 2**63))");
  return v;
}

// Saturating: out-of-range ints become INT64_MIN / INT64_MAX (for bounds that are clamped anyway).
inline int64_t clamped_int(pybind11::handle h, const char* op, const char* what) {
  int64_t v = 0;
  if (int64_from(h, &v, op, what)) return v;
  return pybind11::int_(pybind11::reinterpret_borrow<pybind11::object>(h).attr("__index__")()) <
                 pybind11::int_(0)
             ? INT64_MIN
             : INT64_MAX;
}

// A dimension index: an int outside int64 is out of range like any other (IndexError, as
// normalize_axis says for in-range ints).
inline int64_t dim_arg(pybind11::handle h, const char* op) {
  int64_t v = 0;
  TL_CHECK(int64_from(h, &v, op, "dimension"), IndexError, op << ": dimension " << py_repr(h) << " out of range");
  return v;
}

// A shape: a sequence of integers (a bare int is a 1-d shape), each in int64.
inline Shape shape_arg(pybind11::handle h, const char* op) {
  Shape s;
  const bool seq = PySequence_Check(h.ptr()) && !PyUnicode_Check(h.ptr()) && !PyBytes_Check(h.ptr());
  if (!seq) {  // a bare integer: a 1-d shape
    int64_t v = 0;
    TL_CHECK(int64_from(h, &v, op, "size"), TypeError, op << ": size " << py_repr(h) << " does not fit in int64");
    return {v};
  }
  // PySequence_Fast: a list or tuple as it is (no copy), anything else iterated once into a list
  PyObject* fast = PySequence_Fast(h.ptr(), "size must be a sequence");
  if (!fast) throw pybind11::error_already_set();
  pybind11::object keep = pybind11::reinterpret_steal<pybind11::object>(fast);
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
  PyObject** items = PySequence_Fast_ITEMS(fast);
  s.resize(n);
  for (Py_ssize_t i = 0; i < n; ++i) {
    pybind11::handle item(items[i]);
    TL_CHECK(int64_from(item, &s[i], op, "size"), TypeError,
             op << ": size " << py_repr(item) << " in " << py_repr(h) << " does not fit in int64");
  }
  return s;
}

}  // namespace tl
