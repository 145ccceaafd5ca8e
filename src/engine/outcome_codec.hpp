#pragma once
// The compact form of an applied event's Outcome, kept by the store for idempotency and
// `explain`: rule names, lines, labels and action names are written as indices into the
// program version that processed the event (the engine keeps every version it ran), numbers
// as variable-length integers. A retail purchase takes about 60 bytes.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/compiled_program.hpp"
#include "loyalty/outcome.hpp"

namespace loyalty::engine {

/// Which rule action made an effect (parallel to Outcome::effects); rule == kNone for effects
/// no rule made (enrollment, reversal, expiry, tier and stage changes, redeem, adjust).
struct EffectSource {
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  std::uint32_t rule = kNone;
  std::uint32_t action = 0;
};

/// Appends the encoding of `outcome` (an applied one, with `sources` parallel to its effects
/// and `trace_rules`, the rules' indices, parallel to its traces) to `out`. The event id is
/// not written: the store keys the record by it.
void encode_outcome(const Outcome& outcome, std::span<const EffectSource> sources,
                    std::span<const std::uint32_t> trace_rules, std::string& out);

/// The program version an encoded outcome names. Throws StoreError when `bytes` is no
/// encoding.
std::uint32_t encoded_program_version(std::string_view bytes);

/// The outcome back from its encoding, with the names of `program` (the version
/// encoded_program_version() gives). Throws StoreError when `bytes` is no valid encoding.
Outcome decode_outcome(std::string_view bytes, std::string_view event_id,
                       const CompiledProgram& program);

}  // namespace loyalty::engine
