#pragma once
// Values crossing between Python and the library: exact decimals (decimal.Decimal), UTC
// instants (aware datetime), JSON text, and events given as dicts. Every function here needs
// the GIL.

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <string_view>

#include "loyalty/decimal.hpp"
#include "loyalty/time.hpp"

namespace loyalty::python {

namespace py = pybind11;

/// Imports what the conversions use (datetime's C API, decimal, json, collections.abc). Called
/// once, when the module is imported.
void init_conversions();

/// The exact value as a decimal.Decimal.
py::object to_python(const Decimal& value);
/// The instant as an aware datetime in UTC.
py::object to_python(Instant instant);
/// The instant as an aware datetime in UTC, or None.
py::object to_python(const std::optional<Instant>& instant);
/// The text as a str, or None when it is empty (the library's "none": no tier, no rule).
py::object str_or_none(const std::string& text);
/// JSON text as Python values: objects as dicts, numbers with a fraction or an exponent as
/// decimal.Decimal (never a binary fraction), whole numbers as int.
py::object from_json(std::string_view json);

/// The current time, to the second.
Instant now();
/// An aware datetime, or an RFC 3339 str, as an instant (fractional seconds are truncated
/// toward the earlier second, as Instant::parse does). Throws TimeError for a str that is not
/// a time, and py::type_error for a naive datetime or any other value.
Instant to_instant(py::handle time);
/// As to_instant, with None meaning now.
Instant to_instant_or_now(py::handle time);

/// Appends `event` (a mapping laid out as one event of the JSON Lines format) to `out` as one
/// line of JSON text without its line break, for loyalty::parse_event or an EventReader to
/// read, so that dicts are validated exactly as files are. str, int, bool, None,
/// decimal.Decimal, datetime (aware), date, mappings and lists/tuples are accepted; numbers
/// cross as their exact decimal text. Throws EventError naming the key of any other value, a
/// naive datetime, or a non-str key, and py::type_error when `event` is not a mapping.
void append_event_json(std::string& out, py::handle event);

/// The event's "id" when it is a str, else "": to name an event that failed to convert.
std::string event_id_of(py::handle event);

}  // namespace loyalty::python
