#pragma once
// What the engine records of an event while it processes it, and the compact form a store
// keeps of it for idempotency and `explain`.
//
// The engine works in records (EffectRecord, TraceRecord): rules, actions, tiers and stages
// are indices into the program version that processed the event, so processing an event copies
// no names. Encoded, they stay indices (the engine keeps every version it ran), numbers are
// variable-length integers; a retail purchase takes about 60 bytes. A public Outcome, names and
// all, is decoded from the encoding only when someone asks for one: the outcome process()
// returns and the one explain() returns later are the same by construction.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/compiled_program.hpp"
#include "loyalty/outcome.hpp"

namespace loyalty::engine {

/// Which rule action made an effect; rule == kNone for effects no rule made (enrollment,
/// reversal, expiry, tier and stage changes, redeem, adjust).
struct EffectSource {
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  std::uint32_t rule = kNone;
  std::uint32_t action = 0;
};

/// An effect as the engine records it: Effect with indices for names.
struct EffectRecord {
  EffectKind kind = EffectKind::award;
  std::uint32_t depth = 0;
  EffectSource source;
  std::int64_t points = 0;
  std::int64_t asked = 0;
  std::optional<Instant> available_at;  // award
  std::optional<Instant> expires_at;    // award
  std::optional<std::uint32_t> from;    // tier_change, stage_change: the tier or stage index
  std::optional<std::uint32_t> to;
  std::string value;  // set: the new value as JSON; emit: its data
  std::string label;  // a label no rule action gives: redeem's and adjust's reason
};

/// A rule considered for an event: RuleTrace with the rule's index for its name and line.
struct TraceRecord {
  std::uint32_t rule = 0;
  Verdict verdict = Verdict::fired;
  std::uint32_t depth = 0;
};

/// An event's outcome as the engine records it (the event's id is the store's key).
struct OutcomeRecord {
  Status status = Status::applied;
  std::uint32_t program_version = 0;
  std::string_view member;
  std::int64_t points = 0;
  std::int64_t pending_points = 0;
  std::optional<std::uint32_t> tier;
  std::optional<std::uint32_t> stage;
  std::span<const EffectRecord> effects;
  std::span<const TraceRecord> traces;
};

/// Appends the encoding of `record`, made by `program` (its version), to `out`.
void encode_outcome(const OutcomeRecord& record, const CompiledProgram& program,
                    std::string& out);

/// The program version an encoded outcome names. Throws StoreError when `bytes` is no
/// encoding.
std::uint32_t encoded_program_version(std::string_view bytes);

/// Decodes into `out` (all of it: its reason is cleared), with the names of `program` (the
/// version encoded_program_version() gives), reusing the buffers of `out`'s strings and
/// vectors. Throws StoreError when `bytes` is no valid encoding.
void decode_outcome(std::string_view bytes, std::string_view event_id,
                    const CompiledProgram& program, Outcome& out);

}  // namespace loyalty::engine
