#pragma once
// The storage interface (DESIGN.md, "Storage semantics"): everything the engine reads and writes
// for one event goes through one Transaction, committed or rolled back whole. Backends: memory
// (memory_store.hpp), SQLite and PostgreSQL. Nothing above this interface knows which one it
// talks to.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ledger.hpp"
#include "engine/member.hpp"
#include "loyalty/decimal.hpp"
#include "loyalty/outcome.hpp"

namespace loyalty::store {

/// An applied event, remembered for idempotency: a repeat with the same fingerprint returns
/// the outcome again; a different one is a conflict.
struct EventRecord {
  std::string id;
  std::uint64_t fingerprint = 0;  // a hash of the event's parsed values (engine/fingerprint)
  Outcome outcome;
};

/// What a refund needs of its purchase.
struct PurchaseRecord {
  std::string id;
  std::string member;
  Decimal amount;
  Decimal refunded;                  // refunded so far
  std::int64_t points = 0;           // awarded by the purchase's own rules
  std::vector<std::uint64_t> lots;   // the lots those awards made
};

/// One message for other systems, written in the event's transaction.
struct OutboxMessage {
  std::uint64_t sequence = 0;  // assigned by the store, increasing
  std::string member;
  std::string event;
  std::string rule;
  std::string name;
  std::string data;            // a JSON object
  Instant time;
};

/// One event's reads and writes. Members are read into working copies owned by the
/// transaction; commit() writes them back with everything else, rollback() (or destruction
/// without commit) forgets them.
class Transaction {
 public:
  virtual ~Transaction() = default;

  /// The record of an event applied before, or null.
  virtual const EventRecord* find_event(std::string_view id) = 0;
  /// Remembers an applied event.
  virtual void record_event(EventRecord record) = 0;

  /// The record of a redemption by its reference (a namespace apart from event ids), or null.
  virtual const EventRecord* find_redemption(std::string_view reference) = 0;
  /// Remembers a redemption under its reference.
  virtual void record_redemption(EventRecord record) = 0;

  /// A working copy of the member, or null when it was never enrolled. Its ledger holds the
  /// member's lots and debt; entries() of that ledger are the entries this transaction adds.
  virtual engine::MemberState* find_member(std::string_view id) = 0;
  /// A new member's working copy (the caller fills it in).
  virtual engine::MemberState& create_member(std::string_view id) = 0;

  /// The record of a purchase, or null.
  virtual PurchaseRecord* find_purchase(std::string_view id) = 0;
  /// Remembers a purchase (or updates it after a refund).
  virtual void save_purchase(const PurchaseRecord& record) = 0;

  /// Points a rule has given over all members (for its budget); rules are named, so a new
  /// program version keeps the usage of rules with the same name.
  virtual std::int64_t budget_used(std::string_view rule) = 0;
  virtual void add_budget_used(std::string_view rule, std::int64_t points) = 0;

  /// Appends a message to the outbox.
  virtual void append_outbox(OutboxMessage message) = 0;

  /// Remembers the time of the latest tick.
  virtual void set_last_tick(Instant time) = 0;

  /// Writes everything; the transaction is finished.
  virtual void commit() = 0;
};

/// Totals over all members (loyalty stats).
struct Totals {
  std::uint64_t events = 0;   // applied events
  std::uint64_t members = 0;
};

/// A storage backend.
class Store {
 public:
  virtual ~Store() = default;
  /// Starts a transaction. One at a time per store object.
  virtual std::unique_ptr<Transaction> begin() = 0;
  /// Every member's id, sorted (for ticks, stats, exports).
  virtual std::vector<std::string> member_ids() = 0;
  /// A member's state as committed, with its whole ledger, or nullopt.
  virtual std::optional<engine::MemberState> load_member(std::string_view id) = 0;
  /// Calls `visit` with every member's committed state (without its ledger entries), in no
  /// particular order.
  virtual void visit_members(const std::function<void(const engine::MemberState&)>& visit) = 0;
  /// Counts as committed.
  virtual Totals totals() = 0;
  /// The outbox, oldest first.
  virtual std::vector<OutboxMessage> outbox() = 0;
  /// The time of the latest tick, if one ran.
  virtual std::optional<Instant> last_tick() = 0;
};

}  // namespace loyalty::store
