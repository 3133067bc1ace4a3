// Random numbers from a counter-based generator (Philox4x32-10, Salmon et al. 2011).
//
// Global state: (seed, offset). Element i of a call draws from Philox block (offset + i/2)
// (key = seed; counter = block index), using words {0,1} (i even) or {2,3} (i odd); the call
// then advances offset by ceil(n/2) blocks. So results depend only on the seed and the
// sequence of calls, never on the thread count, and manual_seed(s) reproduces them exactly.
#pragma once
#include <utility>

#include "../core/array.h"

namespace tl {

constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // torch's default CPU seed

void manual_seed(int64_t seed);     // seed and reset the offset to 0
int64_t initial_seed();             // the seed last set (kDefaultSeed at start)

Array rand(const Shape& shape, DType dtype);    // U[0, 1)
Array randn(const Shape& shape, DType dtype);   // N(0, 1), Box–Muller
Array randint(int64_t low, int64_t high, const Shape& shape);  // int64 in [low, high)
void uniform_(Array& x, double lo, double hi);  // x = lo + (hi − lo)·U[0,1), in place
void normal_(Array& x, double mean, double std);  // x = mean + std·N(0,1), in place
Array randperm(int64_t n);                      // Fisher–Yates with the generator
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

}  // namespace tl
