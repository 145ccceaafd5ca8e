#pragma once
// Event attribute binding: the raw JSON values of an event (FieldValue) converted once, before
// its rules run, to the types its program declares, so that expressions read them by slot.
//
// - A custom event binds the attributes of its `event NAME { ... }` declaration, read from
//   Event::attributes; `enroll` and `profile` bind the `member` section's attributes, read from
//   Event::profile; other events bind nothing.
// - number: a JSON number or a decimal string ("12.50"); string: a string; bool: true or false;
//   date: "YYYY-MM-DD"; time: an RFC 3339 string.
// - An absent attribute is none; for `enroll`, one that is not `optional` is an error. JSON
//   null is none for an `optional` attribute and an error otherwise.
// - Errors are EventError naming the field: "field 'stars': expected a number, got a string
//   'five'".

#include <cstdint>
#include <vector>

#include "engine/value.hpp"
#include "language/checker.hpp"
#include "language/syntax.hpp"
#include "loyalty/event.hpp"

namespace loyalty::engine {

/// The event's declared attributes, indexed as RefKind::event_attribute. Throws EventError.
std::vector<Value> bind_event_attributes(const language::CheckedProgram& program,
                                         const Event& event);

/// As above, into `out` (cleared first; its capacity is reused).
void bind_event_attributes(const language::CheckedProgram& program, const Event& event,
                           std::vector<Value>& out);

/// One attribute's raw value converted to its declared type (the engine uses it for profile
/// updates). Null is none when `decl` is optional, an error otherwise. Throws EventError.
Value bind_attribute(const language::AttributeDecl& decl, const FieldValue& raw);

/// The member attribute at `index` of the `member` section, converted. Throws EventError.
Value bind_member_attribute(const language::CheckedProgram& program, std::uint32_t index,
                            const FieldValue& raw);

}  // namespace loyalty::engine
