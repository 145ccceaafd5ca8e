// The engine: one event at a time, as LANGUAGE.md's "How an event is processed" orders it.
// Rules are evaluated against the member before the event (pure), their actions collected,
// then applied to the member's working copy in the event's store transaction; tier and stage
// are recomputed after, firing chained rules; everything commits together or not at all.

#include "loyalty/engine.hpp"

#include <boost/uuid/detail/sha1.hpp>
#define XXH_INLINE_ALL  // header-only: the hash inlines where it is used
#include <xxhash.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>

#include "engine/binding.hpp"
#include "engine/compiled_program.hpp"
#include "engine/engine_impl.hpp"
#include "engine/evaluator.hpp"
#include "engine/ledger.hpp"
#include "engine/member.hpp"
#include "engine/outcome_codec.hpp"
#include "engine/values_json.hpp"
#include "store/store.hpp"

namespace loyalty {

using engine::CompiledProgram;
using engine::MemberState;
using engine::PlannedAction;
using engine::ProgramHistory;
using engine::Scratch;
using engine::stage_name;
using engine::tier_name;
using language::TriggerKind;

namespace {

constexpr std::uint32_t kMaxChainDepth = 8;

// A rejection: the event changes nothing, and this says why.
struct Rejection {
  std::string reason;
};

[[noreturn]] void reject(std::string reason) { throw Rejection{std::move(reason)}; }

std::int64_t checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) reject("the member's earned points overflow 64 bits");
  return sum;
}

std::int64_t checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) {
    reject("the member's earned points overflow 64 bits");
  }
  return difference;
}

// The fingerprint of a text: XXH3's 64 bits, a hash defined byte for byte by its
// specification, so that the fingerprints a store keeps mean the same with every standard
// library (std::hash promises no such thing). Numbers go through Decimal::hash, the library's
// own, which is the same on every 64-bit platform (a coefficient beyond 64 bits is hashed by
// its 64-bit limbs).
std::uint64_t text_print(std::string_view s) noexcept {
  return XXH3_64bits(s.data(), s.size());
}

// Never EventRecord::kUnknownFingerprint.
std::uint64_t known(std::uint64_t h) noexcept {
  return h == store::EventRecord::kUnknownFingerprint ? 1 : h;
}

// Whether a record's fingerprint admits `print` as the same event or redemption.
bool same_print(std::uint64_t recorded, std::uint64_t print) noexcept {
  return recorded == print || recorded == store::EventRecord::kUnknownFingerprint;
}

// A 64-bit hash of an event's parsed values, consistent with Event::operator==: equal events
// hash alike, so a repeated id with an equal hash is a duplicate. Stores keep it: a change to
// it is a change to their files (test_sqlite_store pins its value).
std::uint64_t fingerprint(const Event& e) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  };
  auto text = [&](std::string_view s) { mix(text_print(s)); };
  text(e.id);
  text(e.type);
  text(e.member);
  mix(static_cast<std::uint64_t>(e.time.seconds()));
  mix(e.amount.hash());
  text(e.channel);
  for (const Item& item : e.items) {
    text(item.sku);
    text(item.category);
    mix(item.qty.hash());
    mix(item.price.hash());
  }
  text(e.original);
  auto attributes = [&](const std::vector<Attribute>& list) {
    mix(list.size());
    for (const Attribute& a : list) {
      text(a.name);
      mix(a.value.index());
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) mix(v ? 1 : 2);
            else if constexpr (std::is_same_v<T, Decimal>) mix(v.hash());
            else if constexpr (std::is_same_v<T, std::string>) text(v);
            else if constexpr (std::is_same_v<T, RawJson>) text(v.text);
          },
          a.value);
    }
  };
  attributes(e.profile);
  attributes(e.attributes);
  return known(h);
}

TriggerKind trigger_of(EventKind kind) {
  switch (kind) {
    case EventKind::enroll: return TriggerKind::enroll;
    case EventKind::purchase: return TriggerKind::purchase;
    case EventKind::refund: return TriggerKind::refund;
    case EventKind::profile: return TriggerKind::profile;
    case EventKind::custom: return TriggerKind::custom;
  }
  return TriggerKind::custom;
}

}  // namespace

namespace {

// Everything one event's processing works with.
class EventRun {
 public:
  // Records the outcome into scratch (its effects, traces and record, which the caller has
  // started afresh).
  EventRun(const CompiledProgram& program, const ProgramHistory& history, store::Transaction& tx,
           const Event& event, Scratch& scratch)
      : p_(program),
        history_(history),
        checked_(*program.checked),
        tx_(tx),
        event_(event),
        attributes_(scratch.attributes),
        planned_(scratch.planned),
        scratch_(scratch),
        effects_(scratch.effects),
        traces_(scratch.traces) {
    scratch_.origin.event.assign(event_.id);
    scratch_.origin.note.clear();
    scratch_.origin.program_version = p_.version;
  }

