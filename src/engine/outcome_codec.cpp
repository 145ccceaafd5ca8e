#include "engine/outcome_codec.hpp"

#include "core/bytes.hpp"
#include "loyalty/error.hpp"

namespace loyalty::engine {

namespace {

// The formats an outcome is stored in: the first byte of its encoding. Format 2 (written since
// 2026-11-25) packs what format 1 wrote in full; stores keep format 1 records of earlier runs,
// so both read back.
constexpr std::uint8_t kFormat1 = 1;
constexpr std::uint8_t kFormat2 = 2;

// Format 1: flags of one encoded effect, which optional parts follow.
enum : std::uint8_t {
  kAvailableAt = 1,
  kExpiresAt = 2,
  kLabel = 4,  // a label other than the one its rule's action gives
  kName = 8,   // a name other than its rule's action's (never written)
  kValue = 16,
  kFromTo = 32,
};

// Format 2: an effect's head byte is its kind (low four bits) and these; what is usual (no
// depth, a rule, asked as given, nothing optional) costs no byte.
enum : std::uint8_t {
  kHeadRule = 0x10,          // a rule action made it: its rule and action follow
  kHeadDepth = 0x20,         // its depth follows (else 0)
  kHeadAskedDiffers = 0x40,  // what was asked follows (else as given)
  kHeadMore = 0x80,          // a byte of the flags below follows
};
// Format 2: the optional parts of an effect, in the byte after its head.
enum : std::uint8_t {
  kMoreAvailableAt = 1,    // its available_at follows (seconds)
  kMoreAvailableSame = 2,  // its available_at is the one the effect before it gave
  kMoreExpiresAt = 4,      // its expires_at follows, in seconds after available_at (or its
                           // own seconds when it has none)
  kMoreLabel = 8,
  kMoreValue = 16,
  kMoreFromTo = 32,        // from and to follow, each as index + 1 (0: none)
};
// Format 2: a trace is one varint: rule << 4 | verdict << 1 | 1 when its depth follows.
constexpr unsigned kTraceVerdictShift = 1;
constexpr unsigned kTraceRuleShift = 4;

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

// `to` = `from`, in `to`'s buffer. Most of an effect's strings are empty: clearing costs less
// than a call to assign.
inline void set(std::string& to, std::string_view from) {
  if (from.empty()) {
    to.clear();
  } else {
    to.assign(from);
  }
}

// The index of the tier or stage `name` ("" for none), as an effect of `kind` names it; a
// name the program does not have is no encoding of its.
std::optional<std::uint32_t> level_index(const CompiledProgram& p, EffectKind kind,
                                         std::string_view name) {
  if (name.empty()) return std::nullopt;
  const auto& tree = p.checked->tree;
  if (kind == EffectKind::tier_change) {
    if (tree.tiers) {
      const auto& tiers = tree.tiers->tiers;
      for (std::size_t i = 0; i < tiers.size(); ++i) {
        if (tiers[i].name.name == name) return static_cast<std::uint32_t>(i);
      }
    }
  } else if (tree.lifecycle) {
    const auto& stages = tree.lifecycle->stages;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      if (stages[i].name.name == name) return static_cast<std::uint32_t>(i);
    }
  }
  Reader::corrupt();
}

// A tier or stage index as format 2 writes it: index + 1, or 0 for none.
std::uint64_t level_code(std::optional<std::uint32_t> index) {
  return index ? std::uint64_t{*index} + 1 : 0;
}

// A tier or stage index read back from level_code(): checked against the program.
std::optional<std::uint32_t> level_of_code(const CompiledProgram& p, EffectKind kind,
                                           std::uint32_t code) {
  if (code == 0) return std::nullopt;
  const auto& tree = p.checked->tree;
  const std::size_t count = kind == EffectKind::tier_change
                                ? (tree.tiers ? tree.tiers->tiers.size() : 0)
                                : (tree.lifecycle ? tree.lifecycle->stages.size() : 0);
  if (code > count) Reader::corrupt();
  return code - 1;
}

// What both formats write first: status, program version, member, points and pending points.
void read_head(Reader& r, OutcomeRecord& record) {
  const std::uint8_t status = r.byte();
  if (status > static_cast<std::uint8_t>(Status::rejected)) Reader::corrupt();
  record.status = static_cast<Status>(status);
  record.program_version = r.index();
  record.member = r.text();
  record.points = r.signed_varint();
  record.pending_points = r.signed_varint();
}

// The effects or traces a record says it has: never more than its bytes (each takes one).
std::uint64_t read_count(Reader& r, std::string_view bytes) {
  const std::uint64_t count = r.varint();
  if (count > bytes.size()) Reader::corrupt();
  return count;
}

// Format 1, as written before 2026-11-25: every field in full, tiers and stages by name.
void decode_record_v1(Reader& r, std::string_view bytes, const CompiledProgram& program,
                      DecodedOutcome& out) {
  OutcomeRecord& record = out.record;
  read_head(r, record);
  record.tier = level_index(program, EffectKind::tier_change, r.text());
  record.stage = level_index(program, EffectKind::stage_change, r.text());
  const auto& rules = program.checked->tree.rules;
  const std::uint64_t effects = read_count(r, bytes);
  // Every field of every effect is written below, so the effects' strings keep their buffers.
  out.effects.resize(effects);
  for (EffectRecord& e : out.effects) {
    const std::uint8_t kind = r.byte();
    if (kind > static_cast<std::uint8_t>(EffectKind::enroll)) Reader::corrupt();
    e.kind = static_cast<EffectKind>(kind);
    e.depth = r.index();
    e.source = EffectSource{};
    if (const std::uint32_t rule = r.index(); rule != 0) {
      e.source.rule = rule - 1;
      e.source.action = r.index();
      if (e.source.rule >= rules.size() ||
          e.source.action >= rules[e.source.rule].actions.size()) {
        Reader::corrupt();
      }
    }
    e.points = r.signed_varint();
    e.asked = r.signed_varint();
    const std::uint8_t flags = r.byte();
    // No encoder has written a name of an effect's own (kName): an effect's name is always its
    // rule action's.
    if ((flags & kName) != 0) Reader::corrupt();
    e.available_at.reset();
    e.expires_at.reset();
    if ((flags & kAvailableAt) != 0) e.available_at = Instant::from_seconds(r.signed_varint());
    if ((flags & kExpiresAt) != 0) e.expires_at = Instant::from_seconds(r.signed_varint());
    e.label.assign((flags & kLabel) != 0 ? r.text() : std::string_view());
    e.value.assign((flags & kValue) != 0 ? r.text() : std::string_view());
    e.from.reset();
    e.to.reset();
    if ((flags & kFromTo) != 0) {
      e.from = level_index(program, e.kind, r.text());
      e.to = level_index(program, e.kind, r.text());
    }
  }
  const std::uint64_t traces = read_count(r, bytes);
  out.traces.resize(traces);
  for (TraceRecord& trace : out.traces) {
    trace.rule = r.index();
    if (trace.rule >= rules.size()) Reader::corrupt();
    const std::uint8_t verdict = r.byte();
    if (verdict > static_cast<std::uint8_t>(Verdict::after_stop)) Reader::corrupt();
    trace.verdict = static_cast<Verdict>(verdict);
    trace.depth = r.index();
  }
}

// Format 2.
void decode_record_v2(Reader& r, std::string_view bytes, const CompiledProgram& program,
                      DecodedOutcome& out) {
  OutcomeRecord& record = out.record;
  read_head(r, record);
  record.tier = level_of_code(program, EffectKind::tier_change, r.index());
  record.stage = level_of_code(program, EffectKind::stage_change, r.index());
  const auto& rules = program.checked->tree.rules;
  const std::uint64_t effects = read_count(r, bytes);
  out.effects.resize(effects);
  std::optional<Instant> last_available;
  for (EffectRecord& e : out.effects) {
    const std::uint8_t head = r.byte();
    const std::uint8_t kind = head & 0x0f;
    if (kind > static_cast<std::uint8_t>(EffectKind::enroll)) Reader::corrupt();
    e.kind = static_cast<EffectKind>(kind);
    e.depth = (head & kHeadDepth) != 0 ? r.index() : 0;
    e.source = EffectSource{};
    if ((head & kHeadRule) != 0) {
      e.source.rule = r.index();
      e.source.action = r.index();
      if (e.source.rule >= rules.size() ||
          e.source.action >= rules[e.source.rule].actions.size()) {
        Reader::corrupt();
      }
    }
    e.points = r.signed_varint();
    e.asked = (head & kHeadAskedDiffers) != 0 ? r.signed_varint() : e.points;
    const std::uint8_t more = (head & kHeadMore) != 0 ? r.byte() : 0;
    // No encoder writes an empty flags byte, a flag it does not know, or both kinds of
    // availability.
    constexpr std::uint8_t kKnown = kMoreAvailableAt | kMoreAvailableSame | kMoreExpiresAt |
                                    kMoreLabel | kMoreValue | kMoreFromTo;
    if ((head & kHeadMore) != 0 && (more == 0 || (more & ~kKnown) != 0 ||
                                    (more & kMoreAvailableAt & (more >> 1)) != 0)) {
      Reader::corrupt();
    }
    e.available_at.reset();
    e.expires_at.reset();
    if ((more & kMoreAvailableAt) != 0) {
      e.available_at = Instant::from_seconds(r.signed_varint());
    } else if ((more & kMoreAvailableSame) != 0) {
      if (!last_available) Reader::corrupt();
      e.available_at = last_available;
    }
    if (e.available_at) last_available = e.available_at;
    if ((more & kMoreExpiresAt) != 0) {
      const std::int64_t base = e.available_at ? e.available_at->seconds() : 0;
      e.expires_at = Instant::from_seconds(base + r.signed_varint());
    }
    e.label.assign((more & kMoreLabel) != 0 ? r.text() : std::string_view());
    e.value.assign((more & kMoreValue) != 0 ? r.text() : std::string_view());
    e.from.reset();
    e.to.reset();
    if ((more & kMoreFromTo) != 0) {
      e.from = level_of_code(program, e.kind, r.index());
      e.to = level_of_code(program, e.kind, r.index());
    }
  }
  const std::uint64_t traces = read_count(r, bytes);
  out.traces.resize(traces);
  for (TraceRecord& trace : out.traces) {
    const std::uint64_t word = r.varint();
    const std::uint64_t rule = word >> kTraceRuleShift;
    if (rule >= rules.size()) Reader::corrupt();
    trace.rule = static_cast<std::uint32_t>(rule);
    const auto verdict = static_cast<std::uint8_t>((word >> kTraceVerdictShift) & 0x7);
    if (verdict > static_cast<std::uint8_t>(Verdict::after_stop)) Reader::corrupt();
    trace.verdict = static_cast<Verdict>(verdict);
    trace.depth = (word & 1) != 0 ? r.index() : 0;
  }
}

}  // namespace

