#include "loyalty/decimal.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "core/decimal_wide.hpp"

namespace loyalty {
namespace {

using boost::multiprecision::cpp_int;

// 128-bit integers hold exact intermediates of two 64-bit coefficients (a product, an
// alignment by up to 10^19) without touching the heap.
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

constexpr int kMaxIntegerDigits = Decimal::max_integer_digits;
constexpr int kMaxScale = Decimal::max_scale;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

// Largest n with 10^n in a uint64_t; also the largest scale difference the 128-bit paths align.
constexpr int kMaxPow10U64 = 19;
constexpr int kMaxPow10U128 = 38;

constexpr std::array<std::uint64_t, kMaxPow10U64 + 1> kPow10 = [] {
  std::array<std::uint64_t, kMaxPow10U64 + 1> table{};
  std::uint64_t p = 1;
  for (auto& entry : table) {
    entry = p;
    p *= 10;
  }
  return table;
}();

constexpr std::array<u128, kMaxPow10U128 + 1> kPow10U128 = [] {
  std::array<u128, kMaxPow10U128 + 1> table{};
  u128 p = 1;
  for (auto& entry : table) {
    entry = p;
    p *= 10;
  }
  return table;
}();

// Wide powers of ten. The largest used: 10^(max_integer_digits + max_scale) for the range
// check, 10^(division_scale + max_scale) to scale a dividend; rounding guards larger drops.
constexpr int kMaxPow10Big = 2 * (kMaxIntegerDigits + kMaxScale);

const cpp_int& pow10_big(std::int64_t n) {
  static const std::array<cpp_int, kMaxPow10Big + 1> table = [] {
    std::array<cpp_int, kMaxPow10Big + 1> t;
    cpp_int p = 1;
    for (auto& entry : t) {
      entry = p;
      p *= 10;
    }
    return t;
  }();
  return table[static_cast<std::size_t>(n)];
}

std::uint64_t magnitude(std::int64_t v) noexcept {
  return v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

u128 magnitude(i128 v) noexcept {
  return v < 0 ? 0 - static_cast<u128>(v) : static_cast<u128>(v);
}

cpp_int to_big(u128 v) {
  cpp_int result = static_cast<std::uint64_t>(v >> 64);
  result <<= 64;
  result += static_cast<std::uint64_t>(v);
  return result;
}

// `±mag × 10^-scale`, inline when it fits. The caller guarantees the limits.
Decimal from_magnitude(bool negative, u128 mag, std::int64_t scale) {
  const auto s = static_cast<std::int32_t>(scale);
  if (!negative && mag <= static_cast<u128>(kInt64Max)) {
    return DecimalAccess::small(static_cast<std::int64_t>(mag), s);
  }
  if (negative && mag <= static_cast<u128>(kInt64Max) + 1) {
    return DecimalAccess::small(static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(mag)), s);
  }
  cpp_int big = to_big(mag);
  if (negative) big = -big;
  return DecimalAccess::make(std::move(big), s);
}

Decimal from_i128(i128 v, std::int64_t scale) {
  return from_magnitude(v < 0, magnitude(v), scale);
}

// A read-only view of any value's coefficient as a cpp_int, copying only inline ones.
class BigCoefficient {
 public:
  explicit BigCoefficient(const Decimal& d) {
    if (DecimalAccess::is_small(d)) {
      local_ = DecimalAccess::small_coefficient(d);
      value_ = &local_;
    } else {
      value_ = &DecimalAccess::wide_coefficient(d);
    }
  }
  BigCoefficient(const BigCoefficient&) = delete;
  BigCoefficient& operator=(const BigCoefficient&) = delete;
  const cpp_int& get() const noexcept { return *value_; }

