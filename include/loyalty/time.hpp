#pragma once
/// \file
/// Instants, dates, fixed UTC offsets and calendar durations.
///
/// Times are UTC instants with second precision. A program's fixed UTC offset decides its
/// days: the date of an instant, its weekday, hour, birthdays, and where a month ends when a
/// duration of months or years is added. Dates and instants cover the years 0001 to 9999;
/// anything outside throws TimeError (code time_out_of_range).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "loyalty/error.hpp"

namespace loyalty {

/// A day of the week, numbered as ISO 8601 does (Monday 1 ... Sunday 7).
enum class Weekday : std::uint8_t { mon = 1, tue, wed, thu, fri, sat, sun };

/// The lower-case three-letter name of a weekday: "mon" ... "sun".
std::string_view weekday_name(Weekday day) noexcept;

/// A fixed offset from UTC, such as +08:00, between -23:59 and +23:59.
class UtcOffset {
 public:
  /// UTC itself.
  constexpr UtcOffset() noexcept = default;
  /// An offset of whole minutes east of UTC; throws TimeError beyond ±23:59.
  static UtcOffset from_minutes(int minutes);
  /// Reads "Z", "+08:00", "-05:30" (also "+0800"). Throws TimeError on anything else.
  static UtcOffset parse(std::string_view text);

  [[nodiscard]] constexpr int minutes() const noexcept { return minutes_; }
  [[nodiscard]] constexpr std::int64_t seconds() const noexcept { return minutes_ * 60LL; }
  /// "+08:00", "-05:30", "+00:00".
  [[nodiscard]] std::string to_string() const;

  friend constexpr auto operator<=>(UtcOffset, UtcOffset) noexcept = default;

 private:
  int minutes_ = 0;
};

/// A calendar date, without a time zone.
class Date {
 public:
  /// 1970-01-01.
  constexpr Date() noexcept = default;
  /// The date `days` after 1970-01-01 (negative: before); throws outside the years 1..9999.
  static Date from_days(std::int64_t days);
  /// The date year-month-day; throws TimeError when it does not exist (2026-02-30).
  static Date from_ymd(int year, int month, int day);
  /// Reads "YYYY-MM-DD". Throws TimeError on anything else.
  static Date parse(std::string_view text);
  /// As parse, but returns nothing instead of throwing.
  static std::optional<Date> try_parse(std::string_view text) noexcept;

  /// Days since 1970-01-01.
  [[nodiscard]] constexpr std::int64_t days() const noexcept { return days_; }
  [[nodiscard]] int year() const noexcept;
  [[nodiscard]] int month() const noexcept;  ///< 1 ..= 12
  [[nodiscard]] int day() const noexcept;    ///< 1 ..= 31
  [[nodiscard]] Weekday weekday() const noexcept;
  /// "YYYY-MM-DD".
  [[nodiscard]] std::string to_string() const;

  /// The same day `months` months later (earlier when negative), or the month's last day
  /// when it has no such day: 2026-01-31 + 1 month = 2026-02-28.
  [[nodiscard]] Date add_months(std::int64_t months) const;
  /// `days` days later (earlier when negative).
  [[nodiscard]] Date add_days(std::int64_t days) const;

  friend constexpr auto operator<=>(Date, Date) noexcept = default;

 private:
  std::int64_t days_ = 0;
};

/// A UTC instant with second precision.
class Instant {
 public:
  /// 1970-01-01T00:00:00Z.
  constexpr Instant() noexcept = default;
  /// The instant `seconds` after 1970-01-01T00:00:00Z; throws outside the years 1..9999.
  static Instant from_seconds(std::int64_t seconds);
  /// Reads RFC 3339: "2026-01-01T09:00:00Z", "2026-01-01T17:00:00+08:00"; `t`, `z` and a
  /// space for `T` are accepted, and fractional seconds are truncated to the second (toward
  /// the earlier one). The offset is required and needs its colon; second 60 (a leap second)
  /// is refused. Throws TimeError: invalid_time on anything else, time_out_of_range when the
  /// year, or the instant in UTC, is outside 0001..9999.
  static Instant parse(std::string_view text);
  /// As parse, but returns nothing instead of throwing.
  static std::optional<Instant> try_parse(std::string_view text) noexcept;
  /// Local midnight starting `date` at `offset`.
  static Instant start_of(Date date, UtcOffset offset);

