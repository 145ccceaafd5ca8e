#pragma once
// The in-memory store: for tests, simulation and benchmarks. Members live in a hash map and
// are changed in place (a transaction journals what it changes, to put it back on rollback);
// idempotency records are packed into an arena, so a million events cost a million small
// records, not a million allocations.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "core/bytes.hpp"
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
  Ref append(std::string_view bytes) { return append({bytes}); }
  /// Appends `head` and `bytes` as one string.
  Ref append(std::string_view head, std::string_view bytes) { return append({head, bytes}); }
  /// Appends the parts as one string.
  Ref append(std::initializer_list<std::string_view> parts);
  /// Appends a string of `size` bytes for the caller to write, at `out`.
  Ref allocate(std::size_t size, char*& out);
  [[nodiscard]] std::string_view view(Ref ref) const noexcept {
    const char* p = blocks_[ref >> 32].data + (ref & 0xFFFFFFFFu);
    const std::uint64_t size = core::read_varint_in_memory(p);
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
  // (purchases are events, so one table keyed by event id holds both). They live in the
  // arena, one entry an id (RecordEntry), and the table's slot of 16 bytes names the entry and
  // keeps its id's hash, so that growing the table reads no id: a million events cost a slot
  // of 16 bytes each in a table 7/16 to 7/8 full, and an entry each.
  struct StoredRecord {
    mutable Arena::Ref entry = Arena::kNone;  // a RecordEntry
    std::size_t hash = 0;                     // Hash{}(the id)
  };
  // An entry: its purchase record (kNone: not a purchase; an Arena::Ref, written in place when
  // a refund updates it), whether it holds an outcome, the id, then the fingerprint (8 bytes)
  // and the outcome, if it holds one.
  struct RecordEntry {
    char* purchase;        // 8 bytes
    bool has_outcome;
    std::string_view id;
    std::string_view outcome;  // the fingerprint, then the outcome; empty without one
    [[nodiscard]] Arena::Ref purchase_ref() const noexcept;
    void set_purchase_ref(Arena::Ref ref) const noexcept;
  };
  [[nodiscard]] static RecordEntry entry_of(const Arena& arena, Arena::Ref entry) noexcept;
  // The id of an entry, alone (for probes of the table).
  [[nodiscard]] static std::string_view entry_id(const Arena& arena, Arena::Ref entry) noexcept;
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
    std::string_view id(const StoredRecord& r) const noexcept { return entry_id(*arena, r.entry); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return id(a) == id(b);
    }
  };
  using Records = absl::flat_hash_set<StoredRecord, RecordHash, RecordEqual,
                                      core::LargeBlockAllocator<StoredRecord>>;
  // Records `fingerprint` and `outcome` for `id`: a new entry (keeping the purchase record of
  // the one before, if any). Returns the slot, and whether the id had an outcome before.
  std::pair<const StoredRecord*, bool> record_outcome(Records& records, std::string_view id,
                                                      std::uint64_t fingerprint,
                                                      std::string_view outcome);
  // Sets the purchase record of `id`: in place in its entry, or in a new entry without an
  // outcome. `slot`, when not null, is `id`'s slot.
  void record_purchase(Records& records, std::string_view id, Arena::Ref purchase,
                       const StoredRecord* slot);

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
