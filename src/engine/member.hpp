#pragma once
// A member's whole state as the engine reads and changes it: what rules see as `member`, the
// history behind the window functions, rule usage for limits, and the points ledger.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/ledger.hpp"
#include "engine/value.hpp"
#include "loyalty/decimal.hpp"
#include "loyalty/event.hpp"
#include "loyalty/time.hpp"

namespace loyalty::engine {

/// What one event changed in the figures the window functions read (spend(D), purchases(D),
/// earned(D)), dated at the event.
struct HistoryPoint {
  Instant time;
  Decimal spend;              // purchase amount, or minus a refund's amount
  std::int64_t purchases = 0; // 1 for a purchase
  std::int64_t earned = 0;    // awarded points, less reversals as asked
};

/// The times a rule fired for this member, for `limit N per member [per D]`.
struct RuleUse {
  std::string rule;                 // the rule's name: a new program version keeps its usage
  std::vector<Instant> fired_at;    // ascending; trimmed to the limit's window
};

/// A member's profile: its declared attributes and the profile keys the program does not
/// declare. Enroll and profile events, `set` actions and a program change write it; most events
/// only read it, so a store's transaction keeps it aside for a rollback only once told it is
/// about to change (Transaction::will_change_profile).
struct MemberProfile {
  /// Declared attributes by their index in the `member` section (none when absent).
  std::vector<Value> attributes;
  /// Profile keys the program does not declare, kept as given (sorted by name).
  std::vector<Attribute> extra_profile;
};

/// A member's standing: everything about it but its id, its profile and its points. What a
/// store's transaction copies aside for every member it changes, to put back on rollback (the
/// id never changes, and the ledger journals its own changes instead).
struct MemberStanding {
  Instant enrolled_at;
  std::uint32_t program_version = 0;   // the version whose layout the indices below follow
  std::optional<std::uint32_t> tier;   // index in the program's tiers; nullopt: none
  Instant tier_since;
  std::optional<Instant> tier_kept_until;  // an upgrade under `keep`: no move down before this
  std::optional<std::uint32_t> stage;  // index in the program's lifecycle; nullopt: none
  Instant stage_since;

  /// Tags, sorted.
  std::vector<std::string> tags;

  Decimal spend;                        // net lifetime spend
  std::int64_t purchases = 0;
  std::int64_t earned = 0;              // awarded, less reversals as asked
  std::optional<Instant> last_purchase_at;
  std::optional<Date> last_daily;       // the day `daily` rules last ran for this member
  std::optional<Instant> last_entry_at; // the latest time a ledger entry was written at

  std::vector<HistoryPoint> history;    // ascending by time; trimmed to the longest window
  std::vector<RuleUse> rule_uses;       // rules with a limit that fired for this member

  /// True when the member has tag `tag`.
  [[nodiscard]] bool has_tag(std::string_view tag) const noexcept {
    return std::binary_search(tags.begin(), tags.end(), tag);
  }
};

/// Everything about a member but its id and its points.
struct MemberFields : MemberStanding, MemberProfile {};

struct MemberState : MemberFields {
  std::string id;
  Ledger ledger;
};

/// Asks the CPU for a member's own fields, the first step of bringing it in: a store calls it
/// a few events before the member's next event, and prefetch_contents() (which reads these
/// fields to find the rest) a few events later.
inline void prefetch_fields(const MemberState& member) noexcept {
  const char* fields = reinterpret_cast<const char*>(&member);
  for (std::size_t line = 0; line < sizeof(MemberState); line += 64) {
    __builtin_prefetch(fields + line);
  }
}

/// Asks the CPU for what a member's fields point to that processing its event reads first (the
/// ends of its lots, its attributes and tags): the second step, once the fields are in.
inline void prefetch_contents(const MemberState& member) noexcept {
  member.ledger.prefetch();
  for (const Value& value : member.attributes) __builtin_prefetch(&value);
  if (!member.tags.empty()) __builtin_prefetch(member.tags.data());
}

/// Asks the CPU for what processing an event of `member` reads first (its fields, the ends of
/// its lots, its attributes and tags), all at once: a store that keeps members in memory calls
/// it when the member's next event is coming (Store::prefetch), so that the misses overlap
/// instead of coming one after another.
inline void prefetch(const MemberState& member) noexcept {
  prefetch_fields(member);
  prefetch_contents(member);
}

}  // namespace loyalty::engine
