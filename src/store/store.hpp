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

/// An applied event (or a redemption), remembered for idempotency: a repeat with the same
/// fingerprint returns the outcome again; a different one is a conflict. The outcome is the
/// engine's compact encoding of it (engine/outcome_codec.hpp): opaque bytes to the store.
struct EventRecord {
  /// The fingerprint of a record kept from before fingerprints were defined as they are now
  /// (a store migrated from an older version): a repeat of its id is taken as a duplicate,
  /// whatever it holds. The engine never computes it.
  static constexpr std::uint64_t kUnknownFingerprint = 0;
  std::uint64_t fingerprint = 0;  // a hash of the event's parsed values (engine.cpp)
  std::string_view outcome;       // valid until the transaction's next call
};

/// What a refund needs of its purchase.
struct PurchaseRecord {
  std::string id;
  std::string member;
  Decimal amount;
  Decimal refunded;                  // refunded so far
  std::int64_t points = 0;           // awarded by the purchase's own rules
  std::uint64_t first_lot = 0;       // the lots those awards made: ids first_lot ..
  std::uint32_t lot_count = 0;       // first_lot + lot_count - 1 (made one after another)
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

/// A program the engine ran, kept so that every ledger entry can be traced to its rule text
/// and a later process can go on with it (DESIGN.md: "the store keeps the programs it has run").
struct StoredProgram {
  std::uint32_t version = 0;  // 1, 2, ... in the order they were run
  std::string file;           // the name it was compiled from
  std::string text;           // its source, exactly
  std::string hash;           // SHA-1 of text, hex: which text it is (not a security measure)
};

/// One event's reads and writes. Members are read into working copies (or changed in place
/// and journaled); commit() writes everything at once, rollback() forgets it all. A store
/// reuses one transaction object for the next begin(), so its buffers keep their capacity.
class Transaction {
 public:
  virtual ~Transaction() = default;

  /// The record of an event applied before, or nullopt.
  virtual std::optional<EventRecord> find_event(std::string_view id) = 0;
  /// Remembers an applied event with its encoded outcome.
  virtual void record_event(std::string_view id, std::uint64_t fingerprint,
                            std::string_view outcome) = 0;

  /// The record of a redemption by its reference (a namespace apart from event ids), or
  /// nullopt.
  virtual std::optional<EventRecord> find_redemption(std::string_view reference) = 0;
  /// Remembers a redemption under its reference.
  virtual void record_redemption(std::string_view reference, std::uint64_t fingerprint,
                                 std::string_view outcome) = 0;

  /// A working copy of the member, or null when it was never enrolled. Its ledger holds the
  /// member's lots and debt; entries() of that ledger are the entries this transaction adds.
  virtual engine::MemberState* find_member(std::string_view id) = 0;
  /// A new member's working copy (the caller fills it in).
  virtual engine::MemberState& create_member(std::string_view id) = 0;
  /// Told before the engine changes the profile (attributes, extra profile keys) of a member
  /// this transaction found: a store that changes members in place keeps the profile aside
  /// then, to put back on rollback. (Most events never change a profile: the copy is not made
  /// for them.)
  virtual void will_change_profile(engine::MemberState& member) = 0;

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

  /// Remembers a program version (its version is one more than the last stored).
  virtual void save_program(const StoredProgram& program) = 0;

  /// Writes everything; the transaction is finished.
  virtual void commit() = 0;
  /// Forgets everything since begin(); the transaction is finished. Does nothing when it
  /// already is (after commit() or rollback()).
  virtual void rollback() noexcept = 0;
};

/// Rolls a transaction back when it goes out of scope without a commit.
class TransactionGuard {
 public:
  explicit TransactionGuard(Transaction& tx) noexcept : tx_(tx) {}
  ~TransactionGuard() { tx_.rollback(); }
  TransactionGuard(const TransactionGuard&) = delete;
  TransactionGuard& operator=(const TransactionGuard&) = delete;
  Transaction& operator*() const noexcept { return tx_; }
  Transaction* operator->() const noexcept { return &tx_; }

 private:
  Transaction& tx_;
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
  /// Starts a transaction. One at a time per store object: the returned object is the
  /// store's, valid until the store is destroyed, and is reused by the next begin() after it
  /// finishes.
  virtual Transaction& begin() = 0;
  /// Every member's id, sorted (for ticks, stats, exports).
  virtual std::vector<std::string> member_ids() = 0;
  /// The committed outcome record of an applied event (opaque bytes, as record_event was
  /// given them), or nullopt: a read that takes no write lock (`explain`).
  virtual std::optional<std::string> event_outcome(std::string_view id) = 0;
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
  /// Every program version stored, oldest first.
  virtual std::vector<StoredProgram> programs() = 0;
  /// Makes every committed transaction durable now (a backend that batches commits into
  /// fewer database transactions writes the batch). The memory store has nothing to do.
  virtual void flush() {}
  /// A hint that changes nothing: an event about `member` with id `event` will be processed
  /// soon, so a store that keeps members in memory may ask the CPU for what that event will
  /// touch (a backend with nothing to gain does nothing). It comes in steps, `step` counting
  /// down to 0 as the event comes nearer (kPrefetchSteps - 1 first): each step may ask for
  /// what the one before brought in (the index that locates the member, then the member, then
  /// what the member points to), so that none waits for memory. Any step may come alone.
  static constexpr int kPrefetchSteps = 3;
  virtual void prefetch(std::string_view member, std::string_view event, int step) const noexcept {
    (void)member;
    (void)event;
    (void)step;
  }
};

}  // namespace loyalty::store
