// Bindings of the GEMM's diagnostics and tuning knobs (the products themselves: bind_matmul.cpp).
#include "../core/parallel.h"
#include "../cpu/cpu_info.h"
#include "../cpu/gemm.h"
#include "../cpu/gemm_pool.h"
#include "../cpu/simd.h"
#include "registry.h"

namespace tl {

static void bind_gemm(pybind11::module_& m) {
  namespace py = pybind11;
  m.def("gemm_ukr_probe", &gemm_ukr_probe_f32, py::arg("kc") = 256, py::arg("reps") = 20000, py::arg("mr") = 0,
        "GF/s of the float32 micro-kernel alone on cache-resident panels (benchmark helper)");
  m.def("gemm_info", [] {
    py::dict d;
    const GemmKernel<float>& kf = gemm_kernel_f32();
    const GemmKernel<double>& kd = gemm_kernel_f64();
    const CpuInfo& c = cpu_info();
    d["simd"] = std::string(simd_name(simd_level()));
    d["cpu_family"] = std::string(cpu_family_name(c.family_kind));
    d["f32_kernel"] = std::string(kf.name);
    d["f32_mr"] = kf.mr;
    d["f32_nr"] = kf.nr;
    d["f32_mc"] = kf.mc;
    d["f32_kc"] = kf.kc;
    d["f32_nc"] = kf.nc;
    d["f32_a_stationary"] = kf.a_stationary;
    d["f64_kernel"] = std::string(kd.name);
    d["f64_mr"] = kd.mr;
    d["f64_nr"] = kd.nr;
    d["f64_mc"] = kd.mc;
    d["f64_kc"] = kd.kc;
    d["f64_nc"] = kd.nc;
    d["thread_min_work"] = gemm_thread_min_work();
    d["num_threads"] = get_num_threads();
    d["threading"] = std::string("own pool: caller + helpers claim chunks of C; no join barrier");
    int64_t caller = 0, helper = 0;
    gemm_pool_stats(caller, helper);
    d["pool_caller_chunks"] = caller;
    d["pool_helper_chunks"] = helper;
    return d;
  }, "the GEMM path in use: SIMD level, CPU family, micro-kernel, register tile and cache blocks");
  m.def("gemm_set_blocking", &gemm_set_blocking, py::arg("mc") = 0, py::arg("kc") = 0, py::arg("nc") = 0,
        py::arg("thread_min_work") = -1, py::arg("a_stationary") = -1,
        "tuning knob: override the cache blocks (0 = this CPU's default), the threading threshold (-1: "
        "unchanged) and the loop order (a_stationary 0/1; -1: this CPU's default)");
  m.def("cpu_info", [] {
    const CpuInfo& c = cpu_info();
    py::dict d;
    d["vendor"] = std::string(c.vendor == CpuVendor::Intel ? "intel" : c.vendor == CpuVendor::AMD ? "amd" : "other");
    d["family"] = c.family;
    d["model"] = c.model;
    d["family_kind"] = std::string(cpu_family_name(c.family_kind));
    d["brand"] = std::string(c.brand);
    d["l1d_bytes"] = c.l1d;
    d["l2_bytes"] = c.l2;
    d["l3_bytes"] = c.l3;
    d["avx512_bf16"] = c.avx512_bf16;
    d["avx512_vnni"] = c.avx512_vnni;
    d["amx_bf16"] = c.amx_bf16;
    d["amx_int8"] = c.amx_int8;
    d["amx_granted"] = amx_tiles_granted();
    return d;
  }, "what the CPU reports (cpuid, cache sizes from sysfs) and what the kernels use of it");
}
TL_REGISTER_BINDINGS(bind_gemm)

}  // namespace tl