void encode_outcome(const OutcomeRecord& record, std::string& out) {
  static_assert(static_cast<unsigned>(EffectKind::enroll) < 0x10, "a kind is four bits");
  static_assert(static_cast<unsigned>(Verdict::after_stop) < 0x8, "a verdict is three bits");
  Writer w(out);
  w.byte(kFormat2);
  w.byte(static_cast<std::uint8_t>(record.status));
  w.varint(record.program_version);
  w.text(record.member);
  w.signed_varint(record.points);
  w.signed_varint(record.pending_points);
  w.varint(level_code(record.tier));
  w.varint(level_code(record.stage));
  w.varint(record.effects.size());
  std::optional<Instant> last_available;
  for (const EffectRecord& e : record.effects) {
    const EffectSource source = e.source;
    std::uint8_t more = 0;
    if (e.available_at) {
      more |= e.available_at == last_available ? kMoreAvailableSame : kMoreAvailableAt;
    }
    if (e.expires_at) more |= kMoreExpiresAt;
    // A rule's label and name are its action's, read from the program when naming; only a
    // label of the record's own (an adjustment's reason: the engine gives rule effects none)
    // is written.
    if (!e.label.empty()) more |= kMoreLabel;
    if (!e.value.empty()) more |= kMoreValue;
    if (e.from || e.to) more |= kMoreFromTo;
    std::uint8_t head = static_cast<std::uint8_t>(e.kind);
    if (source.rule != EffectSource::kNone) head |= kHeadRule;
    if (e.depth != 0) head |= kHeadDepth;
    if (e.asked != e.points) head |= kHeadAskedDiffers;
    if (more != 0) head |= kHeadMore;
    w.byte(head);
    if (e.depth != 0) w.varint(e.depth);
    if (source.rule != EffectSource::kNone) {
      w.varint(source.rule);
      w.varint(source.action);
    }
    w.signed_varint(e.points);
    if (e.asked != e.points) w.signed_varint(e.asked);
    if (more == 0) continue;
    w.byte(more);
    if ((more & kMoreAvailableAt) != 0) w.signed_varint(e.available_at->seconds());
    if (e.available_at) last_available = e.available_at;
    if (e.expires_at) {
      w.signed_varint(e.expires_at->seconds() - (e.available_at ? e.available_at->seconds() : 0));
    }
    if ((more & kMoreLabel) != 0) w.text(e.label);
    if ((more & kMoreValue) != 0) w.text(e.value);
    if ((more & kMoreFromTo) != 0) {
      w.varint(level_code(e.from));
      w.varint(level_code(e.to));
    }
  }
  // Traces name their rule by index; its name and line are the program's.
  w.varint(record.traces.size());
  for (const TraceRecord& trace : record.traces) {
    w.varint((std::uint64_t{trace.rule} << kTraceRuleShift) |
             (std::uint64_t{static_cast<std::uint8_t>(trace.verdict)} << kTraceVerdictShift) |
             (trace.depth != 0 ? 1u : 0u));
    if (trace.depth != 0) w.varint(trace.depth);
  }
}

