#pragma once
// Syntax tree to checked program: names resolved, a type for every expression, every load-time
// error of LANGUAGE.md ("Diagnostics") reported, without cascades.
//
// What the checker fills in, for the engine's compiler:
// - in the tree: every Expr's `type` and `ref` (numbering in builtins.hpp), the value of every
//   number, date, time and duration literal (Expr::number, date, time, duration; a duration's
//   count also in Expr::number), and AttributeDecl::resolved/pii/optional;
// - beside it, plain data: the settings with their defaults, tier thresholds, and for every
//   rule its resolved trigger, options and award details (CheckedRule, parallel to
//   tree.rules).
//
// Decisions where LANGUAGE.md is silent (documented in docs/language.md):
// - Tier thresholds are number literals, strictly increasing in the order written (lowest
//   first); a member whose metric is below the first threshold has no tier (none).
// - `lifecycle` needs no `otherwise`: a member matching no stage has no stage (none). An
//   `otherwise` stage must be the last one.
// - Actions after `stop` in the same rule still run; `stop` only keeps later rules from running.
// - Comparing with the literal `none` is an error (it is never true): use has(x).
// - days_since, hours_since, date, weekday, day, month and year accept a date as well as a
//   time (a date stands for its local midnight); hour needs a time, is_birthday a date.
// - A lot that could expire before it is usable is an error where the wait and the life are
//   both known at load time (a month counts as 28 to 31 days, a year as 365 or 366).
// - `pii` is for member attributes only; custom event attributes may be `optional`.
// - Member attributes may not reuse a built-in member field name, nor `time` or `type`
//   (event.time and event.type of enroll and profile rules); custom event attributes may not
//   be called id, time, type or member (the keys of every event).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "language/builtins.hpp"
#include "language/diagnostics.hpp"
#include "language/syntax.hpp"
#include "loyalty/decimal.hpp"
#include "loyalty/time.hpp"

namespace loyalty::language {

enum class UnknownMember : std::uint8_t { reject, enroll };
enum class NegativeBalance : std::uint8_t { allow, clamp };

/// The program's settings, with the defaults of LANGUAGE.md for those left out.
struct Settings {
  UtcOffset timezone;                                // +00:00
  std::optional<Duration> points_expire;             // nullopt: never
  Duration points_pending{0, Duration::Unit::days};  // 0 days
  Rounding rounding = Rounding::floor;
  UnknownMember unknown_member = UnknownMember::reject;
  NegativeBalance negative_balance = NegativeBalance::allow;
};

/// What a rule runs on.
struct CheckedTrigger {
  TriggerKind kind = TriggerKind::purchase;
  std::uint32_t custom_event = 0;   // kind == custom: index into tree.events
  std::optional<std::uint32_t> to;  // tier_changed/stage_changed `to X`: the tier or stage index
};

/// `limit N per member [per D]`.
struct RuleLimit {
  std::int64_t count = 0;          // at least 1
  std::optional<Duration> window;  // nullopt: over all time
};

/// One action, beside its syntax (parallel to RuleDecl::actions).
struct CheckedAction {
  // award: the program defaults applied.
  Duration pending;                       // `pending D`, else settings.points_pending
  ExpiryKind expiry = ExpiryKind::never;  // in, on or never (never program_default)
  Duration expires_in;                    // expiry == in: `expiring in D` or points_expire
  Date expires_on;                        // expiry == on
  // award, deduct: `as "L"`, or empty.
  std::string label;
  // set: the attribute's index in tree.member_attributes.
  std::uint32_t attribute = 0;
};

/// One rule's trigger and options, beside its syntax (parallel to tree.rules).
struct CheckedRule {
  CheckedTrigger trigger;
  std::optional<Date> active_from;  // both or neither
  std::optional<Date> active_to;
  std::optional<RuleLimit> limit;
  std::optional<std::int64_t> budget;  // points, at least 1
  std::string group;                   // empty: no group
  std::int64_t priority = 0;
  std::vector<CheckedAction> actions;
};

/// A checked program: the syntax tree with every expression's type and ref filled in, and
/// what the declarations mean. Meaningful only when checking reported no diagnostic.
struct CheckedProgram {
  std::string file;
  std::string text;  // the source, exactly as given
  std::string name;  // program "..."
  Settings settings;
  SyntaxTree tree;
  /// The threshold of each tier (parallel to tree.tiers->tiers), strictly increasing.
  std::vector<Decimal> tier_thresholds;
  /// `keep D` of the tiers section, if given.
  std::optional<Duration> tier_keep;
  /// Parallel to tree.rules.
  std::vector<CheckedRule> rules;
  /// Indices into `rules` in the order they are tried: priority high to low, then file order.
  std::vector<std::uint32_t> rule_order;
};

/// Checks `tree` (taking it over), reporting every problem to `diagnostics`.
CheckedProgram check(SyntaxTree tree, const SourceFile& source, Diagnostics& diagnostics);

}  // namespace loyalty::language