  void run() {
    const Instant t = event_.time;
    const auto& settings = checked_.settings;

    MemberState* member = tx_.find_member(event_.member);
    if (member != nullptr) history_.bring_up_to_date(tx_, *member, p_);
    if (event_.kind == EventKind::enroll) {
      if (member != nullptr) reject(fmt::format("member '{}' is already enrolled", event_.member));
      bind(event_);
      member = &enroll(event_, /*with_profile=*/true);
    } else if (member == nullptr) {
      if (settings.unknown_member == language::UnknownMember::reject) {
        reject(fmt::format("unknown member '{}'", event_.member));
      }
      member = &implicit_enroll();
    }
    member_ = member;

    // A tier move that fell due since the member's last event happens before its rules run.
    member_->ledger.settle(t);
    if (event_.kind != EventKind::enroll) recompute(t, 1, Recompute::due_tiers);

    if (event_.kind != EventKind::enroll) bind(event_);
    std::optional<store::PurchaseRecord> refund_of;
    if (event_.kind == EventKind::refund) refund_of = check_refund();
    if (event_.kind == EventKind::purchase && event_.amount.sign() < 0) {
      reject("field 'amount': a purchase amount must not be negative");
    }

    TriggerKind trigger = trigger_of(event_.kind);
    std::uint32_t custom = 0;
    if (trigger == TriggerKind::custom) {
      auto index = p_.custom_event(event_.type);
      if (!index) reject(fmt::format("unknown event type '{}'", event_.type));
      custom = *index;
    }
    engine::EvalContext context = base_context(t);
    context.event = &event_;
    context.attributes = &attributes_;
    evaluate_rules(p_.rules_for(trigger, custom), context, 0);

    if (event_.kind == EventKind::refund) reverse(*refund_of);
    if (event_.kind == EventKind::purchase) record_purchase();
    if (event_.kind == EventKind::profile) update_profile();
    if (event_.kind == EventKind::purchase) {
      store::PurchaseRecord record;
      record.id = event_.id;
      record.member = event_.member;
      record.amount = event_.amount;
      apply_planned(t, 0, &record);
      tx_.save_purchase(record);
    } else {
      apply_planned(t, 0, nullptr);
    }
    recompute(t, 1, event_.kind == EventKind::enroll ? Recompute::initial : Recompute::full);
    finish(t);
  }

  // One member's day's work at the tick's time (LANGUAGE.md, "Ticks"); event_ is the `daily`
  // event of that day.
  void run_tick(TickSummary& summary) {
    const Instant t = event_.time;
    member_ = tx_.find_member(event_.member);
    if (member_ == nullptr) reject(fmt::format("unknown member '{}'", event_.member));
    history_.bring_up_to_date(tx_, *member_, p_);
    member_->ledger.settle(t);
    std::int64_t expired = member_->ledger.expire(t, origin());
    if (expired > 0) {
      engine::EffectRecord& effect = add_effect(EffectKind::expire);
      effect.points = -expired;
      effect.asked = -expired;
      summary.expired_points += expired;
    }
    recompute(t, 1, Recompute::full);
    const Date today = t.date(checked_.settings.timezone);
    if (!member_->last_daily || *member_->last_daily < today) {
      member_->last_daily = today;
      engine::EvalContext context = base_context(t);
      context.event = &event_;
      evaluate_rules(p_.rules_for(TriggerKind::daily, 0), context, 0);
      apply_planned(t, 0, nullptr);
      recompute(t, 1, Recompute::full);
    }
    for (const engine::TraceRecord& trace : traces_) {
      if (trace.verdict == Verdict::fired && trace.depth == 0) ++summary.daily_rules_fired;
    }
    for (const engine::EffectRecord& effect : effects_) {
      if (effect.kind == EffectKind::tier_change) ++summary.tier_changes;
      if (effect.kind == EffectKind::stage_change) ++summary.stage_changes;
    }
    finish(t);
  }

  void finish(Instant t) {
    if (!member_->ledger.entries().empty() &&
        (!member_->last_entry_at || *member_->last_entry_at < t)) {
      member_->last_entry_at = t;
    }
    engine::OutcomeRecord& record = scratch_.record;
    record.points = member_->ledger.available(t);
    record.pending_points = member_->ledger.pending(t);
    record.tier = member_->tier;
    record.stage = member_->stage;
  }

 private:
  engine::EvalContext base_context(Instant t) const {
    engine::EvalContext context;
    context.program = &checked_;
    context.member = member_;
    context.now = t;
    context.timezone = checked_.settings.timezone;
    return context;
  }

  void bind(const Event& event) {
    try {
      engine::bind_event_attributes(checked_, event, attributes_);
    } catch (const EventError& e) {
      reject(e.what());
    }
  }

  MemberState& enroll(const Event& event, bool with_profile) {
    MemberState& member = tx_.create_member(event.member);
    member.program_version = p_.version;
    member.enrolled_at = event.time;
    member.attributes.assign(checked_.tree.member_attributes.size(), engine::Value());
    if (with_profile) {
      // The bound attributes of an enroll are the member section's, by index.
      for (std::size_t i = 0; i < member.attributes.size() && i < attributes_.size(); ++i) {
        member.attributes[i] = attributes_[i];
      }
      keep_extra_profile(member, event);
    }
    add_effect(EffectKind::enroll);
    return member;
  }

  // unknown_member = enroll: enroll first (running the enroll rules, with no profile) at the
  // event's time.
  MemberState& implicit_enroll() {
    Event enrollment;
    enrollment.id = event_.id;
    enrollment.kind = EventKind::enroll;
    enrollment.type = "enroll";
    enrollment.member = event_.member;
    enrollment.time = event_.time;
    attributes_.assign(checked_.tree.member_attributes.size(), engine::Value());
    MemberState& member = enroll(enrollment, /*with_profile=*/false);
    member_ = &member;
    engine::EvalContext context = base_context(event_.time);
    context.event = &enrollment;
    context.attributes = &attributes_;
    evaluate_rules(p_.rules_for(TriggerKind::enroll, 0), context, 0);
    apply_planned(event_.time, 0, nullptr);
    recompute(event_.time, 1, Recompute::initial);
    return member;
  }

  void keep_extra_profile(MemberState& member, const Event& event) {
    for (const Attribute& field : event.profile) {
      const auto& declared = checked_.tree.member_attributes;
      bool is_declared = std::any_of(declared.begin(), declared.end(), [&](const auto& d) {
        return d.name.name == field.name;
      });
      if (is_declared) continue;
      auto it = std::lower_bound(
          member.extra_profile.begin(), member.extra_profile.end(), field.name,
          [](const Attribute& a, const std::string& name) { return a.name < name; });
      if (it != member.extra_profile.end() && it->name == field.name) {
        it->value = field.value;
      } else {
        member.extra_profile.insert(it, field);
      }
    }
  }

  // A profile event: its rules saw the member before the change; now the change.
  void update_profile() {
    tx_.will_change_profile(*member_);
    const auto& declared = checked_.tree.member_attributes;
    for (std::uint32_t i = 0; i < declared.size(); ++i) {
      if (event_.profile_field(declared[i].name.name) != nullptr) {
        member_->attributes[i] = attributes_[i];
      }
    }
    keep_extra_profile(*member_, event_);
  }