 private:
  cpp_int local_;
  const cpp_int* value_;
};

// Why a result is out of Decimal's range.
enum class Limit : std::uint8_t { ok, integer_digits, scale };

// Brings `c × 10^-scale` within Decimal's limits if it can: drops just enough trailing zeros to
// reach max_scale, then checks the integer digits.
Limit fit(cpp_int& c, std::int64_t& scale) {
  if (scale > kMaxScale) {
    if (c.is_zero()) {
      scale = kMaxScale;
      return Limit::ok;
    }
    const std::int64_t strip = scale - kMaxScale;
    if (strip > kMaxPow10Big) return Limit::scale;
    cpp_int quotient;
    cpp_int remainder;
    boost::multiprecision::divide_qr(c, pow10_big(strip), quotient, remainder);
    if (!remainder.is_zero()) return Limit::scale;
    c = std::move(quotient);
    scale = kMaxScale;
  }
  if (scale < 0) return Limit::integer_digits;  // never: callers pass scales >= 0
  if (boost::multiprecision::abs(c) >= pow10_big(kMaxIntegerDigits + scale)) {
    return Limit::integer_digits;
  }
  return Limit::ok;
}

[[noreturn]] void throw_limit(Limit limit, const std::string& what) {
  if (limit == Limit::scale) {
    throw NumberError(ErrorCode::number_overflow,
                      "decimal overflow: " + what + " needs more than " +
                          std::to_string(kMaxScale) + " fractional digits");
  }
  throw NumberError(ErrorCode::number_overflow, "decimal overflow: " + what + " has more than " +
                                                    std::to_string(kMaxIntegerDigits) +
                                                    " integer digits");
}

std::string describe(const Decimal& a, const char* op, const Decimal& b) {
  return a.to_string() + " " + op + " " + b.to_string();
}

// Fits `c × 10^-scale` into a Decimal or throws number_overflow, describing the operation.
template <typename Describe>
Decimal make_checked(cpp_int c, std::int64_t scale, Describe&& what) {
  const Limit limit = fit(c, scale);
  if (limit != Limit::ok) throw_limit(limit, what());
  return DecimalAccess::make(std::move(c), static_cast<std::int32_t>(scale));
}

// How the kept part compares with half of the divisor: r against d - r.
template <typename T>
int half_compare(const T& remainder, const T& divisor) {
  const T rest = divisor - remainder;
  return remainder < rest ? -1 : (remainder == rest ? 0 : 1);
}

// Whether rounding a truncated magnitude moves it one unit away from zero.
bool round_away(Rounding mode, bool negative, bool odd, int half, bool inexact) noexcept {
  if (!inexact) return false;
  switch (mode) {
    case Rounding::floor: return negative;
    case Rounding::ceil: return !negative;
    case Rounding::half_up: return half >= 0;
    case Rounding::half_even: return half > 0 || (half == 0 && odd);
  }
  return false;
}

// The magnitude of an inline coefficient divided by 10^drop (drop > 0), rounded by `mode`.
std::uint64_t round_small(std::uint64_t mag, bool negative, std::int64_t drop, Rounding mode) {
  std::uint64_t quotient = 0;
  int half = -1;  // drop > 19: 10^drop > 2 × any uint64, so the remainder is below half
  bool inexact = mag != 0;
  if (drop <= kMaxPow10U64) {
    const std::uint64_t divisor = kPow10[static_cast<std::size_t>(drop)];
    quotient = mag / divisor;
    const std::uint64_t remainder = mag % divisor;
    half = half_compare(remainder, divisor);
    inexact = remainder != 0;
  }
  if (round_away(mode, negative, (quotient & 1) != 0, half, inexact)) ++quotient;
  return quotient;
}

// The magnitude of a wide coefficient divided by 10^drop (drop > 0), rounded by `mode`.
cpp_int round_big(const cpp_int& mag, bool negative, std::int64_t drop, Rounding mode) {
  // A coefficient has at most max_integer_digits + max_scale digits: beyond that the quotient
  // is zero and the remainder below half.
  if (drop > kMaxIntegerDigits + kMaxScale + 1) {
    return cpp_int(round_away(mode, negative, false, -1, !mag.is_zero()) ? 1 : 0);
  }
  const cpp_int& divisor = pow10_big(drop);
  cpp_int quotient;
  cpp_int remainder;
  boost::multiprecision::divide_qr(mag, divisor, quotient, remainder);
  if (round_away(mode, negative, boost::multiprecision::bit_test(quotient, 0),
                 half_compare(remainder, divisor), !remainder.is_zero())) {
    ++quotient;
  }
  return quotient;
}

std::string rounding_name(Rounding mode) {
  switch (mode) {
    case Rounding::floor: return "floor";
    case Rounding::ceil: return "ceil";
    case Rounding::half_up: return "half_up";
    case Rounding::half_even: return "half_even";
  }
  return "?";
}

// Places the decimal point and sign into a magnitude's digits.
std::string format(bool negative, std::string digits, std::int32_t scale) {
  const auto s = static_cast<std::size_t>(scale);
  if (digits.size() <= s) digits.insert(0, s + 1 - digits.size(), '0');
  if (s > 0) digits.insert(digits.size() - s, 1, '.');
  if (negative) digits.insert(0, 1, '-');
  return digits;
}

// The text of a number for an error message: quoted, escaped, and cut when long.
std::string quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

struct ParseFailure {
  ErrorCode code = ErrorCode::invalid_number;
  std::string reason;
};

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Parses without throwing for bad input (only std::bad_alloc escapes): true and `out` on
// success, false and `failure` otherwise.
bool parse_number(std::string_view text, Decimal& out, ParseFailure& failure) {
  const auto fail = [&failure](ErrorCode code, std::string reason) {
    failure.code = code;
    failure.reason = std::move(reason);
    return false;
  };
  const std::size_t size = text.size();
  if (size == 0) return fail(ErrorCode::invalid_number, "empty text");

  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    ++i;
  }
  const std::size_t integer_begin = i;
  while (i < size && is_digit(text[i])) ++i;
  if (i == integer_begin) {
    if (i < size && text[i] == '.') {
      return fail(ErrorCode::invalid_number, "expected a digit before '.'");
    }
    if (i > 0) return fail(ErrorCode::invalid_number, "expected a digit after the sign");
    return fail(ErrorCode::invalid_number, "expected a digit at position 0");
  }
  const std::string_view integer_digits = text.substr(integer_begin, i - integer_begin);

