#pragma once
/// \file
/// What processing an event gives back: its effects, why each rule fired or did not, and the
/// member's figures after it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/time.hpp"

namespace loyalty {

/// What an effect does.
enum class EffectKind : std::uint8_t {
  award,         ///< a new lot of points
  deduct,        ///< points taken by a `deduct` action
  reverse,       ///< points taken back by a refund
  redeem,        ///< points spent by the host (Engine::redeem)
  adjust,        ///< a manual correction (Engine::adjust)
  expire,        ///< points of a lot that expired (at a tick)
  tag,           ///< a tag added
  untag,         ///< a tag removed
  set,           ///< a member attribute set
  emit,          ///< a message appended to the outbox
  tier_change,   ///< the member moved to another tier
  stage_change,  ///< the member moved to another lifecycle stage
  enroll,        ///< the member was enrolled
};

/// "award", "deduct", ... as used in JSON.
std::string_view effect_kind_name(EffectKind kind) noexcept;

/// One effect of an event, with the rule that made it.
struct Effect {
  EffectKind kind = EffectKind::award;
  std::string rule;            ///< the rule's name; empty for effects no rule made
  std::int64_t points = 0;     ///< signed: what was given or taken (awards positive)
  std::int64_t asked = 0;      ///< signed: what was asked; differs when a budget or clamp cut it
  std::string label;           ///< `as "L"`, the adjust reason
  std::string name;            ///< the tag; the attribute set; the emitted message's name
  std::string value;           ///< set: the new value; emit: its data as a JSON object
  std::string from, to;        ///< tier_change, stage_change: names ("" for none)
  std::optional<Instant> available_at;  ///< award: when the lot becomes usable
  std::optional<Instant> expires_at;    ///< award: when it expires (none: never)
  std::uint32_t depth = 0;     ///< 0 for the event's own rules; n for the n-th chained change

  friend bool operator==(const Effect&, const Effect&) = default;
};

/// Why a rule did or did not fire for an event.
enum class Verdict : std::uint8_t {
  fired,
  condition_false,  ///< its `when` was false
  inactive,         ///< the event's date is outside its `active` range
  limit_reached,    ///< its `limit` was reached
  budget_spent,     ///< its `budget` is spent
  group_taken,      ///< another rule of its `group` fired first
  after_stop,       ///< an earlier rule ran `stop`
};

/// "fired", "condition false", "outside active", "limit reached", "budget spent",
/// "group taken", "after stop".
std::string_view verdict_text(Verdict verdict) noexcept;

/// One rule considered for an event.
struct RuleTrace {
  std::string rule;
  std::uint32_t line = 0;  ///< where the rule starts in its program
  Verdict verdict = Verdict::fired;
  std::uint32_t depth = 0; ///< as Effect::depth
  friend bool operator==(const RuleTrace&, const RuleTrace&) = default;
};

/// What happened to an event.
enum class Status : std::uint8_t {
  applied,    ///< its effects were written
  duplicate,  ///< its id was seen before with the same content: nothing changed
  rejected,   ///< it was refused (see Outcome::reason): nothing changed
};

/// The result of processing (or dry-running) one event.
struct Outcome {
  Status status = Status::applied;
  std::string event;                 ///< the event's id
  std::string member;                ///< the member's id
  std::string reason;                ///< why it was rejected; names the rule and line if one failed
  std::vector<Effect> effects;       ///< in the order they were made
  std::vector<RuleTrace> rules;      ///< every rule considered, in the order tried
  std::int64_t points = 0;           ///< available balance after the event
  std::int64_t pending_points = 0;   ///< pending after the event
  std::string tier;                  ///< after the event ("" for none)
  std::string stage;                 ///< after the event ("" for none)
  std::uint32_t program_version = 0; ///< the program version that processed it

  friend bool operator==(const Outcome&, const Outcome&) = default;
};

}  // namespace loyalty
