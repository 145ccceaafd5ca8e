#pragma once
// A value of the rule language at run time: what an expression evaluates to, and what a
// member attribute holds.

#include <cstdint>
#include <string>
#include <string_view>

#include "loyalty/decimal.hpp"
#include "loyalty/time.hpp"

namespace loyalty::engine {

enum class ValueKind : std::uint8_t {
  none,      // an absent optional value, or anything computed from one
  number,
  string,
  boolean,
  date,
  time,
  duration,
  tier,      // index in the program's tiers, lowest first
  stage,     // index in the program's lifecycle
  weekday,   // 1 (mon) ..= 7 (sun)
};

/// One run-time value. Small values live inline; strings own their text (short ones stay in
/// std::string's inline buffer).
class Value {
 public:
  Value() = default;  // none
  static Value of(Decimal number) { Value v(ValueKind::number); v.number_ = std::move(number); return v; }
  static Value of(std::string_view text) { Value v(ValueKind::string); v.text_.assign(text); return v; }
  /// A string (without this, a string literal would convert to bool).
  static Value of(const char* text) { return of(std::string_view(text)); }
  static Value of(bool flag) { Value v(ValueKind::boolean); v.integer_ = flag; return v; }
  static Value of(Date date) { Value v(ValueKind::date); v.integer_ = date.days(); return v; }
  static Value of(Instant time) { Value v(ValueKind::time); v.integer_ = time.seconds(); return v; }
  static Value of(Duration duration) { Value v(ValueKind::duration); v.duration_ = duration; return v; }
  static Value tier(std::uint32_t index) { Value v(ValueKind::tier); v.integer_ = index; return v; }
  static Value stage(std::uint32_t index) { Value v(ValueKind::stage); v.integer_ = index; return v; }
  static Value of(Weekday day) { Value v(ValueKind::weekday); v.integer_ = static_cast<int>(day); return v; }

  [[nodiscard]] ValueKind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_none() const noexcept { return kind_ == ValueKind::none; }

  [[nodiscard]] const Decimal& number() const noexcept { return number_; }
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] bool boolean() const noexcept { return integer_ != 0; }
  [[nodiscard]] Date date() const { return Date::from_days(integer_); }
  [[nodiscard]] Instant time() const { return Instant::from_seconds(integer_); }
  [[nodiscard]] Duration duration() const noexcept { return duration_; }
  [[nodiscard]] std::uint32_t index() const noexcept { return static_cast<std::uint32_t>(integer_); }
  [[nodiscard]] Weekday weekday() const noexcept { return static_cast<Weekday>(integer_); }
  /// The raw integer of date (days), time (seconds), tier, stage, weekday and boolean values.
  [[nodiscard]] std::int64_t raw() const noexcept { return integer_; }

  /// Equal kind and value (two nones are equal: for stored state, not for the language's ==).
  friend bool operator==(const Value& a, const Value& b);

 private:
  explicit Value(ValueKind kind) : kind_(kind) {}
  ValueKind kind_ = ValueKind::none;
  std::int64_t integer_ = 0;
  Decimal number_;
  std::string text_;
  Duration duration_;
};

inline bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case ValueKind::none: return true;
    case ValueKind::number: return a.number_ == b.number_;
    case ValueKind::string: return a.text_ == b.text_;
    case ValueKind::duration: return a.duration_ == b.duration_;
    default: return a.integer_ == b.integer_;
  }
}

}  // namespace loyalty::engine
