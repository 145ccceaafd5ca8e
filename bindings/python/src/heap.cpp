#include "heap.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#define LOYALTY_ADVISE_HEAP 1
#else
#define LOYALTY_ADVISE_HEAP 0
#endif

namespace loyalty::python::heap {

namespace {

std::atomic<bool> on{true};

#if LOYALTY_ADVISE_HEAP
// How much the heap grows at a time once advised (malloc's M_TOP_PAD; its default is 128 KiB).
constexpr int kGrowth = 64 << 20;
constexpr std::uintptr_t kPage = 4096;

std::mutex mutex;
bool started = false;
std::uintptr_t advised_to = 0;  // the heap below this is advised (from where it was first seen)

std::uintptr_t heap_top() noexcept {
  return (reinterpret_cast<std::uintptr_t>(sbrk(0)) + kPage - 1) & ~(kPage - 1);
}
#endif

}  // namespace

bool enabled() noexcept { return on.load(std::memory_order_relaxed); }
void set_enabled(bool enable) noexcept { on.store(enable, std::memory_order_relaxed); }

void note_start() noexcept {
#if LOYALTY_ADVISE_HEAP
  std::lock_guard lock(mutex);
  advised_to = heap_top();
#endif
}

void advise() noexcept {
#if LOYALTY_ADVISE_HEAP
  if (!enabled()) return;
  std::lock_guard lock(mutex);
  if (!started) {
    started = true;
    (void)mallopt(M_TOP_PAD, kGrowth);
    if (advised_to == 0) advised_to = heap_top();
  }
  const std::uintptr_t top = heap_top();
  if (top < advised_to) advised_to = top;  // trimmed: what grows back is new
  if (top == advised_to) return;
  // Advice only: an error (no transparent huge pages in this kernel) leaves 4 KiB pages.
  (void)madvise(reinterpret_cast<void*>(advised_to), top - advised_to, MADV_HUGEPAGE);
  advised_to = top;
#endif
}

}  // namespace loyalty::python::heap
