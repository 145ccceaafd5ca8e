#pragma once
// The built-in vocabulary of the rule language (LANGUAGE.md, "Names" and "Functions"): the
// triggers, the fields of events, members and items, and the functions. The checker resolves
// names against these tables and writes the numbers below into Expr::ref; the engine's compiler
// reads them back. The numbering is part of the contract between the two: append, never
// reorder.
//
//   RefKind::event_builtin    index = EventField  (id 0, time 1, type 2, amount 3, channel 4,
//                                                  items 5, original 6, from 7, to 8)
//   RefKind::event_attribute  index = position of the attribute in the trigger's `event`
//                             declaration; for `enroll` and `profile` rules, position in the
//                             `member` section (those events carry the profile)
//   RefKind::member_builtin   index = MemberField (id 0, enrolled_at 1, tier 2, stage 3,
//                                                  points 4, pending_points 5, earned 6,
//                                                  purchases 7, spend 8, last_purchase_at 9,
//                                                  tags 10)
//   RefKind::member_attribute index = position in the `member` section
//   RefKind::item_field       index = ItemField   (sku 0, category 1, qty 2, price 3)
//   RefKind::tier             index = position in `tiers`, lowest first
//   RefKind::stage            index = position in `lifecycle`
//   RefKind::weekday          index = 1 (mon) ..= 7 (sun), as loyalty::Weekday
//   RefKind::function         index = Function    (see below)

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "language/syntax.hpp"

