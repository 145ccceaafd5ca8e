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

// The name of a tier or stage index, as an effect of `kind` names it.
std::string_view level_name(const CompiledProgram& p, EffectKind kind,
                            std::optional<std::uint32_t> index) {
  if (!index) return {};
  const auto& tree = p.checked->tree;
  if (kind == EffectKind::tier_change) return tree.tiers->tiers[*index].name.name;
  return tree.lifecycle->stages[*index].name.name;
}

}  // namespace

void encode_outcome(const OutcomeRecord& record, const CompiledProgram& program,
                    std::string& out) {
  Writer w(out);
  w.byte(kFormat);
  w.byte(static_cast<std::uint8_t>(record.status));
  w.varint(record.program_version);
  w.text(record.member);
  w.signed_varint(record.points);
  w.signed_varint(record.pending_points);
  w.text(level_name(program, EffectKind::tier_change, record.tier));
  w.text(level_name(program, EffectKind::stage_change, record.stage));
  w.varint(record.effects.size());
  for (const EffectRecord& e : record.effects) {
    const EffectSource source = e.source;
    w.byte(static_cast<std::uint8_t>(e.kind));
    w.varint(e.depth);
    w.varint(source.rule == EffectSource::kNone ? 0 : std::uint64_t{source.rule} + 1);
    if (source.rule != EffectSource::kNone) w.varint(source.action);
    w.signed_varint(e.points);
    w.signed_varint(e.asked);
    std::uint8_t flags = 0;
    if (e.available_at) flags |= kAvailableAt;
    if (e.expires_at) flags |= kExpiresAt;
    // A rule's label and name are its action's, read from the program when decoding; only a
    // label no rule gives (an adjustment's reason) is written.
    if (source.rule == EffectSource::kNone && !e.label.empty()) flags |= kLabel;
    if (!e.value.empty()) flags |= kValue;
    if (e.from || e.to) flags |= kFromTo;
    w.byte(flags);
    if (e.available_at) w.signed_varint(e.available_at->seconds());
    if (e.expires_at) w.signed_varint(e.expires_at->seconds());
    if ((flags & kLabel) != 0) w.text(e.label);
    if ((flags & kValue) != 0) w.text(e.value);
    if ((flags & kFromTo) != 0) {
      w.text(level_name(program, e.kind, e.from));
      w.text(level_name(program, e.kind, e.to));
    }
  }
  // Traces name their rule by index; its name and line are the program's.
  w.varint(record.traces.size());
  for (const TraceRecord& trace : record.traces) {
    w.varint(trace.rule);
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

void decode_outcome(std::string_view bytes, std::string_view event_id,
                    const CompiledProgram& program, Outcome& o) {
  Reader r(bytes);
  if (r.byte() != kFormat) Reader::corrupt();
  const std::uint8_t status = r.byte();
  if (status > static_cast<std::uint8_t>(Status::rejected)) Reader::corrupt();
  o.status = static_cast<Status>(status);
  o.event.assign(event_id);
  o.reason.clear();
  o.program_version = r.index();
  o.member.assign(r.text());
  o.points = r.signed_varint();
  o.pending_points = r.signed_varint();
  o.tier.assign(r.text());
  o.stage.assign(r.text());
  const auto& rules = program.checked->tree.rules;
  const std::uint64_t effects = r.varint();
  if (effects > bytes.size()) Reader::corrupt();
  // Every field of every effect is written below, so the effects' strings keep their buffers.
  o.effects.resize(effects);
  for (Effect& e : o.effects) {
    const std::uint8_t kind = r.byte();
    if (kind > static_cast<std::uint8_t>(EffectKind::enroll)) Reader::corrupt();
    e.kind = static_cast<EffectKind>(kind);
    e.depth = r.index();
    EffectSource source;
    e.rule.clear();
    if (const std::uint32_t rule = r.index(); rule != 0) {
      source.rule = rule - 1;
      source.action = r.index();
      if (source.rule >= rules.size() || source.action >= rules[source.rule].actions.size()) {
        Reader::corrupt();
      }
      e.rule.assign(rules[source.rule].name.name);
    }
    e.points = r.signed_varint();
    e.asked = r.signed_varint();
    const std::uint8_t flags = r.byte();
    e.available_at.reset();
    e.expires_at.reset();
    if ((flags & kAvailableAt) != 0) e.available_at = Instant::from_seconds(r.signed_varint());
    if ((flags & kExpiresAt) != 0) e.expires_at = Instant::from_seconds(r.signed_varint());
    e.label.assign((flags & kLabel) != 0 ? r.text() : action_label(program, e.kind, source));
    e.name.assign((flags & kName) != 0 ? r.text() : action_name(program, e.kind, source));
    e.value.assign((flags & kValue) != 0 ? r.text() : std::string_view());
    e.from.clear();
    e.to.clear();
    if ((flags & kFromTo) != 0) {
      e.from.assign(r.text());
      e.to.assign(r.text());
    }
  }
  const std::uint64_t traces = r.varint();
  if (traces > bytes.size()) Reader::corrupt();
  o.rules.resize(traces);
  for (RuleTrace& trace : o.rules) {
    const std::uint32_t index = r.index();
    if (index >= rules.size()) Reader::corrupt();
    const std::uint8_t verdict = r.byte();
    if (verdict > static_cast<std::uint8_t>(Verdict::after_stop)) Reader::corrupt();
    trace.rule.assign(rules[index].name.name);
    trace.line = program.rule_lines[index];
    trace.verdict = static_cast<Verdict>(verdict);
    trace.depth = r.index();
  }
  if (!r.done()) Reader::corrupt();
}

}  // namespace loyalty::engine
