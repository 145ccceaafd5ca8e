#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loyalty/time.hpp"

using loyalty::add;
using loyalty::Date;
using loyalty::days_between;
using loyalty::Duration;
using loyalty::hours_between;
using loyalty::Instant;
using loyalty::is_birthday;
using loyalty::subtract;
using loyalty::TimeError;
using loyalty::UtcOffset;
using loyalty::Weekday;

namespace {

using Unit = Duration::Unit;

constexpr std::int64_t kFirstSecond = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kLastSecond = 253402300799;   // 9999-12-31T23:59:59Z
constexpr std::int64_t kFirstDay = -719162;          // 0001-01-01
constexpr std::int64_t kLastDay = 2932896;           // 9999-12-31

// The name of the ErrorCode of the TimeError that `f` throws; "none" when it returns, "other"
// for any other exception.
template <class F>
std::string thrown(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const TimeError& e) {
    return std::string(loyalty::error_code_name(e.code()));
  } catch (...) {
    return "other";
  }
  return "none";
}

// The message of the TimeError `f` throws, or "" when it throws none.
template <class F>
std::string message_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const TimeError& e) {
    return e.what();
  }
  return "";
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

Instant at(std::string_view text) {
  return Instant::parse(text);
}
Date ymd(int year, int month, int day) {
  return Date::from_ymd(year, month, day);
}
UtcOffset offset(std::string_view text) {
  return UtcOffset::parse(text);
}

// --- An independent, deliberately naive calendar for the randomized checks. ---------------

bool naive_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int naive_month_length(int year, int month) {
  switch (month) {
    case 2: return naive_leap(year) ? 29 : 28;
    case 4:
    case 6:
    case 9:
    case 11: return 30;
    default: return 31;
  }
}

// Days from 1970-01-01 to year-month-day, counted year by year and month by month.
std::int64_t naive_days(int year, int month, int day) {
  std::int64_t n = 0;
  for (int y = 1970; y < year; ++y) n += naive_leap(y) ? 366 : 365;
  for (int y = year; y < 1970; ++y) n -= naive_leap(y) ? 366 : 365;
  for (int m = 1; m < month; ++m) n += naive_month_length(year, m);
  return n + day - 1;
}

struct Ymd {
  int year;
  int month;
  int day;
};

// The inverse of naive_days, by walking whole years and months from 1970-01-01.
Ymd naive_date(std::int64_t days) {
  int year = 1970;
  while (days < 0) {
    --year;
    days += naive_leap(year) ? 366 : 365;
  }
  while (days >= (naive_leap(year) ? 366 : 365)) {
    days -= naive_leap(year) ? 366 : 365;
    ++year;
  }
  int month = 1;
  while (days >= naive_month_length(year, month)) {
    days -= naive_month_length(year, month);
    ++month;
  }
  return {year, month, static_cast<int>(days) + 1};
}

}  // namespace

// ============================================================================================
// Weekday

TEST_CASE("weekday names") {
  CHECK(loyalty::weekday_name(Weekday::mon) == "mon");
  CHECK(loyalty::weekday_name(Weekday::tue) == "tue");
  CHECK(loyalty::weekday_name(Weekday::wed) == "wed");
  CHECK(loyalty::weekday_name(Weekday::thu) == "thu");
  CHECK(loyalty::weekday_name(Weekday::fri) == "fri");
  CHECK(loyalty::weekday_name(Weekday::sat) == "sat");
  CHECK(loyalty::weekday_name(Weekday::sun) == "sun");
  CHECK(static_cast<int>(Weekday::mon) == 1);
  CHECK(static_cast<int>(Weekday::sun) == 7);
}

TEST_CASE("weekday of known dates across centuries") {
  CHECK(ymd(2026, 1, 1).weekday() == Weekday::thu);
  CHECK(ymd(1970, 1, 1).weekday() == Weekday::thu);
  CHECK(ymd(1969, 12, 31).weekday() == Weekday::wed);
  CHECK(ymd(1969, 7, 20).weekday() == Weekday::sun);
  CHECK(ymd(1900, 1, 1).weekday() == Weekday::mon);
  CHECK(ymd(2000, 1, 1).weekday() == Weekday::sat);
  CHECK(ymd(2024, 2, 29).weekday() == Weekday::thu);
  CHECK(ymd(2100, 3, 1).weekday() == Weekday::mon);
  CHECK(ymd(1776, 7, 4).weekday() == Weekday::thu);
  CHECK(ymd(1600, 3, 1).weekday() == Weekday::wed);
  CHECK(ymd(1582, 10, 15).weekday() == Weekday::fri);
  CHECK(ymd(1066, 10, 14).weekday() == Weekday::sun);
  CHECK(ymd(1, 1, 1).weekday() == Weekday::mon);
  CHECK(ymd(9999, 12, 31).weekday() == Weekday::fri);
  // Seven consecutive days cycle through every weekday in order, before and after 1970.
  for (const std::int64_t start : {std::int64_t{-10}, std::int64_t{20454}}) {
    for (int i = 0; i < 7; ++i) {
      const int expected = (static_cast<int>(Date::from_days(start).weekday()) - 1 + i) % 7 + 1;
      CHECK(static_cast<int>(Date::from_days(start + i).weekday()) == expected);
    }
  }
}

// ============================================================================================
// UtcOffset

TEST_CASE("UtcOffset parses Z, +hh:mm, -hh:mm and +hhmm") {
  CHECK(offset("Z").minutes() == 0);
  CHECK(offset("z").minutes() == 0);
  CHECK(offset("+08:00").minutes() == 480);
  CHECK(offset("-05:30").minutes() == -330);
  CHECK(offset("+0800").minutes() == 480);
  CHECK(offset("-0930").minutes() == -570);
  CHECK(offset("+00:00").minutes() == 0);
  CHECK(offset("-00:00").minutes() == 0);
  CHECK(offset("+23:59").minutes() == 1439);
  CHECK(offset("-23:59").minutes() == -1439);
  CHECK(offset("+05:45").seconds() == 20700);
  CHECK(UtcOffset().minutes() == 0);
  CHECK(offset("+08:00") == UtcOffset::from_minutes(480));
  CHECK(offset("-05:30") < offset("Z"));
}

TEST_CASE("UtcOffset prints +hh:mm") {
  CHECK(offset("+08:00").to_string() == "+08:00");
  CHECK(offset("-05:30").to_string() == "-05:30");
  CHECK(offset("Z").to_string() == "+00:00");
  CHECK(offset("+0800").to_string() == "+08:00");
  CHECK(UtcOffset::from_minutes(-1439).to_string() == "-23:59");
  CHECK(UtcOffset::from_minutes(5).to_string() == "+00:05");
  CHECK(UtcOffset::from_minutes(-61).to_string() == "-01:01");
}

TEST_CASE("UtcOffset rejects malformed and out-of-range offsets") {
  CHECK(thrown([] { (void)UtcOffset::from_minutes(1440); }) == "invalid_time");
  CHECK(thrown([] { (void)UtcOffset::from_minutes(-1440); }) == "invalid_time");
  CHECK(thrown([] { (void)UtcOffset::from_minutes(1439); }) == "none");
  CHECK(thrown([] { (void)UtcOffset::from_minutes(INT_MIN); }) == "invalid_time");
  CHECK(thrown([] { (void)UtcOffset::from_minutes(INT_MAX); }) == "invalid_time");
  CHECK(contains(message_of([] { (void)UtcOffset::from_minutes(-1440); }), "-24:00"));
  for (const std::string_view text :
       {"",        "+",       "UTC",    "08:00",  "+8:00",   "+08",     "+08:0",
        "+08:000", "+08::00", "+24:00", "-24:00", "+23:60",  "+08:00x", " +08:00",
        "+08:00 ", "Zulu",    "ZZ",     "+08-00", "+08:00Z", "+0８:00", "+080"}) {
    CAPTURE(text);
    CHECK(thrown([&] { (void)UtcOffset::parse(text); }) == "invalid_time");
  }
  const std::string message = message_of([] { (void)UtcOffset::parse("+24:00"); });
  CHECK(contains(message, "\"+24:00\""));
  CHECK(contains(message, "23:59"));
}

