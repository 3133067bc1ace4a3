// cpuid and cache sizes (cpu_info.h). Cache sizes come from the kernel's sysfs first: under a
// hypervisor cpuid's cache leaves can describe the host (here sysconf reported a 384 MiB L3
// for a guest that has 32 MiB), sysfs tells what this guest was given.
#include "cpu_info.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <sys/syscall.h>
#endif

namespace tl {

namespace {

#if defined(__x86_64__) || defined(__i386__)
void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}
#endif

// "48K" / "1024K" / "32M" → bytes; 0 when unreadable.
int64_t sysfs_cache_bytes(int level, bool data) {
  for (int idx = 0; idx < 8; ++idx) {
    std::string base = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(idx) + "/";
    auto read = [&](const char* name) {
      std::string s;
      if (FILE* f = std::fopen((base + name).c_str(), "r")) {
        char buf[64] = {0};
        if (std::fgets(buf, sizeof buf, f)) s = buf;
        std::fclose(f);
      }
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      return s;
    };
    std::string lv = read("level"), type = read("type"), size = read("size");
    if (lv.empty()) break;
    if (std::atoi(lv.c_str()) != level) continue;
    if (data ? type == "Instruction" : type != "Unified") continue;
    if (size.empty()) continue;
    int64_t v = std::atoll(size.c_str());
    char unit = size.back();
    return unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : unit == 'G' ? v << 30 : v;
  }
  return 0;
}

int64_t sysconf_bytes(int name) {
  long v = sysconf(name);
  return v > 0 ? (int64_t)v : 0;
}

CpuInfo detect() {
  CpuInfo c;
#if defined(__x86_64__) || defined(__i386__)
  unsigned r[4];
  cpuid(0, 0, r);
  const unsigned max_leaf = r[0];
  char vendor[13] = {0};
  std::memcpy(vendor, &r[1], 4);
  std::memcpy(vendor + 4, &r[3], 4);
  std::memcpy(vendor + 8, &r[2], 4);
  c.vendor = !std::strcmp(vendor, "GenuineIntel")   ? CpuVendor::Intel
             : !std::strcmp(vendor, "AuthenticAMD") ? CpuVendor::AMD
                                                    : CpuVendor::Other;
  cpuid(1, 0, r);
  const unsigned base_family = (r[0] >> 8) & 0xf, base_model = (r[0] >> 4) & 0xf;
  const unsigned ext_family = (r[0] >> 20) & 0xff, ext_model = (r[0] >> 16) & 0xf;
  c.family = (int)(base_family == 0xf ? base_family + ext_family : base_family);
  c.model = (int)((base_family == 0x6 || base_family == 0xf) ? (ext_model << 4) | base_model : base_model);
  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    c.avx512_vnni = (r[2] >> 11) & 1;  // ECX bit 11
    c.amx_bf16 = (r[3] >> 22) & 1;     // EDX bit 22
    c.amx_int8 = (r[3] >> 25) & 1;     // EDX bit 25
    cpuid(7, 1, r);
    c.avx512_bf16 = (r[0] >> 5) & 1;   // EAX bit 5
  }
  // The OS must save the zmm state (XCR0 bits 5-7) for any AVX-512 instruction to be usable.
  cpuid(1, 0, r);
  bool os_zmm = false;
  if ((r[2] >> 27) & 1) {  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    os_zmm = (lo & 0xe6) == 0xe6;
  }
  if (!os_zmm) c.avx512_bf16 = c.avx512_vnni = false;
  cpuid(0x80000000u, 0, r);
  if (r[0] >= 0x80000004u) {
    for (unsigned i = 0; i < 3; ++i) {
      cpuid(0x80000002u + i, 0, r);
      std::memcpy(c.brand + 16 * i, r, 16);
    }
  }
  bool avx512 = os_zmm && __builtin_cpu_supports("avx512f");
  if (c.vendor == CpuVendor::AMD && avx512 && c.family == 0x19) c.family_kind = CpuFamily::Zen4;
  else if (c.vendor == CpuVendor::AMD && avx512 && c.family >= 0x1a) c.family_kind = CpuFamily::Zen5;
  else if (c.vendor == CpuVendor::Intel && avx512) c.family_kind = CpuFamily::IntelAvx512;
#endif
  c.l1d = sysfs_cache_bytes(1, true);
  c.l2 = sysfs_cache_bytes(2, false);
  c.l3 = sysfs_cache_bytes(3, false);
#ifdef _SC_LEVEL1_DCACHE_SIZE
  if (!c.l1d) c.l1d = sysconf_bytes(_SC_LEVEL1_DCACHE_SIZE);
  if (!c.l2) c.l2 = sysconf_bytes(_SC_LEVEL2_CACHE_SIZE);
  if (!c.l3) c.l3 = sysconf_bytes(_SC_LEVEL3_CACHE_SIZE);
#endif
  return c;
}

}  // namespace

const CpuInfo& cpu_info() {
  static const CpuInfo info = detect();
  return info;
}

bool amx_tiles_granted() {
  static const bool granted = [] {
    const CpuInfo& c = cpu_info();
    if (!c.amx_bf16 && !c.amx_int8) return false;
#if defined(__x86_64__) && defined(SYS_arch_prctl)
    constexpr int kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
    return false;
#endif
  }();
  return granted;
}

const char* cpu_family_name(CpuFamily f) {
  switch (f) {
    case CpuFamily::Zen4: return "zen4";
    case CpuFamily::Zen5: return "zen5";
    case CpuFamily::IntelAvx512: return "intel-avx512";
    default: return "generic";
  }
}

}  // namespace tl