  std::string_view fraction_digits;
  if (i < size && text[i] == '.') {
    const std::size_t begin = ++i;
    while (i < size && is_digit(text[i])) ++i;
    if (i == begin) return fail(ErrorCode::invalid_number, "expected a digit after '.'");
    fraction_digits = text.substr(begin, i - begin);
  }

  // Saturates: an exponent this large overflows any non-zero number anyway.
  constexpr std::int64_t kExponentCap = 1'000'000'000'000;
  std::int64_t exponent = 0;
  if (i < size && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < size && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    const std::size_t begin = i;
    for (; i < size && is_digit(text[i]); ++i) {
      exponent = std::min(exponent * 10 + (text[i] - '0'), kExponentCap);
    }
    if (i == begin) return fail(ErrorCode::invalid_number, "expected a digit in the exponent");
    if (exponent_negative) exponent = -exponent;
  }
  if (i != size) {
    return fail(ErrorCode::invalid_number, "unexpected character at position " + std::to_string(i));
  }

  // The coefficient's digits are integer_digits then fraction_digits, without the point.
  const std::size_t total = integer_digits.size() + fraction_digits.size();
  const auto digit_at = [&](std::size_t k) {
    return k < integer_digits.size() ? integer_digits[k]
                                     : fraction_digits[k - integer_digits.size()];
  };
  std::int64_t scale = static_cast<std::int64_t>(fraction_digits.size()) - exponent;
  std::size_t first = 0;
  while (first < total && digit_at(first) == '0') ++first;
  if (first == total) {  // zero: any scale is exact, so clamp it
    out = DecimalAccess::small(
        0, static_cast<std::int32_t>(std::clamp<std::int64_t>(scale, 0, kMaxScale)));
    return true;
  }
  std::size_t last = total - 1;
  while (digit_at(last) == '0') --last;

  auto count = static_cast<std::int64_t>(total - first);  // from the first non-zero digit
  if (scale > kMaxScale) {  // drop trailing zeros, if there are enough
    const std::int64_t strip = scale - kMaxScale;
    if (strip > static_cast<std::int64_t>(total - 1 - last)) {
      return fail(ErrorCode::number_overflow,
                  "more than " + std::to_string(kMaxScale) + " fractional digits");
    }
    count -= strip;
    scale = kMaxScale;
  }
  std::int64_t pad = 0;  // zeros appended by a positive exponent
  if (scale < 0) {
    pad = -scale;
    scale = 0;
  }
  if (count + pad - scale > kMaxIntegerDigits) {
    return fail(ErrorCode::number_overflow,
                "more than " + std::to_string(kMaxIntegerDigits) + " integer digits");
  }

