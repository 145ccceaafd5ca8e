#pragma once
// Compact binary records: variable-length integers (LEB128, zigzag for signed values) and
// length-prefixed text. Used for what stores keep in bulk (event outcomes, ledger entries),
// where a few bytes a field instead of a struct's padded width is most of the memory saved.

#include <cstdint>
#include <string>
#include <string_view>

#include "loyalty/error.hpp"

namespace loyalty::core {

// Records are written a field at a time on the per-event path, where a call per varint costs
// more than the varint: the writer's calls are forced inline.
#define LOYALTY_INLINE [[gnu::always_inline]] inline

/// A varint at `p`, moving `p` past it; for bytes this process wrote itself and keeps in
/// memory (never for stored data: no bounds, no checks).
LOYALTY_INLINE std::uint64_t read_varint_in_memory(const char*& p) noexcept {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(*p++);
    v |= std::uint64_t{b & 0x7fu} << shift;
    if (b < 0x80) return v;
  }
}

/// Writes `v` as a varint at `out` (room for 10 bytes), returning the end.
LOYALTY_INLINE char* write_varint(char* out, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *out++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

/// Appends to a std::string it does not own. Bytes gather in a small buffer first and reach the
/// string in a few appends, not one a field; they are all there once the writer is destroyed
/// (or after flush()).
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) noexcept : out_(out) {}
  ~ByteWriter() { flush(); }
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  LOYALTY_INLINE void byte(std::uint8_t b) {
    room(1);
    buffer_[used_++] = static_cast<char>(b);
  }
  LOYALTY_INLINE void varint(std::uint64_t v) {
    room(10);
    while (v >= 0x80) {
      buffer_[used_++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buffer_[used_++] = static_cast<char>(v);
  }
  /// Zigzag: small magnitudes of either sign stay short.
  LOYALTY_INLINE void signed_varint(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  LOYALTY_INLINE void text(std::string_view s) {
    varint(s.size());
    if (s.size() <= sizeof(buffer_) - used_) {
      s.copy(buffer_ + used_, s.size());
      used_ += s.size();
    } else {
      flush();
      out_.append(s);
    }
  }
  void flush() {
    out_.append(buffer_, used_);
    used_ = 0;
  }

 private:
  LOYALTY_INLINE void room(std::size_t n) {
    if (sizeof(buffer_) - used_ < n) flush();
  }

  std::string& out_;
  char buffer_[256];
  std::size_t used_ = 0;
};

/// Reads what ByteWriter wrote; anything short or malformed throws StoreError (stored data is
/// what these records are).
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) noexcept : in_(in) {}
  std::uint8_t byte() {
    if (at_ >= in_.size()) corrupt();
    return static_cast<std::uint8_t>(in_[at_++]);
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = byte();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    corrupt();
  }
  std::int64_t signed_varint() {
    const std::uint64_t v = varint();
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  /// A varint that must fit 32 bits.
  std::uint32_t index() {
    const std::uint64_t v = varint();
    if (v > 0xFFFFFFFFu) corrupt();
    return static_cast<std::uint32_t>(v);
  }
  std::string_view text() {
    const std::uint64_t size = varint();
    if (size > in_.size() - at_) corrupt();
    std::string_view s = in_.substr(at_, size);
    at_ += size;
    return s;
  }
  [[nodiscard]] bool done() const noexcept { return at_ == in_.size(); }
  [[noreturn]] static void corrupt() {
    throw StoreError("stored data is unreadable (corrupt, or written in an unknown format)");
  }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

#undef LOYALTY_INLINE

}  // namespace loyalty::core
