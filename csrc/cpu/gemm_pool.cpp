// The GEMM's worker pool (gemm_pool.h): the caller and up to nt - 1 helper threads claim chunks
// of one job from a counter; no join barrier.
#include "gemm_pool.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace tl {

namespace {

// Helpers spin briefly after a job (back-to-back products find them awake), then sleep.
class GemmPool {
 public:
  static GemmPool& get() {
    static bool registered = [] {
      // A forked child has none of the helper threads (and maybe a mutex held by one):
      // it starts a fresh pool. The old one is leaked on purpose.
      pthread_atfork(nullptr, nullptr, [] { instance() = new GemmPool(); });
      return true;
    }();
    (void)registered;
    return *instance();
  }

  // Run fn(c) for c in [0, nchunks) on the caller plus up to nt - 1 helpers. Returns false
  // (nothing run) when another caller is using the pool: the caller then runs serially.
  bool run(int nt, int64_t nchunks, const std::function<void(int64_t)>& fn) {
    std::unique_lock<std::mutex> busy(run_mu_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    ensure_workers(nt - 1);
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      nchunks_ = nchunks;
      next_ = 0;
      helpers_allowed_ = nt - 1;
      error_ = nullptr;
      done_.store(0, std::memory_order_relaxed);
      epoch_.store(epoch_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    cv_.notify_all();
    work(epoch_.load(std::memory_order_relaxed));
    for (int spins = 0; done_.load(std::memory_order_acquire) < nchunks; ++spins) {
      if (spins < 4096) cpu_relax();
      else std::this_thread::yield();
    }
    std::exception_ptr err;
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = nullptr;
      err = error_;
    }
    if (err) std::rethrow_exception(err);
    return true;
  }

 public:
  // Chunks run by the caller / by helpers since start (a diagnostic for gemm_info).
  int64_t caller_chunks_ = 0, helper_chunks_ = 0;

 private:
  static GemmPool*& instance() {
    static GemmPool* p = new GemmPool();  // never destroyed: threads outlive static dtors
    return p;
  }

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  void ensure_workers(int n) {
    while ((int)workers_ < n) {
      std::thread([this] { worker(); }).detach();
      ++workers_;
    }
  }

  // Claim and run chunks of job `epoch` until none is left.
  void work(uint64_t epoch, bool helper = false) {
    for (;;) {
      int64_t c;
      const std::function<void(int64_t)>* f;
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (epoch_.load(std::memory_order_relaxed) != epoch || next_ >= nchunks_) return;
        c = next_++;
        f = fn_;
        if (helper) ++helper_chunks_;
        else ++caller_chunks_;
      }
      try {
        (*f)(c);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void worker() {
    uint64_t seen = epoch_.load(std::memory_order_acquire);
    for (;;) {
      // Spin a little (about 50 µs) for the next job, then sleep.
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; epoch_.load(std::memory_order_acquire) == seen; ++i) {
        cpu_relax();
        if ((i & 255) == 255 && std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(50)) {
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait(lk, [&] { return epoch_.load(std::memory_order_relaxed) != seen; });
          break;
        }
      }
      uint64_t e;
      {
        std::lock_guard<std::mutex> lk(mu_);
        e = epoch_.load(std::memory_order_relaxed);
        seen = e;
        if (helpers_allowed_ <= 0 || next_ >= nchunks_) continue;
        --helpers_allowed_;
      }
      work(e, true);
    }
  }

  std::mutex run_mu_;  // one job at a time
  std::mutex mu_;      // guards the job fields below
  std::condition_variable cv_;
  std::atomic<uint64_t> epoch_{0};
  std::atomic<int64_t> done_{0};
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t nchunks_ = 0, next_ = 0;
  int helpers_allowed_ = 0;
  std::exception_ptr error_;
  size_t workers_ = 0;
};

}  // namespace

bool gemm_pool_run(int nt, int64_t nchunks, const std::function<void(int64_t)>& fn) {
  return GemmPool::get().run(nt, nchunks, fn);
}

void gemm_pool_stats(int64_t& caller_chunks, int64_t& helper_chunks) {
  caller_chunks = GemmPool::get().caller_chunks_;
  helper_chunks = GemmPool::get().helper_chunks_;
}

void gemm_parallel_chunks(int nthreads, int64_t n, const std::function<void(int64_t)>& fn) {
  if (nthreads > 1 && n > 1 && gemm_pool_run((int)std::min<int64_t>(nthreads, n), n, fn)) return;
  for (int64_t c = 0; c < n; ++c) fn(c);
}

}  // namespace tl