  const auto end = first + static_cast<std::size_t>(count);
  if (count + pad <= kMaxPow10U64) {
    std::uint64_t mag = 0;
    for (std::size_t k = first; k < end; ++k) {
      mag = mag * 10 + static_cast<std::uint64_t>(digit_at(k) - '0');
    }
    mag *= kPow10[static_cast<std::size_t>(pad)];
    out = from_magnitude(negative, mag, scale);
  } else if (count + pad <= kMaxPow10U128) {
    u128 mag = 0;
    for (std::size_t k = first; k < end; ++k) {
      mag = mag * 10 + static_cast<u128>(digit_at(k) - '0');
    }
    mag *= kPow10U128[static_cast<std::size_t>(pad)];
    out = from_magnitude(negative, mag, scale);
  } else {
    // 19 digits at a time into the wide coefficient.
    cpp_int mag;
    std::uint64_t chunk = 0;
    std::size_t chunk_digits = 0;
    for (std::size_t k = first; k < end; ++k) {
      chunk = chunk * 10 + static_cast<std::uint64_t>(digit_at(k) - '0');
      if (++chunk_digits == kMaxPow10U64) {
        mag *= kPow10[kMaxPow10U64];
        mag += chunk;
        chunk = 0;
        chunk_digits = 0;
      }
    }
    mag *= kPow10[chunk_digits];
    mag += chunk;
    mag *= pow10_big(pad);
    if (negative) mag = -mag;
    out = DecimalAccess::make(std::move(mag), static_cast<std::int32_t>(scale));
  }
  return true;
}

// The two coefficients aligned to the larger scale, when both are inline and the alignment
// fits in 128 bits (a scale difference of at most 19).
bool align_small(const Decimal& a, const Decimal& b, i128& x, i128& y) noexcept {
  if (!DecimalAccess::is_small(a) || !DecimalAccess::is_small(b)) return false;
  const int difference = a.scale() - b.scale();
  if (difference > kMaxPow10U64 || difference < -kMaxPow10U64) return false;
  x = DecimalAccess::small_coefficient(a);
  y = DecimalAccess::small_coefficient(b);
  if (difference > 0) {
    y *= static_cast<i128>(kPow10[static_cast<std::size_t>(difference)]);
  } else if (difference < 0) {
    x *= static_cast<i128>(kPow10[static_cast<std::size_t>(-difference)]);
  }
  return true;
}

void align_big(const Decimal& a, const Decimal& b, cpp_int& x, cpp_int& y) {
  x = BigCoefficient(a).get();
  y = BigCoefficient(b).get();
  const int difference = a.scale() - b.scale();
  if (difference > 0) {
    y *= pow10_big(difference);
  } else if (difference < 0) {
    x *= pow10_big(-difference);
  }
}

Decimal add_or_subtract(const Decimal& a, const Decimal& b, bool subtract) {
  const std::int64_t scale = std::max(a.scale(), b.scale());
  i128 x = 0;
  i128 y = 0;
  if (align_small(a, b, x, y)) {  // one side is at most 10^19 × 2^63: no 128-bit overflow
    return from_i128(subtract ? x - y : x + y, scale);
  }
  cpp_int big_x;
  cpp_int big_y;
  align_big(a, b, big_x, big_y);
  if (subtract) {
    big_x -= big_y;
  } else {
    big_x += big_y;
  }
  return make_checked(std::move(big_x), scale,
                      [&] { return describe(a, subtract ? "-" : "+", b); });
}

// Strips up to `scale` trailing zeros of a magnitude.
template <typename T>
void strip_zeros(T& mag, std::int64_t& scale) {
  while (scale > 0 && mag % 10 == 0) {
    mag /= 10;
    --scale;
  }
}

std::uint64_t mix(std::uint64_t x) noexcept {  // the splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::size_t hash_small(std::int64_t coefficient, std::int64_t scale) noexcept {
  return static_cast<std::size_t>(
      mix(static_cast<std::uint64_t>(coefficient) ^ mix(static_cast<std::uint64_t>(scale))));
}

}  // namespace

