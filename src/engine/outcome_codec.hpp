#pragma once
// What the engine records of an event while it processes it, and the compact form a store
// keeps of it for idempotency and `explain`.
//
// The engine works in records (EffectRecord, TraceRecord): rules, actions, tiers and stages
// are indices into the program version that processed the event, so processing an event copies
// no names. Encoded, they stay indices (the engine keeps every version it ran), numbers are
// variable-length integers, and what is usual costs no byte (no depth, asked as given, the
// same availability as the effect before); a retail-v1 purchase takes about 40 bytes. Records
// stored in the first format, which wrote every field and named tiers, still read back.
//
// Names come in at one place only: to_outcome() turns a record into a public Outcome. The
// engine calls it on the record an event just left; decode_outcome() reads the stored bytes
// back into a record (decode_record()) and calls it too, so the outcome process() returns and
// the one explain() returns later cannot differ.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
  std::string label;  // a label other than its rule action's (none: the action's): redeem's and
                      // adjust's reason
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

/// Appends the encoding of `record` to `out`, in the current format (2). Every name in it is
/// an index into the program version the record names, as the record's are.
void encode_outcome(const OutcomeRecord& record, std::string& out);

/// The program version an encoded outcome names. Throws StoreError when `bytes` is no
/// encoding.
std::uint32_t encoded_program_version(std::string_view bytes);

/// The public Outcome of `record` (all of it: its reason is cleared), with the names of
/// `program` (the version that made the record), reusing the buffers of `out`'s strings and
/// vectors. The one way from records to names: decode_outcome() goes through it too.
void to_outcome(const OutcomeRecord& record, std::string_view event_id,
                const CompiledProgram& program, Outcome& out);

/// An encoded outcome read back into records; kept from one decode to the next, its vectors
/// and strings keep their buffers.
struct DecodedOutcome {
  OutcomeRecord record;  // its effects and traces are the below; its member points into the bytes
  std::vector<EffectRecord> effects;
  std::vector<TraceRecord> traces;
};

/// Reads `bytes` back into `out.record` with `program` (the version encoded_program_version()
/// gives): what encode_outcome() wrote, indices and all. Throws StoreError when `bytes` is no
/// valid encoding. `out.record.member` points into `bytes`.
void decode_record(std::string_view bytes, const CompiledProgram& program, DecodedOutcome& out);

/// decode_record(), then to_outcome(), with the buffers of `work`.
void decode_outcome(std::string_view bytes, std::string_view event_id,
                    const CompiledProgram& program, Outcome& out, DecodedOutcome& work);

/// As above, with buffers of its own.
void decode_outcome(std::string_view bytes, std::string_view event_id,
                    const CompiledProgram& program, Outcome& out);

}  // namespace loyalty::engine
