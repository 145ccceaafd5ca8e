#include "loyalty/time.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

namespace loyalty {
namespace {

constexpr std::int64_t kSecondsPerMinute = 60;
constexpr std::int64_t kSecondsPerHour = 3600;
constexpr std::int64_t kSecondsPerDay = 86400;
constexpr int kMaxOffsetMinutes = 23 * 60 + 59;

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic on the proleptic Gregorian calendar.

// Division rounding toward negative infinity (b > 0): instants before 1970 are negative, and
// their day must be the one *before* the division point, not the one after.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) noexcept {
  return a - floor_div(a, b) * b;
}

constexpr bool is_leap_year(std::int64_t year) noexcept {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

constexpr int days_in_month(std::int64_t year, int month) noexcept {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

struct Civil {
  std::int64_t year;
  int month;
  int day;
};

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a valid y-m-d. The year starts in
// March so that the leap day is the last day of its "year" and month lengths repeat in a
// 153-day pattern.
constexpr std::int64_t days_from_civil(std::int64_t year, int month, int day) noexcept {
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;                          // [0, 399]
  const std::int64_t mp = month > 2 ? month - 3 : month + 9;       // [0, 11]
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;           // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + doe - 719468;
}

// The inverse of days_from_civil.
constexpr Civil civil_from_days(std::int64_t days) noexcept {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

constexpr std::int64_t kMinDay = days_from_civil(1, 1, 1);
constexpr std::int64_t kMaxDay = days_from_civil(9999, 12, 31);
constexpr std::int64_t kMinSecond = kMinDay * kSecondsPerDay;
constexpr std::int64_t kMaxSecond = (kMaxDay + 1) * kSecondsPerDay - 1;

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(kMinDay == -719162);
static_assert(kMaxDay == 2932896);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);
static_assert(civil_from_days(kMinDay).year == 1 && civil_from_days(kMaxDay).year == 9999);

constexpr bool day_in_range(std::int64_t days) noexcept {
  return days >= kMinDay && days <= kMaxDay;
}

constexpr bool second_in_range(std::int64_t seconds) noexcept {
  return seconds >= kMinSecond && seconds <= kMaxSecond;
}

// Moves y-m by `months` (|months| bounded by the callers, so nothing overflows) and clamps the
// day to the length of the month it lands in.
constexpr Civil add_months_clamped(Civil date, std::int64_t months) noexcept {
  const std::int64_t total = date.year * 12 + (date.month - 1) + months;
  const std::int64_t year = floor_div(total, 12);
  const int month = static_cast<int>(floor_mod(total, 12)) + 1;
  return {year, month, std::min(date.day, days_in_month(year, month))};
}

// ---------------------------------------------------------------------------------------------
// Text.

void append_digits(std::string& out, std::int64_t value, int width) {
  std::array<char, 20> buffer{};
  int n = 0;
  do {
    buffer[static_cast<std::size_t>(n++)] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int i = n; i < width; ++i) out += '0';
  while (n > 0) out += buffer[static_cast<std::size_t>(--n)];
}

void append_date(std::string& out, const Civil& c) {
  append_digits(out, c.year, 4);
  out += '-';
  append_digits(out, c.month, 2);
  out += '-';
  append_digits(out, c.day, 2);
}

void append_offset(std::string& out, std::int64_t minutes) {
  out += minutes < 0 ? '-' : '+';
  const std::int64_t magnitude = minutes < 0 ? -minutes : minutes;
  append_digits(out, magnitude / 60, 2);
  out += ':';
  append_digits(out, magnitude % 60, 2);
}

// `text` in quotation marks for an error message: escaped, and cut short when long, so that a
// megabyte of garbage does not become a megabyte of message.
std::string quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::size_t shown = std::min(text.size(), kMaxShown);
  // Do not cut a UTF-8 sequence in half.
  if (shown < text.size()) {
    while (shown > 0 && (static_cast<unsigned char>(text[shown]) & 0xC0U) == 0x80U) --shown;
  }
  std::string out = "\"";
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4U];
      out += kHex[c & 0xFU];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < text.size()) out += "...";
  out += '"';
  return out;
}

