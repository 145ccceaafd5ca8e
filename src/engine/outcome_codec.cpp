#include "engine/outcome_codec.hpp"

#include "core/bytes.hpp"
#include "loyalty/error.hpp"

namespace loyalty::engine {

namespace {

constexpr std::uint8_t kFormat = 1;

// Flags of one encoded effect: which optional parts follow.
enum : std::uint8_t {
  kAvailableAt = 1,
  kExpiresAt = 2,
  kLabel = 4,  // a label other than the one its rule's action gives
  kName = 8,   // a name other than its rule's action's
  kValue = 16,
  kFromTo = 32,
};

using Writer = core::ByteWriter;
using Reader = core::ByteReader;

// What an effect's rule action gives as its label and name.
std::string_view action_label(const CompiledProgram& p, EffectKind kind, EffectSource source) {
  if (source.rule == EffectSource::kNone) return {};
  if (kind != EffectKind::award && kind != EffectKind::deduct) return {};
  return p.checked->rules[source.rule].actions[source.action].label;
}

std::string_view action_name(const CompiledProgram& p, EffectKind kind, EffectSource source) {
  if (source.rule == EffectSource::kNone) return {};
  switch (kind) {
    case EffectKind::tag:
    case EffectKind::untag:
    case EffectKind::set:
    case EffectKind::emit:
      return p.checked->tree.rules[source.rule].actions[source.action].name.name;
    default: return {};
  }
}

}  // namespace

void encode_outcome(const Outcome& outcome, std::span<const EffectSource> sources,
                    std::span<const std::uint32_t> trace_rules, std::string& out) {
  Writer w(out);
  w.byte(kFormat);
  w.byte(static_cast<std::uint8_t>(outcome.status));
  w.varint(outcome.program_version);
  w.text(outcome.member);
  w.signed_varint(outcome.points);
  w.signed_varint(outcome.pending_points);
  w.text(outcome.tier);
  w.text(outcome.stage);
  w.varint(outcome.effects.size());
  for (std::size_t i = 0; i < outcome.effects.size(); ++i) {
    const Effect& e = outcome.effects[i];
    const EffectSource source = i < sources.size() ? sources[i] : EffectSource{};
    w.byte(static_cast<std::uint8_t>(e.kind));
    w.varint(e.depth);
    w.varint(source.rule == EffectSource::kNone ? 0 : std::uint64_t{source.rule} + 1);
    if (source.rule != EffectSource::kNone) w.varint(source.action);
    w.signed_varint(e.points);
    w.signed_varint(e.asked);
    std::uint8_t flags = 0;
    if (e.available_at) flags |= kAvailableAt;
    if (e.expires_at) flags |= kExpiresAt;
    // A rule's label and name are its action's: written only where they differ (an adjust's
    // reason), which the engine marks by giving such effects no source.
    if (source.rule == EffectSource::kNone && !e.label.empty()) flags |= kLabel;
    if (source.rule == EffectSource::kNone && !e.name.empty()) flags |= kName;
    if (!e.value.empty()) flags |= kValue;
    if (!e.from.empty() || !e.to.empty()) flags |= kFromTo;
    w.byte(flags);
    if (e.available_at) w.signed_varint(e.available_at->seconds());
    if (e.expires_at) w.signed_varint(e.expires_at->seconds());
    if ((flags & kLabel) != 0) w.text(e.label);
    if ((flags & kName) != 0) w.text(e.name);
    if ((flags & kValue) != 0) w.text(e.value);
    if ((flags & kFromTo) != 0) {
      w.text(e.from);
      w.text(e.to);
    }
  }
  // Traces name their rule by index; its name and line are the program's.
  w.varint(outcome.rules.size());
  for (std::size_t i = 0; i < outcome.rules.size(); ++i) {
    const RuleTrace& trace = outcome.rules[i];
    w.varint(i < trace_rules.size() ? trace_rules[i] : 0);
    w.byte(static_cast<std::uint8_t>(trace.verdict));
    w.varint(trace.depth);
  }
}

std::uint32_t encoded_program_version(std::string_view bytes) {
  Reader r(bytes);
  if (r.byte() != kFormat) Reader::corrupt();
  r.byte();
  return r.index();
}

Outcome decode_outcome(std::string_view bytes, std::string_view event_id,
                       const CompiledProgram& program) {
  Reader r(bytes);
  if (r.byte() != kFormat) Reader::corrupt();
  Outcome o;
  const std::uint8_t status = r.byte();
  if (status > static_cast<std::uint8_t>(Status::rejected)) Reader::corrupt();
  o.status = static_cast<Status>(status);
  o.event = std::string(event_id);
  o.program_version = r.index();
  o.member = std::string(r.text());
  o.points = r.signed_varint();
  o.pending_points = r.signed_varint();
  o.tier = std::string(r.text());
  o.stage = std::string(r.text());
  const auto& rules = program.checked->tree.rules;
  const std::uint64_t effects = r.varint();
  if (effects > bytes.size()) Reader::corrupt();
  o.effects.reserve(effects);
  for (std::uint64_t i = 0; i < effects; ++i) {
    Effect e;
    const std::uint8_t kind = r.byte();
    if (kind > static_cast<std::uint8_t>(EffectKind::enroll)) Reader::corrupt();
    e.kind = static_cast<EffectKind>(kind);
    e.depth = r.index();
    EffectSource source;
    if (const std::uint32_t rule = r.index(); rule != 0) {
      source.rule = rule - 1;
      source.action = r.index();
      if (source.rule >= rules.size() || source.action >= rules[source.rule].actions.size()) {
        Reader::corrupt();
      }
      e.rule = rules[source.rule].name.name;
    }
    e.points = r.signed_varint();
    e.asked = r.signed_varint();
    const std::uint8_t flags = r.byte();
    if ((flags & kAvailableAt) != 0) e.available_at = Instant::from_seconds(r.signed_varint());
    if ((flags & kExpiresAt) != 0) e.expires_at = Instant::from_seconds(r.signed_varint());
    e.label = (flags & kLabel) != 0 ? r.text() : action_label(program, e.kind, source);
    e.name = (flags & kName) != 0 ? r.text() : action_name(program, e.kind, source);
    if ((flags & kValue) != 0) e.value = r.text();
    if ((flags & kFromTo) != 0) {
      e.from = r.text();
      e.to = r.text();
    }
    o.effects.push_back(std::move(e));
  }
  const std::uint64_t traces = r.varint();
  if (traces > bytes.size()) Reader::corrupt();
  o.rules.reserve(traces);
  for (std::uint64_t i = 0; i < traces; ++i) {
    const std::uint32_t index = r.index();
    if (index >= rules.size()) Reader::corrupt();
    const std::uint8_t verdict = r.byte();
    if (verdict > static_cast<std::uint8_t>(Verdict::after_stop)) Reader::corrupt();
    o.rules.push_back(RuleTrace{rules[index].name.name, program.rule_lines[index],
                                static_cast<Verdict>(verdict), r.index()});
  }
  if (!r.done()) Reader::corrupt();
  return o;
}

}  // namespace loyalty::engine
