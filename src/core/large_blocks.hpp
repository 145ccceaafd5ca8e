#pragma once
// Large blocks of memory, backed by transparent huge pages where the system allows it.
//
// The memory store's big tables (a slot per event ever seen, a slot per member) are probed at
// random, once or twice an event: with 4 KiB pages nearly every probe of a table of tens of
// megabytes misses the TLB, and a first run also takes a page fault every 4 KiB. A block of
// 2 MiB or more taken here is whole huge pages from the host's allocator, aligned to 2 MiB,
// and marked MADV_HUGEPAGE, so that the kernel backs it with 2 MiB pages when transparent
// huge pages are enabled ("always" or "madvise"), whatever allocator the host uses (glibc's
// does not ask for them by itself). Freed, it goes back to that allocator, which reuses it.

#include <cstddef>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace loyalty::core {

/// Blocks from this size up are advised; smaller ones are plain operator new.
inline constexpr std::size_t kLargeBlock = std::size_t{2} << 20;

/// `bytes` of memory aligned to at least alignof(std::max_align_t); throws std::bad_alloc.
void* allocate_block(std::size_t bytes);
/// Frees a block of allocate_block(bytes), given the same `bytes`.
void free_block(void* block, std::size_t bytes) noexcept;
/// True when a block of `bytes` is aligned to 2 MiB and asked for huge pages (for tests).
bool is_large_block(std::size_t bytes) noexcept;

/// A standard allocator on allocate_block, for containers that may grow large.
template <typename T>
struct LargeBlockAllocator {
  using value_type = T;
  LargeBlockAllocator() noexcept = default;
  template <typename U>
  explicit LargeBlockAllocator(const LargeBlockAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate_block(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { free_block(p, n * sizeof(T)); }

  template <typename U>
  friend bool operator==(const LargeBlockAllocator& /*a*/,
                         const LargeBlockAllocator<U>& /*b*/) noexcept {
    return true;
  }
};

/// Objects of one type in slots of large blocks: each stays where it was made until destroyed
/// (so others may point at it), a destroyed one's slot is the next made, and the objects of a
/// pool share huge pages instead of each being a block of the allocator's own. Not
/// thread-safe; whoever owns the pool destroys what it made before the pool goes.
template <typename T>
class SlotPool {
 public:
  SlotPool() = default;
  ~SlotPool() {
    for (void* block : blocks_) free_block(block, kLargeBlock);
  }
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  template <typename... Args>
  T* make(Args&&... args) {
    void* slot = nullptr;
    if (free_ != nullptr) {
      slot = free_;
      std::memcpy(&free_, slot, sizeof free_);
    } else {
      if (used_ == kPerBlock) {
        blocks_.reserve(blocks_.size() + 1);  // so that the block cannot leak
        blocks_.push_back(allocate_block(kLargeBlock));
        used_ = 0;
      }
      slot = static_cast<char*>(blocks_.back()) + used_++ * sizeof(T);
    }
    try {
      return ::new (slot) T(std::forward<Args>(args)...);
    } catch (...) {
      release(slot);
      throw;
    }
  }
  /// Destroys an object make() returned; its slot is reused.
  void destroy(T* object) noexcept {
    object->~T();
    release(object);
  }

 private:
  static_assert(sizeof(T) >= sizeof(void*) && alignof(T) <= alignof(std::max_align_t));
  static constexpr std::size_t kPerBlock = kLargeBlock / sizeof(T);
  void release(void* slot) noexcept {
    std::memcpy(slot, &free_, sizeof free_);
    free_ = slot;
  }

  std::vector<void*> blocks_;
  std::size_t used_ = kPerBlock;  // slots handed out of the last block
  void* free_ = nullptr;          // a destroyed object's slot, which holds the next one's
};

}  // namespace loyalty::core
