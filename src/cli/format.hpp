#pragma once
// Text formatting shared by the commands.

#include <chrono>
#include <cstdint>
#include <string>

namespace loyalty::cli {

/// 1234567 -> "1,234,567".
std::string grouped(std::int64_t value);

/// A rate per second from a count and a duration, in whole units, without binary floating
/// point: "1,612,903".
std::string per_second(std::uint64_t count, std::chrono::nanoseconds elapsed);

/// A duration as seconds with two decimals: "0.62 s".
std::string seconds_text(std::chrono::nanoseconds elapsed);

}  // namespace loyalty::cli
