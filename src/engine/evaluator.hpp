#pragma once
// Evaluation of compiled expressions (expression.hpp) against an event and a member, with the
// semantics of LANGUAGE.md and docs/language.md section 20:
// - numbers are exact Decimals; `/` rounds half-even to 12 digits; a division by zero, an
//   overflow or a date out of range raises EvalError (the engine adds the rule and line);
// - `none` propagates through arithmetic and functions; any comparison with `none` is false
//   (`==`, `!=`, `in` and `not in` alike); `and`, `or`, `not` and conditions count `none` as
//   false;
// - strings order by bytes; dates, times, tiers, stages and weekdays by their order;
// - windows spend(D), purchases(D), earned(D) sum MemberState::history over (now - D, now].
// Evaluation allocates nothing for the common shapes (loads, comparisons, arithmetic on
// 64-bit decimals, item functions); only strings built by lower()/upper() beyond the inline
// buffer and the Values returned by evaluate() may.

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/expression.hpp"
#include "engine/member.hpp"
#include "engine/value.hpp"
#include "language/checker.hpp"
#include "loyalty/decimal.hpp"
#include "loyalty/error.hpp"
#include "loyalty/event.hpp"
#include "loyalty/time.hpp"

namespace loyalty::engine {

/// An expression failed at run time: division by zero, overflow, a time out of range. code()
/// is division_by_zero, number_overflow, time_out_of_range or invalid_number; the message says
/// what happened (the engine prefixes the rule's name and line).
class EvalError : public Error {
 public:
  using Error::Error;
};

/// What an expression reads. Every pointer may be null: the fields it would give are `none`
/// (tiers and lifecycle have no event; a context without a member has no member fields).
struct EvalContext {
  /// The program (tier and stage names, for diagnostics); optional.
  const language::CheckedProgram* program = nullptr;
  /// The event. For `daily` rules the engine passes an Event whose id is "daily:" + the
  /// tick's date, type "daily" and time the tick's time; for tier_changed/stage_changed, the
  /// causing event's id and time.
  const Event* event = nullptr;
  /// The event's declared attributes, bound by bind_event_attributes (binding.hpp), indexed as
  /// RefKind::event_attribute.
  const std::vector<Value>* attributes = nullptr;
  /// The member as the rule sees it.
  const MemberState* member = nullptr;
  /// The event's time: windows, days_since, is_birthday, member.points count from it.
  Instant now;
  /// The program's time zone.
  UtcOffset timezone;
  /// tier_changed / stage_changed: event.from and event.to (tier or stage indices).
  std::optional<std::uint32_t> from;
  std::optional<std::uint32_t> to;
};

/// The value of expression `id` (none when it is none). Throws EvalError.
Value evaluate(const ExpressionPool& pool, ExprId id, const EvalContext& context);

/// Whether condition `id` holds: none and false are both false. Throws EvalError.
bool holds(const ExpressionPool& pool, ExprId id, const EvalContext& context);

/// The value of number expression `id` without building a Value (nullopt: none). Throws
/// EvalError.
std::optional<Decimal> evaluate_number(const ExpressionPool& pool, ExprId id,
                                       const EvalContext& context);

}  // namespace loyalty::engine