namespace loyalty::language {

/// What a rule runs on. `custom` is a declared `event` type (CheckedTrigger::custom_event).
enum class TriggerKind : std::uint8_t {
  enroll,
  purchase,
  refund,
  profile,
  tier_changed,
  stage_changed,
  daily,
  custom,
};

/// The trigger words, indexed by TriggerKind (custom has none).
inline constexpr std::array<std::string_view, 7> kTriggerNames = {
    "enroll", "purchase", "refund", "profile", "tier_changed", "stage_changed", "daily"};

/// The built-in fields of events: id, time and type on every event; the rest on some kinds.
enum class EventField : std::uint32_t {
  id,        // string, every event
  time,      // time, every event
  type,      // string, every event
  amount,    // number: purchase, refund
  channel,   // string: purchase
  items,     // list of item: purchase
  original,  // string: refund (the id of the purchase refunded)
  from,      // tier (tier_changed) or stage (stage_changed)
  to,        // likewise
};

struct BuiltinField {
  std::string_view name;
  Type type;  // for from/to: TypeKind::unknown here; tier or stage by trigger
};

inline constexpr std::array<BuiltinField, 9> kEventFields = {{
    {"id", {TypeKind::string}},
    {"time", {TypeKind::time}},
    {"type", {TypeKind::string}},
    {"amount", {TypeKind::number}},
    {"channel", {TypeKind::string}},
    {"items", {TypeKind::list, TypeKind::item}},
    {"original", {TypeKind::string}},
    {"from", {TypeKind::unknown}},
    {"to", {TypeKind::unknown}},
}};

/// True when events of trigger `kind` carry built-in field `field`.
constexpr bool event_has_field(TriggerKind kind, EventField field) noexcept {
  switch (field) {
    case EventField::id:
    case EventField::time:
    case EventField::type: return true;
    case EventField::amount: return kind == TriggerKind::purchase || kind == TriggerKind::refund;
    case EventField::channel:
    case EventField::items: return kind == TriggerKind::purchase;
    case EventField::original: return kind == TriggerKind::refund;
    case EventField::from:
    case EventField::to:
      return kind == TriggerKind::tier_changed || kind == TriggerKind::stage_changed;
  }
  return false;
}

/// The built-in fields of a member, beside the attributes its program declares.
enum class MemberField : std::uint32_t {
  id,                // string
  enrolled_at,       // time
  tier,              // tier (none without tiers, or below the lowest threshold)
  stage,             // stage (none without lifecycle, or when no stage matches)
  points,            // number: the available balance
  pending_points,    // number
  earned,            // number: all points ever awarded, less reversals
  purchases,         // number: the count of purchases
  spend,             // number: net lifetime spend
  last_purchase_at,  // time, none before the first purchase
  tags,              // tags
};

inline constexpr std::array<BuiltinField, 11> kMemberFields = {{
    {"id", {TypeKind::string}},
    {"enrolled_at", {TypeKind::time}},
    {"tier", {TypeKind::tier}},
    {"stage", {TypeKind::stage}},
    {"points", {TypeKind::number}},
    {"pending_points", {TypeKind::number}},
    {"earned", {TypeKind::number}},
    {"purchases", {TypeKind::number}},
    {"spend", {TypeKind::number}},
    {"last_purchase_at", {TypeKind::time}},
    {"tags", {TypeKind::tags}},
}};

/// The fields of an element of event.items.
enum class ItemField : std::uint32_t { sku, category, qty, price };

inline constexpr std::array<BuiltinField, 4> kItemFields = {{
    {"sku", {TypeKind::string}},
    {"category", {TypeKind::string}},
    {"qty", {TypeKind::number}},
    {"price", {TypeKind::number}},
}};

/// The built-in functions. Argument types (checked by the checker):
///   floor(n) ceil(n) abs(n) -> number; round(n [, digits]) -> number (half away from zero)
///   min(n, n) max(n, n) -> number
///   days_since(t) hours_since(t) -> number      t: time or date (a date is its local midnight)
///   date(t) -> date; weekday(t) -> weekday; day(t) month(t) year(t) -> number   t: time or date
///   hour(t) -> number                           t: time
///   is_birthday(d) -> bool                      d: date
///   lower(s) upper(s) -> string; contains(s, part) starts_with(s, part) -> bool
///   has(x) -> bool                              x: anything
///   count(event.items [where C]) -> number; any/all(event.items where C) -> bool
///   sum(event.items, x [where C]) -> number     x and C are evaluated per item
///   spend(D) purchases(D) earned(D) -> number   D: duration
enum class Function : std::uint32_t {
  floor,
  ceil,
  round,
  min,
  max,
  abs,
  days_since,
  hours_since,
  date,
  weekday,
  hour,
  day,
  month,
  year,
  is_birthday,
  lower,
  upper,
  contains,
  starts_with,
  has,
  count,
  any,
  all,
  sum,
  spend,
  purchases,
  earned,
};

inline constexpr std::array<std::string_view, 27> kFunctionNames = {
    "floor",       "ceil",  "round",   "min",      "max",         "abs",   "days_since",
    "hours_since", "date",  "weekday", "hour",     "day",         "month", "year",
    "is_birthday", "lower", "upper",   "contains", "starts_with", "has",   "count",
    "any",         "all",   "sum",     "spend",    "purchases",   "earned"};

/// The weekday names, index 0 = mon (RefKind::weekday uses index + 1).
inline constexpr std::array<std::string_view, 7> kWeekdayNames = {"mon", "tue", "wed", "thu",
                                                                  "fri", "sat", "sun"};

/// Words that no rule, tier, stage, attribute, event type or emit key may be.
inline constexpr std::array<std::string_view, 14> kReservedWords = {
    "and", "or",  "not", "in",  "true", "false", "none",
    "mon", "tue", "wed", "thu", "fri",  "sat",   "sun"};

/// The position of `name` in `table`, if it is there.
template <std::size_t N>
constexpr std::optional<std::uint32_t> find_name(const std::array<std::string_view, N>& table,
                                                 std::string_view name) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (table[i] == name) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

template <std::size_t N>
constexpr std::optional<std::uint32_t> find_field(const std::array<BuiltinField, N>& table,
                                                  std::string_view name) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (table[i].name == name) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

}  // namespace loyalty::language