  store::PurchaseRecord check_refund() {
    store::PurchaseRecord* purchase = tx_.find_purchase(event_.original);
    if (purchase == nullptr) {
      reject(fmt::format("refund of unknown purchase '{}'", event_.original));
    }
    if (purchase->member != event_.member) {
      reject(fmt::format("purchase '{}' belongs to another member", event_.original));
    }
    if (event_.amount.sign() <= 0) reject("field 'amount': a refund must be more than zero");
    Decimal left = purchase->amount - purchase->refunded;
    if (event_.amount > left) {
      reject(fmt::format("refund of {} is more than the {} left of purchase '{}'",
                         event_.amount.to_string(), left.to_string(), event_.original));
    }
    return *purchase;
  }

  engine::Shortfall shortfall() const {
    return checked_.settings.negative_balance == language::NegativeBalance::allow
               ? engine::Shortfall::debt
               : engine::Shortfall::drop;
  }

  // The origin of an entry this event's `rule` (none: kNoRule) writes with its `action`.
  const engine::Origin& origin(std::uint32_t rule = engine::Origin::kNoRule,
                               std::uint32_t action = 0) {
    scratch_.origin.rule = rule;
    scratch_.origin.action = action;
    return scratch_.origin;
  }

  // A new effect at the end of the outcome, made by `source` (none: no rule made it).
  engine::EffectRecord& add_effect(EffectKind kind, engine::EffectSource source = {}) {
    engine::EffectRecord& effect = effects_.emplace_back();
    effect.kind = kind;
    effect.source = source;
    return effect;
  }

  // Step 3 of LANGUAGE.md: floor(points awarded x refund / purchase amount), computed exactly.
  void reverse(store::PurchaseRecord purchase) {
    const Instant t = event_.time;
    std::int64_t points = 0;
    if (purchase.points > 0) {
      Decimal numerator = Decimal(purchase.points) * event_.amount;
      Decimal whole = (numerator - numerator % purchase.amount) / purchase.amount;
      points = whole.to_int64(Rounding::floor);
    }
    if (points > 0) {
      auto& own = scratch_.own_lots;
      own.clear();
      for (std::uint32_t i = 0; i < purchase.lot_count; ++i) own.push_back(purchase.first_lot + i);
      std::int64_t taken = member_->ledger.reverse(t, points, own, shortfall(), origin());
      engine::EffectRecord& effect = add_effect(EffectKind::reverse);
      effect.points = -taken;
      effect.asked = -points;
      member_->earned = checked_sub(member_->earned, points);  // as asked, even where clamp took less
    }
    member_->spend -= event_.amount;
    add_history(t, -event_.amount, 0, -points);
    purchase.refunded += event_.amount;
    tx_.save_purchase(purchase);
  }

  void record_purchase() {
    member_->spend += event_.amount;
    member_->purchases += 1;
    if (!member_->last_purchase_at || *member_->last_purchase_at < event_.time) {
      member_->last_purchase_at = event_.time;
    }
    add_history(event_.time, event_.amount, 1, 0);
  }

  void add_history(Instant t, const Decimal& spend, std::int64_t purchases, std::int64_t earned) {
    if (!p_.uses_windows) return;
    auto& history = member_->history;
    auto at = std::upper_bound(history.begin(), history.end(), t,
                               [](Instant time, const engine::HistoryPoint& h) { return time < h.time; });
    history.insert(at, engine::HistoryPoint{t, spend, purchases, earned});
  }

  // ---- rules ----------------------------------------------------------------------------

  bool limit_reached(std::uint32_t rule, Instant t) const {
    const auto& limit = checked_.rules[rule].limit;
    if (!limit) return false;
    const std::string& name = checked_.tree.rules[rule].name.name;
    for (const auto& use : member_->rule_uses) {
      if (use.rule != name) continue;
      if (!limit->window) return static_cast<std::int64_t>(use.fired_at.size()) >= limit->count;
      Instant since = subtract(t, *limit->window, checked_.settings.timezone);
      auto in_window = std::count_if(use.fired_at.begin(), use.fired_at.end(),
                                     [&](Instant at) { return at > since && at <= t; });
      return in_window >= limit->count;
    }
    return false;
  }

  void record_use(std::uint32_t rule, Instant t) {
    if (!checked_.rules[rule].limit) return;
    const std::string& name = checked_.tree.rules[rule].name.name;
    for (auto& use : member_->rule_uses) {
      if (use.rule == name) {
        use.fired_at.insert(std::upper_bound(use.fired_at.begin(), use.fired_at.end(), t), t);
        return;
      }
    }
    member_->rule_uses.push_back(engine::RuleUse{name, {t}});
  }

  std::string rule_failure(std::uint32_t rule, const std::string& what) const {
    return fmt::format("rule '{}' (line {}): {}", checked_.tree.rules[rule].name.name,
                       p_.rule_lines[rule], what);
  }

