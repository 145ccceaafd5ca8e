// Uses the installed library's public API: exact money and the event reader.
#include <loyalty/decimal.hpp>
#include <loyalty/event.hpp>

#include <cstdio>

int main() {
  loyalty::Event e = loyalty::parse_event(
      R"({"id":"o1","type":"purchase","member":"c1","time":"2026-03-01T12:00:00+01:00","amount":"19.99"})");
  loyalty::Decimal points = e.amount * loyalty::Decimal::parse("1.5");
  std::printf("%s %s %s %lld\n", e.id.c_str(), e.time.to_string().c_str(),
              points.to_string().c_str(),
              static_cast<long long>(points.to_int64(loyalty::Rounding::floor)));
  return 0;
}
