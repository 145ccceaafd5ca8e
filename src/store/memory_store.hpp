#pragma once
// The in-memory store: for tests, simulation and benchmarks. Members live in a hash map and
// are changed in place (a transaction journals what it changes, to put it back on rollback);
// idempotency records are packed into an arena, so a million events cost a million small
// records, not a million allocations.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "core/large_blocks.hpp"
#include "store/store.hpp"

namespace loyalty::store {

class MemoryTransaction;

/// The hash of a member or event id in the memory store's tables.
std::size_t hash_id(std::string_view id) noexcept;

/// Byte strings appended into large blocks (core/large_blocks.hpp) and never moved: a view of
/// one stays valid. Each is named by a Ref of 8 bytes (its block and offset; its size is
/// written before it).
class Arena {
 public:
  using Ref = std::uint64_t;
  static constexpr Ref kNone = ~Ref{0};  // no string
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Ref append(std::string_view bytes) { return append(bytes, {}); }
  /// Appends `head` and `bytes` as one string.
  Ref append(std::string_view head, std::string_view bytes);
  [[nodiscard]] std::string_view view(Ref ref) const noexcept {
    const char* p = blocks_[ref >> 32].data + (ref & 0xFFFFFFFFu);
    std::uint64_t size = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*p++);
      size |= std::uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) break;
    }
    return {p, size};
  }

 private:
  static constexpr std::size_t kBlock = core::kLargeBlock;
  struct Block {
    char* data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
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
  void prefetch(std::string_view member, std::string_view event, int step) const noexcept override;

 private:
  friend class MemoryTransaction;

  // Open addressing, with lookup by string_view (a find never builds a std::string).
  // (Debian's Abseil has its own string_view type, so the hash and equality are ours.) Ids
  // are short, and each event hashes its member's and its own a few times: XXH3, inlined,
  // costs a fifth of std::hash's out-of-line Murmur there. Nothing keeps these values.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return hash_id(s); }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  };
  // The tables grow to tens of megabytes and are probed at random: their slots are in large
  // blocks, huge pages where the system has them.
  template <typename T>
  using Map = absl::flat_hash_map<std::string, T, Hash, Equal,
                                  core::LargeBlockAllocator<std::pair<const std::string, T>>>;

  struct StoredMember {
    engine::MemberState state;   // its ledger holds lots and debt, no entries
    std::string entries;         // the whole ledger, oldest first, encoded (see append_entries)
    std::int64_t last_time = 0;  // of the last entry encoded: times are written as deltas
  };
  // An event id's records: the event's outcome, and for a purchase what its refunds need
  // (purchases are events, so one table keyed by event id holds both). Its id and records are
  // in the arena: a million events cost a million slots of 32 bytes. The slot keeps its id's
  // hash, so that growing the table reads no id.
  struct StoredRecord {
    Arena::Ref id = Arena::kNone;
    std::size_t hash = 0;                        // Hash{}(the id)
    mutable Arena::Ref outcome = Arena::kNone;   // its fingerprint (8 bytes), then the record
    mutable Arena::Ref purchase = Arena::kNone;  // kNone: not a purchase
  };
  // Hash and equality of records by their id (read from the arena), and of ids to find.
  struct RecordHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return Hash{}(id); }
    std::size_t operator()(const StoredRecord& r) const noexcept { return r.hash; }
  };
  struct RecordEqual {
    using is_transparent = void;
    const Arena* arena;
    std::string_view id(std::string_view s) const noexcept { return s; }
    std::string_view id(const StoredRecord& r) const noexcept { return arena->view(r.id); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return id(a) == id(b);
    }
  };
  using Records = absl::flat_hash_set<StoredRecord, RecordHash, RecordEqual,
                                      core::LargeBlockAllocator<StoredRecord>>;
  // The record of `id`, added (with no records) if there is none.
  const StoredRecord& record(Records& records, std::string_view id);

  Arena arena_;
  Records events_{0, RecordHash{}, RecordEqual{&arena_}};
  std::uint64_t event_count_ = 0;  // ids in events_ with an outcome
  Records redemptions_{0, RecordHash{}, RecordEqual{&arena_}};
  // Each member has a slot of its own, never moved, so that transactions may point in; the
  // table holds its id (inline when short) beside the pointer, so a lookup reads no member.
  core::SlotPool<StoredMember> member_slots_;
  Map<StoredMember*> members_;  // each made by member_slots_
  // The members the prefetch steps found lately, each by where its id sat in the caller's
  // event: the next step and the event's own lookup take it from here instead of hashing the
  // id and probing members_ again. A hint, checked: an entry counts only when the member's id
  // equals the one asked for (the caller's buffers are reused), and removing a member empties
  // it (members never move: each has its own slot).
  struct Recent {
    const char* id = nullptr;
    StoredMember* member = nullptr;
  };
  mutable std::array<Recent, 16> recent_{};
  [[nodiscard]] Recent& recent_slot(std::string_view id) const noexcept;
  // The member of `id` if a prefetch step found it lately, or null (then: look it up).
  [[nodiscard]] StoredMember* recent(std::string_view id) const noexcept;
  Map<std::int64_t> budgets_;
  std::vector<OutboxMessage> outbox_;
  std::optional<Instant> last_tick_;
  std::vector<StoredProgram> programs_;
  std::unique_ptr<MemoryTransaction> transaction_;  // reused by every begin()
};

}  // namespace loyalty::store
