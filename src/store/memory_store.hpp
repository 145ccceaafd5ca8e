#pragma once
// The in-memory store: for tests, simulation and benchmarks. Members live in a hash map and
// are changed in place (a transaction journals what it changes, to put it back on rollback);
// idempotency records are packed into an arena, so a million events cost a million small
// records, not a million allocations.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>

#include "store/store.hpp"

namespace loyalty::store {

class MemoryTransaction;

/// Bytes appended into large blocks and never moved: a view of a record stays valid.
class Arena {
 public:
  struct Ref {
    std::uint32_t block = 0;
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  Ref append(std::string_view bytes);
  [[nodiscard]] std::string_view view(Ref ref) const noexcept {
    return {blocks_[ref.block].get() + ref.offset, ref.size};
  }

 private:
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t used_ = kBlock;  // in the last block; full when there is none
};

class MemoryStore final : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;
  Transaction& begin() override;
  std::vector<std::string> member_ids() override;
  std::optional<std::string> event_outcome(std::string_view id) override;
  std::optional<engine::MemberState> load_member(std::string_view id) override;
  void visit_members(const std::function<void(const engine::MemberState&)>& visit) override;
  Totals totals() override;
  std::vector<OutboxMessage> outbox() override;
  std::optional<Instant> last_tick() override { return last_tick_; }
  std::vector<StoredProgram> programs() override { return programs_; }

 private:
  friend class MemoryTransaction;

  // Open addressing, with lookup by string_view (a find never builds a std::string): a
  // million events cost a million slots, not a million nodes.
  // (Debian's Abseil has its own string_view type, so the hash and equality are ours.)
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  };
  template <typename T>
  using Map = absl::flat_hash_map<std::string, T, Hash, Equal>;

  struct StoredMember {
    engine::MemberState state;   // its ledger holds lots and debt, no entries
    std::string entries;         // the whole ledger, oldest first, encoded (see append_entries)
    std::int64_t last_time = 0;  // of the last entry encoded: times are written as deltas
  };
  // An event id's records: the event's outcome, and for a purchase what its refunds need
  // (purchases are events, so one map keyed by event id holds both).
  struct StoredRecord {
    std::uint64_t fingerprint = 0;
    Arena::Ref outcome;   // size 0: no event recorded under this id
    Arena::Ref purchase;  // size 0: not a purchase
  };

  Arena arena_;
  Map<StoredRecord> events_;
  std::uint64_t event_count_ = 0;  // ids in events_ with an outcome
  Map<StoredRecord> redemptions_;
  absl::node_hash_map<std::string, StoredMember, Hash, Equal> members_;  // stable: transactions point in
  Map<std::int64_t> budgets_;
  std::vector<OutboxMessage> outbox_;
  std::optional<Instant> last_tick_;
  std::vector<StoredProgram> programs_;
  std::unique_ptr<MemoryTransaction> transaction_;  // reused by every begin()
};

}  // namespace loyalty::store