// ============================================================================================
// Date

TEST_CASE("Date parses YYYY-MM-DD") {
  CHECK(Date::parse("1970-01-01").days() == 0);
  CHECK(Date::parse("2026-01-01").days() == 20454);
  CHECK(Date::parse("1969-12-31").days() == -1);
  CHECK(Date::parse("0001-01-01").days() == kFirstDay);
  CHECK(Date::parse("9999-12-31").days() == kLastDay);
  CHECK(Date::parse("2024-02-29").days() == 19782);
  CHECK(Date::parse("2000-02-29") == ymd(2000, 2, 29));
  CHECK(Date::parse("0099-01-05").days() == -683364);
  const Date d = Date::parse("2026-07-15");
  CHECK(d.year() == 2026);
  CHECK(d.month() == 7);
  CHECK(d.day() == 15);
  CHECK(Date().days() == 0);
  CHECK(Date::try_parse("2026-07-15") == d);
  CHECK(Date::parse("2026-01-01") < Date::parse("2026-01-02"));
}

TEST_CASE("Date rejects malformed and impossible dates") {
  for (const std::string_view text : {"2026-02-30",
                                      "2025-02-29",
                                      "1900-02-29",
                                      "2100-02-29",
                                      "2026-04-31",
                                      "2026-06-31",
                                      "2026-09-31",
                                      "2026-11-31",
                                      "2026-01-32",
                                      "2026-01-00",
                                      "2026-00-10",
                                      "2026-13-01",
                                      "2026-1-01",
                                      "2026-01-1",
                                      "26-01-01",
                                      "02026-01-01",
                                      "10000-01-01",
                                      "-001-01-01",
                                      "2026/01/01",
                                      "20260101",
                                      " 2026-01-01",
                                      "2026-01-01 ",
                                      "2026-01-01T00:00:00Z",
                                      "",
                                      "2026-01-0a",
                                      "+026-01-01",
                                      "2026-01-01\n"}) {
    CAPTURE(text);
    CHECK(thrown([&] { (void)Date::parse(text); }) == "invalid_time");
    CHECK_FALSE(Date::try_parse(text).has_value());
  }
  CHECK(thrown([] { (void)Date::parse("0000-01-01"); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Date::parse("0000-12-31"); }) == "time_out_of_range");
  CHECK_FALSE(Date::try_parse("0000-01-01").has_value());

  const std::string message = message_of([] { (void)Date::parse("2026-02-30"); });
  CHECK(contains(message, "\"2026-02-30\""));
  CHECK(contains(message, "February 2026 has 28 days"));
  CHECK(contains(message_of([] { (void)Date::parse("2024-02-30"); }), "February 2024 has 29 days"));
  CHECK(contains(message_of([] { (void)Date::parse("2026-13-01"); }), "month"));
}

