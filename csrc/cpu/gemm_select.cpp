// Which GEMM kernel and cache blocks this CPU gets (gemm.h: gemm_kernel_f32 / _f64).
//
// The micro-kernel follows the SIMD level (AVX-512 14×32, AVX2 6×16, portable 4×8, for float32);
// the cache blocks follow the CPU family and the cache sizes it reports (cpu_info.h):
//
//   KC  depth of a packed panel pair. Each pass over K reads and writes C once more, and each
//       micro-kernel call pays its C tile's loads and stores, so KC is as deep as the caches
//       allow. The B micro-panel (KC×NR) and the A micro-panel stream through the core while
//       the rest of the A block waits in L2.
//   MC  rows of the packed A block: MC×KC floats fill about half of L2 (the other half holds the
//       B panel being used, C tiles, and whatever the hardware prefetcher brings in).
//   NC  columns of the packed B block: KC×NC within an eighth of L3.
//
// Per family (why the numbers differ):
//   Zen 5 (AMD family 0x1A; the machine measured for this table: EPYC, 48 KiB L1d, 1 MiB L2):
//     two full-width 512-bit FMA pipes (64 FLOP/cycle) and an L2 that feeds two 64-byte lines a
//     cycle. The 14×32 tile needs 184 bytes a k-step (2 zmm of B, 14 floats of A) for 14 cycles
//     of FMAs, which L2 streams without stalling: measured, the micro-kernel runs at 96-97 % of
//     peak with both panels in L2 as in L1, while a shallower KC costs more C traffic than it
//     saves. So KC is sized by L2 (deep), not by L1.
//   Zen 4 (AMD family 0x19): a 512-bit FMA is two 256-bit halves (32 FLOP/cycle), so each k-step
//     lasts twice as long and L2 is under half the pressure; 32 KiB L1d, 1 MiB L2. The blocks
//     this kernel was first tuned with there (KC 384, MC 336: ~90 % of peak) are kept.
//   Intel AVX-512 server cores (Skylake-SP … Granite Rapids; 48 KiB L1d, 1.25-2 MiB L2, a mesh L3):
//     two 512-bit FMA ports like Zen 5, but an L2 that sustains about half Zen 5's bandwidth into L1
//     (the Zen 5 layout streams 184 bytes a k-step from L2) and an L3 with several times the latency.
//     PERF-NOTES measured 61-77 % of peak there with the Zen 4 blocks. So the layout BLIS uses for
//     its SKX kernels, with the operands' roles of our tile: the broadcast operand's micro-panel (A,
//     14×KC) held in L1 (KC 432 at 48 KiB: half of L1), the vector operand's block (B, KC×NC) in half
//     of L2 (NC 576 at 2 MiB), the A block in L3, and the loop A panel outer (a_stationary): per
//     k-step only 128 bytes of B come from L2. Not measured here (no Intel machine this session):
//     _C.gemm_set_blocking(mc, kc, nc, a_stationary=0/1) switches to compare on one.
//   Generic: the cache sizes alone: the B micro-panel in half of L1 (KC ≥ 256), the A block in half
//     of L2, B panel outer.
// A CPU that reports no cache sizes gets 32 KiB / 1 MiB / 8 MiB.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <vector>

#include "cpu_info.h"
#include "gemm.h"
#include "simd.h"

