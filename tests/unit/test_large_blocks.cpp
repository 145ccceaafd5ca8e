#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/large_blocks.hpp"
#include "store/memory_store.hpp"

using loyalty::core::allocate_block;
using loyalty::core::free_block;
using loyalty::core::is_large_block;
using loyalty::core::kLargeBlock;
using loyalty::core::LargeBlockAllocator;

namespace {

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// The VmFlags line of the mapping in /proc/self/smaps that holds `p` ("" if none is found).
std::string vm_flags_of(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    // A mapping's first line: "low-high perms offset dev inode [path]", in hex; the lines
    // after it are "Name: value".
    const std::size_t split = line.find('-');
    const std::size_t space = line.find(' ');
    if (split < space && line.find(':') > space) {
      const std::uintptr_t low = std::stoull(line.substr(0, split), nullptr, 16);
      const std::uintptr_t high = std::stoull(line.substr(split + 1, space - split - 1), nullptr, 16);
      inside = low <= address(p) && address(p) < high;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return {};
}

bool has_flag(const std::string& vm_flags, std::string_view flag) {
  return (vm_flags + " ").find(" " + std::string(flag) + " ") != std::string::npos;
}

bool system_has_huge_pages() {
  return std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good();
}

}  // namespace

TEST_CASE("a small block comes from operator new, and is usable") {
  CHECK_FALSE(is_large_block(1024));
  CHECK_FALSE(is_large_block(kLargeBlock - 1));
  auto* block = static_cast<char*>(allocate_block(1024));
  std::memset(block, 0x5a, 1024);
  CHECK(block[1023] == 0x5a);
  free_block(block, 1024);
}

#if defined(__linux__)
TEST_CASE("a large block is aligned to a huge page, whole, and asked for huge pages") {
  const std::size_t bytes = 3 * kLargeBlock + 5;
  REQUIRE(is_large_block(bytes));
  auto* block = static_cast<unsigned char*>(allocate_block(bytes));
  CHECK(address(block) % kLargeBlock == 0);
  for (std::size_t i = 0; i < bytes; i += 4096) block[i] = static_cast<unsigned char>(i >> 12);
  block[bytes - 1] = 0xee;
  CHECK(block[4096 * 700] == static_cast<unsigned char>(700));
  CHECK(block[bytes - 1] == 0xee);
  if (system_has_huge_pages()) {
    const std::string flags = vm_flags_of(block);
    INFO(flags);
    CHECK(has_flag(flags, "hg"));  // MADV_HUGEPAGE
    // The whole block, its last byte too, is in the advised mapping.
    CHECK(has_flag(vm_flags_of(block + bytes - 1), "hg"));
  }
  free_block(block, bytes);
  // A small block of the C++ heap is not advised.
  auto* small = static_cast<char*>(allocate_block(64));
  if (system_has_huge_pages()) CHECK_FALSE(has_flag(vm_flags_of(small), "hg"));
  free_block(small, 64);
}
#endif

TEST_CASE("containers on the large block allocator keep their values as they grow") {
  std::vector<std::uint64_t, LargeBlockAllocator<std::uint64_t>> values;
  for (std::uint64_t i = 0; i < 1'000'000; ++i) values.push_back(i * 7 + 1);
  std::uint64_t sum = 0;
  for (std::uint64_t v : values) sum += v;
  CHECK(sum == 7 * (999'999ULL * 1'000'000ULL / 2) + 1'000'000ULL);
  CHECK(values[123'456] == 123'456ULL * 7 + 1);
#if defined(__linux__)
  CHECK(address(values.data()) % kLargeBlock == 0);  // 8 MB of slots: one large block
#endif
}

TEST_CASE("the arena gives back every string, across blocks and larger than a block") {
  loyalty::store::Arena arena;
  std::vector<loyalty::store::Arena::Ref> refs;
  std::vector<std::string> texts;
  for (int i = 0; i < 200'000; ++i) {  // about 5 MB: several blocks
    texts.push_back("event-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x'));
    refs.push_back(arena.append(texts.back()));
  }
  const std::string huge(kLargeBlock + 12'345, 'h');
  const auto huge_ref = arena.append("head:", huge);
  refs.push_back(arena.append("after"));
  texts.emplace_back("after");
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (arena.view(refs[i]) != texts[i]) FAIL("string " << i << " reads back wrong");
  }
  CHECK(arena.view(huge_ref) == "head:" + huge);
  CHECK(arena.view(arena.append("")).empty());
}

TEST_CASE("a slot pool keeps its objects in place and reuses the slots of those destroyed") {
  struct Tracked {
    explicit Tracked(int v, int& live) : value(v), live_count(live) { ++live_count; }
    ~Tracked() { --live_count; }
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;
    std::string value_text = std::string(40, 'x');  // owns memory: destruction must run
    int value;
    int& live_count;
  };
  int live = 0;
  {
    loyalty::core::SlotPool<Tracked> pool;
    std::vector<Tracked*> made;
    const std::size_t count = 3 * kLargeBlock / sizeof(Tracked) + 7;  // four blocks
    for (std::size_t i = 0; i < count; ++i) made.push_back(pool.make(static_cast<int>(i), live));
    CHECK(live == static_cast<int>(count));
    for (std::size_t i = 0; i < count; ++i) {
      if (made[i]->value != static_cast<int>(i)) FAIL("object " << i << " changed");
    }
    // Destroyed slots are made again, last destroyed first.
    Tracked* first = made[10];
    Tracked* second = made[20];
    pool.destroy(first);
    pool.destroy(second);
    CHECK(live == static_cast<int>(count) - 2);
    CHECK(pool.make(-1, live) == second);
    CHECK(pool.make(-2, live) == first);
    CHECK(first->value == -2);
    CHECK(made[11]->value == 11);
    // A constructor that throws gives its slot back.
    struct Throws {
      explicit Throws(bool fail) {
        if (fail) throw std::runtime_error("no");
      }
      void* padding = nullptr;
    };
    loyalty::core::SlotPool<Throws> throwing;
    Throws* kept = throwing.make(false);
    throwing.destroy(kept);
    CHECK_THROWS_AS(throwing.make(true), std::runtime_error);
    CHECK(throwing.make(false) == kept);
    for (Tracked* t : made) pool.destroy(t);
    CHECK(live == 0);
  }
}