std::uint32_t encoded_program_version(std::string_view bytes) {
  Reader r(bytes);
  const std::uint8_t format = r.byte();
  if (format != kFormat1 && format != kFormat2) Reader::corrupt();
  r.byte();
  return r.index();
}

void to_outcome(const OutcomeRecord& record, std::string_view event_id,
                const CompiledProgram& program, Outcome& o) {
  o.status = record.status;
  set(o.event, event_id);
  o.reason.clear();
  o.program_version = record.program_version;
  set(o.member, record.member);
  o.points = record.points;
  o.pending_points = record.pending_points;
  set(o.tier, level_name(program, EffectKind::tier_change, record.tier));
  set(o.stage, level_name(program, EffectKind::stage_change, record.stage));
  const auto& rules = program.checked->tree.rules;
  // Every field of every effect is written below, so the effects' strings keep their buffers.
  o.effects.resize(record.effects.size());
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    const EffectRecord& r = record.effects[i];
    Effect& e = o.effects[i];
    e.kind = r.kind;
    e.depth = r.depth;
    if (r.source.rule == EffectSource::kNone) {
      e.rule.clear();
    } else {
      e.rule.assign(rules[r.source.rule].name.name);
    }
    e.points = r.points;
    e.asked = r.asked;
    e.available_at = r.available_at;
    e.expires_at = r.expires_at;
    set(e.label, r.label.empty() ? action_label(program, r.kind, r.source)
                                 : std::string_view(r.label));
    set(e.name, action_name(program, r.kind, r.source));
    set(e.value, r.value);
    set(e.from, level_name(program, r.kind, r.from));
    set(e.to, level_name(program, r.kind, r.to));
  }
  o.rules.resize(record.traces.size());
  for (std::size_t i = 0; i < record.traces.size(); ++i) {
    const TraceRecord& r = record.traces[i];
    RuleTrace& trace = o.rules[i];
    trace.rule.assign(rules[r.rule].name.name);
    trace.line = program.rule_lines[r.rule];
    trace.verdict = r.verdict;
    trace.depth = r.depth;
  }
}

void decode_record(std::string_view bytes, const CompiledProgram& program, DecodedOutcome& out) {
  Reader r(bytes);
  switch (r.byte()) {
    case kFormat1: decode_record_v1(r, bytes, program, out); break;
    case kFormat2: decode_record_v2(r, bytes, program, out); break;
    default: Reader::corrupt();
  }
  if (!r.done()) Reader::corrupt();
  out.record.effects = out.effects;
  out.record.traces = out.traces;
}

void decode_outcome(std::string_view bytes, std::string_view event_id,
                    const CompiledProgram& program, Outcome& out, DecodedOutcome& work) {
  decode_record(bytes, program, work);
  to_outcome(work.record, event_id, program, out);
}

void decode_outcome(std::string_view bytes, std::string_view event_id,
                    const CompiledProgram& program, Outcome& out) {
  DecodedOutcome work;
  decode_outcome(bytes, event_id, program, out, work);
}

}  // namespace loyalty::engine
