#include "cli/format.hpp"

#include <fmt/format.h>

namespace loyalty::cli {

std::string grouped(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -static_cast<std::uint64_t>(value)
                                                : static_cast<std::uint64_t>(value));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return value < 0 ? "-" + out : out;
}

std::string per_second(std::uint64_t count, std::chrono::nanoseconds elapsed) {
  // Microseconds keep count * 10^6 inside 64 bits for any count below 1.8 * 10^13.
  auto micros = std::max<std::int64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(), 1);
  return grouped(static_cast<std::int64_t>(count * 1'000'000u / static_cast<std::uint64_t>(micros)));
}

std::string seconds_text(std::chrono::nanoseconds elapsed) {
  auto centis = (elapsed.count() + 5'000'000) / 10'000'000;
  return fmt::format("{}.{:02} s", centis / 100, centis % 100);
}

}  // namespace loyalty::cli