  // Checks every rule in `rules` against the context, in order, and plans the actions of
  // those that fire (LANGUAGE.md step 2).
  void evaluate_rules(const std::vector<std::uint32_t>& rules, const engine::EvalContext& context,
                      std::uint32_t depth) {
    planned_.clear();
    const Instant t = context.now;
    const Date today = t.date(checked_.settings.timezone);
    bool stopped = false;
    auto& groups_taken = scratch_.groups_taken;
    groups_taken.clear();
    for (std::uint32_t index : rules) {
      const language::CheckedRule& rule = checked_.rules[index];
      const language::RuleDecl& decl = checked_.tree.rules[index];
      Verdict verdict = Verdict::fired;
      std::int64_t budget_left = 0;
      try {
        if (stopped) {
          verdict = Verdict::after_stop;
        } else if (rule.active_from && (today < *rule.active_from || today > *rule.active_to)) {
          verdict = Verdict::inactive;
        } else if (!rule.group.empty() &&
                   std::find(groups_taken.begin(), groups_taken.end(), rule.group) !=
                       groups_taken.end()) {
          verdict = Verdict::group_taken;
        } else if (!holds(p_.expressions.rules[index].when, context)) {
          verdict = Verdict::condition_false;
        } else if (limit_reached(index, t)) {
          verdict = Verdict::limit_reached;
        } else if (rule.budget) {
          budget_left = *rule.budget - tx_.budget_used(decl.name.name);
          if (budget_left <= 0) verdict = Verdict::budget_spent;
        }
        if (verdict == Verdict::fired) {
          plan_actions(index, context, rule.budget ? &budget_left : nullptr);
        }
      } catch (const engine::EvalError& e) {
        reject(rule_failure(index, e.what()));
      } catch (const NumberError& e) {
        reject(rule_failure(index, e.what()));
      } catch (const TimeError& e) {
        reject(rule_failure(index, e.what()));
      }
      traces_.push_back(engine::TraceRecord{index, verdict, depth});
      if (verdict != Verdict::fired) continue;
      record_use(index, t);
      if (!rule.group.empty()) groups_taken.push_back(rule.group);
      for (const auto& action : decl.actions) {
        if (action.kind == language::ActionKind::stop) stopped = true;
      }
    }
  }

  bool holds(engine::ExprId when, const engine::EvalContext& context) const {
    return !when.valid() || engine::holds(p_.expressions.pool, when, context);
  }

  std::int64_t points_of(std::uint32_t rule, engine::ExprId amount,
                         const engine::EvalContext& context, const char* what) const {
    auto value = engine::evaluate_number(p_.expressions.pool, amount, context);
    if (!value) return 0;  // none awards nothing
    std::int64_t points = value->to_int64(checked_.settings.rounding);
    if (points < 0) {
      reject(rule_failure(rule, fmt::format("{} computes to {}, less than zero", what,
                                            value->to_string())));
    }
    return points;
  }

  void plan_actions(std::uint32_t index, const engine::EvalContext& context,
                    std::int64_t* budget_left) {
    const language::RuleDecl& decl = checked_.tree.rules[index];
    const engine::CompiledRule& compiled = p_.expressions.rules[index];
    for (std::uint32_t i = 0; i < decl.actions.size(); ++i) {
      const language::Action& action = decl.actions[i];
      // Built in place (a rejection part-way clears planned_ with the rest of the scratch).
      PlannedAction& plan = planned_.next();
      plan.rule = index;
      plan.action = i;
      switch (action.kind) {
        case language::ActionKind::award:
          plan.asked = points_of(index, compiled.actions[i].amount, context, "the award");
          plan.points = plan.asked;
          if (budget_left != nullptr) {
            plan.points = std::min(plan.points, std::max<std::int64_t>(*budget_left, 0));
            *budget_left -= plan.points;
          }
          break;
        case language::ActionKind::deduct:
          plan.points = points_of(index, compiled.actions[i].amount, context, "the deduction");
          plan.asked = plan.points;
          break;
        case language::ActionKind::set:
          plan.value = engine::evaluate(p_.expressions.pool, compiled.actions[i].amount, context);
          break;
        case language::ActionKind::emit:
          plan.data = engine::emit_data(p_, action, compiled.actions[i], context);
          break;
        default: break;
      }
    }
  }

  // Applies the planned actions in order (LANGUAGE.md step 4). For the event's own rules of a
  // purchase, what they award is remembered for its refunds.
  void apply_planned(Instant t, std::uint32_t depth, store::PurchaseRecord* purchase) {
    for (const PlannedAction& plan : planned_) {
      const language::RuleDecl& decl = checked_.tree.rules[plan.rule];
      const language::Action& action = decl.actions[plan.action];
      const language::CheckedAction& details = checked_.rules[plan.rule].actions[plan.action];
      const std::string& rule = decl.name.name;
      if (action.kind == language::ActionKind::stop) continue;
      engine::EffectRecord& effect = add_effect(EffectKind::award, {plan.rule, plan.action});
      effect.depth = depth;
      switch (action.kind) {
        case language::ActionKind::award: {
          effect.kind = EffectKind::award;
          effect.points = plan.points;
          effect.asked = plan.asked;
          if (plan.points == 0) break;
          const UtcOffset tz = checked_.settings.timezone;
          Instant available_at = add(t, details.pending, tz);
          std::optional<Instant> expires_at;
          if (details.expiry == language::ExpiryKind::in) {
            expires_at = add(t, details.expires_in, tz);
          } else if (details.expiry == language::ExpiryKind::on) {
            expires_at = Instant::start_of(details.expires_on.add_days(1), tz);
          }
          auto lot = member_->ledger.award(t, plan.points, available_at, expires_at,
                                           origin(plan.rule, plan.action));
          effect.available_at = available_at;
          effect.expires_at = expires_at;
          member_->earned = checked_add(member_->earned, plan.points);
          add_history(t, Decimal(), 0, plan.points);
          if (checked_.rules[plan.rule].budget) tx_.add_budget_used(rule, plan.points);
          if (purchase != nullptr && lot) {
            // The purchase's own lots are made one after another: a range of ids.
            purchase->points += plan.points;
            if (purchase->lot_count == 0) purchase->first_lot = *lot;
            purchase->lot_count = static_cast<std::uint32_t>(*lot - purchase->first_lot + 1);
          }
          break;
        }
        case language::ActionKind::deduct: {
          effect.kind = EffectKind::deduct;
          effect.asked = -plan.points;
          effect.points = -member_->ledger.take(t, engine::EntryKind::deduct, plan.points,
                                                shortfall(), origin(plan.rule, plan.action));
          break;
        }
        case language::ActionKind::tag:
        case language::ActionKind::untag: {
          const std::string& tag = action.name.name;
          auto& tags = member_->tags;
          auto it = std::lower_bound(tags.begin(), tags.end(), tag);
          const bool present = it != tags.end() && *it == tag;
          effect.kind = action.kind == language::ActionKind::tag ? EffectKind::tag : EffectKind::untag;
          if (effect.kind == EffectKind::tag && !present) tags.insert(it, tag);
          if (effect.kind == EffectKind::untag && present) tags.erase(it);
          break;
        }
        case language::ActionKind::set:
          effect.kind = EffectKind::set;
          effect.value = engine::value_json(p_, plan.value);
          tx_.will_change_profile(*member_);
          member_->attributes[details.attribute] = plan.value;
          break;
        case language::ActionKind::emit: {
          effect.kind = EffectKind::emit;
          effect.value = plan.data;
          store::OutboxMessage message;
          message.member = member_->id;
          message.event = event_.id;
          message.rule = rule;
          message.name = action.name.name;
          message.data = plan.data;
          message.time = t;
          tx_.append_outbox(std::move(message));
          break;
        }
        case language::ActionKind::stop: break;
      }
    }
    planned_.clear();
  }

