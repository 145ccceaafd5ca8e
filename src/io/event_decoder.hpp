#pragma once
// Decodes one JSON object into an Event: plain lines with a hand-written scanner, the rest (and
// every error) with simdjson's On-Demand API. Shared by the streaming EventReader and
// parse_event; kept out of the public headers so simdjson never leaks.

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <string>

#include "loyalty/event.hpp"

namespace loyalty::io {

/// The name of a field for an error message: "amount", "items[2].qty", "profile.email".
/// Formatted only when an error is reported, never on the per-event path.
struct FieldName {
  FieldName(std::string_view name) : key(name) {}  // NOLINT: implicit from a plain name
  FieldName(const char* name) : key(name) {}       // NOLINT
  static FieldName item(std::size_t index, std::string_view key) {
    FieldName name(key);
    name.parent = "items";
    name.index = index;
    return name;
  }
  static FieldName of_profile(std::string_view key) {
    FieldName name(key);
    name.parent = "profile";
    return name;
  }
  [[nodiscard]] std::string text() const;

  std::string_view key;
  std::string_view parent;
  std::size_t index = 0;
};

/// The date part of the last plain time read ("2026-01-01T") and its first second: events come
/// in time order, so most lines share it and their time needs no calendar arithmetic.
struct DayCache {
  std::array<char, 11> prefix{};
  std::int64_t start = 0;
  bool valid = false;
};

class EventDecoder {
 public:
  /// Decodes the JSON text [data, data + length) into `event`, reusing its storage. At least
  /// SIMDJSON_PADDING readable bytes must follow the text (`capacity >= length + padding`).
  /// Returns false, with error() set, when the text is not a well-formed event.
  bool decode(const char* data, std::size_t length, std::size_t capacity, Event& event);

  /// decode()'s two paths, one at a time, for the tests that check they agree; both want the
  /// same padding as decode().
  /// The fast path: true when the text is a plain event (see event_decoder.cpp), now in
  /// `event`; false when it is not (whether or not it is valid), error() untouched.
  bool decode_plain(const char* data, std::size_t length, Event& event);
  /// The general path: simdjson On-Demand, for every text.
  bool decode_general(const char* data, std::size_t length, std::size_t capacity, Event& event);

  /// Why the last decode() failed.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  bool fail(std::string reason);
  bool fail_json(simdjson::error_code code);
  bool fail_root(simdjson::ondemand::document& document, simdjson::ondemand::json_type type);

  bool read_string(simdjson::ondemand::value value, const FieldName& name, std::string& out);
  bool read_decimal(simdjson::ondemand::value value, const FieldName& name, Decimal& out);
  bool read_time(simdjson::ondemand::value value, Instant& out);
  bool read_field(simdjson::ondemand::value value, const FieldName& name, FieldValue& out);
  bool read_items(simdjson::ondemand::value value, std::vector<Item>& items);
  bool read_item(simdjson::ondemand::value value, std::size_t index, Item& item);
  bool read_profile(simdjson::ondemand::value value, std::vector<Attribute>& profile);
  bool read_attribute(std::string_view name, simdjson::ondemand::value value,
                      std::vector<Attribute>& attributes);
  bool sort_attributes(std::vector<Attribute>& attributes, std::string_view where);

  simdjson::ondemand::parser parser_;
  std::string error_;
  DayCache day_;
};

}  // namespace loyalty::io