Decimal Decimal::from_parts(std::int64_t coefficient, int scale) {
  if (scale < 0 || scale > max_scale) {
    throw NumberError(ErrorCode::number_overflow, "decimal scale " + std::to_string(scale) +
                                                      " is outside [0, " +
                                                      std::to_string(max_scale) + "]");
  }
  return small(coefficient, scale);
}

Decimal Decimal::parse(std::string_view text) {
  Decimal result;
  ParseFailure failure;
  if (!parse_number(text, result, failure)) {
    if (failure.code == ErrorCode::number_overflow) {
      throw NumberError(failure.code,
                        "number " + quote(text) + " is out of range: " + failure.reason);
    }
    throw NumberError(failure.code, "invalid number " + quote(text) + ": " + failure.reason);
  }
  return result;
}

std::optional<Decimal> Decimal::try_parse(std::string_view text) noexcept {
  try {
    Decimal result;
    ParseFailure failure;
    if (parse_number(text, result, failure)) return result;
  } catch (...) {  // std::bad_alloc: report "not a number" rather than terminate
  }
  return std::nullopt;
}

std::string Decimal::to_string() const {
  if (wide_ == nullptr) {
    return format(coefficient_ < 0, std::to_string(magnitude(coefficient_)), scale_);
  }
  const cpp_int& c = wide_->coefficient;
  return format(c.sign() < 0, cpp_int(boost::multiprecision::abs(c)).str(), scale_);
}

int Decimal::wide_sign() const noexcept {
  return wide_->coefficient.sign();
}

bool Decimal::is_integer() const noexcept {
  if (scale_ == 0) return true;
  if (wide_ == nullptr) {
    // |coefficient| < 10^19, so at scale 19 and more only zero is whole.
    if (scale_ > kMaxPow10U64 - 1) return coefficient_ == 0;
    return magnitude(coefficient_) % kPow10[static_cast<std::size_t>(scale_)] == 0;
  }
  return cpp_int(wide_->coefficient % pow10_big(scale_)).is_zero();
}

Decimal Decimal::round(Rounding mode, int digits) const {
  if (digits >= scale_) return *this;
  const std::int64_t drop = static_cast<std::int64_t>(scale_) - digits;
  const std::int64_t result_scale = std::max(digits, 0);
  const std::int64_t shift = digits < 0 ? -static_cast<std::int64_t>(digits) : 0;
  const bool negative = sign() < 0;
  const auto overflow = [&] {
    return "rounding " + to_string() + " (" + rounding_name(mode) + ") to " +
           std::to_string(digits) + " digits";
  };
  cpp_int quotient;
  if (wide_ == nullptr) {
    const std::uint64_t q = round_small(magnitude(coefficient_), negative, drop, mode);
    if (shift == 0 || q == 0) return from_magnitude(negative, q, result_scale);
    // q <= |coefficient| / 10^shift + 1, so q × 10^shift fits in 128 bits.
    if (shift <= kMaxPow10U64) {
      return from_magnitude(
          negative, static_cast<u128>(q) * kPow10[static_cast<std::size_t>(shift)], result_scale);
    }
    quotient = q;
  } else {
    quotient = round_big(boost::multiprecision::abs(wide_->coefficient), negative, drop, mode);
  }
  if (shift > 0 && !quotient.is_zero()) {
    if (shift > kMaxIntegerDigits) throw_limit(Limit::integer_digits, overflow());
    quotient *= pow10_big(shift);
  }
  if (negative) quotient = -quotient;
  return make_checked(std::move(quotient), result_scale, overflow);
}