  // ---- tiers and stages (LANGUAGE.md step 5) ----------------------------------------------

  std::optional<std::uint32_t> target_tier(const engine::EvalContext& context) const {
    if (!checked_.tree.tiers) return std::nullopt;
    if (p_.tier_field) {  // a whole-number field against whole thresholds
      if (context.member == nullptr) return std::nullopt;
      const MemberState& m = *context.member;
      const std::int64_t metric =
          *p_.tier_field == language::MemberField::earned ? m.earned : m.purchases;
      std::optional<std::uint32_t> tier;
      for (std::uint32_t i = 0; i < p_.tier_thresholds.size(); ++i) {
        if (p_.tier_thresholds[i] <= metric) tier = i;
      }
      return tier;
    }
    auto metric = engine::evaluate_number(p_.expressions.pool, p_.expressions.tier_metric, context);
    if (!metric) return std::nullopt;
    std::optional<std::uint32_t> tier;
    for (std::uint32_t i = 0; i < checked_.tier_thresholds.size(); ++i) {
      if (checked_.tier_thresholds[i] <= *metric) tier = i;
    }
    return tier;
  }

  std::optional<std::uint32_t> target_stage(const engine::EvalContext& context) const {
    if (!checked_.tree.lifecycle) return std::nullopt;
    const auto& conditions = p_.expressions.stage_conditions;
    for (std::uint32_t i = 0; i < conditions.size(); ++i) {
      if (!conditions[i].valid() || engine::holds(p_.expressions.pool, conditions[i], context)) {
        return i;
      }
    }
    return std::nullopt;
  }

  enum class Recompute {
    initial,    // at enrollment: the first tier and stage are set silently
    due_tiers,  // before an event's rules: only a tier move that fell due
    full,       // after an event's effects: tier and stage, firing chained rules
  };

  // Moves the member to the tier and stage its figures give, firing tier_changed and
  // stage_changed rules, until nothing changes.
  void recompute(Instant t, std::uint32_t depth, Recompute mode) {
    if (!checked_.tree.tiers && !checked_.tree.lifecycle) return;
    const bool initial = mode == Recompute::initial;
    for (;;) {
      engine::EvalContext context = base_context(t);
      std::optional<std::uint32_t> tier, stage;
      try {
        tier = target_tier(context);
        stage = mode == Recompute::due_tiers ? member_->stage : target_stage(context);
      } catch (const Error& e) {
        reject(fmt::format("computing the tier or stage: {}", e.what()));
      }
      const auto old_tier = member_->tier;
      bool tier_moves = tier != old_tier;
      if (tier_moves && !initial && old_tier && (!tier || *tier < *old_tier) &&
          member_->tier_kept_until && t < *member_->tier_kept_until) {
        tier_moves = false;  // an upgrade is kept until tier_since + keep
      }
      const auto old_stage = member_->stage;
      const bool stage_moves = stage != old_stage;
      if (!tier_moves && !stage_moves) return;
      if (tier_moves) {
        const bool upgrade = tier && (!old_tier || *tier > *old_tier);
        member_->tier = tier;
        member_->tier_since = t;
        member_->tier_kept_until.reset();
        if (upgrade && checked_.tier_keep && !initial) {
          member_->tier_kept_until = add(t, *checked_.tier_keep, checked_.settings.timezone);
        }
      }
      if (stage_moves) {
        member_->stage = stage;
        member_->stage_since = t;
      }
      if (initial) return;  // the first tier and stage given at enrollment are not a change
      if (depth > kMaxChainDepth) {
        reject(fmt::format("tier and stage changes chain deeper than {}: rules {}", kMaxChainDepth,
                           chained_rules()));
      }
      if (tier_moves) {
        changed(EffectKind::tier_change, TriggerKind::tier_changed, old_tier, tier, t, depth);
      }
      if (stage_moves) {
        changed(EffectKind::stage_change, TriggerKind::stage_changed, old_stage, stage, t, depth);
      }
      ++depth;
    }
  }

  std::string chained_rules() const {
    std::string names;
    for (const engine::TraceRecord& trace : traces_) {
      if (trace.depth == 0 || trace.verdict != Verdict::fired) continue;
      const std::string& rule = checked_.tree.rules[trace.rule].name.name;
      if (names.find("'" + rule + "'") != std::string::npos) continue;
      names += (names.empty() ? "'" : ", '") + rule + "'";
    }
    return names.empty() ? "(none)" : names;
  }

  void changed(EffectKind kind, TriggerKind trigger, std::optional<std::uint32_t> from,
               std::optional<std::uint32_t> to, Instant t, std::uint32_t depth) {
    engine::EffectRecord& effect = add_effect(kind);
    effect.depth = depth;
    const bool tier = kind == EffectKind::tier_change;
    effect.from = from;
    effect.to = to;

    auto& rules = scratch_.chained;
    rules.clear();
    for (std::uint32_t index : p_.rules_for(trigger, 0)) {
      const auto& wanted = checked_.rules[index].trigger.to;
      if (!wanted || (to && *wanted == *to)) rules.push_back(index);
    }
    if (rules.empty()) return;
    Event change;
    change.id = event_.id;
    change.kind = EventKind::custom;
    change.type = tier ? "tier_changed" : "stage_changed";
    change.member = event_.member;
    change.time = t;
    engine::EvalContext context = base_context(t);
    context.event = &change;
    context.from = from;
    context.to = to;
    evaluate_rules(rules, context, depth);
    apply_planned(t, depth, nullptr);
  }

