// Bindings of the pointwise table (csrc/ops/pointwise.def), generated row by row:
//   unary row      name(x, p0, ..)            and, if differentiable, name_backward(s, g, p0, ..)
//   predicate row  name(x, p0, ..)            → bool
//   binary row     name(a, b)                 and, if differentiable,
//                  name_backward(a, b, g, want_a=True, want_b=True) → (ga | None, gb | None)
//   comparison     name(a, b)                 → bool
// with exactly the row's number of parameters (doubles). `pointwise_ops()` returns the table
// itself — (name, kind, dtypes, saves, nparams, doc) in op-code order — for the Python layer
// (ops/pointwise.py, the CUDA backend's op codes, backend/interface.py).
#include "../cpu/pointwise.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {
namespace {

template <int NP>
void bind_unary(py::module_& m, PwOp op, bool backward) {
  const PwInfo& info = kPwInfo[(int)op];
  std::string doc = std::string(info.doc) + " (csrc/ops/pointwise.def)";
  auto fwd = [op](const Array& x, double a, double b, double c) {
    check_cpu(x, kPwInfo[(int)op].name);
    const double p[kPwMaxParams] = {a, b, c};
    return nogil_if_large(x.numel(), [&] { return pw_unary(op, x, p); });
  };
  auto bwd = [op](const Array& s, const Array& g, double a, double b, double c) {
    check_cpu(s, kPwInfo[(int)op].name);
    check_cpu(g, kPwInfo[(int)op].name);
    const double p[kPwMaxParams] = {a, b, c};
    return nogil_if_large(s.numel(), [&] { return pw_unary_backward(op, s, g, p); });
  };
  const std::string bname = std::string(info.name) + "_backward";
  if constexpr (NP == 0) {
    m.def(info.name, [fwd](const Array& x) { return fwd(x, 0, 0, 0); }, py::arg("x"), doc.c_str());
    if (backward)
      m.def(bname.c_str(), [bwd](const Array& s, const Array& g) { return bwd(s, g, 0, 0, 0); }, py::arg("s"),
            py::arg("g"));
  } else if constexpr (NP == 1) {
    m.def(info.name, [fwd](const Array& x, double a) { return fwd(x, a, 0, 0); }, py::arg("x"), py::arg("p0"),
          doc.c_str());
    if (backward)
      m.def(bname.c_str(), [bwd](const Array& s, const Array& g, double a) { return bwd(s, g, a, 0, 0); },
            py::arg("s"), py::arg("g"), py::arg("p0"));
  } else if constexpr (NP == 2) {
    m.def(info.name, [fwd](const Array& x, double a, double b) { return fwd(x, a, b, 0); }, py::arg("x"),
          py::arg("p0"), py::arg("p1"), doc.c_str());
    if (backward)
      m.def(bname.c_str(), [bwd](const Array& s, const Array& g, double a, double b) { return bwd(s, g, a, b, 0); },
            py::arg("s"), py::arg("g"), py::arg("p0"), py::arg("p1"));
  } else {
    m.def(info.name, fwd, py::arg("x"), py::arg("p0"), py::arg("p1"), py::arg("p2"), doc.c_str());
    if (backward) m.def(bname.c_str(), bwd, py::arg("s"), py::arg("g"), py::arg("p0"), py::arg("p1"), py::arg("p2"));
  }
}

void bind_binary(py::module_& m, PwOp op, bool backward) {
  const PwInfo& info = kPwInfo[(int)op];
  std::string doc = std::string(info.doc) + ", broadcasting (csrc/ops/pointwise.def)";
  m.def(info.name, [op](const Array& a, const Array& b) {
    check_cpu(a, kPwInfo[(int)op].name);
    check_cpu(b, kPwInfo[(int)op].name);
    return nogil_if_large(std::max(a.numel(), b.numel()), [&] { return pw_binary(op, a, b); });
  }, py::arg("a"), py::arg("b"), doc.c_str());
  if (!backward) return;
  const std::string bname = std::string(info.name) + "_backward";
  m.def(bname.c_str(), [op](const Array& a, const Array& b, const Array& g, bool wa, bool wb) {
    check_cpu(a, kPwInfo[(int)op].name);
    check_cpu(b, kPwInfo[(int)op].name);
    check_cpu(g, kPwInfo[(int)op].name);
    std::pair<Array, Array> r = nogil_if_large(g.numel(), [&] { return pw_binary_backward(op, a, b, g, wa, wb); });
    py::object ga = r.first.storage ? py::cast(r.first) : py::none();
    py::object gb = r.second.storage ? py::cast(r.second) : py::none();
    return py::make_tuple(ga, gb);
  }, py::arg("a"), py::arg("b"), py::arg("g"), py::arg("want_a") = true, py::arg("want_b") = true);
}

void bind_pointwise(py::module_& m) {
  py::list table;
  static const char* kinds[] = {"unary", "unary_pred", "binary", "binary_pred"};
  static const char* dtypes[] = {"FLOAT", "NUMERIC", "ALL", "INTEGRAL"};
  static const char* saves[] = {"NONE", "X", "Y", "NOGRAD", "GRAD", "ONE"};
  for (int i = 0; i < (int)PwOp::count_; ++i) {
    const PwInfo& info = kPwInfo[i];
    PwOp op = (PwOp)i;
    const bool grad = info.saves != PwSaves::NOGRAD && info.saves != PwSaves::ONE;
    switch (info.kind) {
      case PwKind::Unary:
      case PwKind::UnaryPred:
        switch (info.nparams) {
          case 0: bind_unary<0>(m, op, grad); break;
          case 1: bind_unary<1>(m, op, grad); break;
          case 2: bind_unary<2>(m, op, grad); break;
          default: bind_unary<3>(m, op, grad); break;
        }
        break;
      case PwKind::Binary:
      case PwKind::BinaryPred: bind_binary(m, op, grad); break;
    }
    table.append(py::make_tuple(info.name, kinds[(int)info.kind], dtypes[(int)info.dtypes], saves[(int)info.saves],
                                info.nparams, info.doc));
  }
  m.def("pointwise_ops", [table]() { return table; },
        "The pointwise op table (csrc/ops/pointwise.def) in op-code order: "
        "(name, kind, dtypes, saves, nparams, doc) per row.");
}

}  // namespace
TL_REGISTER_BINDINGS(bind_pointwise)
}  // namespace tl
