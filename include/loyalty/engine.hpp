#pragma once
/// \file
/// The engine: a compiled program and a store; events in, outcomes out.

#include <cstdint>
#include <map>
#include <memory>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/event.hpp"
#include "loyalty/member.hpp"
#include "loyalty/outcome.hpp"
#include "loyalty/program.hpp"
#include "loyalty/tally.hpp"

namespace loyalty {

namespace store {
class Store;  // the storage interface (src/store/store.hpp)
}
namespace engine {
struct CompiledProgram;
}

/// A new, empty in-memory store: for tests, simulation and benchmarks.
std::shared_ptr<store::Store> make_memory_store();

/// Totals over all members at a time (`loyalty stats`).
struct Stats {
  std::uint64_t events = 0;             ///< applied events (not counting implicit enrollments)
  std::uint64_t members = 0;
  std::int64_t points_total = 0;        ///< the sum of available balances
  std::map<std::string, std::uint64_t> tiers;   ///< members by tier ("" for none omitted)
  std::map<std::string, std::uint64_t> stages;  ///< members by stage
  std::map<std::string, std::uint64_t> tags;    ///< members by tag
};

/// What a tick did (`loyalty tick`).
struct TickSummary {
  Instant time;
  std::uint64_t members = 0;          ///< members visited
  std::int64_t expired_points = 0;    ///< points of the lots that expired
  std::uint64_t tier_changes = 0;
  std::uint64_t stage_changes = 0;
  std::uint64_t daily_rules_fired = 0;
  std::vector<Outcome> rejected;      ///< members whose day's work failed (nothing changed)
};

/// Processes events against a program, writing their effects through a store. One engine is
/// used from one thread at a time; the program it runs may be replaced from any thread.
class Engine {
 public:
  /// An engine running `program` on `store`. The store keeps every program run on it: the
  /// same text as the latest stored goes on as that version; another becomes the next
  /// version (1 for a new store). Throws StoreError when a stored program no longer compiles.
  Engine(std::shared_ptr<const Program> program, std::shared_ptr<store::Store> store);
  /// An engine running the latest program stored in `store`; throws StoreError when it holds
  /// none.
  explicit Engine(std::shared_ptr<store::Store> store);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Evaluates the event and applies its effects in one store transaction. A rejected event
  /// changes nothing; its outcome says why (Status::rejected). Throws only when the store
  /// fails.
  Outcome process(const Event& event);
  /// As process(event), writing into `outcome` (its buffers are reused: a loop that passes
  /// the same Outcome allocates nothing for it once warm).
  void process(const Event& event, Outcome& outcome);
  /// As process(event), counting the outcome into `tally` instead of building it: the bulk
  /// path (`loyalty run`, `simulate`, Python's process_file), which names nothing and, once
  /// warm, allocates nothing per event. Returns the event's status; a rejected event's reason
  /// goes to `*reason` when one is given.
  Status process(const Event& event, Tally& tally, std::string* reason = nullptr);
  /// Called with a rejected event's index in its batch and the reason.
  using Rejected = std::function<void(std::size_t index, const std::string& reason)>;
  /// Processes `events` in order, each as process(event, tally, reason) does, calling
  /// `rejected` (when given) for each one rejected, before the next is processed. The fastest
  /// path for many events: while one runs, the store already brings the members of the next
  /// few into the cache. A batch of a few hundred events gets all of it.
  void process(std::span<const Event> events, Tally& tally, const Rejected& rejected = {});

  /// Evaluates the event as process() would and returns its outcome, applying nothing.
  Outcome dry_run(const Event& event);

  /// The outcome of an applied event, with every rule considered and why it fired or not
  /// (`loyalty explain`); nullopt when no event with that id was applied.
  [[nodiscard]] std::optional<Outcome> explain(std::string_view event_id) const;

  /// The day's work at `time` for every member, in this order (LANGUAGE.md, "Ticks"): expire
  /// entries for the lots expired by then, due tier changes, stage changes, then `daily`
  /// rules once per member per day. Each member's work commits on its own. Throws EventError
  /// when `time` is before the last tick's.
  TickSummary tick(Instant time);

  /// Spends `points` (> 0) of the member's available balance at `at`, under a global
  /// reference: an identical repeat returns the first outcome (Status::duplicate) and changes
  /// nothing. Throws InsufficientPoints when the balance is short (leaving no record), and
  /// EventError for an unknown member, a reused reference with other content, or a time
  /// before the member's latest ledger entry.
  Outcome redeem(std::string_view member, std::int64_t points, std::string_view reference,
                 Instant at);

  /// A manual correction with its reason: +N is a lot usable at once that never expires, -N
  /// takes points as `deduct` does. Neither changes `earned`. Throws EventError for an
  /// unknown member, zero points, or a time before the member's latest ledger entry.
  Outcome adjust(std::string_view member, std::int64_t points, std::string_view reason,
                 Instant at);

  /// Replaces the running program atomically; its version is one more than the last.
  /// An event in flight finishes on the program it started with.
  void replace_program(std::shared_ptr<const Program> program);
  /// The version of the running program (1 for the first).
  [[nodiscard]] std::uint32_t program_version() const noexcept;
  /// The running program.
  [[nodiscard]] std::shared_ptr<const Program> program() const;

  /// The member's view at `at` (balances and expiry judged then; `expiring_points` counts
  /// what expires within `expiring_window`), with its whole ledger and its outbox messages;
  /// nullopt for an unknown member. Throws EventError when `at` is before the member's latest
  /// ledger entry: a view is a projection forward, not a rewind.
  [[nodiscard]] std::optional<MemberView> member(std::string_view id, Instant at,
                                                 Duration expiring_window = Duration(30, Duration::Unit::days)) const;

  /// Erases the member's personal data: attributes declared `pii` and profile keys the
  /// program does not declare (their nature is unknown). Its ledger, figures, tier and tags
  /// stay. Returns false for an unknown member.
  bool forget(std::string_view id);

  /// Makes everything processed so far durable (see the store's batching).
  void flush();

  /// Totals at time `at`.
  [[nodiscard]] Stats stats(Instant at) const;

 private:
  void save_program(const engine::CompiledProgram& compiled);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loyalty
