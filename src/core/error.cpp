#include "loyalty/error.hpp"

namespace loyalty {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_number: return "invalid_number";
    case ErrorCode::number_overflow: return "number_overflow";
    case ErrorCode::division_by_zero: return "division_by_zero";
    case ErrorCode::invalid_time: return "invalid_time";
    case ErrorCode::time_out_of_range: return "time_out_of_range";
    case ErrorCode::invalid_event: return "invalid_event";
    case ErrorCode::io: return "io";
    case ErrorCode::invalid_rules: return "invalid_rules";
    case ErrorCode::insufficient_points: return "insufficient_points";
    case ErrorCode::store: return "store";
  }
  return "unknown";
}

}  // namespace loyalty
