#pragma once
// The members a store's transaction changes in place, and what puts them back. Both stores
// keep members in memory (the memory store for good, the SQLite store as its cache) and hand
// the engine pointers into them: the journal keeps each member's fields as they were and has
// its ledger journal its own changes, so that a rollback restores them and a commit keeps
// them. What a backend keeps beside each member (where it lives, what was written) is its
// `Slot`.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "engine/member.hpp"

namespace loyalty::store {

/// The journal of one transaction at a time. Its entries are reused from one transaction to
/// the next, so their buffers (the copies of the members' fields, the ledgers' workspaces)
/// keep their capacity.
template <class Slot>
class MemberJournal {
 public:
  struct Entry {
    engine::MemberState* state = nullptr;
    bool created = false;                 // by this transaction: a rollback removes it
    bool profile_kept = false;            // profile_before holds its profile (save_profile())
    engine::MemberStanding before;        // its standing before the transaction (unless created)
    engine::MemberProfile profile_before;  // its profile before, once profile_kept
    engine::Ledger::Workspace workspace;  // lent to its ledger while it takes part
    Slot slot;                            // the backend's
  };

  /// The member `id` if this transaction has it already, or null.
  [[nodiscard]] engine::MemberState* find(std::string_view id) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
      if (entries_[i].state->id == id) return entries_[i].state;
    }
    return nullptr;
  }

  /// Starts changing a member that exists: its standing is kept as it is (assigned, so the
  /// copy reuses its capacity), its profile once save_profile() is called, and its ledger
  /// journals its own changes.
  Entry& add(engine::MemberState& state) {
    Entry& entry = spare();
    entry.before = static_cast<const engine::MemberStanding&>(state);  // may throw: not added
    entry.profile_kept = false;
    return added(entry, state, false);
  }

  /// Keeps `state`'s profile as it is now, to put back on rollback, unless this transaction
  /// kept it already or created the member: call it before changing the profile of a member
  /// this transaction has. May throw (it allocates); then nothing changed.
  void save_profile(engine::MemberState& state) {
    for (std::size_t i = 0; i < count_; ++i) {
      Entry& entry = entries_[i];
      if (entry.state != &state) continue;
      if (!entry.created && !entry.profile_kept) {
        entry.profile_before = static_cast<const engine::MemberProfile&>(state);
        entry.profile_kept = true;
      }
      return;
    }
  }

  /// Starts a member this transaction creates.
  Entry& add_created(engine::MemberState& state) { return added(spare(), state, true); }

  /// This transaction's entries, in the order the members joined it.
  [[nodiscard]] std::span<Entry> entries() noexcept { return {entries_.data(), count_}; }

  /// Keeps every change, once the backend has written them: each ledger stops journaling,
  /// forgets its entries and gives its workspace back, which ends the transaction's entries;
  /// then each drops its lots with nothing left (the entries keep their history). Should that
  /// fail (it allocates), every change is kept all the same, and a later commit drops them.
  void keep() {
    const std::size_t count = count_;
    for (Entry& entry : entries()) {
      engine::Ledger& ledger = entry.state->ledger;
      ledger.end_journal();
      ledger.forget_entries();
      ledger.swap_workspace(entry.workspace);
    }
    count_ = 0;
    for (std::size_t i = 0; i < count; ++i) entries_[i].state->ledger.compact();
  }

  /// Puts every member back as it was, the last to join first; `erase(state)` removes one
  /// this transaction created. Ends the transaction's entries.
  template <class Erase>
  void undo(Erase erase) noexcept {
    for (std::size_t i = count_; i-- > 0;) {
      Entry& entry = entries_[i];
      if (entry.created) {
        erase(*entry.state);
        continue;
      }
      engine::MemberState& state = *entry.state;
      state.ledger.rollback_journal();  // down to the entries it held at rest: none
      state.ledger.swap_workspace(entry.workspace);
      static_cast<engine::MemberStanding&>(state) = entry.before;
      if (entry.profile_kept) static_cast<engine::MemberProfile&>(state) = entry.profile_before;
    }
    count_ = 0;
  }

  /// Ends the transaction's entries without touching the members (the backend dropped them).
  void forget() noexcept { count_ = 0; }

 private:
  // The entry the next member will take (made if there is none to reuse).
  Entry& spare() {
    if (count_ == entries_.size()) entries_.emplace_back();
    return entries_[count_];
  }
  // Makes `entry` (spare()) the member's: nothing here throws.
  Entry& added(Entry& entry, engine::MemberState& state, bool created) noexcept {
    entry.state = &state;
    entry.created = created;
    state.ledger.swap_workspace(entry.workspace);
    if (!created) state.ledger.begin_journal();
    ++count_;
    return entry;
  }

  std::vector<Entry> entries_;  // the first count_ are this transaction's
  std::size_t count_ = 0;
};

}  // namespace loyalty::store