  const CompiledProgram& p_;
  const ProgramHistory& history_;
  const language::CheckedProgram& checked_;
  store::Transaction& tx_;
  const Event& event_;
  std::vector<engine::Value>& attributes_;
  engine::PlannedActions& planned_;
  Scratch& scratch_;
  std::vector<engine::EffectRecord>& effects_;
  std::vector<engine::TraceRecord>& traces_;
  MemberState* member_ = nullptr;
};

}  // namespace

void Engine::Impl::start(const CompiledProgram& compiled, std::string_view member) {
  scratch.effects.clear();
  scratch.traces.clear();
  scratch.planned.clear();
  scratch.reason.clear();
  scratch.encoded.clear();
  scratch.record = engine::OutcomeRecord{};
  scratch.record.program_version = compiled.version;
  scratch.record.member = member;
}

Status Engine::Impl::refuse(std::string reason) {
  // Nothing changed: no effects and no figures; the rules tried so far stay, to show how far
  // the event got.
  scratch.planned.clear();
  scratch.effects.clear();
  engine::OutcomeRecord& record = scratch.record;
  record.status = Status::rejected;
  record.points = 0;
  record.pending_points = 0;
  record.tier.reset();
  record.stage.reset();
  scratch.reason = std::move(reason);
  return Status::rejected;
}

void Engine::Impl::recorded(std::string_view id, std::string_view bytes, Outcome& out) const {
  engine::DecodedOutcome work;
  recorded(id, bytes, out, work);
}

void Engine::Impl::recorded(std::string_view id, std::string_view bytes, Outcome& out,
                            engine::DecodedOutcome& work) const {
  auto version = history.at(engine::encoded_program_version(bytes));
  if (!version) {
    throw StoreError(fmt::format("event '{}' was processed by program version {}, which this "
                                 "engine does not have",
                                 id, engine::encoded_program_version(bytes)));
  }
  engine::decode_outcome(bytes, id, *version, out, work);
}

Status Engine::Impl::run(const Event& event, bool apply, bool prefetched) {
  // The member's state is seldom in the cache: asking for all of it at once costs one wait
  // where reading it as the rules need it would wait for each part in turn.
  if (!prefetched) {
    for (int step = store::Store::kPrefetchSteps - 1; step >= 0; --step) {
      store->prefetch(event.member, event.id, step);
    }
  }
  running = program.load();
  const CompiledProgram& compiled = *running;
  start(compiled, event.member);
  store::TransactionGuard tx(store->begin());
  const std::uint64_t print = fingerprint(event);
  if (const auto seen = tx->find_event(event.id)) {
    if (same_print(seen->fingerprint, print)) {
      scratch.encoded.assign(seen->outcome);  // the first outcome, for outcome()
      return Status::duplicate;
    }
    return refuse(fmt::format("event id '{}' was seen before with different content", event.id));
  }
  // A rejected event is an ordinary outcome; the transaction is rolled back, so nothing
  // changes.
  try {
    EventRun run(compiled, history, *tx, event, scratch);
    run.run();
  } catch (const Rejection& rejection) {
    return refuse(rejection.reason);
  } catch (const NumberError& e) {  // an overflow in the ledger's sums
    return refuse(e.what());
  } catch (const TimeError& e) {  // a lot's expiry beyond the year 9999
    return refuse(e.what());
  }
  scratch.record.effects = scratch.effects;
  scratch.record.traces = scratch.traces;
  if (apply) {  // a dry run's outcome is named from the record; nothing needs its encoding
    engine::encode_outcome(scratch.record, scratch.encoded);
    tx->record_event(event.id, print, scratch.encoded);
    tx->commit();
  }
  return Status::applied;
}

void Engine::Impl::outcome(std::string_view event_id, Status status, Outcome& out) {
  switch (status) {
    case Status::applied:
      // Named from the record the store's encoding was made of (to_outcome is also how
      // decode_outcome names a stored one): what explain() gives later, without reading the
      // encoding back.
      engine::to_outcome(scratch.record, event_id, *running, out);
      return;
    case Status::duplicate:
      recorded(event_id, scratch.encoded, out, scratch.decoded);
      out.status = Status::duplicate;
      return;
    case Status::rejected:
      scratch.record.effects = {};
      scratch.record.traces = scratch.traces;
      engine::to_outcome(scratch.record, event_id, *running, out);
      out.reason = scratch.reason;
      return;
  }
}

void Engine::Impl::count(Status status, Tally& tally) {
  ++tally.events;
  switch (status) {
    case Status::duplicate: ++tally.duplicates; return;
    case Status::rejected:
      ++tally.rejected;
      ++tally.rejected_by_reason[Tally::reason_group(scratch.reason)];
      return;
    case Status::applied: ++tally.applied; break;
  }
  // By rule index, into counts the tally names when it is read: no name is looked up here.
  if (tally.indexed_program_ != running->program) {
    tally.fold();
    const auto& rules = running->checked->tree.rules;
    tally.indexed_program_ = running->program;
    tally.indexed_names_.clear();
    for (const auto& rule : rules) tally.indexed_names_.push_back(rule.name.name);
    tally.indexed_.assign(rules.size(), RuleTally{});
  }
  for (const engine::TraceRecord& trace : scratch.traces) {
    if (trace.verdict == Verdict::fired) ++tally.indexed_[trace.rule].fired;
  }
  for (const engine::EffectRecord& effect : scratch.effects) {
    switch (effect.kind) {
      case EffectKind::award:
        tally.points_awarded += effect.points;
        tally.indexed_[effect.source.rule].awarded += effect.points;
        break;
      case EffectKind::deduct:
        tally.points_taken -= effect.points;
        tally.indexed_[effect.source.rule].deducted -= effect.points;
        break;
      case EffectKind::reverse:
      case EffectKind::expire: tally.points_taken -= effect.points; break;
      default: break;
    }
  }
}