TEST_CASE("Date::from_ymd validates the day against the month and leap years") {
  CHECK(ymd(2024, 2, 29).day() == 29);
  CHECK(ymd(2000, 2, 29).month() == 2);
  CHECK(ymd(1600, 2, 29).year() == 1600);
  CHECK(thrown([] { (void)ymd(1900, 2, 29); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(2025, 2, 29); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(2026, 2, 30); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(2026, 0, 1); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(2026, 13, 1); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(2026, 1, 0); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(2026, 1, -5); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(0, 1, 1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(-4, 1, 1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(10000, 1, 1); }) == "time_out_of_range");
  CHECK(contains(message_of([] { (void)ymd(2026, 2, 30); }), "2026-02-30"));
  CHECK(thrown([] { (void)ymd(-4, 2, 30); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(INT_MIN, INT_MIN, INT_MIN); }) == "invalid_time");
  CHECK(thrown([] { (void)ymd(INT_MAX, 12, 31); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(1, 1, 1); }) == "none");
  CHECK(thrown([] { (void)ymd(9999, 12, 31); }) == "none");
}

TEST_CASE("Date::from_days at known days and the range ends") {
  CHECK(Date::from_days(0).to_string() == "1970-01-01");
  CHECK(Date::from_days(-1).to_string() == "1969-12-31");
  CHECK(Date::from_days(-365).to_string() == "1969-01-01");
  CHECK(Date::from_days(-25567).to_string() == "1900-01-01");
  CHECK(Date::from_days(10957).to_string() == "2000-01-01");
  CHECK(Date::from_days(19782).to_string() == "2024-02-29");
  CHECK(Date::from_days(kFirstDay).to_string() == "0001-01-01");
  CHECK(Date::from_days(kLastDay).to_string() == "9999-12-31");
  CHECK(thrown([] { (void)Date::from_days(kFirstDay - 1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Date::from_days(kLastDay + 1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Date::from_days(INT64_MIN); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Date::from_days(INT64_MAX); }) == "time_out_of_range");
}

TEST_CASE("Date prints zero-padded and round-trips") {
  CHECK(ymd(99, 1, 5).to_string() == "0099-01-05");
  CHECK(ymd(1, 1, 1).to_string() == "0001-01-01");
  CHECK(ymd(2026, 12, 9).to_string() == "2026-12-09");
  for (const std::string_view text :
       {"0001-01-01", "0099-01-05", "1600-02-29", "1899-12-31", "1969-12-31", "1970-01-01",
        "2000-02-29", "2026-01-01", "9999-12-31"}) {
    CAPTURE(text);
    CHECK(Date::parse(text).to_string() == text);
  }
}

TEST_CASE("Date::add_months clamps to the month's last day") {
  CHECK(ymd(2026, 1, 31).add_months(1) == ymd(2026, 2, 28));
  CHECK(ymd(2024, 1, 31).add_months(1) == ymd(2024, 2, 29));
  CHECK(ymd(2024, 2, 29).add_months(12) == ymd(2025, 2, 28));
  CHECK(ymd(2024, 2, 29).add_months(48) == ymd(2028, 2, 29));
  CHECK(ymd(2024, 2, 29).add_months(-12) == ymd(2023, 2, 28));
  CHECK(ymd(1900, 1, 31).add_months(1) == ymd(1900, 2, 28));
  CHECK(ymd(2000, 1, 31).add_months(1) == ymd(2000, 2, 29));
  CHECK(ymd(2026, 3, 31).add_months(1) == ymd(2026, 4, 30));
  CHECK(ymd(2026, 3, 31).add_months(-1) == ymd(2026, 2, 28));
  CHECK(ymd(2026, 5, 31).add_months(-1) == ymd(2026, 4, 30));
  CHECK(ymd(2026, 8, 31).add_months(1) == ymd(2026, 9, 30));
  CHECK(ymd(2026, 8, 31).add_months(6) == ymd(2027, 2, 28));
  CHECK(ymd(2026, 10, 31).add_months(1) == ymd(2026, 11, 30));
  CHECK(ymd(2026, 1, 30).add_months(2) == ymd(2026, 3, 30));
  CHECK(ymd(2026, 12, 15).add_months(1) == ymd(2027, 1, 15));
  CHECK(ymd(2026, 1, 15).add_months(-1) == ymd(2025, 12, 15));
  CHECK(ymd(2026, 1, 15).add_months(-13) == ymd(2024, 12, 15));
  CHECK(ymd(2026, 1, 15).add_months(0) == ymd(2026, 1, 15));
  CHECK(ymd(1969, 12, 31).add_months(2) == ymd(1970, 2, 28));
  CHECK(ymd(1, 1, 31).add_months(1) == ymd(1, 2, 28));
  CHECK(ymd(1, 1, 1).add_months(9999 * 12 - 1) == ymd(9999, 12, 1));
  CHECK(ymd(9999, 12, 31).add_months(-(9999 * 12 - 1)) == ymd(1, 1, 31));

  CHECK(thrown([] { (void)ymd(9999, 12, 1).add_months(1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(1, 1, 31).add_months(-1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(2026, 1, 1).add_months(INT64_MAX); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(2026, 1, 1).add_months(INT64_MIN); }) == "time_out_of_range");
}

TEST_CASE("Date::add_days") {
  CHECK(ymd(2026, 2, 28).add_days(1) == ymd(2026, 3, 1));
  CHECK(ymd(2024, 2, 28).add_days(1) == ymd(2024, 2, 29));
  CHECK(ymd(2026, 12, 31).add_days(1) == ymd(2027, 1, 1));
  CHECK(ymd(1970, 1, 1).add_days(-1) == ymd(1969, 12, 31));
  CHECK(ymd(2026, 1, 1).add_days(365) == ymd(2027, 1, 1));
  CHECK(ymd(2024, 1, 1).add_days(365) == ymd(2024, 12, 31));
  CHECK(ymd(9999, 12, 30).add_days(1) == ymd(9999, 12, 31));
  CHECK(thrown([] { (void)ymd(9999, 12, 31).add_days(1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(1, 1, 1).add_days(-1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(2026, 1, 1).add_days(INT64_MAX); }) == "time_out_of_range");
  CHECK(thrown([] { (void)ymd(2026, 1, 1).add_days(INT64_MIN); }) == "time_out_of_range");
}

// ============================================================================================
// Instant

TEST_CASE("Instant parses RFC 3339 with offsets") {
  CHECK(at("2026-01-01T09:00:00Z").seconds() == 1767258000);
  CHECK(at("1970-01-01T00:00:00Z").seconds() == 0);
  CHECK(at("2026-12-01T18:00:00+08:00") == at("2026-12-01T10:00:00Z"));
  CHECK(at("2026-12-01T18:00:00+08:00").seconds() == 1796119200);
  CHECK(at("2026-01-01T09:00:00-05:30") == at("2026-01-01T14:30:00Z"));
  CHECK(at("2026-01-01T01:00:00+02:00") == at("2025-12-31T23:00:00Z"));
  CHECK(at("2026-12-31T22:00:00-03:00") == at("2027-01-01T01:00:00Z"));
  CHECK(at("2026-01-01T09:00:00+00:00") == at("2026-01-01T09:00:00Z"));
  CHECK(at("2026-01-01T09:00:00-00:00") == at("2026-01-01T09:00:00Z"));
  CHECK(at("2026-01-01t09:00:00z") == at("2026-01-01T09:00:00Z"));
  CHECK(at("2026-01-01 09:00:00Z") == at("2026-01-01T09:00:00Z"));
  CHECK(at("2026-01-01 09:00:00+01:00") == at("2026-01-01T08:00:00Z"));
  CHECK(at("1969-07-20T20:17:40Z").seconds() == -14182940);
  CHECK(at("1900-01-01T00:00:00Z").seconds() == -2208988800);
  CHECK(at("2024-02-29T23:59:59Z").seconds() == 1709251199);
  CHECK(Instant().seconds() == 0);
  CHECK(Instant::try_parse("2026-01-01T09:00:00Z") == at("2026-01-01T09:00:00Z"));
}

TEST_CASE("Instant parsing floors fractional seconds") {
  CHECK(at("2026-01-01T09:00:00.123Z") == at("2026-01-01T09:00:00Z"));
  CHECK(at("2026-01-01T09:00:00.999999999Z") == at("2026-01-01T09:00:00Z"));
  CHECK(at("2026-01-01T09:00:00.5+08:00") == at("2026-01-01T01:00:00Z"));
  CHECK(at("2026-01-01T09:00:59.9-05:30").seconds() == at("2026-01-01T14:30:59Z").seconds());
  // Before 1970 the instants are negative: the fraction still goes to the earlier second.
  CHECK(at("1969-12-31T23:59:59.999Z").seconds() == -1);
  CHECK(at("1969-12-31T23:59:59.5-00:30").seconds() == 1799);
  CHECK(at("1969-12-31T23:30:00.7+00:30").seconds() == -3600);
  CHECK(at("9999-12-31T23:59:59.999Z").seconds() == kLastSecond);
}

TEST_CASE("Instant rejects malformed text with invalid_time") {
  for (const std::string_view text : {
           "2026-01-01T09:00:00",         // missing offset
           "2026-01-01T09:00:00.5",       // missing offset after a fraction
           "2026-02-30T09:00:00Z",        // no such day
           "2025-02-29T09:00:00Z",        // not a leap year
           "1900-02-29T09:00:00Z",        // not a leap year
           "2026-13-01T09:00:00Z",        // no such month
           "2026-01-01T24:00:00Z",        // hour 24
           "2026-01-01T23:60:00Z",        // minute 60
           "2026-12-31T23:59:60Z",        // leap second
           "2026-01-01T09:00:00+24:00",   // offset too large
           "2026-01-01T09:00:00-24:00",   // offset too large
           "2026-01-01T09:00:00+08:60",   // offset minutes
           "2026-01-01T09:00:00+0800",    // RFC 3339 offsets need the colon
           "2026-01-01T09:00:00+08",      // offset without minutes
           "2026-01-01T09:00:00Zjunk",    // trailing garbage
           "2026-01-01T09:00:00+08:00 ",  // trailing space
           "2026-01-01T09:00:00ZZ",       // trailing garbage
           "2026-01-01T09:00:00 Z",       // space before the offset
           "2026-01-01T09:00:00.Z",       // empty fraction
           "2026-01-01T09:00:00,5Z",      // comma fraction
           "2026-01-01T09:00Z",           // no seconds
           "2026-01-01T9:00:00Z",         // one-digit hour
           "2026-01-01",                  // a date, not an instant
           "2026-01-01T",                 // no time
           "2026-01-01X09:00:00Z",        // bad separator
           "2026-01-01  09:00:00Z",       // two spaces
           "10000-01-01T00:00:00Z",       // five-digit year
           "-0001-01-01T00:00:00Z",       // negative year
           " 2026-01-01T09:00:00Z",       // leading space
           "",                            //
           "now",                         //
       }) {
    CAPTURE(text);
    CHECK(thrown([&] { (void)Instant::parse(text); }) == "invalid_time");
    CHECK_FALSE(Instant::try_parse(text).has_value());
  }
}

TEST_CASE("Instant error messages quote the text and say what is wrong") {
  const std::string missing = message_of([] { (void)Instant::parse("2026-01-01T09:00:00"); });
  CHECK(contains(missing, "\"2026-01-01T09:00:00\""));
  CHECK(contains(missing, "offset"));
  CHECK(contains(message_of([] { (void)Instant::parse("2026-12-31T23:59:60Z"); }), "leap"));
  CHECK(contains(message_of([] { (void)Instant::parse("2026-01-01T24:00:00Z"); }), "hour"));
  CHECK(contains(message_of([] { (void)Instant::parse("2026-01-01T23:60:00Z"); }), "minute"));
  CHECK(contains(message_of([] { (void)Instant::parse("2025-02-29T00:00:00Z"); }),
                 "February 2025 has 28 days"));
  CHECK(contains(message_of([] { (void)Instant::parse("2026-01-01T09:00:00Z!"); }),
                 "after the offset"));
  // Control characters are escaped and long text is cut short.
  CHECK(contains(message_of([] { (void)Instant::parse("a\"b\n"); }), R"("a\"b\x0a")"));
  const std::string long_text(1000, 'x');
  const std::string message = message_of([&] { (void)Instant::parse(long_text); });
  CHECK(contains(message, "xxx...\""));
  CHECK(message.size() < 200);
}

TEST_CASE("Instant range: years 0001 to 9999 in UTC") {
  CHECK(at("0001-01-01T00:00:00Z").seconds() == kFirstSecond);
  CHECK(at("9999-12-31T23:59:59Z").seconds() == kLastSecond);
  CHECK(at("0001-01-01T08:00:00+08:00").seconds() == kFirstSecond);
  CHECK(at("9999-12-31T18:59:59-05:00").seconds() == kLastSecond);
  for (const std::string_view text :
       {"0000-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "0000-12-31T23:00:00-01:00",
        "0001-01-01T00:00:00+00:01", "0001-01-01T07:59:59+08:00", "9999-12-31T23:59:59-00:01",
        "9999-12-31T20:00:00-05:00"}) {
    CAPTURE(text);
    CHECK(thrown([&] { (void)Instant::parse(text); }) == "time_out_of_range");
    CHECK_FALSE(Instant::try_parse(text).has_value());
  }
  CHECK(Instant::from_seconds(kFirstSecond).to_string() == "0001-01-01T00:00:00Z");
  CHECK(Instant::from_seconds(kLastSecond).to_string() == "9999-12-31T23:59:59Z");
  CHECK(thrown([] { (void)Instant::from_seconds(kFirstSecond - 1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Instant::from_seconds(kLastSecond + 1); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Instant::from_seconds(INT64_MIN); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Instant::from_seconds(INT64_MAX); }) == "time_out_of_range");
}

TEST_CASE("Instant prints RFC 3339, in UTC or at an offset") {
  const Instant t = at("2026-01-01T09:00:00Z");
  CHECK(t.to_string() == "2026-01-01T09:00:00Z");
  CHECK(t.to_string(offset("+08:00")) == "2026-01-01T17:00:00+08:00");
  CHECK(t.to_string(offset("-05:30")) == "2026-01-01T03:30:00-05:30");
  CHECK(t.to_string(offset("-09:30")) == "2025-12-31T23:30:00-09:30");
  CHECK(t.to_string(offset("+00:00")) == "2026-01-01T09:00:00Z");
  CHECK(t.to_string(UtcOffset()) == "2026-01-01T09:00:00Z");
  CHECK(Instant::from_seconds(-1).to_string() == "1969-12-31T23:59:59Z");
  CHECK(Instant::from_seconds(-86400).to_string() == "1969-12-31T00:00:00Z");
  CHECK(Instant::from_seconds(-86401).to_string() == "1969-12-30T23:59:59Z");
  CHECK(Instant::from_seconds(-1).to_string(offset("+00:30")) == "1970-01-01T00:29:59+00:30");
  CHECK(Instant::from_seconds(1709251199).to_string() == "2024-02-29T23:59:59Z");
  CHECK(Instant::from_seconds(kFirstSecond).to_string(offset("+08:00")) ==
        "0001-01-01T08:00:00+08:00");
  // The local date would be year 0 or 10000: not representable.
  CHECK(thrown([] {
          (void)Instant::from_seconds(kFirstSecond).to_string(UtcOffset::from_minutes(-1));
        }) == "time_out_of_range");
  CHECK(thrown([] {
          (void)Instant::from_seconds(kLastSecond).to_string(UtcOffset::from_minutes(1));
        }) == "time_out_of_range");

  for (const std::string_view text :
       {"2026-01-01T09:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "1969-07-20T20:17:40Z", "1899-12-31T23:59:59Z", "2000-02-29T12:34:56Z"}) {
    CAPTURE(text);
    CHECK(at(text).to_string() == text);
  }
  for (const std::string_view text :
       {"2026-01-01T17:00:00+08:00", "2026-01-01T03:30:00-05:30", "1950-06-15T00:00:00+23:59",
        "1950-06-15T00:00:00-23:59", "2026-03-01T00:00:00+05:45"}) {
    CAPTURE(text);
    const UtcOffset zone = offset(text.substr(19));
    CHECK(at(text).to_string(zone) == text);
  }
}

TEST_CASE("Instant::date and hour at an offset") {
  const Instant t = at("2026-01-31T20:00:00Z");
  CHECK(t.date(UtcOffset()) == ymd(2026, 1, 31));
  CHECK(t.hour(UtcOffset()) == 20);
  CHECK(t.date(offset("+08:00")) == ymd(2026, 2, 1));
  CHECK(t.hour(offset("+08:00")) == 4);
  CHECK(t.date(offset("-05:00")) == ymd(2026, 1, 31));
  CHECK(t.hour(offset("-05:00")) == 15);
  CHECK(t.hour(offset("+03:59")) == 23);
  CHECK(t.hour(offset("+04:00")) == 0);
  CHECK(at("2026-01-01T00:30:00Z").date(offset("-01:00")) == ymd(2025, 12, 31));
  CHECK(at("2026-01-01T00:30:00Z").hour(offset("-01:00")) == 23);

  // Before 1970: floor division, not truncation toward zero.
  CHECK(Instant::from_seconds(-1).date(UtcOffset()) == ymd(1969, 12, 31));
  CHECK(Instant::from_seconds(-1).hour(UtcOffset()) == 23);
  CHECK(Instant::from_seconds(-3600).hour(UtcOffset()) == 23);
  CHECK(Instant::from_seconds(-3601).hour(UtcOffset()) == 22);
  CHECK(Instant::from_seconds(-86400).date(UtcOffset()) == ymd(1969, 12, 31));
  CHECK(Instant::from_seconds(-86400).hour(UtcOffset()) == 0);
  CHECK(Instant::from_seconds(-86401).date(UtcOffset()) == ymd(1969, 12, 30));
  CHECK(Instant::from_seconds(-86401).hour(UtcOffset()) == 23);
  CHECK(Instant::from_seconds(0).date(offset("-00:01")) == ymd(1969, 12, 31));
  CHECK(Instant::from_seconds(0).hour(offset("-00:01")) == 23);
  CHECK(at("1900-03-01T02:00:00Z").date(offset("-05:00")) == ymd(1900, 2, 28));
  CHECK(at("1900-03-01T02:00:00Z").hour(offset("-05:00")) == 21);

  // The ends of the range.
  CHECK(Instant::from_seconds(kFirstSecond).date(UtcOffset()) == ymd(1, 1, 1));
  CHECK(Instant::from_seconds(kLastSecond).date(UtcOffset()) == ymd(9999, 12, 31));
  CHECK(Instant::from_seconds(kFirstSecond).hour(offset("-05:00")) == 19);
  CHECK(thrown([] { (void)Instant::from_seconds(kFirstSecond).date(offset("-05:00")); }) ==
        "time_out_of_range");
  CHECK(thrown([] { (void)Instant::from_seconds(kLastSecond).date(offset("+00:01")); }) ==
        "time_out_of_range");
}

TEST_CASE("Instant::start_of is local midnight") {
  CHECK(Instant::start_of(ymd(2026, 1, 1), UtcOffset()) == at("2026-01-01T00:00:00Z"));
  CHECK(Instant::start_of(ymd(2026, 1, 1), offset("+08:00")) == at("2025-12-31T16:00:00Z"));
  CHECK(Instant::start_of(ymd(2026, 1, 1), offset("-05:30")) == at("2026-01-01T05:30:00Z"));
  CHECK(Instant::start_of(ymd(1969, 12, 31), UtcOffset()).seconds() == -86400);
  CHECK(Instant::start_of(ymd(1969, 12, 31), offset("+01:00")).seconds() == -90000);
  CHECK(Instant::start_of(ymd(1, 1, 1), offset("-01:00")).seconds() == kFirstSecond + 3600);
  CHECK(Instant::start_of(ymd(9999, 12, 31), offset("+01:00")) == at("9999-12-30T23:00:00Z"));
  CHECK(thrown([] { (void)Instant::start_of(ymd(1, 1, 1), offset("+01:00")); }) ==
        "time_out_of_range");
  // start_of and date agree: midnight is on the date, a second before is on the previous one.
  for (const std::string_view zone : {"Z", "+08:00", "-05:30", "+23:59", "-23:59"}) {
    CAPTURE(zone);
    const Instant midnight = Instant::start_of(ymd(2026, 3, 1), offset(zone));
    CHECK(midnight.date(offset(zone)) == ymd(2026, 3, 1));
    CHECK(midnight.hour(offset(zone)) == 0);
    CHECK(Instant::from_seconds(midnight.seconds() - 1).date(offset(zone)) == ymd(2026, 2, 28));
  }
}

// ============================================================================================
// Duration

TEST_CASE("Duration parses a count and a unit") {
  CHECK(Duration::parse("90 days") == Duration(90, Unit::days));
  CHECK(Duration::parse("1 month") == Duration(1, Unit::months));
  CHECK(Duration::parse("12 months") == Duration(12, Unit::months));
  CHECK(Duration::parse("1 year") == Duration(1, Unit::years));
  CHECK(Duration::parse("6 hours") == Duration(6, Unit::hours));
  CHECK(Duration::parse("30 minutes") == Duration(30, Unit::minutes));
  // Either form for any count.
  CHECK(Duration::parse("1 days") == Duration(1, Unit::days));
  CHECK(Duration::parse("2 year") == Duration(2, Unit::years));
  CHECK(Duration::parse("1 minute") == Duration(1, Unit::minutes));
  CHECK(Duration::parse("1 hour") == Duration(1, Unit::hours));
  CHECK(Duration::parse("0 days") == Duration(0, Unit::days));
  CHECK(Duration::parse("90   days") == Duration(90, Unit::days));
  CHECK(Duration::parse("007 days") == Duration(7, Unit::days));
  CHECK(Duration() == Duration(0, Unit::minutes));
  CHECK(Duration(3, Unit::days).count() == 3);
  CHECK(Duration(3, Unit::days).unit() == Unit::days);
  CHECK_FALSE(Duration(3, Unit::days) == Duration(3, Unit::months));
  CHECK_FALSE(Duration(3, Unit::days) == Duration(4, Unit::days));
}

TEST_CASE("Duration prints singular for one, plural otherwise") {
  CHECK(Duration(90, Unit::days).to_string() == "90 days");
  CHECK(Duration(1, Unit::months).to_string() == "1 month");
  CHECK(Duration(12, Unit::months).to_string() == "12 months");
  CHECK(Duration(1, Unit::years).to_string() == "1 year");
  CHECK(Duration(2, Unit::years).to_string() == "2 years");
  CHECK(Duration(1, Unit::hours).to_string() == "1 hour");
  CHECK(Duration(6, Unit::hours).to_string() == "6 hours");
  CHECK(Duration(1, Unit::minutes).to_string() == "1 minute");
  CHECK(Duration(30, Unit::minutes).to_string() == "30 minutes");
  CHECK(Duration(1, Unit::days).to_string() == "1 day");
  CHECK(Duration(0, Unit::days).to_string() == "0 days");
  CHECK(Duration::parse("1 days").to_string() == "1 day");
  CHECK(Duration::parse("90   day").to_string() == "90 days");
  for (const std::string_view text : {"90 days", "1 month", "12 months", "1 year", "6 hours",
                                      "30 minutes", "0 minutes", "10000 years"}) {
    CAPTURE(text);
    CHECK(Duration::parse(text).to_string() == text);
  }
}

TEST_CASE("Duration rejects malformed, negative and absurd durations") {
  for (const std::string_view text :
       {"",         "days",    "90",      "90days",    "90 ",    " 90 days", "90 days ",
        "90\tdays", "-5 days", "+5 days", "5 weeks",   "5 Days", "5 DAYS",   "5.5 days",
        "1e3 days", "5 dayss", "5 day s", "five days", "5 mins", "5 min"}) {
    CAPTURE(text);
    CHECK(thrown([&] { (void)Duration::parse(text); }) == "invalid_time");
  }
  CHECK(contains(message_of([] { (void)Duration::parse("5 weeks"); }), "\"5 weeks\""));
  CHECK(contains(message_of([] { (void)Duration::parse("-5 days"); }), "negative"));

  CHECK(thrown([] { (void)Duration(-1, Unit::days); }) == "invalid_time");
  CHECK(thrown([] { (void)Duration(INT64_MIN, Unit::minutes); }) == "invalid_time");
  // Caps: a little more than the whole 0001..9999 range.
  CHECK(thrown([] { (void)Duration(10'000, Unit::years); }) == "none");
  CHECK(thrown([] { (void)Duration(10'001, Unit::years); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Duration(120'000, Unit::months); }) == "none");
  CHECK(thrown([] { (void)Duration(120'001, Unit::months); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Duration(3'660'000, Unit::days); }) == "none");
  CHECK(thrown([] { (void)Duration(3'660'001, Unit::days); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Duration(87'840'000, Unit::hours); }) == "none");
  CHECK(thrown([] { (void)Duration(87'840'001, Unit::hours); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Duration(5'270'400'000, Unit::minutes); }) == "none");
  CHECK(thrown([] { (void)Duration(5'270'400'001, Unit::minutes); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Duration(INT64_MAX, Unit::minutes); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Duration::parse("10001 years"); }) == "time_out_of_range");
  CHECK(thrown([] { (void)Duration::parse("99999999999999999999999999 minutes"); }) ==
        "time_out_of_range");
  CHECK(thrown([] { (void)Duration::parse("99999999999999999999999999 weeks"); }) ==
        "invalid_time");
}

// ============================================================================================
// add / subtract

TEST_CASE("add and subtract fixed-length units ignore the offset") {
  const Instant t = at("2026-01-01T09:00:00Z");
  for (const std::string_view zone : {"Z", "+08:00", "-05:30"}) {
    CAPTURE(zone);
    const UtcOffset z = offset(zone);
    CHECK(add(t, Duration(90, Unit::days), z) == at("2026-04-01T09:00:00Z"));
    CHECK(add(t, Duration(6, Unit::hours), z) == at("2026-01-01T15:00:00Z"));
    CHECK(add(t, Duration(30, Unit::minutes), z) == at("2026-01-01T09:30:00Z"));
    CHECK(add(t, Duration(0, Unit::days), z) == t);
    CHECK(subtract(t, Duration(1, Unit::days), z) == at("2025-12-31T09:00:00Z"));
    CHECK(subtract(t, Duration(10, Unit::hours), z) == at("2025-12-31T23:00:00Z"));
    CHECK(subtract(t, Duration(541, Unit::minutes), z) == at("2025-12-31T23:59:00Z"));
  }
  CHECK(add(at("2024-02-28T12:00:00Z"), Duration(1, Unit::days), UtcOffset()) ==
        at("2024-02-29T12:00:00Z"));
  CHECK(add(at("1969-12-31T23:00:00Z"), Duration(2, Unit::hours), UtcOffset()).seconds() == 3600);
}

TEST_CASE("add months and years: calendar arithmetic with clamping") {
  const UtcOffset utc;
  CHECK(add(at("2026-01-31T10:00:00Z"), Duration(1, Unit::months), utc) ==
        at("2026-02-28T10:00:00Z"));
  CHECK(add(at("2024-01-31T10:00:00Z"), Duration(1, Unit::months), utc) ==
        at("2024-02-29T10:00:00Z"));
  CHECK(add(at("2024-02-29T10:00:00Z"), Duration(1, Unit::years), utc) ==
        at("2025-02-28T10:00:00Z"));
  CHECK(add(at("2024-02-29T10:00:00Z"), Duration(4, Unit::years), utc) ==
        at("2028-02-29T10:00:00Z"));
  CHECK(add(at("2024-02-29T10:00:00Z"), Duration(12, Unit::months), utc) ==
        at("2025-02-28T10:00:00Z"));
  CHECK(add(at("2026-03-31T10:00:00Z"), Duration(1, Unit::months), utc) ==
        at("2026-04-30T10:00:00Z"));
  CHECK(add(at("2026-10-31T23:59:59Z"), Duration(1, Unit::months), utc) ==
        at("2026-11-30T23:59:59Z"));
  CHECK(add(at("2026-12-31T00:00:00Z"), Duration(2, Unit::months), utc) ==
        at("2027-02-28T00:00:00Z"));
  CHECK(add(at("2026-11-15T08:00:00Z"), Duration(14, Unit::months), utc) ==
        at("2028-01-15T08:00:00Z"));
  CHECK(add(at("1899-12-31T06:00:00Z"), Duration(2, Unit::months), utc) ==
        at("1900-02-28T06:00:00Z"));
  CHECK(add(at("1999-12-31T06:00:00Z"), Duration(2, Unit::months), utc) ==
        at("2000-02-29T06:00:00Z"));
  CHECK(subtract(at("2026-03-31T10:00:00Z"), Duration(1, Unit::months), utc) ==
        at("2026-02-28T10:00:00Z"));
  CHECK(subtract(at("2026-01-15T10:00:00Z"), Duration(1, Unit::months), utc) ==
        at("2025-12-15T10:00:00Z"));
  CHECK(subtract(at("2025-02-28T10:00:00Z"), Duration(1, Unit::years), utc) ==
        at("2024-02-28T10:00:00Z"));
  CHECK(subtract(at("2028-02-29T10:00:00Z"), Duration(1, Unit::years), utc) ==
        at("2027-02-28T10:00:00Z"));
  CHECK(subtract(at("1970-01-31T00:00:00Z"), Duration(11, Unit::months), utc) ==
        at("1969-02-28T00:00:00Z"));
}

TEST_CASE("add months follows the local calendar at the offset") {
  const UtcOffset plus8 = offset("+08:00");
  const UtcOffset minus5 = offset("-05:00");
  // 2026-01-31T20:00Z is 2026-02-01T04:00 at +08:00: a month later is 2026-03-01T04:00 local.
  CHECK(add(at("2026-01-31T20:00:00Z"), Duration(1, Unit::months), plus8) ==
        at("2026-02-28T20:00:00Z"));
  CHECK(add(at("2026-01-31T20:00:00Z"), Duration(1, Unit::months), plus8).to_string(plus8) ==
        "2026-03-01T04:00:00+08:00");
  // 2026-02-28T20:00Z is 2026-03-01T04:00 at +08:00 but 2026-02-28 in UTC.
  CHECK(add(at("2026-02-28T20:00:00Z"), Duration(1, Unit::months), plus8) ==
        at("2026-03-31T20:00:00Z"));
  CHECK(add(at("2026-02-28T20:00:00Z"), Duration(1, Unit::months), UtcOffset()) ==
        at("2026-03-28T20:00:00Z"));
  // 2026-01-30T20:00Z is the 31st at +08:00, so it clamps to 28 Feb local; in UTC to the 28th
  // as well, but 8 hours later.
  CHECK(add(at("2026-01-30T20:00:00Z"), Duration(1, Unit::months), plus8) ==
        at("2026-02-27T20:00:00Z"));
  CHECK(add(at("2026-01-30T20:00:00Z"), Duration(1, Unit::months), UtcOffset()) ==
        at("2026-02-28T20:00:00Z"));
  // At -05:00, 2026-04-01T02:00Z is still 31 March: clamps to 30 April local.
  CHECK(add(at("2026-04-01T02:00:00Z"), Duration(1, Unit::months), minus5) ==
        at("2026-05-01T02:00:00Z"));
  CHECK(add(at("2026-04-01T02:00:00Z"), Duration(1, Unit::months), minus5).to_string(minus5) ==
        "2026-04-30T21:00:00-05:00");
  CHECK(add(at("2026-04-01T02:00:00Z"), Duration(1, Unit::months), UtcOffset()) ==
        at("2026-05-01T02:00:00Z"));
  // ... and 2026-03-31T02:00Z is 30 March there: 30 April 21:00 local, where UTC clamps.
  CHECK(add(at("2026-03-31T02:00:00Z"), Duration(1, Unit::months), minus5) ==
        at("2026-05-01T02:00:00Z"));
  CHECK(add(at("2026-03-31T02:00:00Z"), Duration(1, Unit::months), UtcOffset()) ==
        at("2026-04-30T02:00:00Z"));
  // Leap years at an offset: 2024-02-29 local at +08:00 is 2024-02-28T16:00Z onward.
  CHECK(add(at("2024-02-28T17:00:00Z"), Duration(1, Unit::years), plus8) ==
        at("2025-02-27T17:00:00Z"));
  CHECK(add(at("2024-02-28T17:00:00Z"), Duration(1, Unit::years), UtcOffset()) ==
        at("2025-02-28T17:00:00Z"));
  CHECK(subtract(at("2026-03-01T03:00:00Z"), Duration(1, Unit::months), minus5) ==
        at("2026-01-29T03:00:00Z"));  // 28 Feb 22:00 local -> 28 Jan 22:00 local
  CHECK(subtract(at("2026-03-01T03:00:00Z"), Duration(1, Unit::months), UtcOffset()) ==
        at("2026-02-01T03:00:00Z"));
  // 2026-03-30T20:00Z is 31 March at +08:00: a month earlier is 28 February local.
  CHECK(subtract(at("2026-03-30T20:00:00Z"), Duration(1, Unit::months), plus8) ==
        at("2026-02-27T20:00:00Z"));
  CHECK(subtract(at("2026-03-30T20:00:00Z"), Duration(1, Unit::months), UtcOffset()) ==
        at("2026-02-28T20:00:00Z"));
}

TEST_CASE("add and subtract at the ends of the range") {
  const UtcOffset utc;
  const Instant last = Instant::from_seconds(kLastSecond);
  const Instant first = Instant::from_seconds(kFirstSecond);
  CHECK(add(at("9999-12-31T23:58:59Z"), Duration(1, Unit::minutes), utc) == last);
  CHECK(add(at("9999-12-30T23:59:59Z"), Duration(1, Unit::days), utc) == last);
  CHECK(add(at("9999-11-30T23:59:59Z"), Duration(1, Unit::months), utc) ==
        at("9999-12-30T23:59:59Z"));
  CHECK(add(at("0001-06-01T00:00:00Z"), Duration(9998, Unit::years), utc) ==
        at("9999-06-01T00:00:00Z"));
  CHECK(subtract(at("0001-01-01T00:01:00Z"), Duration(1, Unit::minutes), utc) == first);
  CHECK(subtract(at("9999-12-31T00:00:00Z"), Duration(119987, Unit::months), utc) ==
        at("0001-01-31T00:00:00Z"));
  CHECK(thrown([&] { (void)add(last, Duration(1, Unit::minutes), utc); }) == "time_out_of_range");
  CHECK(thrown([&] { (void)add(last, Duration(0, Unit::minutes), utc); }) == "none");
  CHECK(thrown([&] { (void)add(at("9999-12-31T00:00:00Z"), Duration(1, Unit::days), utc); }) ==
        "time_out_of_range");
  CHECK(thrown([&] { (void)add(at("9999-12-15T00:00:00Z"), Duration(1, Unit::months), utc); }) ==
        "time_out_of_range");
  CHECK(thrown([&] { (void)add(first, Duration(10'000, Unit::years), utc); }) ==
        "time_out_of_range");
  CHECK(thrown([&] { (void)add(first, Duration(5'270'400'000, Unit::minutes), utc); }) ==
        "time_out_of_range");
  CHECK(thrown([&] { (void)add(last, Duration(120'000, Unit::months), utc); }) ==
        "time_out_of_range");
  CHECK(thrown([&] { (void)subtract(first, Duration(1, Unit::minutes), utc); }) ==
        "time_out_of_range");
  CHECK(thrown([&] { (void)subtract(first, Duration(1, Unit::years), utc); }) ==
        "time_out_of_range");
  CHECK(thrown([&] { (void)subtract(last, Duration(10'000, Unit::years), utc); }) ==
        "time_out_of_range");
  CHECK(contains(message_of([&] { (void)add(last, Duration(1, Unit::years), utc); }),
                 "9999-12-31T23:59:59Z + 1 year"));
  // Calendar arithmetic on a local date just outside the range is fine when the result is in
  // range: 0001-01-01T02:00Z is 0000-12-31T21:00 at -05:00.
  CHECK(add(at("0001-01-01T02:00:00Z"), Duration(1, Unit::months), offset("-05:00")) ==
        at("0001-02-01T02:00:00Z"));
  CHECK(subtract(at("9999-12-31T22:00:00Z"), Duration(1, Unit::months), offset("+05:00")) ==
        at("9999-11-30T22:00:00Z"));
}

// ============================================================================================
// days_between / hours_between

TEST_CASE("days_between and hours_between round down") {
  const Instant t = at("2026-01-01T09:00:00Z");
  const auto plus = [&](std::int64_t s) { return Instant::from_seconds(t.seconds() + s); };
  CHECK(days_between(t, t) == 0);
  CHECK(days_between(t, plus(86399)) == 0);
  CHECK(days_between(t, plus(86400)) == 1);
  CHECK(days_between(t, plus(3 * 86400 + 5)) == 3);
  CHECK(days_between(t, plus(-1)) == -1);
  CHECK(days_between(t, plus(-86400)) == -1);
  CHECK(days_between(t, plus(-86401)) == -2);
  CHECK(days_between(at("2026-01-01T23:00:00Z"), at("2026-01-02T01:00:00Z")) == 0);
  CHECK(days_between(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")) == 365);
  CHECK(days_between(at("2024-01-01T00:00:00Z"), at("2025-01-01T00:00:00Z")) == 366);
  CHECK(days_between(Instant::from_seconds(kFirstSecond), Instant::from_seconds(kLastSecond)) ==
        kLastDay - kFirstDay);
  CHECK(days_between(Instant::from_seconds(kLastSecond), Instant::from_seconds(kFirstSecond)) ==
        -(kLastDay - kFirstDay) - 1);

  CHECK(hours_between(t, t) == 0);
  CHECK(hours_between(t, plus(3599)) == 0);
  CHECK(hours_between(t, plus(3600)) == 1);
  CHECK(hours_between(t, plus(86400)) == 24);
  CHECK(hours_between(t, plus(-1)) == -1);
  CHECK(hours_between(t, plus(-3600)) == -1);
  CHECK(hours_between(t, plus(-3601)) == -2);
  CHECK(hours_between(at("1969-12-31T23:30:00Z"), at("1970-01-01T00:29:59Z")) == 0);
  CHECK(hours_between(at("1970-01-01T00:29:59Z"), at("1969-12-31T23:30:00Z")) == -1);
}

// ============================================================================================
// is_birthday

TEST_CASE("is_birthday: same month and day") {
  const Date born = ymd(1990, 7, 14);
  CHECK(is_birthday(born, ymd(2026, 7, 14)));
  CHECK(is_birthday(born, ymd(1990, 7, 14)));
  CHECK(is_birthday(born, ymd(2024, 7, 14)));
  CHECK_FALSE(is_birthday(born, ymd(2026, 7, 15)));
  CHECK_FALSE(is_birthday(born, ymd(2026, 7, 13)));
  CHECK_FALSE(is_birthday(born, ymd(2026, 8, 14)));
  CHECK_FALSE(is_birthday(born, ymd(2026, 1, 14)));
  // A 28 February birthday is only ever on the 28th.
  CHECK(is_birthday(ymd(1990, 2, 28), ymd(2024, 2, 28)));
  CHECK(is_birthday(ymd(1990, 2, 28), ymd(2026, 2, 28)));
  CHECK_FALSE(is_birthday(ymd(1990, 2, 28), ymd(2024, 2, 29)));
  CHECK_FALSE(is_birthday(ymd(1990, 2, 28), ymd(2026, 3, 1)));
  CHECK(is_birthday(ymd(2000, 12, 31), ymd(9999, 12, 31)));
  CHECK(is_birthday(ymd(2000, 1, 1), ymd(1, 1, 1)));
}

TEST_CASE("is_birthday: 29 February") {
  const Date leapling = ymd(2000, 2, 29);
  // Leap years: the 29th, not the 28th.
  CHECK(is_birthday(leapling, ymd(2024, 2, 29)));
  CHECK_FALSE(is_birthday(leapling, ymd(2024, 2, 28)));
  CHECK_FALSE(is_birthday(leapling, ymd(2024, 3, 1)));
  CHECK(is_birthday(leapling, ymd(2000, 2, 29)));
  CHECK(is_birthday(leapling, ymd(1600, 2, 29)));
  CHECK_FALSE(is_birthday(leapling, ymd(1600, 2, 28)));
  // Other years: the 28th.
  CHECK(is_birthday(leapling, ymd(2025, 2, 28)));
  CHECK(is_birthday(leapling, ymd(2026, 2, 28)));
  CHECK_FALSE(is_birthday(leapling, ymd(2025, 3, 1)));
  CHECK_FALSE(is_birthday(leapling, ymd(2025, 2, 27)));
  // Century years: 1900 and 2100 are not leap years.
  CHECK(is_birthday(leapling, ymd(1900, 2, 28)));
  CHECK(is_birthday(leapling, ymd(2100, 2, 28)));
  CHECK_FALSE(is_birthday(leapling, ymd(2100, 3, 1)));
}

// ============================================================================================
// Randomized and exhaustive checks against the naive calendar above.

TEST_CASE("every day from 0001-01-01 to 9999-12-31 matches a day-by-day walk") {
  int year = 1;
  int month = 1;
  int day = 1;
  int weekday = 1;  // 0001-01-01 was a Monday
  std::int64_t mismatches = 0;
  for (std::int64_t k = kFirstDay; k <= kLastDay; ++k) {
    const Date d = Date::from_days(k);
    if (d.year() != year || d.month() != month || d.day() != day ||
        static_cast<int>(d.weekday()) != weekday || Date::from_ymd(year, month, day).days() != k) {
      if (++mismatches <= 5) {
        CAPTURE(k);
        CHECK(d.year() == year);
        CHECK(d.month() == month);
        CHECK(d.day() == day);
        CHECK(static_cast<int>(d.weekday()) == weekday);
        CHECK(Date::from_ymd(year, month, day).days() == k);
      }
    }
    weekday = weekday % 7 + 1;
    if (++day > naive_month_length(year, month)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(year == 10000);  // the walk ended exactly one day after 9999-12-31
}

TEST_CASE("random dates: from_ymd, from_days, parse and to_string agree with naive counting") {
  std::mt19937_64 rng(20260101);
  std::uniform_int_distribution<int> years(1, 9999);
  std::uniform_int_distribution<int> months(1, 12);
  std::uniform_int_distribution<std::int64_t> days(kFirstDay, kLastDay);
  for (int i = 0; i < 5000; ++i) {
    const int y = years(rng);
    const int m = months(rng);
    const int d = std::uniform_int_distribution<int>(1, naive_month_length(y, m))(rng);
    CAPTURE(y);
    CAPTURE(m);
    CAPTURE(d);
    const Date date = Date::from_ymd(y, m, d);
    REQUIRE(date.days() == naive_days(y, m, d));
    REQUIRE(Date::parse(date.to_string()) == date);

    const std::int64_t k = days(rng);
    CAPTURE(k);
    const Ymd expected = naive_date(k);
    const Date other = Date::from_days(k);
    REQUIRE(other.year() == expected.year);
    REQUIRE(other.month() == expected.month);
    REQUIRE(other.day() == expected.day);
    REQUIRE(Date::from_ymd(other.year(), other.month(), other.day()).days() == k);
  }
}

TEST_CASE("random Date::add_months against month-by-month stepping") {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> years(1, 9999);
  std::uniform_int_distribution<int> months(1, 12);
  std::uniform_int_distribution<int> steps(-2400, 2400);
  int out_of_range = 0;
  for (int i = 0; i < 5000; ++i) {
    // Bias towards month ends, where clamping happens.
    const int y = i % 10 == 0 ? std::uniform_int_distribution<int>(1, 150)(rng) : years(rng);
    const int m = months(rng);
    const int length = naive_month_length(y, m);
    const int d = i % 2 == 0 ? length : std::uniform_int_distribution<int>(1, length)(rng);
    const int n = steps(rng);
    CAPTURE(y);
    CAPTURE(m);
    CAPTURE(d);
    CAPTURE(n);
    int ty = y;
    int tm = m;
    for (int s = 0; s < n; ++s) {
      if (++tm == 13) {
        tm = 1;
        ++ty;
      }
    }
    for (int s = 0; s > n; --s) {
      if (--tm == 0) {
        tm = 12;
        --ty;
      }
    }
    if (ty < 1 || ty > 9999) {
      ++out_of_range;
      REQUIRE(thrown([&] { (void)ymd(y, m, d).add_months(n); }) == "time_out_of_range");
      continue;
    }
    const int td = std::min(d, naive_month_length(ty, tm));
    REQUIRE(ymd(y, m, d).add_months(n).days() == naive_days(ty, tm, td));
  }
  CHECK(out_of_range > 0);  // the range check was exercised
}

TEST_CASE("random add of months and years at random offsets against std::chrono") {
  using std::chrono::floor;
  using std::chrono::sys_days;
  using std::chrono::sys_seconds;
  using std::chrono::year_month;
  using std::chrono::year_month_day;
  using std::chrono::year_month_day_last;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> instants(-2208988800, 4102444799);  // 1900..2099
  std::uniform_int_distribution<int> offsets(-1439, 1439);
  std::uniform_int_distribution<int> counts(0, 600);
  for (int i = 0; i < 5000; ++i) {
    std::int64_t s = instants(rng);
    if (i % 3 == 0) s = s - s % 86400 + 86400 * 3 - 1;  // near a month end more often
    const int off = i % 4 == 0 ? 0 : offsets(rng);
    const int count = counts(rng);
    const bool years = i % 5 == 0;
    const bool backwards = i % 2 == 1;
    CAPTURE(s);
    CAPTURE(off);
    CAPTURE(count);
    CAPTURE(years);
    CAPTURE(backwards);

    // Expected: std::chrono's calendar on the local time.
    const sys_seconds local{std::chrono::seconds{s + off * 60}};
    const sys_days local_day = floor<std::chrono::days>(local);
    const auto time_of_day = local - local_day;
    const year_month_day start{local_day};
    const int signed_months = (years ? 12 : 1) * (backwards ? -count : count);
    const year_month target =
        year_month{start.year(), start.month()} + std::chrono::months{signed_months};
    const auto last_day =
        year_month_day_last{target.year(), std::chrono::month_day_last{target.month()}}.day();
    const year_month_day landed{target.year(), target.month(),
                                start.day() < last_day ? start.day() : last_day};
    const std::int64_t expected =
        (sys_days{landed} + time_of_day).time_since_epoch().count() - off * 60;

    const Duration duration(count, years ? Unit::years : Unit::months);
    const UtcOffset zone = UtcOffset::from_minutes(off);
    const Instant from = Instant::from_seconds(s);
    const Instant got = backwards ? subtract(from, duration, zone) : add(from, duration, zone);
    REQUIRE(got.seconds() == expected);
    // The local time of day is kept.
    REQUIRE(got.hour(zone) == from.hour(zone));
  }
}

TEST_CASE("random instants round-trip through text at random offsets") {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<std::int64_t> instants(kFirstSecond + 86400, kLastSecond - 86400);
  std::uniform_int_distribution<int> offsets(-1439, 1439);
  for (int i = 0; i < 5000; ++i) {
    const Instant t = Instant::from_seconds(instants(rng));
    const UtcOffset zone = UtcOffset::from_minutes(offsets(rng));
    CAPTURE(t.seconds());
    CAPTURE(zone.minutes());
    REQUIRE(Instant::parse(t.to_string()) == t);
    const std::string local = t.to_string(zone);
    REQUIRE(Instant::parse(local) == t);
    // The local date and hour printed are those date() and hour() give.
    REQUIRE(local.substr(0, 10) == t.date(zone).to_string());
    REQUIRE(std::stoi(local.substr(11, 2)) == t.hour(zone));
    REQUIRE(Instant::start_of(t.date(zone), zone) <= t);
    REQUIRE(days_between(Instant::start_of(t.date(zone), zone), t) == 0);
  }
}
