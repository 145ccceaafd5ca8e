// Tests of loyalty::Decimal, checked against an independent long-arithmetic oracle on digit
// strings (no Boost, no 128-bit integers, no floating point).

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "loyalty/decimal.hpp"

#include "allocation_counter.hpp"

using loyalty::testing::allocation_count;

namespace {

using loyalty::Decimal;
using loyalty::ErrorCode;
using loyalty::NumberError;
using loyalty::Rounding;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr Rounding kModes[] = {Rounding::floor, Rounding::ceil, Rounding::half_up,
                               Rounding::half_even};

const std::string kOverflow = "error:number_overflow";
const std::string kDivisionByZero = "error:division_by_zero";
const std::string kInvalid = "error:invalid_number";

// ---- The oracle: unsigned decimal digit strings without leading zeros ("0" for zero). ----

char digit_char(int d) {
  return static_cast<char>('0' + d);
}
int digit_value(char c) {
  return c - '0';
}

std::string trim(const std::string& s) {
  const std::size_t first = s.find_first_not_of('0');
  return first == std::string::npos ? "0" : s.substr(first);
}

int ucompare(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string uadd(const std::string& a, const std::string& b) {
  std::string r;
  int carry = 0;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry != 0; ++i) {
    int d = carry;
    if (i < a.size()) d += digit_value(a[a.size() - 1 - i]);
    if (i < b.size()) d += digit_value(b[b.size() - 1 - i]);
    r.push_back(digit_char(d % 10));
    carry = d / 10;
  }
  std::reverse(r.begin(), r.end());
  return trim(r);
}

std::string usub(const std::string& a, const std::string& b) {  // a >= b
  std::string r;
  int borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    int d = digit_value(a[a.size() - 1 - i]) - borrow;
    if (i < b.size()) d -= digit_value(b[b.size() - 1 - i]);
    borrow = d < 0 ? 1 : 0;
    r.push_back(digit_char(d + 10 * borrow));
  }
  std::reverse(r.begin(), r.end());
  return trim(r);
}

std::string umul(const std::string& a, const std::string& b) {
  std::vector<int> acc(a.size() + b.size(), 0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < b.size(); ++j) {
      acc[i + j + 1] += digit_value(a[i]) * digit_value(b[j]);
    }
  }
  for (std::size_t k = acc.size() - 1; k > 0; --k) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string r;
  for (const int d : acc) r.push_back(digit_char(d));
  return trim(r);
}

// Schoolbook long division: {quotient, remainder}.
std::pair<std::string, std::string> udivmod(const std::string& a, const std::string& b) {
  std::string q;
  std::string r = "0";
  for (const char c : a) {
    r = trim(r + c);
    int d = 0;
    while (ucompare(r, b) >= 0) {
      r = usub(r, b);
      ++d;
    }
    q.push_back(digit_char(d));
  }
  return {trim(q), r};
}

std::string shifted(const std::string& a, int zeros) {
  return a == "0" ? a : a + std::string(static_cast<std::size_t>(zeros), '0');
}

// ---- Signed decimals of the oracle: ±digits × 10^-scale. ----

struct Ref {
  bool negative = false;
  std::string digits = "0";
  int scale = 0;
};

Ref make_ref(bool negative, const std::string& digits, int scale) {
  Ref r;
  r.digits = trim(digits);
  r.negative = negative && r.digits != "0";
  r.scale = scale;
  return r;
}

std::string text(const Ref& r) {
  std::string s = r.digits;
  const auto scale = static_cast<std::size_t>(r.scale);
  if (s.size() <= scale) s.insert(0, scale + 1 - s.size(), '0');
  if (scale > 0) s.insert(s.size() - scale, 1, '.');
  if (r.negative) s.insert(0, 1, '-');
  return s;
}

// The text Decimal must print, or the overflow it must report.
std::string checked(const Ref& r) {
  if (r.scale > 64) return kOverflow;
  if (r.digits != "0" && static_cast<int>(r.digits.size()) - r.scale > 64) return kOverflow;
  return text(r);
}

Ref negated(Ref r) {
  r.negative = !r.negative && r.digits != "0";
  return r;
}

Ref ref_add(const Ref& a, const Ref& b) {
  const int scale = std::max(a.scale, b.scale);
  const std::string x = shifted(a.digits, scale - a.scale);
  const std::string y = shifted(b.digits, scale - b.scale);
  if (a.negative == b.negative) return make_ref(a.negative, uadd(x, y), scale);
  if (ucompare(x, y) >= 0) return make_ref(a.negative, usub(x, y), scale);
  return make_ref(b.negative, usub(y, x), scale);
}

int ref_compare(const Ref& a, const Ref& b) {
  const Ref d = ref_add(a, negated(b));
  return d.digits == "0" ? 0 : (d.negative ? -1 : 1);
}

std::string expect_mul(const Ref& a, const Ref& b) {
  Ref r = make_ref(a.negative != b.negative, umul(a.digits, b.digits), a.scale + b.scale);
  while (r.scale > 64 && r.digits != "0" && r.digits.back() == '0') {
    r.digits.pop_back();
    --r.scale;
  }
  if (r.digits == "0") r.scale = std::min(r.scale, 64);
  return checked(r);
}

std::string expect_div(const Ref& a, const Ref& b) {
  if (b.digits == "0") return kDivisionByZero;
  const int e = 12 + b.scale - a.scale;
  const std::string n = e >= 0 ? shifted(a.digits, e) : a.digits;
  const std::string d = e < 0 ? shifted(b.digits, -e) : b.digits;
  auto [q, r] = udivmod(n, d);
  const int half = ucompare(uadd(r, r), d);
  const bool odd = digit_value(q.back()) % 2 == 1;
  if (r != "0" && (half > 0 || (half == 0 && odd))) q = uadd(q, "1");
  int scale = 12;
  if (q == "0") scale = 0;
  while (scale > 0 && q.back() == '0') {
    q.pop_back();
    --scale;
  }
  return checked(make_ref(a.negative != b.negative, q, scale));
}

std::string expect_mod(const Ref& a, const Ref& b) {
  if (b.digits == "0") return kDivisionByZero;
  const int scale = std::max(a.scale, b.scale);
  const std::string x = shifted(a.digits, scale - a.scale);
  const std::string y = shifted(b.digits, scale - b.scale);
  return text(make_ref(a.negative, udivmod(x, y).second, scale));
}

