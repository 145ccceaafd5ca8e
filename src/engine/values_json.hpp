#pragma once
// Run-time values as JSON, for the outbox and for effects (docs/language.md section 20: numbers
// exact, dates "YYYY-MM-DD", times RFC 3339 in UTC, tiers, stages and weekdays by name,
// durations "90 days", none as null).

#include <string>

#include "engine/compiled_program.hpp"
#include "engine/evaluator.hpp"
#include "engine/value.hpp"

namespace loyalty::engine {

/// The value as a JSON value.
std::string value_json(const CompiledProgram& program, const Value& value);

/// The data of an `emit` action as a JSON object, its fields evaluated in `context`.
std::string emit_data(const CompiledProgram& program, const language::Action& action,
                      const CompiledAction& compiled, const EvalContext& context);

}  // namespace loyalty::engine