std::string_view month_name(int month) noexcept {
  constexpr std::array<std::string_view, 12> kNames = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  return kNames[static_cast<std::size_t>(month - 1)];
}

// Why text or numbers were refused. The parsers report failures this way rather than by
// throwing so that try_parse never pays for an exception or a message.
struct Failure {
  ErrorCode code = ErrorCode::invalid_time;
  std::string_view reason;  // static text; empty means success
  std::int64_t year = 0;    // with `month`, names the month whose day does not exist
  int month = 0;

  explicit operator bool() const noexcept { return !reason.empty(); }
};

constexpr Failure kOk{};

Failure invalid(std::string_view reason) noexcept {
  return {ErrorCode::invalid_time, reason};
}
Failure out_of_range(std::string_view reason) noexcept {
  return {ErrorCode::time_out_of_range, reason};
}

// "<what> <subject>: <reason>", with the month's length when a day does not exist.
[[noreturn]] void fail(std::string_view what, const std::string& subject, const Failure& failure) {
  std::string message(what);
  message += ' ';
  message += subject;
  message += ": ";
  message += failure.reason;
  if (failure.month != 0) {
    message += " (";
    message += month_name(failure.month);
    message += ' ';
    append_digits(message, failure.year, 4);
    message += " has ";
    append_digits(message, days_in_month(failure.year, failure.month), 2);
    message += " days)";
  }
  throw TimeError(failure.code, message);
}

// A day that does not exist is malformed (invalid_time); a well-formed year outside 0001..9999
// is a date loyalty cannot hold (time_out_of_range). Callers check the first before the second.
Failure check_month_day(std::int64_t year, int month, int day) noexcept {
  if (month < 1 || month > 12) return invalid("the month must be 01 to 12");
  if (day < 1 || day > days_in_month(year, month)) {
    Failure failure = invalid("no such day in that month");
    if (year >= 0 && year <= 9999) {
      failure.year = year;
      failure.month = month;
    }
    return failure;
  }
  return kOk;
}

Failure check_year(std::int64_t year) noexcept {
  if (year < 1 || year > 9999) return out_of_range("the year must be 0001 to 9999");
  return kOk;
}

Failure check_ymd(std::int64_t year, int month, int day) noexcept {
  if (Failure failure = check_month_day(year, month, day)) return failure;
  return check_year(year);
}

// A cursor over text. peek() is '\0' at the end; eat() never matches past it.
class Scanner {
 public:
  explicit Scanner(std::string_view text) noexcept : text_(text) {}

  [[nodiscard]] bool done() const noexcept { return pos_ == text_.size(); }
  [[nodiscard]] char peek() const noexcept { return done() ? '\0' : text_[pos_]; }
  [[nodiscard]] std::string_view rest() const noexcept { return text_.substr(pos_); }

