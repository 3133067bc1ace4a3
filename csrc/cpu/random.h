// Random numbers from a counter-based generator (Philox4x32-10, Salmon et al. 2011).
//
// State: (seed, offset), in a Generator (torch.Generator); the default one is global. Element i of a call draws from Philox block (offset + i/2)
// (key = seed; counter = block index), using words {0,1} (i even) or {2,3} (i odd); the call
// then advances offset by ceil(n/2) blocks. So results depend only on the seed and the
// sequence of calls, never on the thread count, and manual_seed(s) reproduces them exactly.
#pragma once
#include <mutex>
#include <utility>

#include "../core/array.h"

namespace tl {

constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // torch's default CPU seed

// A stream of Philox blocks: (seed, offset), offset = the next unused block. Thread-safe.
struct Generator {
  std::mutex mu;
  uint64_t seed = kDefaultSeed;
  uint64_t offset = 0;
  void manual_seed(uint64_t s);
  // Reserve the blocks for n elements (two per block); returns (key, first block).
  std::pair<uint64_t, uint64_t> reserve(int64_t n);
};

Generator& default_generator();     // the one manual_seed / rand without a generator use

void manual_seed(int64_t seed);     // seed the default generator and reset its offset to 0
int64_t initial_seed();             // the seed last set (kDefaultSeed at start)

// Every draw takes an optional generator (nullptr: the default one).
Array rand(const Shape& shape, DType dtype, Generator* gen = nullptr);    // U[0, 1)
Array randn(const Shape& shape, DType dtype, Generator* gen = nullptr);   // N(0, 1), Box–Muller
Array randint(int64_t low, int64_t high, const Shape& shape, Generator* gen = nullptr);  // int64 in [low, high)
void uniform_(Array& x, double lo, double hi, Generator* gen = nullptr);  // x = lo + (hi − lo)·U[0,1), in place
void normal_(Array& x, double mean, double std, Generator* gen = nullptr);  // x = mean + std·N(0,1), in place
Array randperm(int64_t n, Generator* gen = nullptr);  // Fisher–Yates with the generator
// probs (C,) or (R, C), rows of non-negative weights (not necessarily normalised) → int64
// (num_samples,) or (R, num_samples) category indices. With replacement: inverse-CDF draws;
// without: the exponential race (keys w_c / E_c, E_c ~ Exp(1), the num_samples largest), which
// has the law of drawing one at a time and renormalising (torch's method); zero-weight
// categories come last.
Array multinomial(const Array& probs, int64_t num_samples, bool replacement, Generator* gen = nullptr);
// y = x·mask/(1−p), mask[i] = (U_i ≥ p) (kept with probability 1−p); p = 1: y = 0, mask = 0.
std::pair<Array, Array> dropout(const Array& x, double p);

// Draws for kernels that consume randomness inside their own loops (attention dropout):
// random_reserve(n) takes the generator's blocks for n elements, as a call of n elements would,
// and random_unit_*(s, i) is element i's U[0, 1) — the number rand() of that size gives element i.
struct PhiloxStream {
  uint64_t key, base;  // seed, first block
};
PhiloxStream random_reserve(int64_t n);
float random_unit_f32(const PhiloxStream& s, int64_t i);
double random_unit_f64(const PhiloxStream& s, int64_t i);
// out[k] = random_unit_*(s, start + k) for k < n, computed in bulk (one Philox block per two elements,
// 16 blocks at a time in vector registers): the fast way to draw a row.
void random_units_f32(const PhiloxStream& s, int64_t start, int64_t n, float* out);
void random_units_f64(const PhiloxStream& s, int64_t start, int64_t n, double* out);

}  // namespace tl