namespace tl {

namespace {

int g_mc = 0, g_kc = 0, g_nc = 0;                  // overrides (0 = the CPU's default)
int g_order = -1;                                  // a_stationary override (< 0: the CPU's default)
int64_t g_thread_min_work = int64_t(1) << 19;      // multiply-adds below which one thread works
std::atomic<int> g_generation{0};                  // bumped by gemm_set_blocking: caches refill

struct Blocks {
  int mc, kc, nc;
  bool a_stationary;
};

int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return std::max(lo, std::min(hi, v)); }

// Cache blocks for an mr×nr tile of elements `elem` bytes wide on this CPU.
Blocks blocks_for(int mr, int nr, int elem) {
  const CpuInfo& c = cpu_info();
  const int64_t l1 = c.l1d > 0 ? c.l1d : 32 << 10;
  const int64_t l2 = c.l2 > 0 ? c.l2 : 1 << 20;
  const int64_t l3 = c.l3 > 0 ? c.l3 : 8 << 20;
  int64_t kc, mc;
  switch (c.family_kind) {
    case CpuFamily::Zen5:
      kc = 4096 / elem;            // 1024 floats: A 14-row panel 56 KiB, B 32-column panel 128 KiB
      mc = l2 / 2 / (kc * elem);   // A block: half of L2
      break;
    case CpuFamily::Zen4:
      kc = 384 * 4 / elem;
      mc = 24 * 14;
      break;
    case CpuFamily::IntelAvx512: {
      // BLIS's layout for this core, with the operands' roles as in our tile: the broadcast operand's
      // micro-panel (A, mr×KC) stays in L1 (half of it), the vector operand's block (B, KC×NC) in
      // half of L2, the A block in L3; the loop runs A panel outer.
      kc = l1 / 2 / (mr * elem) / 8 * 8;
      const int64_t nc = clamp64(l2 / 2 / (clamp64(kc, 128, 2048) * elem) / nr * nr, 4 * nr, 8192);
      mc = l3 / 8 / (clamp64(kc, 128, 2048) * elem);
      return {(int)clamp64(mc / mr * mr, mr, 128 * mr), (int)clamp64(kc, 128, 2048), (int)nc, true};
    }
    default:  // generic: the B micro-panel in half of L1 (at least 256 deep), the A block in half of L2
      kc = std::max<int64_t>(256, l1 / 2 / (nr * elem));
      mc = l2 / 2 / (kc * elem);
      break;
  }
  kc = clamp64(kc, 128, 2048);
  mc = clamp64(mc / mr * mr, mr, 64 * mr);
  // NC: the packed B block (KC×NC) in an eighth of L3, a multiple of nr (Zen 5, 2048³: 4 MiB blocks
  // ran 7 % faster than 8 MiB ones; L3 is shared with the other cores and with A, C and the prefetches).
  int64_t nc = clamp64(l3 / 8 / (kc * elem) / nr * nr, 8 * nr, 8192);
  return {(int)mc, (int)kc, (int)nc, false};
}

template <typename T>
GemmKernel<T> pick(SimdLevel l);

template <>
GemmKernel<float> pick<float>(SimdLevel l) {
  GemmKernel<float> k;
  if (!(l == SimdLevel::AVX512 && gemm_kernel_avx512_f32(k)) && !(l >= SimdLevel::AVX2 && gemm_kernel_avx2_f32(k)))
    gemm_kernel_portable_f32(k);
  return k;
}

template <>
GemmKernel<double> pick<double>(SimdLevel l) {
  GemmKernel<double> k;
  if (!(l == SimdLevel::AVX512 && gemm_kernel_avx512_f64(k)) && !(l >= SimdLevel::AVX2 && gemm_kernel_avx2_f64(k)))
    gemm_kernel_portable_f64(k);
  return k;
}

template <typename T>
const GemmKernel<T>& cached() {
  // One entry per SIMD level, refilled when the blocking overrides change. The tests switch
  // levels from one thread; concurrent callers read entries that are only written here.
  struct Entry {
    int generation = -1;
    GemmKernel<T> k;
  };
  static thread_local Entry entries[3];
  const SimdLevel l = simd_level();
  Entry& e = entries[(int)l];
  if (e.generation != g_generation) {
    GemmKernel<T> k = pick<T>(l);
    if (l != SimdLevel::Portable) {  // the portable kernel keeps its own small blocks
      Blocks b = blocks_for(k.mr, k.nr, (int)sizeof(T));
      k.mc = b.mc, k.kc = b.kc, k.nc = b.nc, k.a_stationary = b.a_stationary;
    }
    if (g_mc > 0) k.mc = std::max(k.mr, g_mc / k.mr * k.mr);
    if (g_kc > 0) k.kc = g_kc;
    if (g_nc > 0) k.nc = std::max(k.nr, g_nc / k.nr * k.nr);
    if (g_order >= 0) k.a_stationary = g_order > 0;
    e.k = k;
    e.generation = g_generation;
  }
  return e.k;
}

}  // namespace

const GemmKernel<float>& gemm_kernel_f32() { return cached<float>(); }
const GemmKernel<double>& gemm_kernel_f64() { return cached<double>(); }

void gemm_set_blocking(int mc, int kc, int nc, int64_t thread_min_work, int a_stationary) {
  g_mc = std::max(0, mc), g_kc = std::max(0, kc), g_nc = std::max(0, nc), g_order = a_stationary;
  if (thread_min_work >= 0) g_thread_min_work = thread_min_work;
  ++g_generation;
}

int64_t gemm_thread_min_work() { return g_thread_min_work; }

double gemm_ukr_probe_f32(int64_t kc, int64_t reps, int mr) {
  const GemmKernel<float>& kr = gemm_kernel_f32();
  UkrFn<float> ukr = kr.ukr;
  if (mr > 0 && mr <= 16 && kr.by_mr[mr]) ukr = kr.by_mr[mr];
  else mr = kr.mr;
  std::vector<float> a((size_t)mr * kc, 0.5f), b((size_t)kr.nr * kc, 0.25f), c((size_t)mr * kr.nr, 0.f);
  ukr(kc, a.data(), b.data(), kr.nr, c.data(), kr.nr, 1.f, 0.f);
  // Thread CPU time: on a shared machine, time spent descheduled is not the kernel's.
  auto now = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
  };
  double t0 = now();
  for (int64_t r = 0; r < reps; ++r) ukr(kc, a.data(), b.data(), kr.nr, c.data(), kr.nr, 1.f, 1.f);
  double s = now() - t0;
  return 2.0 * mr * kr.nr * kc * reps / s / 1e9;
}

}  // namespace tl