  bool eat(char c) noexcept {
    if (done() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  bool eat_digit() noexcept {
    if (!is_digit(peek()) || done()) return false;
    ++pos_;
    return true;
  }

  // Exactly `count` ASCII digits.
  bool digits(int count, int& out) noexcept {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      if (done() || !is_digit(text_[pos_])) return false;
      value = value * 10 + (text_[pos_++] - '0');
    }
    out = value;
    return true;
  }

  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// "+hh:mm" (or "+hhmm" when `colon_optional`) after the sign; "Z" is handled by the callers.
Failure scan_numeric_offset(Scanner& in, bool colon_optional, int& minutes) noexcept {
  const bool negative = in.peek() == '-';
  if (!in.eat('+') && !in.eat('-')) return invalid("expected Z or an offset such as +08:00");
  int hours = 0;
  int mins = 0;
  if (!in.digits(2, hours)) return invalid("expected an offset such as +08:00");
  const bool colon = in.eat(':');
  if ((!colon && !colon_optional) || !in.digits(2, mins)) {
    return invalid("expected an offset such as +08:00");
  }
  if (hours > 23 || mins > 59) return invalid("the offset must be between -23:59 and +23:59");
  minutes = (negative ? -1 : 1) * (hours * 60 + mins);
  return kOk;
}

Failure scan_offset(std::string_view text, int& minutes) noexcept {
  Scanner in(text);
  if (in.eat('Z') || in.eat('z')) {
    minutes = 0;
  } else if (Failure failure = scan_numeric_offset(in, true, minutes)) {
    return failure;
  }
  if (!in.done()) return invalid("unexpected text after the offset");
  return kOk;
}

Failure scan_date(std::string_view text, std::int64_t& days) noexcept {
  Scanner in(text);
  int year = 0;
  int month = 0;
  int day = 0;
  if (!(in.digits(4, year) && in.eat('-') && in.digits(2, month) && in.eat('-') &&
        in.digits(2, day) && in.done())) {
    return invalid("expected a date YYYY-MM-DD");
  }
  if (Failure failure = check_ymd(year, month, day)) return failure;
  days = days_from_civil(year, month, day);
  return kOk;
}

Failure scan_instant(std::string_view text, std::int64_t& seconds) noexcept {
  constexpr std::string_view kShape = "expected YYYY-MM-DDThh:mm:ss followed by Z or an offset";
  Scanner in(text);
  int year = 0;
  int month = 0;
  int day = 0;
  if (!(in.digits(4, year) && in.eat('-') && in.digits(2, month) && in.eat('-') &&
        in.digits(2, day))) {
    return invalid(kShape);
  }
  if (in.done()) return invalid("missing the time of day (write 2026-01-01T00:00:00Z)");
  if (!(in.eat('T') || in.eat('t') || in.eat(' '))) return invalid(kShape);
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!(in.digits(2, hour) && in.eat(':') && in.digits(2, minute) && in.eat(':') &&
        in.digits(2, second))) {
    return invalid(kShape);
  }
  // The fraction is dropped: local seconds are floored, and since offsets are whole minutes
  // that floors the UTC instant as well.
  if (in.eat('.')) {
    if (!in.eat_digit()) return invalid("expected digits after the decimal point");
    while (in.eat_digit()) {
    }
  }
  if (in.done()) return invalid("missing the UTC offset (write Z or an offset such as +08:00)");
  int offset = 0;
  if (in.eat('Z') || in.eat('z')) {
    offset = 0;
  } else if (Failure failure = scan_numeric_offset(in, false, offset)) {
    return failure;
  }
  if (!in.done()) return invalid("unexpected text after the offset");

  if (Failure failure = check_month_day(year, month, day)) return failure;
  if (hour > 23) return invalid("the hour must be 00 to 23");
  if (minute > 59) return invalid("the minute must be 00 to 59");
  if (second > 59) return invalid("the second must be 00 to 59 (leap seconds are not supported)");
  if (Failure failure = check_year(year)) return failure;

  const std::int64_t local = days_from_civil(year, month, day) * kSecondsPerDay +
                             hour * kSecondsPerHour + minute * kSecondsPerMinute + second;
  const std::int64_t utc = local - offset * kSecondsPerMinute;
  if (!second_in_range(utc)) return out_of_range("in UTC it is outside the years 0001 to 9999");
  seconds = utc;
  return kOk;
}

// The largest count of each unit: a little more than the 9,999 years loyalty covers, so that
// any larger duration could never give a result in range, and no arithmetic on a count can
// overflow 64 bits.
constexpr std::int64_t kMaxDurationDays = 3'660'000;
constexpr std::array<std::int64_t, 5> kMaxCount = {
    kMaxDurationDays * 24 * 60,  // minutes
    kMaxDurationDays * 24,       // hours
    kMaxDurationDays,            // days
    10'000 * 12,                 // months
    10'000,                      // years
};

struct UnitName {
  std::string_view singular;
  std::string_view plural;
};

constexpr std::array<UnitName, 5> kUnitNames = {{
    {"minute", "minutes"},
    {"hour", "hours"},
    {"day", "days"},
    {"month", "months"},
    {"year", "years"},
}};

constexpr std::size_t unit_index(Duration::Unit unit) noexcept {
  return static_cast<std::size_t>(unit);
}

Failure check_duration(std::int64_t count, Duration::Unit unit) noexcept {
  if (unit_index(unit) >= kMaxCount.size()) return invalid("unknown unit");
  if (count < 0) return invalid("a duration cannot be negative");
  if (count > kMaxCount[unit_index(unit)]) {
    return out_of_range("the count is larger than the years 0001 to 9999 span");
  }
  return kOk;
}

Failure scan_duration(std::string_view text, std::int64_t& count, Duration::Unit& unit) noexcept {
  constexpr std::string_view kShape = "expected a count and a unit, such as \"90 days\"";
  Scanner in(text);
  if (in.peek() == '-') return invalid("a duration cannot be negative");
  if (!Scanner::is_digit(in.peek())) return invalid(kShape);
  std::int64_t value = 0;
  while (Scanner::is_digit(in.peek())) {
    // Stop accumulating once past every cap (check_duration refuses the value then), so that a
    // long run of digits cannot overflow.
    if (value <= kMaxCount[0]) value = value * 10 + (in.peek() - '0');
    in.eat_digit();
  }
  if (!in.eat(' ')) return invalid(kShape);
  while (in.eat(' ')) {
  }
  const std::string_view word = in.rest();
  for (std::size_t i = 0; i < kUnitNames.size(); ++i) {
    if (word == kUnitNames[i].singular || word == kUnitNames[i].plural) {
      const auto found = static_cast<Duration::Unit>(i);
      if (Failure failure = check_duration(value, found)) return failure;
      count = value;
      unit = found;
      return kOk;
    }
  }
  return invalid("unknown unit (expected minutes, hours, days, months or years)");
}

// `start` moved by `count` units (negative: backwards). |count| is within kMaxCount, so every
// intermediate value stays far from the limits of int64.
Instant shift(Instant start, std::int64_t count, Duration::Unit unit, UtcOffset offset) {
  std::int64_t result = start.seconds();
  switch (unit) {
    case Duration::Unit::minutes: result += count * kSecondsPerMinute; break;
    case Duration::Unit::hours: result += count * kSecondsPerHour; break;
    case Duration::Unit::days: result += count * kSecondsPerDay; break;
    case Duration::Unit::months:
    case Duration::Unit::years: {
      // Calendar arithmetic happens on the local date and time at `offset`. The local date may
      // be a day outside the years 0001..9999 at the very ends of the range; the arithmetic
      // does not mind, and only the result is checked.
      const std::int64_t months = unit == Duration::Unit::years ? count * 12 : count;
      const std::int64_t local = start.seconds() + offset.seconds();
      const std::int64_t local_day = floor_div(local, kSecondsPerDay);
      const std::int64_t time_of_day = local - local_day * kSecondsPerDay;
      const Civil moved = add_months_clamped(civil_from_days(local_day), months);
      result = days_from_civil(moved.year, moved.month, moved.day) * kSecondsPerDay + time_of_day -
               offset.seconds();
      break;
    }
  }
  if (!second_in_range(result)) {
    std::string subject = start.to_string();
    subject += count < 0 ? " - " : " + ";
    subject += Duration(count < 0 ? -count : count, unit).to_string();
    fail("time", subject, out_of_range("the result is outside the years 0001 to 9999"));
  }
  return Instant::from_seconds(result);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Weekday

std::string_view weekday_name(Weekday day) noexcept {
  constexpr std::array<std::string_view, 7> kNames = {"mon", "tue", "wed", "thu",
                                                      "fri", "sat", "sun"};
  const auto index = static_cast<std::size_t>(day) - 1;
  return index < kNames.size() ? kNames[index] : std::string_view("?");
}

// ---------------------------------------------------------------------------------------------
// UtcOffset

UtcOffset UtcOffset::from_minutes(int minutes) {
  if (minutes < -kMaxOffsetMinutes || minutes > kMaxOffsetMinutes) {
    std::string subject;
    append_offset(subject, minutes);
    fail("invalid UTC offset", subject, invalid("the offset must be between -23:59 and +23:59"));
  }
  UtcOffset offset;
  offset.minutes_ = minutes;
  return offset;
}

UtcOffset UtcOffset::parse(std::string_view text) {
  int minutes = 0;
  if (Failure failure = scan_offset(text, minutes))
    fail("invalid UTC offset", quote(text), failure);
  return from_minutes(minutes);
}

std::string UtcOffset::to_string() const {
  std::string out;
  append_offset(out, minutes_);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Date

Date Date::from_days(std::int64_t days) {
  if (!day_in_range(days)) {
    std::string subject = "1970-01-01 ";
    subject += days < 0 ? "- " : "+ ";
    // -days cannot overflow here only when days != INT64_MIN; spell the magnitude unsigned.
    const std::uint64_t magnitude =
        days < 0 ? 0 - static_cast<std::uint64_t>(days) : static_cast<std::uint64_t>(days);
    subject += std::to_string(magnitude);
    subject += " days";
    fail("date", subject, out_of_range("outside the years 0001 to 9999"));
  }
  Date date;
  date.days_ = days;
  return date;
}

Date Date::from_ymd(int year, int month, int day) {
  if (Failure failure = check_ymd(year, month, day)) {
    std::string subject;
    if (year >= 0 && month >= 0 && day >= 0) {
      append_date(subject, Civil{year, month, day});
    } else {
      subject = std::to_string(year) + '/' + std::to_string(month) + '/' + std::to_string(day);
    }
    fail("invalid date", subject, failure);
  }
  return from_days(days_from_civil(year, month, day));
}

Date Date::parse(std::string_view text) {
  std::int64_t days = 0;
  if (Failure failure = scan_date(text, days)) fail("invalid date", quote(text), failure);
  return from_days(days);
}

std::optional<Date> Date::try_parse(std::string_view text) noexcept {
  std::int64_t days = 0;
  if (scan_date(text, days)) return std::nullopt;
  Date date;
  date.days_ = days;
  return date;
}

int Date::year() const noexcept {
  return static_cast<int>(civil_from_days(days_).year);
}
int Date::month() const noexcept {
  return civil_from_days(days_).month;
}
int Date::day() const noexcept {
  return civil_from_days(days_).day;
}

Weekday Date::weekday() const noexcept {
  // 1970-01-01 was a Thursday (ISO 4).
  return static_cast<Weekday>(floor_mod(days_ + 3, 7) + 1);
}

std::string Date::to_string() const {
  std::string out;
  out.reserve(10);
  append_date(out, civil_from_days(days_));
  return out;
}

Date Date::add_months(std::int64_t months) const {
  const Civil start = civil_from_days(days_);
  // Beyond 9,999 years either way the result cannot exist; checking first keeps the month
  // arithmetic far from overflow.
  const bool too_far = months > kMaxCount[unit_index(Duration::Unit::months)] ||
                       months < -kMaxCount[unit_index(Duration::Unit::months)];
  const Civil moved = too_far ? Civil{0, 1, 1} : add_months_clamped(start, months);
  if (too_far || moved.year < 1 || moved.year > 9999) {
    std::string subject = to_string();
    subject += months < 0 ? " - " : " + ";
    const std::uint64_t magnitude =
        months < 0 ? 0 - static_cast<std::uint64_t>(months) : static_cast<std::uint64_t>(months);
    subject += std::to_string(magnitude);
    subject += magnitude == 1 ? " month" : " months";
    fail("date", subject, out_of_range("the result is outside the years 0001 to 9999"));
  }
  return from_days(days_from_civil(moved.year, moved.month, moved.day));
}

Date Date::add_days(std::int64_t days) const {
  // Compare against the distance to the range ends, which cannot overflow.
  if (days < kMinDay - days_ || days > kMaxDay - days_) {
    std::string subject = to_string();
    subject += days < 0 ? " - " : " + ";
    const std::uint64_t magnitude =
        days < 0 ? 0 - static_cast<std::uint64_t>(days) : static_cast<std::uint64_t>(days);
    subject += std::to_string(magnitude);
    subject += magnitude == 1 ? " day" : " days";
    fail("date", subject, out_of_range("the result is outside the years 0001 to 9999"));
  }
  return from_days(days_ + days);
}

// ---------------------------------------------------------------------------------------------
// Instant

Instant Instant::from_seconds(std::int64_t seconds) {
  if (!second_in_range(seconds)) {
    fail("instant", std::to_string(seconds) + " s after 1970-01-01T00:00:00Z",
         out_of_range("outside the years 0001 to 9999"));
  }
  return Instant(seconds);
}

Instant Instant::parse(std::string_view text) {
  std::int64_t seconds = 0;
  if (Failure failure = scan_instant(text, seconds)) fail("invalid time", quote(text), failure);
  return Instant(seconds);
}

std::optional<Instant> Instant::try_parse(std::string_view text) noexcept {
  std::int64_t seconds = 0;
  if (scan_instant(text, seconds)) return std::nullopt;
  return Instant(seconds);
}

Instant Instant::start_of(Date date, UtcOffset offset) {
  const std::int64_t seconds = date.days() * kSecondsPerDay - offset.seconds();
  if (!second_in_range(seconds)) {
    fail("time", "start of " + date.to_string() + " at " + offset.to_string(),
         out_of_range("in UTC it is outside the years 0001 to 9999"));
  }
  return Instant(seconds);
}

std::string Instant::to_string() const {
  return to_string(UtcOffset());
}

std::string Instant::to_string(UtcOffset offset) const {
  const std::int64_t local = seconds_ + offset.seconds();
  const std::int64_t day = floor_div(local, kSecondsPerDay);
  const std::int64_t time_of_day = local - day * kSecondsPerDay;
  if (!day_in_range(day)) {
    fail("time",
         std::to_string(seconds_) + " s after 1970-01-01T00:00:00Z at " + offset.to_string(),
         out_of_range("the local date is outside the years 0001 to 9999"));
  }
  std::string out;
  out.reserve(25);
  append_date(out, civil_from_days(day));
  out += 'T';
  append_digits(out, time_of_day / kSecondsPerHour, 2);
  out += ':';
  append_digits(out, time_of_day / kSecondsPerMinute % 60, 2);
  out += ':';
  append_digits(out, time_of_day % 60, 2);
  if (offset.minutes() == 0) {
    out += 'Z';
  } else {
    append_offset(out, offset.minutes());
  }
  return out;
}

Date Instant::date(UtcOffset offset) const {
  const std::int64_t day = floor_div(seconds_ + offset.seconds(), kSecondsPerDay);
  if (!day_in_range(day)) {
    fail("time", to_string() + " at " + offset.to_string(),
         out_of_range("the local date is outside the years 0001 to 9999"));
  }
  return Date::from_days(day);
}

int Instant::hour(UtcOffset offset) const noexcept {
  return static_cast<int>(floor_mod(seconds_ + offset.seconds(), kSecondsPerDay) / kSecondsPerHour);
}

// ---------------------------------------------------------------------------------------------
// Duration

Duration::Duration(std::int64_t count, Unit unit) : count_(count), unit_(unit) {
  if (Failure failure = check_duration(count, unit)) {
    std::string subject = std::to_string(count);
    if (unit_index(unit) < kUnitNames.size()) {
      subject += ' ';
      subject += kUnitNames[unit_index(unit)].plural;
    }
    fail("invalid duration", subject, failure);
  }
}

Duration Duration::parse(std::string_view text) {
  std::int64_t count = 0;
  Unit unit = Unit::minutes;
  if (Failure failure = scan_duration(text, count, unit)) {
    fail("invalid duration", quote(text), failure);
  }
  return Duration(count, unit);
}

std::string Duration::to_string() const {
  std::string out = std::to_string(count_);
  out += ' ';
  const UnitName& name = kUnitNames[unit_index(unit_)];
  out += count_ == 1 ? name.singular : name.plural;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Free functions

Instant add(Instant start, Duration duration, UtcOffset offset) {
  return shift(start, duration.count(), duration.unit(), offset);
}

Instant subtract(Instant start, Duration duration, UtcOffset offset) {
  return shift(start, -duration.count(), duration.unit(), offset);
}

std::int64_t days_between(Instant from, Instant to) noexcept {
  return floor_div(to.seconds() - from.seconds(), kSecondsPerDay);
}

std::int64_t hours_between(Instant from, Instant to) noexcept {
  return floor_div(to.seconds() - from.seconds(), kSecondsPerHour);
}

bool is_birthday(Date birthday, Date today) noexcept {
  const Civil born = civil_from_days(birthday.days());
  const Civil now = civil_from_days(today.days());
  if (born.month == 2 && born.day == 29 && !is_leap_year(now.year)) {
    return now.month == 2 && now.day == 28;
  }
  return born.month == now.month && born.day == now.day;
}

}  // namespace loyalty