std::int64_t Decimal::to_int64(Rounding mode) const {
  const bool negative = sign() < 0;
  if (wide_ == nullptr) {
    if (scale_ == 0) return coefficient_;
    // The quotient is at most |coefficient| / 10 + 1: it fits.
    const std::uint64_t q = round_small(magnitude(coefficient_), negative, scale_, mode);
    return negative ? static_cast<std::int64_t>(0 - q) : static_cast<std::int64_t>(q);
  }
  cpp_int q = boost::multiprecision::abs(wide_->coefficient);
  if (scale_ > 0) q = round_big(q, negative, scale_, mode);
  if (negative) q = -q;
  if (q < kInt64Min || q > kInt64Max) {
    throw NumberError(ErrorCode::number_overflow, "decimal overflow: " + to_string() +
                                                      " rounded (" + rounding_name(mode) +
                                                      ") does not fit in 64 bits");
  }
  return q.convert_to<std::int64_t>();
}

Decimal Decimal::normalized() const {
  std::int64_t scale = scale_;
  if (wide_ == nullptr) {
    if (coefficient_ == 0) return Decimal();
    std::int64_t c = coefficient_;
    strip_zeros(c, scale);
    return small(c, static_cast<std::int32_t>(scale));
  }
  cpp_int c = wide_->coefficient;
  strip_zeros(c, scale);
  return DecimalAccess::make(std::move(c), static_cast<std::int32_t>(scale));
}

Decimal Decimal::abs() const {
  return sign() < 0 ? -*this : *this;
}

Decimal Decimal::operator-() const {
  if (wide_ == nullptr) {
    if (coefficient_ != kInt64Min) return small(-coefficient_, scale_);
    return DecimalAccess::make(-cpp_int(coefficient_), scale_);
  }
  return DecimalAccess::make(-wide_->coefficient, scale_);  // -(2^63) comes back inline
}

Decimal Decimal::add_slow(const Decimal& a, const Decimal& b) {
  return add_or_subtract(a, b, false);
}

Decimal Decimal::sub_slow(const Decimal& a, const Decimal& b) {
  return add_or_subtract(a, b, true);
}

Decimal Decimal::mul_slow(const Decimal& a, const Decimal& b) {
  std::int64_t scale = static_cast<std::int64_t>(a.scale_) + b.scale_;
  const auto what = [&] { return describe(a, "*", b); };
  if (a.wide_ == nullptr && b.wide_ == nullptr) {
    // |product| <= 2^126 < 10^38: exact in 128 bits, and at most 39 integer digits.
    i128 product = static_cast<i128>(a.coefficient_) * b.coefficient_;
    if (scale > max_scale) {
      const std::int64_t strip = scale - max_scale;
      if (product != 0) {
        const auto divisor = strip <= kMaxPow10U128
                                 ? static_cast<i128>(kPow10U128[static_cast<std::size_t>(strip)])
                                 : 0;
        if (divisor == 0 || product % divisor != 0) throw_limit(Limit::scale, what());
        product /= divisor;
      }
      scale = max_scale;
    }
    return from_i128(product, scale);
  }
  return make_checked(BigCoefficient(a).get() * BigCoefficient(b).get(), scale, what);
}

Decimal operator/(const Decimal& a, const Decimal& b) {
  if (b.is_zero()) {
    throw NumberError(ErrorCode::division_by_zero, "division by zero: " + describe(a, "/", b));
  }
  if (a.is_zero()) return Decimal();
  // a / b = (ca × 10^e / cb) × 10^-division_scale, with e = division_scale + sb - sa.
  const int exponent = Decimal::division_scale + b.scale_ - a.scale_;
  const bool negative = (a.sign() < 0) != (b.sign() < 0);
  std::int64_t scale = Decimal::division_scale;
  if (a.wide_ == nullptr && b.wide_ == nullptr && exponent <= kMaxPow10U64 &&
      exponent >= -kMaxPow10U64) {
    u128 numerator = magnitude(a.coefficient_);
    u128 denominator = magnitude(b.coefficient_);
    if (exponent > 0) {
      numerator *= kPow10[static_cast<std::size_t>(exponent)];
    } else if (exponent < 0) {
      denominator *= kPow10[static_cast<std::size_t>(-exponent)];
    }
    u128 quotient = numerator / denominator;
    const u128 remainder = numerator % denominator;
    if (round_away(Rounding::half_even, negative, (quotient & 1) != 0,
                   half_compare(remainder, denominator), remainder != 0)) {
      ++quotient;
    }
    if (quotient <= std::numeric_limits<std::uint64_t>::max()) {  // 64-bit division is cheaper
      auto q64 = static_cast<std::uint64_t>(quotient);
      strip_zeros(q64, scale);
      quotient = q64;
    } else {
      strip_zeros(quotient, scale);
    }
    return from_magnitude(negative, quotient, scale);  // below 10^38: in range
  }
  cpp_int numerator = boost::multiprecision::abs(BigCoefficient(a).get());
  cpp_int denominator = boost::multiprecision::abs(BigCoefficient(b).get());
  if (exponent > 0) {
    numerator *= pow10_big(exponent);
  } else if (exponent < 0) {
    denominator *= pow10_big(-exponent);
  }
  cpp_int quotient;
  cpp_int remainder;
  boost::multiprecision::divide_qr(numerator, denominator, quotient, remainder);
  if (round_away(Rounding::half_even, negative, boost::multiprecision::bit_test(quotient, 0),
                 half_compare(remainder, denominator), !remainder.is_zero())) {
    ++quotient;
  }
  strip_zeros(quotient, scale);
  if (negative) quotient = -quotient;
  return make_checked(std::move(quotient), scale, [&] { return describe(a, "/", b); });
}

