#pragma once
// Replaces the global operator new and delete of the test binary that includes this header
// (include it in exactly one file per binary) to count heap allocations, so that a test can
// check a path allocates nothing.

#include <cstddef>
#include <cstdlib>
#include <new>

namespace loyalty::testing {
/// Heap allocations made so far by this process.
inline std::size_t allocation_count = 0;
}  // namespace loyalty::testing

// GCC cannot see that these replace the global functions, and warns that malloc'd memory
// reaches free through operator delete.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
  ++loyalty::testing::allocation_count;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too (std::stable_sort's buffer uses it), so that every form pairs with the
// operator delete below (AddressSanitizer checks that they match).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++loyalty::testing::allocation_count;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
