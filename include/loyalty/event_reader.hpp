#pragma once
/// \file
/// A streaming reader of JSON Lines event files.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "loyalty/event.hpp"

namespace loyalty {

/// Reads events from a JSON Lines file, one object a line, in constant memory whatever the
/// file's size (a buffer of a few MiB, growing only for a single line longer than that, up to
/// max_line_bytes).
///
/// A line that is not valid JSON, or whose event is malformed (a missing or mistyped field, a
/// bad number or time), is reported with its line number and reason, and reading goes on with
/// the next line. Blank lines are skipped.
///
///     loyalty::EventReader reader("events.jsonl");
///     loyalty::Event event;
///     while (auto status = reader.next(event); status != loyalty::EventReader::Status::end) {
///       if (status == loyalty::EventReader::Status::rejected)
///         std::cerr << "line " << reader.line() << ": " << reader.error() << "\n";
///       else
///         handle(event);
///     }
class EventReader {
 public:
  /// Longest line accepted; a longer one is rejected (and skipped) without being buffered.
  static constexpr std::size_t max_line_bytes = 16u << 20;

  /// What next() found.
  enum class Status : std::uint8_t {
    event,     ///< the next event was read
    rejected,  ///< the next line was rejected: see line(), error() and text()
    end,       ///< no more lines
  };

  /// Reads the file at `path`; "-" reads standard input. Throws IoError when it cannot be
  /// opened.
  explicit EventReader(const std::string& path);
  /// Reads from an open stream, which the caller keeps open and closes.
  explicit EventReader(std::FILE* stream);
  /// Reads events from text in memory (the text is copied).
  static EventReader from_string(std::string_view text);

  EventReader(EventReader&&) noexcept;
  EventReader& operator=(EventReader&&) noexcept;
  ~EventReader();

  /// Reads the next line into `event` (reusing its storage). Throws IoError when the file
  /// cannot be read.
  Status next(Event& event);

  /// The 1-based number of the line next() last returned.
  [[nodiscard]] std::uint64_t line() const noexcept;
  /// Why that line was rejected (valid after Status::rejected).
  [[nodiscard]] const std::string& error() const noexcept;
  /// The text of that line, without its line break (valid until the next call of next(); a
  /// line over max_line_bytes is given as its first 256 bytes).
  [[nodiscard]] std::string_view text() const noexcept;

 private:
  struct Impl;
  explicit EventReader(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loyalty