TickSummary Engine::tick(Instant time) {
  std::shared_ptr<const CompiledProgram> compiled = impl_->program.load();
  if (auto last = impl_->store->last_tick(); last && time < *last) {
    throw EventError(fmt::format("a tick at {} is earlier than the last tick, at {}",
                                 time.to_string(), last->to_string()));
  }
  TickSummary summary;
  summary.time = time;
  const Date today = time.date(compiled->checked->settings.timezone);
  Event daily;
  daily.id = "daily:" + today.to_string();
  daily.kind = EventKind::custom;
  daily.type = "daily";
  daily.time = time;
  impl_->running = compiled;
  for (const std::string& id : impl_->store->member_ids()) {
    ++summary.members;
    daily.member = id;
    impl_->start(*compiled, id);
    store::TransactionGuard tx(impl_->store->begin());
    auto rejected = [&](std::string reason) {
      impl_->refuse(std::move(reason));
      impl_->outcome(daily.id, Status::rejected, summary.rejected.emplace_back());
    };
    // Counted into the summary only once this member's work commits.
    TickSummary member_summary;
    try {
      EventRun run(*compiled, impl_->history, *tx, daily, impl_->scratch);
      run.run_tick(member_summary);
      tx->commit();
      summary.expired_points += member_summary.expired_points;
      summary.tier_changes += member_summary.tier_changes;
      summary.stage_changes += member_summary.stage_changes;
      summary.daily_rules_fired += member_summary.daily_rules_fired;
    } catch (const Rejection& rejection) {
      rejected(rejection.reason);
    } catch (const NumberError& e) {
      rejected(e.what());
    } catch (const TimeError& e) {
      rejected(e.what());
    }
  }
  store::TransactionGuard tx(impl_->store->begin());
  tx->set_last_tick(time);
  tx->commit();
  return summary;
}

Outcome Engine::Impl::host_operation(std::string_view member_id, std::int64_t points,
                                     std::string_view key, std::string_view label, Instant at,
                                     bool is_redeem) {
  running = program.load();
  const CompiledProgram& compiled = *running;
  const auto& settings = compiled.checked->settings;
  start(compiled, member_id);
  store::TransactionGuard tx(store->begin());
  Outcome outcome;
  std::uint64_t print = 0;
  if (is_redeem) {
    if (points <= 0) throw EventError("the points to redeem must be more than zero");
    print = known(text_print(member_id) ^
                  (static_cast<std::uint64_t>(points) * 0x9e3779b97f4a7c15ull));
    if (const auto seen = tx->find_redemption(key)) {
      if (!same_print(seen->fingerprint, print)) {
        throw EventError(fmt::format("reference '{}' was used before for another redemption", key));
      }
      recorded(key, seen->outcome, outcome);
      outcome.status = Status::duplicate;
      return outcome;
    }
  } else if (points == 0) {
    throw EventError("an adjustment of zero points changes nothing");
  }
  MemberState* member = tx->find_member(member_id);
  if (member == nullptr) throw EventError(fmt::format("unknown member '{}'", member_id));
  history.bring_up_to_date(*tx, *member, compiled);
  if (member->last_entry_at && at < *member->last_entry_at) {
    throw EventError(fmt::format("{} is before the member's latest ledger entry, at {}",
                                 at.to_string(), member->last_entry_at->to_string()));
  }
  engine::Ledger& ledger = member->ledger;
  ledger.settle(at);
  engine::Origin origin;
  origin.event = is_redeem ? key : "";
  origin.note = label;
  origin.program_version = compiled.version;
  engine::EffectRecord& effect = scratch.effects.emplace_back();
  effect.label = std::string(label);
  if (is_redeem) {
    if (!ledger.can_redeem(at, points)) {
      throw InsufficientPoints(fmt::format("member '{}' has {} points available, not {}",
                                           member_id, ledger.available(at), points));
    }
    effect.kind = EffectKind::redeem;
    effect.points = -ledger.take(at, engine::EntryKind::redeem, points, engine::Shortfall::drop,
                                 origin);
    effect.asked = -points;
  } else if (points > 0) {
    effect.kind = EffectKind::adjust;
    ledger.award(at, points, at, std::nullopt, origin, engine::EntryKind::adjust);
    effect.points = effect.asked = points;
  } else {
    effect.kind = EffectKind::adjust;
    const auto shortfall = settings.negative_balance == language::NegativeBalance::allow
                               ? engine::Shortfall::debt
                               : engine::Shortfall::drop;
    effect.points = -ledger.take(at, engine::EntryKind::adjust, -points, shortfall, origin);
    effect.asked = points;
  }
  if (!member->last_entry_at || *member->last_entry_at < at) member->last_entry_at = at;
  engine::OutcomeRecord& record = scratch.record;
  record.points = ledger.available(at);
  record.pending_points = ledger.pending(at);
  record.tier = member->tier;
  record.stage = member->stage;
  record.effects = scratch.effects;
  if (is_redeem) {  // kept for a repeated reference; an adjustment is not kept
    engine::encode_outcome(record, scratch.encoded);
    tx->record_redemption(key, print, scratch.encoded);
  }
  tx->commit();
  engine::to_outcome(record, is_redeem ? key : std::string_view(), compiled, outcome);
  return outcome;
}

Outcome Engine::redeem(std::string_view member, std::int64_t points, std::string_view reference,
                       Instant at) {
  return impl_->host_operation(member, points, reference, "", at, true);
}

Outcome Engine::adjust(std::string_view member, std::int64_t points, std::string_view reason,
                       Instant at) {
  return impl_->host_operation(member, points, "", reason, at, false);
}

