#pragma once
/// \file
/// The one exception hierarchy of loyalty. Every error the library raises derives from
/// loyalty::Error and carries a stable ErrorCode, so callers can branch on the kind without
/// parsing messages.

#include <stdexcept>
#include <string>
#include <string_view>

namespace loyalty {

/// A stable identifier for each kind of error. The numeric values never change.
enum class ErrorCode : int {
  invalid_number = 1,    ///< text that is not a decimal number
  number_overflow = 2,   ///< a result beyond Decimal's range or precision
  division_by_zero = 3,  ///< `/` or `%` by zero
  invalid_time = 4,      ///< text that is not a date, time, offset or duration
  time_out_of_range = 5, ///< a date or time outside the years 0001 to 9999
  invalid_event = 6,     ///< an event that is malformed or breaks the program's declarations
  io = 7,                ///< a file that cannot be opened or read
  invalid_rules = 8,     ///< a program of rules that does not load (see RuleError)
  insufficient_points = 9,  ///< a redemption larger than the available balance
  store = 10,            ///< the storage backend failed, or its data is unreadable
};

/// The name of an error code, as used in JSON output ("invalid_number", ...).
std::string_view error_code_name(ErrorCode code) noexcept;

/// Base of every exception the library throws.
class Error : public std::runtime_error {
 public:
  /// An error of kind `code` with a message for people.
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  /// The kind of error.
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

/// Decimal arithmetic failed: a malformed number, an overflow, a division by zero.
class NumberError : public Error {
 public:
  using Error::Error;
};

/// A date, time, offset or duration is malformed or out of range.
class TimeError : public Error {
 public:
  using Error::Error;
};

/// An event is malformed or cannot be processed; the reason is the message.
class EventError : public Error {
 public:
  /// An invalid event with its reason.
  explicit EventError(const std::string& reason) : Error(ErrorCode::invalid_event, reason) {}
};

/// A redemption was refused: the member's available balance is short of it.
class InsufficientPoints : public Error {
 public:
  /// A refused redemption with its reason.
  explicit InsufficientPoints(const std::string& reason)
      : Error(ErrorCode::insufficient_points, reason) {}
};

/// The storage backend failed (a database that cannot be opened, is busy, is of a newer
/// schema, or holds data that cannot be read); the message says which.
class StoreError : public Error {
 public:
  /// A storage failure with its reason.
  explicit StoreError(const std::string& reason) : Error(ErrorCode::store, reason) {}
};

/// A file could not be opened or read.
class IoError : public Error {
 public:
  /// An I/O failure with its reason.
  explicit IoError(const std::string& reason) : Error(ErrorCode::io, reason) {}
};

}  // namespace loyalty