Decimal operator%(const Decimal& a, const Decimal& b) {
  if (b.is_zero()) {
    throw NumberError(ErrorCode::division_by_zero, "division by zero: " + describe(a, "%", b));
  }
  const std::int64_t scale = std::max(a.scale_, b.scale_);
  i128 x = 0;
  i128 y = 0;
  // |remainder| <= |x| and < |y|, one of which is an unscaled coefficient: always in range.
  if (align_small(a, b, x, y)) return from_i128(x % y, scale);
  cpp_int big_x;
  cpp_int big_y;
  align_big(a, b, big_x, big_y);
  return DecimalAccess::make(big_x % big_y, static_cast<std::int32_t>(scale));
}

bool Decimal::equal_slow(const Decimal& a, const Decimal& b) noexcept {
  return compare_slow(a, b) == 0;
}

std::strong_ordering Decimal::compare_slow(const Decimal& a, const Decimal& b) noexcept {
  const int sign_a = a.sign();
  const int sign_b = b.sign();
  if (sign_a != sign_b || sign_a == 0) return sign_a <=> sign_b;
  i128 x = 0;
  i128 y = 0;
  if (align_small(a, b, x, y)) return x <=> y;
  if (a.wide_ == nullptr && b.wide_ == nullptr) {
    // Scales more than 19 apart: the smaller-scale one, being non-zero, is at least 10^20
    // once aligned, beyond any other inline coefficient.
    const bool a_larger_magnitude = a.scale_ < b.scale_;
    return (a_larger_magnitude == (sign_a > 0)) ? std::strong_ordering::greater
                                                : std::strong_ordering::less;
  }
  if (a.scale_ == b.scale_) return BigCoefficient(a).get().compare(BigCoefficient(b).get()) <=> 0;
  cpp_int big_x;
  cpp_int big_y;
  align_big(a, b, big_x, big_y);
  return big_x.compare(big_y) <=> 0;
}

std::size_t Decimal::hash() const noexcept {
  // Hashes the normalized value: equal values have one normalized form.
  std::int64_t scale = scale_;
  if (wide_ == nullptr) {
    if (coefficient_ == 0) return hash_small(0, 0);
    std::int64_t c = coefficient_;
    strip_zeros(c, scale);
    return hash_small(c, scale);
  }
  cpp_int c = wide_->coefficient;
  strip_zeros(c, scale);
  if (c >= kInt64Min && c <= kInt64Max) return hash_small(c.convert_to<std::int64_t>(), scale);
  std::uint64_t h = mix(static_cast<std::uint64_t>(scale) ^ (c.sign() < 0 ? 0x5bd1e995ULL : 0));
  const auto& backend = c.backend();
  for (std::size_t i = 0; i < backend.size(); ++i) {
    h = mix(h ^ static_cast<std::uint64_t>(backend.limbs()[i]));
  }
  return static_cast<std::size_t>(h);
}

}  // namespace loyalty
