#pragma once
// A member's state as bytes, in two forms:
// - a state (the `state` of members): every MemberFields field, the ledger's lots with points
//   left, its debt and next lot id, and the seq of the member's latest ledger entry;
// - a change record (the `state` of member_log): the same but only the lots an event created
//   or changed, and the profile only when the event changed it, to apply to the state before
//   it. An event's record stays small however many lots the member holds.
// Not the entries: they are rows of their own, in a third form (encode_entries): the entries
// one event made for one member, as one value.
//
// Variable-length integers throughout (core/bytes.hpp); decimals as their exact text; lots
// relative to the lot before (an event's lots share its id and time). The first byte says
// which form, and is the format's version.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/member.hpp"

namespace loyalty::store::sqlite {

/// Appends `member`'s state (all but its id and its ledger's entries; lots with nothing left
/// are left out, as Ledger::compact() would) with the seq of its latest entry (0: none).
void encode_member(const engine::MemberState& member, std::int64_t last_entry, std::string& out);

/// Appends a change record of `member`, whose ledger journals the transaction that changed
/// it: its fields (its profile only when `profile`: else the record says it is unchanged), and
/// the lots created (with points left) or changed since the journal began
/// (Ledger::changed_lots). `lots` is working space, its capacity reused.
void encode_changes(const engine::MemberState& member, std::int64_t last_entry, bool profile,
                    std::vector<const engine::Lot*>& lots, std::string& out);

/// Decodes a state into `member` (all but its id; its ledger without entries); returns the seq
/// of its latest entry. Throws StoreError when `bytes` is no valid state.
std::int64_t decode_member(std::string_view bytes, engine::MemberState& member);

/// Applies a change record to `member`, which holds the state before it; returns the seq of
/// its latest entry. Throws StoreError when `bytes` is no valid change record.
std::int64_t apply_changes(std::string_view bytes, engine::MemberState& member);

/// Appends `entries` (one or more, in order) as one value: fields that repeat the entry before
/// (its event, its time) are left out.
void encode_entries(std::span<const engine::LedgerEntry> entries, std::string& out);

/// Appends the entries of a value encode_entries() wrote to `into`. Throws StoreError when
/// `bytes` is no such value.
void decode_entries(std::string_view bytes, std::vector<engine::LedgerEntry>& into);

}  // namespace loyalty::store::sqlite
