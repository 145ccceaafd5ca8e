#include "core/large_blocks.hpp"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#define LOYALTY_LARGE_BLOCKS 1
#else
#define LOYALTY_LARGE_BLOCKS 0
#endif

namespace loyalty::core {

namespace {

// What a large block takes: whole huge pages, so that no other allocation shares them.
std::size_t whole_pages(std::size_t bytes) noexcept {
  return (bytes + kLargeBlock - 1) & ~(kLargeBlock - 1);
}

}  // namespace

bool is_large_block(std::size_t bytes) noexcept {
  return LOYALTY_LARGE_BLOCKS != 0 && bytes >= kLargeBlock;
}

#if LOYALTY_LARGE_BLOCKS

// From the host's allocator, aligned (so that what it keeps when the block is freed, it gives
// back for the next: memory it has faulted in already), then advised.
void* allocate_block(std::size_t bytes) {
  if (!is_large_block(bytes)) return ::operator new(bytes);
  const std::size_t size = whole_pages(bytes);
  void* block = ::operator new(size, std::align_val_t{kLargeBlock});
  // Advice only: without transparent huge pages the block stays in 4 KiB pages, and works.
  (void)::madvise(block, size, MADV_HUGEPAGE);
  return block;
}

void free_block(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  if (!is_large_block(bytes)) {
    ::operator delete(block, bytes);
    return;
  }
  ::operator delete(block, whole_pages(bytes), std::align_val_t{kLargeBlock});
}

#else

void* allocate_block(std::size_t bytes) { return ::operator new(bytes); }
void free_block(void* block, std::size_t bytes) noexcept { ::operator delete(block, bytes); }

#endif

}  // namespace loyalty::core
