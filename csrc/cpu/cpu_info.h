// What the running CPU is and has, read once from cpuid and the kernel: the GEMM picks its
// register tile and cache blocks from this (gemm_select.cpp), the low-precision kernels their
// instructions (gemm_lowp.h).
#pragma once
#include <cstdint>

namespace tl {

enum class CpuVendor : int { Other = 0, Intel = 1, AMD = 2 };

// Micro-architecture families the GEMM tells apart (see gemm_select.cpp for why each differs).
enum class CpuFamily : int {
  Generic = 0,      // anything else: blocking from the cache sizes alone
  Zen4 = 1,         // AMD family 0x19 with AVX-512: 512-bit FMAs run as two 256-bit halves
  Zen5 = 2,         // AMD family 0x1A: two full-width 512-bit FMA pipes
  IntelAvx512 = 3,  // Intel server cores with AVX-512 (Skylake-SP … Granite Rapids): 2 FMA ports
};

struct CpuInfo {
  CpuVendor vendor = CpuVendor::Other;
  CpuFamily family_kind = CpuFamily::Generic;
  int family = 0, model = 0;  // display family / model (cpuid leaf 1, extended fields folded in)
  // Data cache sizes in bytes: L1d and L2 of one core, L3 as one slice is shared (the whole
  // L3 the kernel reports for cpu0). 0 when unknown; gemm_select.cpp falls back to defaults.
  int64_t l1d = 0, l2 = 0, l3 = 0;
  bool avx512_bf16 = false;  // vdpbf16ps, vcvtne2ps2bf16
  bool avx512_vnni = false;  // vpdpbusd on zmm
  bool amx_bf16 = false, amx_int8 = false;  // the CPU has AMX tiles (the OS may still refuse)
  char brand[49] = {0};
};

const CpuInfo& cpu_info();

// AMX tile data needs permission from Linux (arch_prctl ARCH_REQ_XCOMP_PERM, XTILEDATA) before the
// first tile instruction. Asks once; false when the CPU has no AMX or the OS refuses.
bool amx_tiles_granted();

const char* cpu_family_name(CpuFamily f);

}  // namespace tl
