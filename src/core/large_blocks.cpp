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

// What a large block takes: whole huge pages.
std::size_t mapped_size(std::size_t bytes) noexcept {
  return (bytes + kLargeBlock - 1) & ~(kLargeBlock - 1);
}

}  // namespace

bool is_large_block(std::size_t bytes) noexcept {
  return LOYALTY_LARGE_BLOCKS != 0 && bytes >= kLargeBlock;
}

#if LOYALTY_LARGE_BLOCKS

void* allocate_block(std::size_t bytes) {
  if (!is_large_block(bytes)) return ::operator new(bytes);
  const std::size_t size = mapped_size(bytes);
  // A huge page more than needed, then the unaligned head and the tail given back: the block
  // starts on a 2 MiB boundary, so that all of it can be huge pages.
  const std::size_t span = size + kLargeBlock;
  void* mapped = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(mapped);
  const std::uintptr_t aligned = (start + kLargeBlock - 1) & ~(std::uintptr_t{kLargeBlock} - 1);
  if (aligned > start) ::munmap(mapped, aligned - start);
  const std::uintptr_t end = start + span;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  void* block = reinterpret_cast<void*>(aligned);
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
  ::munmap(block, mapped_size(bytes));
}

#else

void* allocate_block(std::size_t bytes) { return ::operator new(bytes); }
void free_block(void* block, std::size_t bytes) noexcept { ::operator delete(block, bytes); }

#endif

}  // namespace loyalty::core