Ref ref_round(const Ref& a, Rounding mode, int digits) {
  if (digits >= a.scale) return a;
  const auto drop = static_cast<std::size_t>(a.scale - digits);
  std::string q = "0";
  std::string r = a.digits;
  if (drop < a.digits.size()) {
    q = a.digits.substr(0, a.digits.size() - drop);
    r = trim(a.digits.substr(a.digits.size() - drop));
  }
  const bool inexact = r != "0";
  const int half = ucompare(uadd(r, r), shifted("1", static_cast<int>(drop)));
  const bool odd = digit_value(q.back()) % 2 == 1;
  bool away = false;
  if (inexact) {
    switch (mode) {
      case Rounding::floor: away = a.negative; break;
      case Rounding::ceil: away = !a.negative; break;
      case Rounding::half_up: away = half >= 0; break;
      case Rounding::half_even: away = half > 0 || (half == 0 && odd); break;
    }
  }
  if (away) q = uadd(q, "1");
  if (digits < 0) return make_ref(a.negative, shifted(q, -digits), 0);
  return make_ref(a.negative, q, digits);
}

const std::string kInt64MaxDigits = "9223372036854775807";
const std::string kInt64MinDigits = "9223372036854775808";

bool fits_int64(const Ref& integer) {
  return ucompare(integer.digits, integer.negative ? kInt64MinDigits : kInt64MaxDigits) <= 0;
}

std::string expect_to_int64(const Ref& a, Rounding mode) {
  const Ref r = ref_round(a, mode, 0);
  return fits_int64(r) ? text(r) : kOverflow;
}

std::string expect_normalized(const Ref& a) {
  Ref r = a;
  if (r.digits == "0") r.scale = 0;
  while (r.scale > 0 && r.digits.back() == '0') {
    r.digits.pop_back();
    --r.scale;
  }
  return text(r);
}

// The coefficient of a printed decimal, for the is_wide() invariant.
Ref coefficient_of(const std::string& s) {
  std::string digits;
  for (const char c : s) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return make_ref(!s.empty() && s[0] == '-', digits, 0);
}

// ---- Running Decimal operations into comparable outcomes. ----

std::string error_outcome(const NumberError& e) {
  return "error:" + std::string(loyalty::error_code_name(e.code()));
}

// The printed result or the error code; also checks that a result is wide exactly when its
// coefficient does not fit in 64 bits.
std::string outcome(const std::function<Decimal()>& f) {
  try {
    const Decimal d = f();
    const std::string s = d.to_string();
    CHECK(d.is_wide() == !fits_int64(coefficient_of(s)));
    return s;
  } catch (const NumberError& e) {
    return error_outcome(e);
  }
}

std::string int_outcome(const std::function<std::int64_t()>& f) {
  try {
    return std::to_string(f());
  } catch (const NumberError& e) {
    return error_outcome(e);
  }
}

Decimal D(const std::string& s) {
  return Decimal::parse(s);
}
std::string str(const std::string& s) {
  return Decimal::parse(s).to_string();
}

ErrorCode parse_error(const std::string& s) {
  try {
    (void)Decimal::parse(s);
  } catch (const NumberError& e) {
    return e.code();
  }
  FAIL("parse(\"" << s << "\") did not throw");
  return ErrorCode::io;
}

