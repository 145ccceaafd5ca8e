#include "cli/json.hpp"

#include <fmt/format.h>

#include "io/json_writer.hpp"

namespace loyalty::cli {

void Json::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

Json& Json::begin_object() {
  before_value();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

Json& Json::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

Json& Json::begin_array() {
  before_value();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

Json& Json::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

Json& Json::key(std::string_view name) {
  before_value();
  io::append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

Json& Json::string(std::string_view text) {
  before_value();
  io::append_json_string(out_, text);
  return *this;
}

Json& Json::number(std::int64_t value) {
  before_value();
  out_ += fmt::format("{}", value);
  return *this;
}

Json& Json::unsigned_number(std::uint64_t value) {
  before_value();
  out_ += fmt::format("{}", value);
  return *this;
}

Json& Json::boolean(bool value) {
  before_value();
  out_ += value ? "true" : "false";
  return *this;
}

Json& Json::null() {
  before_value();
  out_ += "null";
  return *this;
}

Json& Json::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

Json& Json::time(const std::optional<Instant>& value) {
  return value ? string(value->to_string()) : null();
}

namespace {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::applied: return "applied";
    case Status::duplicate: return "duplicate";
    case Status::rejected: return "rejected";
  }
  return "applied";
}

void write_effect(Json& json, const Effect& e) {
  json.begin_object();
  json.key("kind").string(effect_kind_name(e.kind));
  if (!e.rule.empty()) json.key("rule").string(e.rule);
  switch (e.kind) {
    case EffectKind::award:
    case EffectKind::deduct:
    case EffectKind::reverse:
    case EffectKind::redeem:
    case EffectKind::adjust:
    case EffectKind::expire:
      json.key("points").number(e.points);
      if (e.asked != e.points) json.key("asked").number(e.asked);
      break;
    default: break;
  }
  if (!e.label.empty()) json.key("label").string(e.label);
  if (!e.name.empty()) json.key("name").string(e.name);
  if (e.kind == EffectKind::set || e.kind == EffectKind::emit) json.key("value").raw(e.value);
  if (e.kind == EffectKind::tier_change || e.kind == EffectKind::stage_change) {
    json.key("from").string(e.from).key("to").string(e.to);
  }
  if (e.available_at) json.key("available_at").time(e.available_at);
  if (e.kind == EffectKind::award) json.key("expires_at").time(e.expires_at);
  if (e.depth > 0) json.key("depth").unsigned_number(e.depth);
  json.end_object();
}

}  // namespace

void write_counts(Json& json, const std::map<std::string, std::uint64_t>& counts) {
  json.begin_object();
  for (const auto& [name, count] : counts) json.key(name).unsigned_number(count);
  json.end_object();
}

void write_outcome(Json& json, const Outcome& o) {
  json.begin_object();
  json.key("status").string(status_name(o.status));
  json.key("event").string(o.event);
  json.key("member").string(o.member);
  if (o.status == Status::rejected) json.key("reason").string(o.reason);
  json.key("program_version").unsigned_number(o.program_version);
  json.key("effects").begin_array();
  for (const Effect& e : o.effects) write_effect(json, e);
  json.end_array();
  json.key("rules").begin_array();
  for (const RuleTrace& r : o.rules) {
    json.begin_object();
    json.key("rule").string(r.rule).key("line").unsigned_number(r.line);
    json.key("verdict").string(verdict_text(r.verdict));
    if (r.depth > 0) json.key("depth").unsigned_number(r.depth);
    json.end_object();
  }
  json.end_array();
  if (o.status != Status::rejected) {
    json.key("points").number(o.points);
    json.key("pending_points").number(o.pending_points);
    json.key("tier").string(o.tier);
    json.key("stage").string(o.stage);
  }
  json.end_object();
}

void write_member(Json& json, const MemberView& v, bool show_pii,
                  std::optional<std::size_t> ledger_lines) {
  json.begin_object();
  json.key("id").string(v.id);
  json.key("at").string(v.at.to_string());
  json.key("enrolled_at").string(v.enrolled_at.to_string());
  json.key("tier").string(v.tier);
  json.key("tier_since").time(v.tier_since);
  json.key("tier_kept_until").time(v.tier_kept_until);
  json.key("stage").string(v.stage);
  json.key("stage_since").time(v.stage_since);
  json.key("points").number(v.points);
  json.key("pending_points").number(v.pending_points);
  json.key("expiring_points").number(v.expiring_points);
  json.key("expiring_within").string(v.expiring_window.to_string());
  json.key("debt").number(v.debt);
  json.key("earned").number(v.earned);
  json.key("purchases").number(v.purchases);
  json.key("spend").string(v.spend.to_string());
  json.key("last_purchase_at").time(v.last_purchase_at);
  json.key("tags").begin_array();
  for (const std::string& tag : v.tags) json.string(tag);
  json.end_array();
  json.key("attributes").begin_object();
  for (const MemberAttribute& a : v.attributes) {
    json.key(a.name).raw(a.pii && !show_pii && a.json != "null" ? kMasked : a.json);
  }
  json.end_object();
  json.key("lots").begin_array();
  for (const LotView& lot : v.lots) {
    json.begin_object();
    json.key("points").number(lot.points).key("remaining").number(lot.remaining);
    json.key("available_at").string(lot.available_at.to_string());
    json.key("expires_at").time(lot.expires_at);
    json.key("event").string(lot.event).key("rule").string(lot.rule);
    json.end_object();
  }
  json.end_array();
  std::size_t first = 0;
  if (ledger_lines && *ledger_lines < v.ledger.size()) first = v.ledger.size() - *ledger_lines;
  json.key("ledger").begin_array();
  for (std::size_t i = first; i < v.ledger.size(); ++i) {
    const LedgerLine& line = v.ledger[i];
    json.begin_object();
    json.key("kind").string(line.kind).key("points").number(line.points);
    if (line.asked != line.points) json.key("asked").number(line.asked);
    json.key("time").string(line.time.to_string());
    json.key("event").string(line.event).key("rule").string(line.rule);
    json.key("label").string(line.label);
    json.key("program_version").unsigned_number(line.program_version);
    json.end_object();
  }
  json.end_array();
  json.key("outbox").begin_array();
  for (const OutboxLine& m : v.outbox) {
    json.begin_object();
    json.key("sequence").unsigned_number(m.sequence).key("name").string(m.name);
    json.key("data").raw(m.data).key("event").string(m.event).key("rule").string(m.rule);
    json.key("time").string(m.time.to_string());
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace loyalty::cli
