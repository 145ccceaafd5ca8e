#pragma once
/// \file
/// A member as people and other systems see it (`loyalty member`, `engine.member()` in
/// Python): figures judged at a time, names instead of indices.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/decimal.hpp"
#include "loyalty/time.hpp"

namespace loyalty {

/// A lot with points left.
struct LotView {
  std::uint64_t id = 0;
  std::int64_t points = 0;     ///< as awarded
  std::int64_t remaining = 0;  ///< what is left of it
  Instant created_at;
  Instant available_at;
  std::optional<Instant> expires_at;  ///< none: never expires
  std::string event;                  ///< the event that awarded it
  std::string rule;                   ///< the rule that did ("" for an adjustment)
  std::uint32_t program_version = 0;
};

/// One line of the ledger.
struct LedgerLine {
  std::string kind;          ///< award, deduct, reverse, redeem, adjust, expire
  std::int64_t points = 0;   ///< signed: what was given or taken
  std::int64_t asked = 0;    ///< signed: what was asked (differs when a cut applied)
  Instant time;
  std::string event;         ///< the event's id (a redemption's reference; "" for an adjustment)
  std::string rule;          ///< the rule that made it, or ""
  std::string label;         ///< the rule action's `as "L"`, or the adjustment's reason
  std::uint32_t program_version = 0;
};

/// A message the member's events wrote to the outbox.
struct OutboxLine {
  std::uint64_t sequence = 0;
  std::string event;
  std::string rule;
  std::string name;
  std::string data;  ///< a JSON object
  Instant time;
};

/// A profile attribute: a declared one (its value as JSON, `null` when absent) or one the
/// program does not declare, kept as given.
struct MemberAttribute {
  std::string name;
  std::string json;       ///< the value as JSON: "\"a@b.cn\"", "\"1990-03-02\"", "12.5", "null"
  bool pii = false;       ///< declared `pii`: masked in output unless asked for
  bool declared = true;   ///< false: a profile key the program does not declare
};

/// Everything about one member, judged at `at`.
struct MemberView {
  std::string id;
  Instant at;                              ///< when balances and expiry were judged
  Instant enrolled_at;
  std::string tier;                        ///< "" for none
  std::optional<Instant> tier_since;
  std::optional<Instant> tier_kept_until;  ///< an upgrade kept under `keep` until then
  std::string stage;                       ///< "" for none
  std::optional<Instant> stage_since;
  std::int64_t points = 0;                 ///< available
  std::int64_t pending_points = 0;
  std::int64_t expiring_points = 0;        ///< available now, expired by at + expiring_window
  Duration expiring_window;
  std::int64_t debt = 0;
  std::int64_t earned = 0;
  std::int64_t purchases = 0;
  Decimal spend;
  std::optional<Instant> last_purchase_at;
  std::vector<std::string> tags;           ///< sorted
  std::vector<MemberAttribute> attributes; ///< declared ones in order, then the others by name
  std::vector<LotView> lots;               ///< with points left: soonest expiry first, then oldest
  std::vector<LedgerLine> ledger;          ///< oldest first
  std::vector<OutboxLine> outbox;          ///< oldest first
  std::uint32_t program_version = 0;       ///< the version whose names this view uses
};

}  // namespace loyalty
