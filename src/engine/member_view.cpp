// The member view (Engine::member) and forgetting a member's personal data (Engine::forget):
// a member's stored state, with the names of the program versions that made it.

#include <fmt/format.h>

#include <algorithm>

#include "engine/engine_impl.hpp"
#include "engine/values_json.hpp"
#include "io/json_writer.hpp"
#include "loyalty/engine.hpp"

namespace loyalty {

namespace {

std::string field_json(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return v.to_string();
        } else if constexpr (std::is_same_v<T, std::string>) {
          std::string out;
          io::append_json_string(out, v);
          return out;
        } else if constexpr (std::is_same_v<T, RawJson>) {
          return v.text;
        } else {
          return "null";
        }
      },
      value);
}

// The names an entry or lot of program version `version` refers to.
struct Names {
  const engine::ProgramHistory& history;
  std::string rule(std::uint32_t version, std::uint32_t rule) const {
    auto p = history.at(version);
    if (!p || rule >= p->checked->tree.rules.size()) return {};
    return p->checked->tree.rules[rule].name.name;
  }
  std::string label(std::uint32_t version, std::uint32_t rule, std::uint32_t action) const {
    auto p = history.at(version);
    if (!p || rule >= p->checked->rules.size()) return {};
    const auto& actions = p->checked->rules[rule].actions;
    return action < actions.size() ? actions[action].label : std::string();
  }
};

}  // namespace

std::optional<MemberView> Engine::member(std::string_view id, Instant at,
                                         Duration expiring_window) const {
  std::optional<engine::MemberState> member = impl_->store->load_member(id);
  if (!member) return std::nullopt;
  if (member->last_entry_at && at < *member->last_entry_at) {
    throw EventError(fmt::format("{} is before the member's latest ledger entry, at {}",
                                 at.to_string(), member->last_entry_at->to_string()));
  }
  // The member's own program version names its tier, stage and attributes.
  auto layout = impl_->history.at(member->program_version);
  if (!layout) layout = impl_->program.load();
  const auto& checked = *layout->checked;
  const engine::Ledger& ledger = member->ledger;
  const Names names{impl_->history};

  MemberView view;
  view.id = member->id;
  view.at = at;
  view.program_version = layout->version;
  view.enrolled_at = member->enrolled_at;
  view.tier = engine::tier_name(*layout, member->tier);
  if (member->tier) view.tier_since = member->tier_since;
  view.tier_kept_until = member->tier_kept_until;
  view.stage = engine::stage_name(*layout, member->stage);
  if (member->stage) view.stage_since = member->stage_since;
  view.points = ledger.available(at);
  view.pending_points = ledger.pending(at);
  view.expiring_window = expiring_window;
  view.expiring_points =
      ledger.expiring_within(at, add(at, expiring_window, checked.settings.timezone));
  view.debt = ledger.debt();
  view.earned = member->earned;
  view.purchases = member->purchases;
  view.spend = member->spend;
  view.last_purchase_at = member->last_purchase_at;
  view.tags = member->tags;

  const auto& declared = checked.tree.member_attributes;
  for (std::size_t i = 0; i < declared.size(); ++i) {
    const engine::Value none;
    const engine::Value& value = i < member->attributes.size() ? member->attributes[i] : none;
    view.attributes.push_back(MemberAttribute{declared[i].name.name,
                                              engine::value_json(*layout, value),
                                              declared[i].pii, true});
  }
  for (const Attribute& extra : member->extra_profile) {
    view.attributes.push_back(MemberAttribute{extra.name, field_json(extra.value), false, false});
  }

  std::vector<const engine::Lot*> lots;
  for (const engine::Lot& lot : ledger.lots()) {
    if (lot.remaining > 0 && !lot.expired_at(at)) lots.push_back(&lot);
  }
  std::sort(lots.begin(), lots.end(), [](const engine::Lot* a, const engine::Lot* b) {
    if (a->expires_at != b->expires_at) {
      if (!a->expires_at || !b->expires_at) return b->expires_at == std::nullopt;
      return *a->expires_at < *b->expires_at;
    }
    return a->id < b->id;
  });
  for (const engine::Lot* lot : lots) {
    view.lots.push_back(LotView{lot->id, lot->points, lot->remaining, lot->created_at,
                                lot->available_at, lot->expires_at, std::string(ledger.lot_event(*lot)),
                                names.rule(lot->origin.program_version, lot->origin.rule),
                                lot->origin.program_version});
  }
  for (const engine::LedgerEntry& entry : ledger.entries()) {
    const auto& o = entry.origin;
    const bool by_rule = o.rule != engine::Origin::kNoRule;
    view.ledger.push_back(LedgerLine{
        engine::entry_kind_name(entry.kind), entry.points, entry.asked, entry.time, o.event,
        by_rule ? names.rule(o.program_version, o.rule) : std::string(),
        by_rule ? names.label(o.program_version, o.rule, o.action) : o.note,
        o.program_version});
  }
  for (const store::OutboxMessage& message : impl_->store->outbox()) {
    if (message.member != id) continue;
    view.outbox.push_back(OutboxLine{message.sequence, message.event, message.rule, message.name,
                                     message.data, message.time});
  }
  return view;
}

bool Engine::forget(std::string_view id) {
  auto compiled = impl_->program.load();
  store::TransactionGuard tx(impl_->store->begin());
  engine::MemberState* member = tx->find_member(id);
  if (member == nullptr) return false;
  impl_->history.bring_up_to_date(*member, *compiled);
  const auto& declared = compiled->checked->tree.member_attributes;
  for (std::size_t i = 0; i < declared.size() && i < member->attributes.size(); ++i) {
    if (declared[i].pii) member->attributes[i] = engine::Value();
  }
  member->extra_profile.clear();
  tx->commit();
  return true;
}

}  // namespace loyalty
