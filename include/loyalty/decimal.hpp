#pragma once
/// \file
/// Exact decimal numbers: money, quantities, and every number of the rule language.

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "loyalty/error.hpp"

namespace loyalty {

/// How a decimal becomes a whole number, or a number with fewer digits.
enum class Rounding : std::uint8_t {
  floor,      ///< toward negative infinity
  ceil,       ///< toward positive infinity
  half_up,    ///< to nearest; ties away from zero (the language's `round`)
  half_even,  ///< to nearest; ties to the even neighbour (banker's rounding)
};

namespace detail {
struct WideDecimal;  // the Boost.Multiprecision coefficient of a wide value, defined in src/

// 10^0 ..= 10^18: the powers that scale an inline coefficient in the inline fast paths below.
inline constexpr std::int64_t kPow10Small[19] = {
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000,
    10'000'000'000, 100'000'000'000, 1'000'000'000'000, 10'000'000'000'000,
    100'000'000'000'000, 1'000'000'000'000'000, 10'000'000'000'000'000,
    100'000'000'000'000'000, 1'000'000'000'000'000'000};
}  // namespace detail

/// An exact decimal number: `coefficient × 10^-scale`.
///
/// `+`, `-`, `*` and `%` are exact; `/` rounds half-even to `division_scale` fractional digits.
/// A result whose integer part has more than `max_integer_digits` digits, or that needs more
/// than `max_scale` fractional digits, throws NumberError (code number_overflow): never a wrap,
/// never a silent loss. Values whose coefficient fits in 64 bits are held inline and never
/// allocate; wider ones are carried by Boost.Multiprecision behind a shared, immutable pointer.
///
/// The scale is kept as written: `Decimal::parse("12.50").to_string() == "12.50"`. Equality,
/// ordering and hashing compare values, so `12.50 == 12.5`.
class Decimal {
 public:
  /// Most digits before the decimal point.
  static constexpr int max_integer_digits = 64;
  /// Most digits after the decimal point.
  static constexpr int max_scale = 64;
  /// Fractional digits of a quotient (rounded half-even, trailing zeros removed).
  static constexpr int division_scale = 12;

  /// Zero.
  constexpr Decimal() noexcept = default;
  /// The whole number `value`.
  constexpr explicit Decimal(std::int64_t value) noexcept : coefficient_(value) {}
  /// `coefficient × 10^-scale`; throws NumberError when `scale` is outside [0, max_scale].
  static Decimal from_parts(std::int64_t coefficient, int scale);

  /// Reads `[+-]digits[.digits][(e|E)[+-]digits]` exactly (the JSON number grammar, with an
  /// optional `+` and leading zeros allowed). Throws NumberError on anything else.
  static Decimal parse(std::string_view text);
  /// As parse, but returns nothing instead of throwing.
  static std::optional<Decimal> try_parse(std::string_view text) noexcept;

  /// The exact value as text, with the scale it carries: "-12.50", "0.000", "42".
  [[nodiscard]] std::string to_string() const;

  /// -1, 0 or 1.
  [[nodiscard]] int sign() const noexcept;
  [[nodiscard]] bool is_zero() const noexcept { return sign() == 0; }
  /// True when the value has no fractional part (whatever its scale).
  [[nodiscard]] bool is_integer() const noexcept;
  /// Digits after the decimal point, as carried.
  [[nodiscard]] int scale() const noexcept { return scale_; }
  /// True when the value is carried by Boost.Multiprecision (for tests and diagnostics).
  [[nodiscard]] bool is_wide() const noexcept { return wide_ != nullptr; }

  /// This value rounded to `digits` fractional digits (negative: to tens, hundreds, ...).
  /// A value with no more than `digits` fractional digits is returned unchanged.
  [[nodiscard]] Decimal round(Rounding mode, int digits = 0) const;
  /// This value rounded to a whole number by `mode`, as a 64-bit integer; throws NumberError
  /// (number_overflow) when it does not fit.
  [[nodiscard]] std::int64_t to_int64(Rounding mode) const;
  /// The value without trailing fractional zeros: 12.50 -> 12.5, 3.00 -> 3.
  [[nodiscard]] Decimal normalized() const;

  [[nodiscard]] Decimal abs() const;
  [[nodiscard]] Decimal operator-() const;

  friend Decimal operator+(const Decimal& a, const Decimal& b);
  friend Decimal operator-(const Decimal& a, const Decimal& b);
  friend Decimal operator*(const Decimal& a, const Decimal& b);
  /// Rounded half-even to division_scale digits; throws NumberError on a zero divisor.
  friend Decimal operator/(const Decimal& a, const Decimal& b);
  /// Exact remainder of truncated division (its sign is the dividend's); throws on zero.
  friend Decimal operator%(const Decimal& a, const Decimal& b);

  Decimal& operator+=(const Decimal& other) { return *this = *this + other; }
  Decimal& operator-=(const Decimal& other) { return *this = *this - other; }
  Decimal& operator*=(const Decimal& other) { return *this = *this * other; }

