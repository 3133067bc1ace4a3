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

// A shape: a sequence of integers (a bare int is a 1-d shape), each in int64.
inline Shape shape_arg(pybind11::handle h, const char* op) {
  const bool seq = PySequence_Check(h.ptr()) && !PyUnicode_Check(h.ptr()) && !PyBytes_Check(h.ptr());
  pybind11::list items;
  if (seq) items = pybind11::list(pybind11::reinterpret_borrow<pybind11::object>(h));
  else items.append(h);
  Shape s;
  for (pybind11::handle item : items) {
    int64_t v = 0;
    TL_CHECK(int64_from(item, &v, op, "size"), TypeError,
             op << ": size " << py_repr(item) << " in " << py_repr(h) << " does not fit in int64");
    s.push_back(v);
  }
  return s;
}

}  // namespace tl
