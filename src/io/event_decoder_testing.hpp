#pragma once
// EventDecoder's two paths one at a time, for the tests that check they agree, without simdjson's
// header: the tests are compiled with other settings for it, and must not see its classes.

#include <string_view>

#include "loyalty/event.hpp"

namespace loyalty::io::testing {

/// The fast path alone: true, with `event`, when `json` is a plain event; false when the general
/// path would have to decide.
bool decode_plain(std::string_view json, Event& event);

/// parse_event without the fast path: the event, or EventError with the reason.
Event parse_general(std::string_view json);

}  // namespace loyalty::io::testing