  friend bool operator==(const Decimal& a, const Decimal& b) noexcept;
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) noexcept;

  /// A hash consistent with ==: equal values hash alike whatever their scale.
  [[nodiscard]] std::size_t hash() const noexcept;

 private:
  friend struct DecimalAccess;  // src/ reaches the representation through this

  // An inline value; `scale` must be in [0, max_scale].
  static Decimal small(std::int64_t coefficient, std::int32_t scale) noexcept {
    Decimal d(coefficient);
    d.scale_ = scale;
    return d;
  }

  // The out-of-line general cases behind the inline fast paths below.
  static Decimal add_slow(const Decimal& a, const Decimal& b);
  static Decimal sub_slow(const Decimal& a, const Decimal& b);
  static Decimal mul_slow(const Decimal& a, const Decimal& b);
  static bool equal_slow(const Decimal& a, const Decimal& b) noexcept;
  // Both inline, their scales 1 to 18 apart, and the one with fewer digits scaled to the
  // other's within 64 bits: the two coefficients at one scale, in x and y.
  static bool align_inline(const Decimal& a, const Decimal& b, std::int64_t& x,
                           std::int64_t& y) noexcept;
  static std::strong_ordering compare_slow(const Decimal& a, const Decimal& b) noexcept;
  [[nodiscard]] int wide_sign() const noexcept;

  std::int64_t coefficient_ = 0;                     // the coefficient when wide_ is null
  std::int32_t scale_ = 0;                           // 0 ..= max_scale
  std::shared_ptr<const detail::WideDecimal> wide_;  // non-null: the coefficient lives here
};

// Inline fast paths: both operands inline (the common case) with equal scales, and no 64-bit
// overflow. Everything else goes out of line.

inline int Decimal::sign() const noexcept {
  if (wide_ == nullptr) return (coefficient_ > 0) - (coefficient_ < 0);
  return wide_sign();
}

inline Decimal operator+(const Decimal& a, const Decimal& b) {
#if defined(__GNUC__) || defined(__clang__)
  std::int64_t sum = 0;
  if (a.wide_ == nullptr && b.wide_ == nullptr && a.scale_ == b.scale_ &&
      !__builtin_add_overflow(a.coefficient_, b.coefficient_, &sum)) {
    return Decimal::small(sum, a.scale_);
  }
#endif
  return Decimal::add_slow(a, b);
}

inline Decimal operator-(const Decimal& a, const Decimal& b) {
#if defined(__GNUC__) || defined(__clang__)
  std::int64_t difference = 0;
  if (a.wide_ == nullptr && b.wide_ == nullptr && a.scale_ == b.scale_ &&
      !__builtin_sub_overflow(a.coefficient_, b.coefficient_, &difference)) {
    return Decimal::small(difference, a.scale_);
  }
#endif
  return Decimal::sub_slow(a, b);
}

inline Decimal operator*(const Decimal& a, const Decimal& b) {
#if defined(__GNUC__) || defined(__clang__)
  std::int64_t product = 0;
  if (a.wide_ == nullptr && b.wide_ == nullptr && a.scale_ + b.scale_ <= Decimal::max_scale &&
      !__builtin_mul_overflow(a.coefficient_, b.coefficient_, &product)) {
    return Decimal::small(product, a.scale_ + b.scale_);
  }
#endif
  return Decimal::mul_slow(a, b);
}

inline bool Decimal::align_inline(const Decimal& a, const Decimal& b, std::int64_t& x,
                                  std::int64_t& y) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  x = a.coefficient_;
  y = b.coefficient_;
  const int apart = a.scale_ - b.scale_;
  if (apart > 0 && apart <= 18) return !__builtin_mul_overflow(y, detail::kPow10Small[apart], &y);
  if (apart < 0 && apart >= -18) return !__builtin_mul_overflow(x, detail::kPow10Small[-apart], &x);
#endif
  return false;
}

// Both inline: equal scales compare coefficients; scales up to 18 apart scale the one with
// fewer digits (`amount >= 500` with an amount of 2 digits) unless that overflows.
inline bool operator==(const Decimal& a, const Decimal& b) noexcept {
  if (a.wide_ == nullptr && b.wide_ == nullptr) {
    if (a.scale_ == b.scale_) return a.coefficient_ == b.coefficient_;
    std::int64_t x = 0;
    std::int64_t y = 0;
    if (Decimal::align_inline(a, b, x, y)) return x == y;
  }
  return Decimal::equal_slow(a, b);
}

inline std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) noexcept {
  if (a.wide_ == nullptr && b.wide_ == nullptr) {
    if (a.scale_ == b.scale_) return a.coefficient_ <=> b.coefficient_;
    std::int64_t x = 0;
    std::int64_t y = 0;
    if (Decimal::align_inline(a, b, x, y)) return x <=> y;
  }
  return Decimal::compare_slow(a, b);
}

}  // namespace loyalty

template <>
struct std::hash<loyalty::Decimal> {
  std::size_t operator()(const loyalty::Decimal& d) const noexcept { return d.hash(); }
};