std::string parse_message(const std::string& s) {
  try {
    (void)Decimal::parse(s);
  } catch (const NumberError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string nines(int n) {
  return std::string(static_cast<std::size_t>(n), '9');
}
std::string one_then_zeros(int count) {
  std::string s(static_cast<std::size_t>(count) + 1, '0');
  s[0] = '1';
  return s;
}
std::string zeros(int n) {
  return std::string(static_cast<std::size_t>(n), '0');
}

// ---- Random values: small, near the 64-bit limits, wide, and with long scales. ----

int uniform(std::mt19937_64& rng, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(rng);
}

std::string random_digits(std::mt19937_64& rng, int length) {
  std::string s(1, digit_char(uniform(rng, 1, 9)));
  for (int i = 1; i < length; ++i) s.push_back(digit_char(uniform(rng, 0, 9)));
  return s;
}

Ref random_ref(std::mt19937_64& rng) {
  std::string digits(1, '0');
  int scale = 0;
  switch (uniform(rng, 0, 10)) {
    case 0:  // zero
      scale = uniform(rng, 0, 5);
      break;
    case 1:
    case 2:
    case 3: {
      const int length = uniform(rng, 1, 18);
      digits = random_digits(rng, length);
      scale = uniform(rng, 0, std::min(length + 2, 8));
      break;
    }
    case 4:
      digits = random_digits(rng, uniform(rng, 1, 18));
      scale = uniform(rng, 19, 64);
      break;
    case 5:
    case 6: {
      static const std::string kBases[] = {kInt64MaxDigits, kInt64MinDigits, "4611686018427387904",
                                           "3037000499", "3037000500"};
      const std::string& base = kBases[uniform(rng, 0, 4)];
      const std::string delta = std::to_string(uniform(rng, 0, 3));
      digits = uniform(rng, 0, 1) == 0 ? uadd(base, delta) : usub(base, delta);
      scale = uniform(rng, 0, 20);
      break;
    }
    case 7:
    case 8:
      digits = random_digits(rng, uniform(rng, 30, 60));
      scale = uniform(rng, 0, 30);
      break;
    case 9:
      digits = random_digits(rng, uniform(rng, 19, 40));
      scale = uniform(rng, 40, 64);
      break;
    default: {  // up to 64 integer digits and 64 fractional ones
      const int length = uniform(rng, 60, 100);
      digits = random_digits(rng, length);
      scale = uniform(rng, std::max(0, length - 64), std::min(64, length));
      break;
    }
  }
  if (uniform(rng, 0, 5) == 0) {  // trailing zeros, which stripping and hashing care about
    const int extra = std::min(uniform(rng, 1, 4), 64 - scale);
    digits = shifted(digits, extra);
    scale += extra;
  }
  return make_ref(uniform(rng, 0, 1) == 1, digits, scale);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("parse and print keep the scale as written") {
  CHECK(str("12.50") == "12.50");
  CHECK(str("12.5") == "12.5");
  CHECK(str("42") == "42");
  CHECK(str("-12.50") == "-12.50");
  CHECK(str("0.000") == "0.000");
  CHECK(str("+5") == "5");
  CHECK(str("+0.10") == "0.10");
  CHECK(str("007.50") == "7.50");
  CHECK(str("0.0001") == "0.0001");
  CHECK(str("-0.0001") == "-0.0001");
  CHECK(D("12.50").scale() == 2);
  CHECK(D("42").scale() == 0);
  CHECK(str(kInt64MaxDigits) == kInt64MaxDigits);
  CHECK(str("-" + kInt64MinDigits) == "-" + kInt64MinDigits);
}

TEST_CASE("negative zero is zero") {
  const Decimal z = D("-0");
  CHECK(z.to_string() == "0");
  CHECK(z.sign() == 0);
  CHECK(z.is_zero());
  CHECK(z == Decimal());
  CHECK(str("-0.00") == "0.00");
  CHECK(D("-0.00").sign() == 0);
  CHECK((-Decimal()).to_string() == "0");
  CHECK((-D("0.00")).to_string() == "0.00");
  CHECK((D("1") - D("1")).to_string() == "0");
  CHECK((D("-1") * D("0")).to_string() == "0");
  CHECK(Decimal().to_string() == "0");
  CHECK(Decimal(-7).to_string() == "-7");
}

TEST_CASE("exponents shift the scale") {
  CHECK(str("1.5e2") == "150");
  CHECK(D("1.5e2").scale() == 0);
  CHECK(str("1e-3") == "0.001");
  CHECK(D("1e-3").scale() == 3);
  CHECK(str("1.50E+1") == "15.0");
  CHECK(str("123e-2") == "1.23");
  CHECK(str("-2.5E-1") == "-0.25");
  CHECK(str("1e0") == "1");
  CHECK(str("1.000e3") == "1000");
  CHECK(str("0e5") == "0");
  CHECK(str("0.00e1") == "0.0");
  CHECK(str("1e63") == one_then_zeros(63));
  CHECK(str("1e-64") == "0." + zeros(63) + "1");
  // Too many fractional digits: trailing zeros are dropped until the scale is 64.
  CHECK(str("1.0000e-61") == "0." + zeros(60) + "1000");
  CHECK(str("10e-65") == "0." + zeros(63) + "1");
  // Zero with a huge negative exponent keeps the largest scale it may.
  CHECK(str("0e-100") == "0." + zeros(64));
  CHECK(D("0e-100").scale() == 64);
  CHECK(str("0e-999999999999999999999999") == "0." + zeros(64));
  CHECK(str("0e999999999999999999999999") == "0");
  CHECK(str("0.000e+2") == "0.0");
}

TEST_CASE("out-of-range text is number_overflow") {
  CHECK(parse_error("1e64") == ErrorCode::number_overflow);
  CHECK(parse_error("1e-65") == ErrorCode::number_overflow);
  CHECK(parse_error("1.5e-64") == ErrorCode::number_overflow);
  CHECK(parse_error("1e999999999999999999999") == ErrorCode::number_overflow);
  CHECK(parse_error("-1e-999999999999999999999") == ErrorCode::number_overflow);
  CHECK(parse_error(one_then_zeros(64)) == ErrorCode::number_overflow);
  CHECK(parse_error(std::string("-").append(one_then_zeros(64)).append(".5")) ==
        ErrorCode::number_overflow);
  CHECK(parse_error("0." + zeros(64) + "1") == ErrorCode::number_overflow);
  CHECK(parse_message("1e64") == "number \"1e64\" is out of range: more than 64 integer digits");
  CHECK(!Decimal::try_parse("1e64").has_value());
  // Leading zeros do not count as digits; trailing fractional zeros beyond 64 are dropped.
  CHECK(str("000" + nines(64)) == nines(64));
  CHECK(str("0." + zeros(63) + "10") == "0." + zeros(63) + "1");
}

TEST_CASE("malformed text is invalid_number, with the text quoted") {
  for (const std::string s :
       {"",      "-",     "+",   "1.",  ".5",    "-.5",      "1e",    "1e+",  "1e-",
        "abc",   "1 ",    " 1",  "--1", "+-1",   "1..2",     "1.2.3", "0x10", "1,5",
        "1e5.5", "1e1e1", "nan", "inf", "1_000", "\xd9\xa1", "1\n"}) {
    CAPTURE(s);
    CHECK(parse_error(s) == ErrorCode::invalid_number);
    CHECK(!Decimal::try_parse(s).has_value());
  }
  CHECK(parse_message("") == "invalid number \"\": empty text");
  CHECK(parse_message("1.") == "invalid number \"1.\": expected a digit after '.'");
  CHECK(parse_message(".5") == "invalid number \".5\": expected a digit before '.'");
  CHECK(parse_message("-") == "invalid number \"-\": expected a digit after the sign");
  CHECK(parse_message("--1") == "invalid number \"--1\": expected a digit after the sign");
  CHECK(parse_message("1e") == "invalid number \"1e\": expected a digit in the exponent");
  CHECK(parse_message("abc") == "invalid number \"abc\": expected a digit at position 0");
  CHECK(parse_message("1 ") == "invalid number \"1 \": unexpected character at position 1");
  CHECK(parse_message("a\"b\n") ==
        "invalid number \"a\\\"b\\x0a\": expected a digit at position 0");
  const std::string long_text(100, 'x');
  CHECK(parse_message(long_text) ==
        "invalid number \"" + std::string(64, 'x') + "...\": expected a digit at position 0");
}

TEST_CASE("try_parse returns the value or nothing") {
  const std::optional<Decimal> good = Decimal::try_parse("-3.25");
  REQUIRE(good.has_value());
  CHECK(good->to_string() == "-3.25");
  CHECK(!Decimal::try_parse("3.25x").has_value());
  const std::optional<Decimal> wide = Decimal::try_parse("123456789012345678901234567890.5");
  REQUIRE(wide.has_value());
  CHECK(wide->to_string() == "123456789012345678901234567890.5");
  CHECK(wide->is_wide());
}

TEST_CASE("from_parts") {
  CHECK(Decimal::from_parts(1250, 2).to_string() == "12.50");
  CHECK(Decimal::from_parts(-5, 0).to_string() == "-5");
  CHECK(Decimal::from_parts(7, 64).to_string() == "0." + zeros(63) + "7");
  CHECK(Decimal::from_parts(kInt64Min, 3).to_string() == "-9223372036854775.808");
  CHECK_THROWS_AS((void)Decimal::from_parts(1, 65), NumberError);
  CHECK_THROWS_AS((void)Decimal::from_parts(1, -1), NumberError);
}

TEST_CASE("addition and subtraction are exact") {
  CHECK((D("0.1") + D("0.2")).to_string() == "0.3");
  CHECK(D("0.1") + D("0.2") == D("0.3"));
  CHECK((D("1.25") + D("2")).to_string() == "3.25");
  CHECK((D("1.5") - D("1.50")).to_string() == "0.00");
  CHECK((D("-7.005") + D("3.1")).to_string() == "-3.905");
  CHECK((D("5") - D("7.25")).to_string() == "-2.25");
  CHECK((D("1") + D("1e-40")).to_string() == "1." + zeros(39) + "1");
  CHECK((D(kInt64MaxDigits) + D("1")).to_string() == "9223372036854775808");
  CHECK((D("-" + kInt64MinDigits) - D("1")).to_string() == "-9223372036854775809");
  CHECK((D(kInt64MaxDigits) + D(kInt64MaxDigits)).to_string() == "18446744073709551614");
  Decimal total;
  total += D("2.50");
  total += D("0.25");
  total -= D("1");
  CHECK(total.to_string() == "1.75");
  total *= D("2");
  CHECK(total.to_string() == "3.50");
}

TEST_CASE("64 integer digits are allowed, 65 overflow") {
  const Decimal max = D(nines(64));
  CHECK(max.to_string() == nines(64));
  CHECK(max.is_wide());
  CHECK(outcome([&] { return max + D("1"); }) == kOverflow);
  CHECK(outcome([&] { return -max - D("1"); }) == kOverflow);
  CHECK(outcome([&] { return max + D("0.5"); }) == nines(64) + ".5");
  CHECK(outcome([&] { return max - D("1"); }) == nines(63) + "8");
  CHECK(outcome([&] { return D("1e32") * D("1e31"); }) == one_then_zeros(63));
  CHECK(outcome([&] { return D("1e32") * D("1e32"); }) == kOverflow);
  CHECK(outcome([&] { return D("-1e32") * D("1e32"); }) == kOverflow);
  CHECK(outcome([&] { return max * D("1.0"); }) == nines(64) + ".0");
  CHECK(outcome([&] { return max * D("-1"); }) == "-" + nines(64));
  CHECK(outcome([&] { return max / D("0.1"); }) == kOverflow);
  CHECK(outcome([&] { return max / D("10"); }) == nines(63) + ".9");
  CHECK(outcome([&] { return D("1e63") / D("0.1"); }) == kOverflow);
  CHECK(outcome([&] { return D("1e63") / D("1"); }) == one_then_zeros(63));
  CHECK(outcome([&] { return D(nines(30) + ".5") * D(one_then_zeros(34)); }) ==
        nines(30) + "5" + zeros(33) + ".0");
  CHECK(outcome([&] { return D(nines(31) + ".5") * D(one_then_zeros(34)); }) == kOverflow);
  try {
    (void)(D("1e32") * D("1e32"));
    FAIL("no overflow");
  } catch (const NumberError& e) {
    CHECK(e.code() == ErrorCode::number_overflow);
    CHECK(std::string(e.what()) == "decimal overflow: " + one_then_zeros(32) + " * " +
                                       one_then_zeros(32) + " has more than 64 integer digits");
  }
}

TEST_CASE("products keep at most 64 fractional digits") {
  const Decimal tiny = D("1e-40");
  CHECK(outcome([&] { return tiny * tiny; }) == kOverflow);
  // Scale 76, with 12 trailing zeros to give up: exactly 0.01 at scale 64.
  const Decimal tenth = D("0.1" + zeros(37));
  CHECK(outcome([&] { return tenth * tenth; }) == "0.01" + zeros(62));
  const Decimal unit = D("1e-64");
  CHECK(outcome([&] { return D("0.5") * unit; }) == kOverflow);
  CHECK(outcome([&] { return D("0.50") * unit; }) == kOverflow);
  CHECK(outcome([&] { return D("5.0") * unit; }) == "0." + zeros(63) + "5");
  CHECK(outcome([&] { return D("-5.000") * unit; }) == "-0." + zeros(63) + "5");
  CHECK(outcome([&] { return D("0.000") * unit; }) == "0." + zeros(64));
  CHECK(outcome([&] { return D("0." + zeros(40)) * D("0." + zeros(40)); }) == "0." + zeros(64));
  // Wide operands take the same rule.
  CHECK(outcome([&] { return D("12345678901234567890.12345678901234567890") * unit; }) ==
        kOverflow);
  CHECK(outcome([&] { return D("12345678901234567890.00000000000000000000") * unit; }) ==
        "0." + zeros(44) + "12345678901234567890");
}

TEST_CASE("division rounds half-even to 12 digits and drops trailing zeros") {
  CHECK((D("1") / D("3")).to_string() == "0.333333333333");
  CHECK((D("2") / D("3")).to_string() == "0.666666666667");
  CHECK((D("-2") / D("3")).to_string() == "-0.666666666667");
  CHECK((D("2") / D("-3")).to_string() == "-0.666666666667");
  CHECK((D("-2") / D("-3")).to_string() == "0.666666666667");
  CHECK((D("10") / D("4")).to_string() == "2.5");
  CHECK((D("10.00") / D("2")).to_string() == "5");
  CHECK((D("1") / D("8")).to_string() == "0.125");
  CHECK((D("100") / D("0.01")).to_string() == "10000");
  CHECK((D("0") / D("5")).to_string() == "0");
  CHECK((D("0.000") / D("-5")).to_string() == "0");
  CHECK((D("1") / D("1e40")).to_string() == "0");
  // Ties at the 13th digit go to the even neighbour.
  CHECK((D("0.0000000000005") / D("1")).to_string() == "0");
  CHECK((D("0.0000000000015") / D("1")).to_string() == "0.000000000002");
  CHECK((D("0.0000000000025") / D("1")).to_string() == "0.000000000002");
  CHECK((D("-0.0000000000025") / D("1")).to_string() == "-0.000000000002");
  CHECK((D("-0.0000000000035") / D("1")).to_string() == "-0.000000000004");
  CHECK((D("0.00000000000250000001") / D("1")).to_string() == "0.000000000003");
  CHECK((D("1") / D("7")).to_string() == "0.142857142857");
  CHECK((D(kInt64MaxDigits) / D("0.000000001")).to_string() == "9223372036854775807000000000");
  CHECK((D("10000000") / D("3")).to_string() == "3333333.333333333333");
  CHECK(!(D("10000000") / D("3")).is_wide());  // 3333333333333333333 fits in 64 bits
  CHECK((D("100000000") / D("3")).to_string() == "33333333.333333333333");
  CHECK((D("100000000") / D("3")).is_wide());
  CHECK((D("123456789012345678901234567890") / D("1e-5")).to_string() ==
        "12345678901234567890123456789000000");
}

TEST_CASE("division by zero") {
  CHECK(outcome([] { return D("1") / D("0"); }) == kDivisionByZero);
  CHECK(outcome([] { return D("0") / D("0.00"); }) == kDivisionByZero);
  CHECK(outcome([] { return D("1e40") / D("-0"); }) == kDivisionByZero);
  CHECK(outcome([] { return D("5") % D("0"); }) == kDivisionByZero);
  CHECK(outcome([] { return D("1e40") % D("0.0"); }) == kDivisionByZero);
  try {
    (void)(D("5") / D("0.00"));
    FAIL("no error");
  } catch (const NumberError& e) {
    CHECK(e.code() == ErrorCode::division_by_zero);
    CHECK(std::string(e.what()) == "division by zero: 5 / 0.00");
  }
}

TEST_CASE("remainder is exact and takes the dividend's sign") {
  CHECK((D("7") % D("3")).to_string() == "1");
  CHECK((D("-7") % D("3")).to_string() == "-1");
  CHECK((D("7") % D("-3")).to_string() == "1");
  CHECK((D("-7") % D("-3")).to_string() == "-1");
  CHECK((D("5.5") % D("2")).to_string() == "1.5");
  CHECK((D("-5.5") % D("2")).to_string() == "-1.5");
  CHECK((D("7") % D("0.5")).to_string() == "0.0");
  CHECK((D("0.07") % D("0.5")).to_string() == "0.07");
  CHECK((D("6") % D("3")).to_string() == "0");
  CHECK((D("-6") % D("3")).to_string() == "0");
  CHECK((D("1e40") % D("7")).to_string() == "4");
  CHECK((D("-1e40") % D("7")).to_string() == "-4");
  CHECK((D("-" + kInt64MinDigits) % D("-1")).to_string() == "0");
  CHECK((D("1") % D("1e-30")).to_string() == "0." + zeros(30));
  CHECK((D("1.5") % D("123456789012345678901234567890")).to_string() == "1.5");
}

TEST_CASE("rounding ties in every mode") {
  struct Row {
    const char* value;
    std::int64_t floor, ceil, half_up, half_even;
  };
  const Row rows[] = {
      {"2.5", 2, 3, 3, 2},
      {"-2.5", -3, -2, -3, -2},
      {"3.5", 3, 4, 4, 4},
      {"-3.5", -4, -3, -4, -4},
      {"0.5", 0, 1, 1, 0},
      {"-0.5", -1, 0, -1, 0},
      {"1.5", 1, 2, 2, 2},
      {"2.4", 2, 3, 2, 2},
      {"2.6", 2, 3, 3, 3},
      {"-2.6", -3, -2, -3, -3},
      {"-2.4", -3, -2, -2, -2},
      {"2.50000", 2, 3, 3, 2},
      {"2.50001", 2, 3, 3, 3},
      {"7", 7, 7, 7, 7},
      {"-7.000", -7, -7, -7, -7},
      {"0.0", 0, 0, 0, 0},
      {"0.0000000000000000000001", 0, 1, 0, 0},
      {"-0.0000000000000000000001", -1, 0, 0, 0},
      {"0.5000000000000000000000", 0, 1, 1, 0},
  };
  for (const Row& row : rows) {
    CAPTURE(row.value);
    const Decimal d = D(row.value);
    CHECK(d.to_int64(Rounding::floor) == row.floor);
    CHECK(d.to_int64(Rounding::ceil) == row.ceil);
    CHECK(d.to_int64(Rounding::half_up) == row.half_up);
    CHECK(d.to_int64(Rounding::half_even) == row.half_even);
    CHECK(d.round(Rounding::floor) == Decimal(row.floor));
    CHECK(d.round(Rounding::ceil) == Decimal(row.ceil));
    CHECK(d.round(Rounding::half_up) == Decimal(row.half_up));
    CHECK(d.round(Rounding::half_even).to_string() == std::to_string(row.half_even));
  }
}

TEST_CASE("rounding to digits") {
  const auto r = [](const char* value, Rounding mode, int digits) {
    return D(value).round(mode, digits).to_string();
  };
  CHECK(r("2.45", Rounding::floor, 1) == "2.4");
  CHECK(r("2.45", Rounding::ceil, 1) == "2.5");
  CHECK(r("2.45", Rounding::half_up, 1) == "2.5");
  CHECK(r("2.45", Rounding::half_even, 1) == "2.4");
  CHECK(r("2.55", Rounding::half_even, 1) == "2.6");
  CHECK(r("-2.45", Rounding::floor, 1) == "-2.5");
  CHECK(r("-2.45", Rounding::ceil, 1) == "-2.4");
  CHECK(r("-2.45", Rounding::half_up, 1) == "-2.5");
  CHECK(r("-2.45", Rounding::half_even, 1) == "-2.4");
  CHECK(r("1.2345", Rounding::half_up, 2) == "1.23");
  CHECK(r("1.2350", Rounding::half_up, 2) == "1.24");
  CHECK(r("1.995", Rounding::half_up, 2) == "2.00");
  CHECK(r("-0.004", Rounding::half_up, 2) == "0.00");
  CHECK(r("1.2", Rounding::half_up, 0) == "1");
  // Nothing to drop: unchanged, scale included.
  CHECK(r("1.5", Rounding::floor, 3) == "1.5");
  CHECK(r("1.50", Rounding::ceil, 2) == "1.50");
  CHECK(r("150", Rounding::ceil, 0) == "150");
  // Negative digits round to tens, hundreds, ...
  CHECK(r("1250", Rounding::half_even, -2) == "1200");
  CHECK(r("1350", Rounding::half_even, -2) == "1400");
  CHECK(r("1250", Rounding::half_up, -2) == "1300");
  CHECK(r("1234.5", Rounding::floor, -1) == "1230");
  CHECK(r("-1234.5", Rounding::floor, -1) == "-1240");
  CHECK(r("-1234.5", Rounding::ceil, -1) == "-1230");
  CHECK(r("0.5", Rounding::ceil, -3) == "1000");
  CHECK(r("4.9", Rounding::half_up, -1) == "0");
  CHECK(r("5", Rounding::half_up, -1) == "10");
  CHECK(r("5", Rounding::half_even, -1) == "0");
  CHECK(r("-0.5", Rounding::floor, -63) == "-1" + zeros(63));
  CHECK(outcome([] { return D("0.5").round(Rounding::ceil, -64); }) == kOverflow);
  CHECK(r("0.5", Rounding::floor, -1000) == "0");
  CHECK(r("0.5", Rounding::floor, std::numeric_limits<int>::min()) == "0");
  CHECK(outcome([] { return D("0.5").round(Rounding::ceil, std::numeric_limits<int>::min()); }) ==
        kOverflow);
  CHECK(r("9223372036854775807", Rounding::half_up, -1) == "9223372036854775810");
  CHECK(r("9223372036854775807", Rounding::half_up, -30) == "0");
  CHECK(r("9223372036854775807", Rounding::ceil, -30) == one_then_zeros(30));
  CHECK(r("0.0000000000000000000000005", Rounding::ceil, 24) == "0." + zeros(23) + "1");
  // 64 nines rounded up needs a 65th digit.
  CHECK(outcome([] { return D(nines(64) + ".5").round(Rounding::half_up); }) == kOverflow);
  CHECK(r((nines(64) + ".5").c_str(), Rounding::floor, 0) == nines(64));
  // Wide values.
  CHECK(r("12345678901234567890123.5", Rounding::half_even, 0) == "12345678901234567890124");
  CHECK(r("12345678901234567890122.5", Rounding::half_even, 0) == "12345678901234567890122");
  CHECK(r("-12345678901234567890122.5", Rounding::half_up, 0) == "-12345678901234567890123");
  CHECK(r("-12345678901234567890122.5", Rounding::ceil, -5) == "-12345678901234567800000");
  CHECK(r("123456789012345678901234567890", Rounding::half_up, -29) ==
        "100000000000000000000000000000");
  // A 94-digit coefficient: 64 integer digits, 30 fractional ones.
  const std::string long_value = "4" + nines(63) + "." + nines(30);
  CHECK(r(long_value.c_str(), Rounding::floor, -40) == "4" + nines(23) + zeros(40));
  CHECK(r(long_value.c_str(), Rounding::half_even, -63) == "5" + zeros(63));
  CHECK(r(("-" + long_value).c_str(), Rounding::ceil, -63) == "-4" + zeros(63));
  CHECK(r(long_value.c_str(), Rounding::floor, -64) == "0");
  CHECK(outcome([&] { return D(long_value).round(Rounding::ceil, -64); }) == kOverflow);
  CHECK(r(long_value.c_str(), Rounding::half_even, 29) == "5" + zeros(63) + "." + zeros(29));
  CHECK(D("123456789.0123456789012345").round(Rounding::half_up, 4).is_wide() == false);
  CHECK(r("123456789.0123456789012345", Rounding::half_up, 4) == "123456789.0123");
}

TEST_CASE("to_int64 at the limits") {
  CHECK(D(kInt64MaxDigits).to_int64(Rounding::floor) == kInt64Max);
  CHECK(D("-" + kInt64MinDigits).to_int64(Rounding::ceil) == kInt64Min);
  CHECK(D("9223372036854775807.4").to_int64(Rounding::floor) == kInt64Max);
  CHECK(D("9223372036854775807.4").to_int64(Rounding::half_up) == kInt64Max);
  CHECK(D("9223372036854775807.4").to_int64(Rounding::half_even) == kInt64Max);
  CHECK(int_outcome([] { return D("9223372036854775807.4").to_int64(Rounding::ceil); }) ==
        kOverflow);
  CHECK(int_outcome([] { return D("9223372036854775807.5").to_int64(Rounding::half_up); }) ==
        kOverflow);
  CHECK(int_outcome([] { return D("9223372036854775807.5").to_int64(Rounding::half_even); }) ==
        kOverflow);
  CHECK(D("-9223372036854775808.5").to_int64(Rounding::half_even) == kInt64Min);
  CHECK(D("-9223372036854775808.5").to_int64(Rounding::ceil) == kInt64Min);
  CHECK(int_outcome([] { return D("-9223372036854775808.5").to_int64(Rounding::half_up); }) ==
        kOverflow);
  CHECK(int_outcome([] { return D("-9223372036854775808.5").to_int64(Rounding::floor); }) ==
        kOverflow);
  CHECK(int_outcome([] { return D("9223372036854775808").to_int64(Rounding::floor); }) ==
        kOverflow);
  CHECK(int_outcome([] { return D("-9223372036854775809").to_int64(Rounding::ceil); }) ==
        kOverflow);
  CHECK(int_outcome([] { return D("1e40").to_int64(Rounding::ceil); }) == kOverflow);
  CHECK(Decimal::from_parts(kInt64Max, 1).to_int64(Rounding::ceil) == 922337203685477581);
  CHECK(Decimal::from_parts(kInt64Min, 1).to_int64(Rounding::floor) == -922337203685477581);
  CHECK(Decimal::from_parts(kInt64Min, 19).to_int64(Rounding::half_up) == -1);
  CHECK(Decimal::from_parts(kInt64Min, 19).to_int64(Rounding::ceil) == 0);
  CHECK(Decimal::from_parts(kInt64Max, 64).to_int64(Rounding::ceil) == 1);
  CHECK(D("9223372036854775806.999999999999999999999").to_int64(Rounding::ceil) == kInt64Max);
  CHECK(D("0.5" + zeros(40)).to_int64(Rounding::half_even) == 0);
  CHECK(D("1.5" + zeros(40)).to_int64(Rounding::half_even) == 2);
}

TEST_CASE("wide values come back inline when they fit") {
  const Decimal big = D("1234567890123456789012345");  // 25 digits
  CHECK(big.is_wide());
  const Decimal back = big / D("1e20");
  CHECK(back.to_string() == "12345.678901234568");
  CHECK(!back.is_wide());
  CHECK(!(big - big).is_wide());
  CHECK((big - D("1234567890123456789012340")).to_string() == "5");
  CHECK(!(big - D("1234567890123456789012340")).is_wide());
  const Decimal max = D(kInt64MaxDigits);
  CHECK(!max.is_wide());
  const Decimal over = max + D("1");
  CHECK(over.is_wide());
  CHECK(!(over - D("1")).is_wide());
  CHECK((over - D("1")) == max);
  // -(2^63) is the one negation that turns a wide value inline, and back.
  const Decimal min = -over;
  CHECK(min.to_string() == "-" + kInt64MinDigits);
  CHECK(!min.is_wide());
  CHECK((-min).is_wide());
  CHECK(min.abs().is_wide());
  CHECK(min.abs() == over);
  CHECK((min - D("1")).is_wide());
  CHECK(!(min * D("1")).is_wide());
  CHECK((min * D("-1")).is_wide());
  CHECK(!(Decimal::from_parts(kInt64Min, 0) / D("-2")).is_wide());
  CHECK(!(D("1e30") % D("7")).is_wide());
  CHECK(!D("1" + zeros(30) + "e-30").round(Rounding::floor).is_wide());
}

TEST_CASE("comparison and hashing are by value") {
  CHECK(D("12.50") == D("12.5"));
  CHECK(D("12.50").hash() == D("12.5").hash());
  CHECK(std::hash<Decimal>{}(D("12.50")) == std::hash<Decimal>{}(D("12.5")));
  CHECK(D("0") == D("0.000"));
  CHECK(D("-0") == D("0.000"));
  CHECK(D("0").hash() == D("-0.000").hash());
  CHECK(D("12.5") != D("12.51"));
  CHECK(D("12.5") < D("12.51"));
  CHECK(D("-12.5") > D("-12.51"));
  CHECK(D("-1") < D("0"));
  CHECK(D("0") < D("0.0000000000000000000000001"));
  CHECK(D("-0.0000000000000000000000001") < D("0"));
  CHECK(D("1") > D("0.9999999999999999999999999"));
  CHECK(D("-1") < D("-0.9999999999999999999999999"));
  CHECK(D("0.00000000000000000000003") < D("1"));  // scales 23 apart
  CHECK(D("-0.00000000000000000000003") > D("-1"));
  CHECK((D("1") <=> D("1.000")) == std::strong_ordering::equal);
  CHECK((D("1e30") <=> D("999999999999999999999999999999.99")) == std::strong_ordering::greater);
  CHECK((D("-1e30") <=> D("5")) == std::strong_ordering::less);
  CHECK(D("-1e30") < D("-999999999999999999999999999999.99"));
  // Inline values of different scales: scaled to compare when that fits 64 bits, else exactly
  // by the general path. 922337203685477580.7 is (2^63 - 1) / 10: one digit more overflows.
  CHECK(D("500") == D("500.00"));
  CHECK(D("499.99") < D("500"));
  CHECK(D("500") > D("499.99"));
  CHECK((D("-500") <=> D("-500.000000000000000000")) == std::strong_ordering::equal);  // 18 apart
  CHECK(D("1") > D("0.999999999999999999"));                                         // 18 apart
  CHECK(D("1") < D("1.0000000000000000001"));                                        // 19 apart
  CHECK(D("922337203685477580") == D("922337203685477580.0"));
  CHECK(D("922337203685477581") > D("922337203685477580.7"));  // 9223372036854775810 overflows
  CHECK(D("-922337203685477581") < D("-922337203685477580.7"));
  CHECK(D("922337203685477581") != D("922337203685477580.7"));
  CHECK(D("9223372036854775807") > D("0.01"));  // 2^63 - 1 scaled by 100 overflows
  CHECK(D("-9223372036854775808") < D("-0.01"));
  // A wide value with trailing zeros equals, and hashes like, its inline normal form.
  const Decimal wide = D("1000000000000.0000000000");
  CHECK(wide.is_wide());
  const Decimal normal = wide.normalized();
  CHECK(!normal.is_wide());
  CHECK(normal.to_string() == "1000000000000");
  CHECK(wide == normal);
  CHECK(wide == D("1000000000000"));
  CHECK(wide.hash() == normal.hash());
  CHECK(D("-1000000000000.0000000000").hash() == D("-1e12").hash());
  CHECK(D("123456789012345678901234.5").hash() == D("123456789012345678901234.500").hash());
  CHECK(D("123456789012345678901234.5") == D("123456789012345678901234.500"));
  CHECK(D("123456789012345678901234.5") != D("-123456789012345678901234.5"));
  const std::unordered_set<Decimal> set = {D("12.5"), D("12.50"), D("12.500"), wide,   normal,
                                           D("1e12"), D("0"),     D("0.0"),    D("-0")};
  CHECK(set.size() == 3);
}

TEST_CASE("normalized, abs, negation, sign, is_integer") {
  CHECK(D("12.50").normalized().to_string() == "12.5");
  CHECK(D("3.00").normalized().to_string() == "3");
  CHECK(D("0.000").normalized().to_string() == "0");
  CHECK(D("0.000").normalized().scale() == 0);
  CHECK(D("100").normalized().to_string() == "100");
  CHECK(D("-1.10").normalized().to_string() == "-1.1");
  CHECK(D("12345678901234567890.1000").normalized().to_string() == "12345678901234567890.1");
  CHECK(D("-5.5").abs().to_string() == "5.5");
  CHECK(D("5.5").abs().to_string() == "5.5");
  CHECK((-D("5.50")).to_string() == "-5.50");
  CHECK((-D("-1e30")).to_string() == one_then_zeros(30));
  CHECK(D("-1e30").sign() == -1);
  CHECK(D("1e30").sign() == 1);
  CHECK(D("-0.1").sign() == -1);
  CHECK(D("3.00").is_integer());
  CHECK(!D("3.01").is_integer());
  CHECK(D("0.000").is_integer());
  CHECK(D("-12").is_integer());
  CHECK(!Decimal::from_parts(5, 20).is_integer());
  CHECK(!Decimal::from_parts(kInt64Max, 18).is_integer());
  CHECK(Decimal::from_parts(kInt64Min, 0).is_integer());
  CHECK(Decimal::from_parts(-5000, 3).is_integer());
  CHECK(D("1e30").is_integer());
  CHECK(D("1" + zeros(30) + ".000").is_integer());
  CHECK(!(D("1e30") + D("0.5")).is_integer());
}

TEST_CASE("inline values do not allocate") {
  const Decimal a = D("1234.56");
  const Decimal b = D("-7.125");
  const Decimal c = D("0.0000000000000000000000003");  // scale 25, still inline
  const Decimal big = D(kInt64MaxDigits);
  const std::size_t before = allocation_count;
  Decimal r = D("12.50") + D("-3e-2");  // 12.47
  r += a * b;                           // -8783.77000
  r -= b - a;                           // -7542.08500
  r = r / b + a % b;                    // 1058.538245614035 + 1.935
  const Decimal rounded = r.round(Rounding::half_up, 2);
  const Decimal tiny = c * a;
  const Decimal quotient = D("1000000") / D("8");
  const Decimal edge = (big - D("1")) - big + (-big).abs();
  const std::int64_t ints = r.to_int64(Rounding::half_even) + tiny.to_int64(Rounding::ceil) +
                            big.to_int64(Rounding::floor) % 1000;
  const int orders = (a == b) + (c < a) + (tiny == c) + (big > a) + (D("5") == D("5.000")) +
                     (c < big) + (r.normalized() <= r);
  const bool same_hash = D("12.50").hash() == D("12.5").hash() && !rounded.is_wide();
  const std::optional<Decimal> parsed = Decimal::try_parse("-9223372036854775808");
  const std::size_t after = allocation_count;
  CHECK(after - before == 0);
  CHECK(r.to_string() == "1060.473245614035");
  CHECK(rounded.to_string() == "1060.47");
  CHECK(tiny.to_string() == "0.000000000000000000000370368");
  CHECK(quotient.to_string() == "125000");
  CHECK(edge.to_string() == "9223372036854775806");
  CHECK(ints == 1060 + 1 + 807);
  CHECK(orders == 5);
  CHECK(same_hash);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == Decimal(kInt64Min));
  // The wide path does allocate: this check can fail.
  const std::size_t wide_before = allocation_count;
  const Decimal wide = big + big;
  CHECK(allocation_count > wide_before);
  CHECK(wide.is_wide());
}

TEST_CASE("random values against the digit-string oracle") {
  std::mt19937_64 rng(20240611);
  constexpr int kIterations = 3000;
  int wide_seen = 0;
  int overflow_seen = 0;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    const Ref a = random_ref(rng);
    Ref b = random_ref(rng);
    if (uniform(rng, 0, 7) == 0 && a.scale < 64) {  // the same value at another scale
      const int extra = uniform(rng, 1, 64 - a.scale);
      b = make_ref(a.negative, shifted(a.digits, extra), a.scale + extra);
    }
    const std::string ta = text(a);
    const std::string tb = text(b);
    CAPTURE(iteration);
    CAPTURE(ta);
    CAPTURE(tb);
    REQUIRE(outcome([&] { return D(ta); }) == ta);
    REQUIRE(outcome([&] { return D(tb); }) == tb);
    // The same value as coefficient and exponent.
    CHECK(outcome([&] {
            return D((a.negative ? "-" : "") + a.digits + "e-" + std::to_string(a.scale));
          }) == ta);
    const Decimal x = D(ta);
    const Decimal y = D(tb);
    if (x.is_wide()) ++wide_seen;

    CHECK(outcome([&] { return x + y; }) == checked(ref_add(a, b)));
    CHECK(outcome([&] { return x - y; }) == checked(ref_add(a, negated(b))));
    CHECK(outcome([&] { return y - x; }) == checked(ref_add(b, negated(a))));
    const std::string product = expect_mul(a, b);
    if (product == kOverflow) ++overflow_seen;
    CHECK(outcome([&] { return x * y; }) == product);
    CHECK(outcome([&] { return x / y; }) == expect_div(a, b));
    CHECK(outcome([&] { return y / x; }) == expect_div(b, a));
    CHECK(outcome([&] { return x % y; }) == expect_mod(a, b));
    CHECK(outcome([&] { return -x; }) == text(negated(a)));
    CHECK(outcome([&] { return x.abs(); }) == text(make_ref(false, a.digits, a.scale)));
    CHECK(outcome([&] { return x.normalized(); }) == expect_normalized(a));

    const int order = ref_compare(a, b);
    CHECK((x <=> y) == (order <=> 0));
    CHECK((y <=> x) == (0 <=> order));
    CHECK((x == y) == (order == 0));
    if (order == 0) CHECK(x.hash() == y.hash());
    CHECK(x.sign() == (a.digits == "0" ? 0 : (a.negative ? -1 : 1)));

    const Rounding mode = kModes[uniform(rng, 0, 3)];
    CAPTURE(static_cast<int>(mode));
    const int digits = uniform(rng, 0, 3) == 0 ? uniform(rng, -70, -5) : uniform(rng, -4, 66);
    CAPTURE(digits);
    CHECK(outcome([&] { return x.round(mode, digits); }) == checked(ref_round(a, mode, digits)));
    CHECK(int_outcome([&] { return x.to_int64(mode); }) == expect_to_int64(a, mode));
  }
  // The generator reached every path it is meant to.
  CHECK(wide_seen > kIterations / 5);
  CHECK(overflow_seen > 10);
}
