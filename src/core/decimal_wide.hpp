#pragma once
/// \file
/// The wide representation of loyalty::Decimal, for code in src/ that needs the coefficient of
/// any value exactly (Boost.Multiprecision stays out of the public header).

#include <boost/multiprecision/cpp_int.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <utility>

#include "loyalty/decimal.hpp"

namespace loyalty {

namespace detail {

/// The coefficient of a Decimal that does not fit in 64 bits. Immutable once shared.
struct WideDecimal {
  /// Never within [INT64_MIN, INT64_MAX]: such values are held inline.
  boost::multiprecision::cpp_int coefficient;
};

}  // namespace detail

/// Access to Decimal's representation for src/ (Decimal names this struct its friend).
struct DecimalAccess {
  /// True when `d`'s coefficient is held inline (fits in 64 bits).
  static bool is_small(const Decimal& d) noexcept { return d.wide_ == nullptr; }
  /// The inline coefficient; meaningful only when is_small(d).
  static std::int64_t small_coefficient(const Decimal& d) noexcept { return d.coefficient_; }
  /// The coefficient of a wide value; only when !is_small(d).
  static const boost::multiprecision::cpp_int& wide_coefficient(const Decimal& d) noexcept {
    return d.wide_->coefficient;
  }
  /// The coefficient of any value, exactly.
  static boost::multiprecision::cpp_int coefficient(const Decimal& d) {
    if (d.wide_ != nullptr) return d.wide_->coefficient;
    return boost::multiprecision::cpp_int(d.coefficient_);
  }
  /// An inline value; `scale` must be in [0, Decimal::max_scale].
  static Decimal small(std::int64_t coefficient, std::int32_t scale) noexcept {
    return Decimal::small(coefficient, scale);
  }
  /// `coefficient × 10^-scale`, held inline when the coefficient fits in 64 bits. The caller
  /// guarantees `scale` in [0, max_scale] and at most max_integer_digits integer digits.
  static Decimal make(boost::multiprecision::cpp_int coefficient, std::int32_t scale) {
    if (coefficient >= std::numeric_limits<std::int64_t>::min() &&
        coefficient <= std::numeric_limits<std::int64_t>::max()) {
      return Decimal::small(coefficient.convert_to<std::int64_t>(), scale);
    }
    Decimal d;
    d.scale_ = scale;
    d.wide_ =
        std::make_shared<const detail::WideDecimal>(detail::WideDecimal{std::move(coefficient)});
    return d;
  }
};

}  // namespace loyalty