namespace {

// SHA-1 of a program's text, in hex: which text a stored version is.
std::string text_hash(std::string_view text) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(text.data(), text.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha.get_digest(digest);
  std::string hex;
  for (unsigned word : digest) hex += fmt::format("{:08x}", word);
  return hex;
}

}  // namespace

std::shared_ptr<const CompiledProgram> Engine::Impl::add_version(
    std::shared_ptr<const Program> p, std::uint32_t version) {
  auto compiled = engine::compile_program(std::move(p), version);
  history.add(compiled);
  return compiled;
}

Engine::Engine(std::shared_ptr<const Program> program, std::shared_ptr<store::Store> store)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = std::move(store);
  // Every version the store has run, so that its records and members read by their names.
  std::shared_ptr<const CompiledProgram> latest;
  std::string latest_text;
  for (const store::StoredProgram& stored : impl_->store->programs()) {
    std::shared_ptr<const Program> loaded;
    try {
      loaded = compile(stored.text, stored.file);
    } catch (const RuleError& e) {
      throw StoreError(fmt::format("program version {} stored in the database no longer "
                                   "compiles: {}",
                                   stored.version, e.what()));
    }
    latest = impl_->add_version(std::move(loaded), stored.version);
    latest_text = stored.text;
    impl_->last_version = stored.version;
  }
  if (!program) {
    if (!latest) throw StoreError("the database holds no program yet: give one to run");
    impl_->program.store(std::move(latest));
    return;
  }
  if (latest && latest_text == program->text()) {  // the same text: the same version
    impl_->program.store(std::move(latest));
    return;
  }
  impl_->last_version = latest ? impl_->last_version + 1 : 1;
  auto compiled = impl_->add_version(std::move(program), impl_->last_version);
  save_program(*compiled);
  impl_->program.store(std::move(compiled));
}

Engine::Engine(std::shared_ptr<store::Store> store) : Engine(nullptr, std::move(store)) {}

void Engine::save_program(const engine::CompiledProgram& compiled) {
  const Program& p = *compiled.program;
  store::TransactionGuard tx(impl_->store->begin());
  tx->save_program(store::StoredProgram{compiled.version, p.file(), p.text(), text_hash(p.text())});
  tx->commit();
}

Engine::~Engine() = default;

Outcome Engine::process(const Event& event) {
  Outcome outcome;
  process(event, outcome);
  return outcome;
}

void Engine::process(const Event& event, Outcome& outcome) {
  impl_->outcome(event.id, impl_->run(event, true), outcome);
}

Status Engine::process(const Event& event, Tally& tally, std::string* reason) {
  const Status status = impl_->run(event, true);
  impl_->count(status, tally);
  if (reason != nullptr) *reason = impl_->scratch.reason;
  return status;
}

void Engine::process(std::span<const Event> events, Tally& tally, const Rejected& rejected) {
  // Before event i runs, the store is asked for the last step of event i + d's prefetch (what
  // its member points to), the step before of event i + 2d (the member), and so on back to
  // the first (where the member and the event id sit in the store's tables): when an event
  // runs, what it reads is in the cache, and no step waited for memory.
  constexpr std::ptrdiff_t kDistance = 4;  // events between two steps of one event's prefetch
  constexpr std::ptrdiff_t kSteps = store::Store::kPrefetchSteps;
  const auto n = static_cast<std::ptrdiff_t>(events.size());
  const store::Store& store = *impl_->store;
  for (std::ptrdiff_t i = -kSteps * kDistance; i < n; ++i) {
    for (std::ptrdiff_t step = kSteps - 1; step >= 0; --step) {
      const std::ptrdiff_t ahead = i + (step + 1) * kDistance;
      if (ahead >= 0 && ahead < n) {
        const Event& soon = events[static_cast<std::size_t>(ahead)];
        store.prefetch(soon.member, soon.id, static_cast<int>(step));
      }
    }
    if (i < 0) continue;
    const Event& event = events[static_cast<std::size_t>(i)];
    const Status status = impl_->run(event, true, true);
    impl_->count(status, tally);
    if (status == Status::rejected && rejected) {
      rejected(static_cast<std::size_t>(i), impl_->scratch.reason);
    }
  }
}

Outcome Engine::dry_run(const Event& event) {
  Outcome outcome;
  impl_->outcome(event.id, impl_->run(event, false), outcome);
  return outcome;
}

std::optional<Outcome> Engine::explain(std::string_view event_id) const {
  const auto record = impl_->store->event_outcome(event_id);
  if (!record) return std::nullopt;
  Outcome outcome;
  impl_->recorded(event_id, *record, outcome);
  return outcome;
}

void Engine::replace_program(std::shared_ptr<const Program> program) {
  if (!program) throw std::invalid_argument("loyalty: replace_program needs a program");
  auto compiled = impl_->add_version(std::move(program), impl_->last_version + 1);
  save_program(*compiled);
  ++impl_->last_version;
  impl_->program.store(std::move(compiled));
}

std::shared_ptr<const Program> Engine::program() const {
  return impl_->program.load()->program;
}

void Engine::flush() { impl_->store->flush(); }

std::uint32_t Engine::program_version() const noexcept { return impl_->program.load()->version; }

Stats Engine::stats(Instant at) const {
  std::shared_ptr<const CompiledProgram> compiled = impl_->program.load();
  Stats stats;
  stats.events = impl_->store->totals().events;
  impl_->store->visit_members([&](const MemberState& member) {
    ++stats.members;
    stats.points_total += member.ledger.available(at);
    // A member not yet brought to the current program is named by its own version's.
    std::shared_ptr<const CompiledProgram> layout = compiled;
    if (member.program_version != compiled->version) {
      layout = impl_->history.at(member.program_version);
    }
    if (member.tier && layout) ++stats.tiers[tier_name(*layout, member.tier)];
    if (member.stage && layout) ++stats.stages[stage_name(*layout, member.stage)];
    for (const std::string& tag : member.tags) ++stats.tags[tag];
  });
  return stats;
}

}  // namespace loyalty
