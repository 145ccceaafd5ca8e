#pragma once
// Compact binary records: variable-length integers (LEB128, zigzag for signed values) and
// length-prefixed text. Used for what stores keep in bulk (event outcomes, ledger entries),
// where a few bytes a field instead of a struct's padded width is most of the memory saved.

#include <cstdint>
#include <string>
#include <string_view>

#include "loyalty/error.hpp"

namespace loyalty::core {

/// Appends to a std::string it does not own.
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) noexcept : out_(out) {}
  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void varint(std::uint64_t v) {
    char buffer[10];  // built aside and appended once: one capacity check, not one a byte
    std::size_t n = 0;
    while (v >= 0x80) {
      buffer[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buffer[n++] = static_cast<char>(v);
    out_.append(buffer, n);
  }
  /// Zigzag: small magnitudes of either sign stay short.
  void signed_varint(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void text(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }

 private:
  std::string& out_;
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

}  // namespace loyalty::core
