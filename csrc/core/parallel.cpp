#include "parallel.h"

namespace tl {

namespace {
int& threads_setting() {
  static int n = [] {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
  }();
  return n;
}
}  // namespace

int get_num_threads() { return threads_setting(); }

void set_num_threads(int n) {
  TL_CHECK(n >= 1, ValueError, "set_num_threads: expected a positive count, got " << n);
  threads_setting() = n;
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

}  // namespace tl