  /// Seconds since 1970-01-01T00:00:00Z.
  [[nodiscard]] constexpr std::int64_t seconds() const noexcept { return seconds_; }
  /// RFC 3339 in UTC: "2026-01-01T09:00:00Z".
  [[nodiscard]] std::string to_string() const;
  /// RFC 3339 at `offset`: "2026-01-01T17:00:00+08:00" (UTC is written "Z"). Throws TimeError
  /// (time_out_of_range) when the local date is outside the years 0001..9999, as date() does.
  [[nodiscard]] std::string to_string(UtcOffset offset) const;

  /// The calendar date of this instant at `offset`. Throws TimeError (time_out_of_range) when
  /// that date is outside the years 0001..9999, which only instants within a day of the ends of
  /// the range can meet (0001-01-01T00:00:00Z at -05:00 is 0000-12-31 locally).
  [[nodiscard]] Date date(UtcOffset offset) const;
  /// The hour (0 ..= 23) of this instant at `offset`.
  [[nodiscard]] int hour(UtcOffset offset) const noexcept;

  friend constexpr auto operator<=>(Instant, Instant) noexcept = default;

 private:
  constexpr explicit Instant(std::int64_t seconds) noexcept : seconds_(seconds) {}
  std::int64_t seconds_ = 0;
};

/// A length of time in one unit. Minutes, hours and days are fixed lengths (a day is 86,400 s);
/// months and years follow the calendar at a UTC offset, clamping to the month's last day.
class Duration {
 public:
  enum class Unit : std::uint8_t { minutes, hours, days, months, years };

  /// Zero minutes.
  constexpr Duration() noexcept = default;
  /// `count` units; throws TimeError when `count` is negative (invalid_time) or longer than
  /// the whole supported range (time_out_of_range): at most 10,000 years, 120,000 months,
  /// 3,660,000 days, 87,840,000 hours or 5,270,400,000 minutes.
  Duration(std::int64_t count, Unit unit);
  /// Reads "90 days", "1 month", "12 months", "1 year", "6 hours", "30 minutes" (singular or
  /// plural, one or more spaces). Throws TimeError on anything else.
  static Duration parse(std::string_view text);

  [[nodiscard]] constexpr std::int64_t count() const noexcept { return count_; }
  [[nodiscard]] constexpr Unit unit() const noexcept { return unit_; }
  /// "90 days", "1 month".
  [[nodiscard]] std::string to_string() const;

  friend constexpr bool operator==(Duration, Duration) noexcept = default;

 private:
  std::int64_t count_ = 0;
  Unit unit_ = Unit::minutes;
};

/// `start + duration`, with months and years counted on the calendar at `offset`.
/// Throws TimeError when the result leaves the years 1..9999.
Instant add(Instant start, Duration duration, UtcOffset offset);
/// `start - duration`, likewise.
Instant subtract(Instant start, Duration duration, UtcOffset offset);

/// Whole 86,400-second days from `from` to `to`, rounded down (negative when `to` is earlier).
std::int64_t days_between(Instant from, Instant to) noexcept;
/// Whole 3,600-second hours from `from` to `to`, rounded down.
std::int64_t hours_between(Instant from, Instant to) noexcept;

/// True when `today` is the birthday of someone born on `birthday`: same month and day, and a
/// 29 February birthday falls on 28 February in years without one.
bool is_birthday(Date birthday, Date today) noexcept;

}  // namespace loyalty
