// `loyalty redeem`, `adjust`, `tick`, `explain`, `stats` and `backup`: single operations on the
// database.

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/json.hpp"
#include "cli/session.hpp"

namespace loyalty::cli {

namespace {

struct Options {
  Session session;
  std::string id;         // member, event id, or destination
  std::int64_t points = 0;
  std::string text;       // --ref, --reason, or the tick's time
  bool json = false;
};

void print_outcome(const Outcome& o, bool json_output) {
  if (json_output) {
    Json json;
    write_outcome(json, o);
    fmt::print("{}\n", json.text());
    return;
  }
  if (o.status == Status::rejected) {
    fmt::print("event '{}' was rejected: {}\n", o.event, o.reason);
    return;
  }
  if (o.status == Status::duplicate) fmt::print("already done before: nothing changed\n");
  for (const Effect& e : o.effects) {
    fmt::print("{:<9}{:>10}{}{}\n", effect_kind_name(e.kind), grouped(e.points),
               e.asked != e.points ? fmt::format(" (asked {})", grouped(e.asked)) : "",
               e.label.empty() ? "" : "  " + e.label);
  }
  fmt::print("member '{}': {} points available, {} pending\n", o.member, grouped(o.points),
             grouped(o.pending_points));
}

int redeem(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  Outcome outcome = engine->redeem(o.id, o.points, o.text, o.session.when());
  engine->flush();
  print_outcome(outcome, o.json);
  return ok;
}

int adjust(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  Outcome outcome = engine->adjust(o.id, o.points, o.text, o.session.when());
  engine->flush();
  print_outcome(outcome, o.json);
  return ok;
}

int tick(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  TickSummary s = engine->tick(Instant::parse(o.text));
  engine->flush();
  if (o.json) {
    Json json;
    json.begin_object();
    json.key("time").string(s.time.to_string());
    json.key("members").unsigned_number(s.members);
    json.key("expired_points").number(s.expired_points);
    json.key("tier_changes").unsigned_number(s.tier_changes);
    json.key("stage_changes").unsigned_number(s.stage_changes);
    json.key("daily_rules_fired").unsigned_number(s.daily_rules_fired);
    json.key("rejected").begin_array();
    for (const Outcome& r : s.rejected) {
      json.begin_object().key("member").string(r.member).key("reason").string(r.reason).end_object();
    }
    json.end_array();
    json.end_object();
    fmt::print("{}\n", json.text());
  } else {
    fmt::print("tick at {}\n", s.time.to_string());
    fmt::print("members           {:>12}\n", grouped(static_cast<std::int64_t>(s.members)));
    fmt::print("expired points    {:>12}\n", grouped(s.expired_points));
    fmt::print("tier changes      {:>12}\n", grouped(static_cast<std::int64_t>(s.tier_changes)));
    fmt::print("stage changes     {:>12}\n", grouped(static_cast<std::int64_t>(s.stage_changes)));
    fmt::print("daily rules fired {:>12}\n",
               grouped(static_cast<std::int64_t>(s.daily_rules_fired)));
    for (const Outcome& r : s.rejected) {
      fmt::print(stderr, "member '{}': {}\n", r.member, r.reason);
    }
  }
  return s.rejected.empty() ? ok : invalid;
}

int explain(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  auto outcome = engine->explain(o.id);
  if (!outcome) {
    fmt::print(stderr, "loyalty: no applied event '{}'\n", o.id);
    return invalid;
  }
  if (o.json) {
    print_outcome(*outcome, true);
    return ok;
  }
  fmt::print("event '{}' of member '{}', processed by program version {}\n", outcome->event,
             outcome->member, outcome->program_version);
  fmt::print("{:<32}{:>6}  {}\n", "rule", "line", "verdict");
  for (const RuleTrace& r : outcome->rules) {
    fmt::print("{:<32}{:>6}  {}{}\n", std::string(r.depth * 2, ' ') + r.rule, r.line,
               verdict_text(r.verdict), r.depth > 0 ? fmt::format(" (chained, depth {})", r.depth) : "");
  }
  fmt::print("effects\n");
  for (const Effect& e : outcome->effects) {
    std::string what = std::string(effect_kind_name(e.kind));
    if (!e.rule.empty()) what += " by " + e.rule;
    std::string detail;
    switch (e.kind) {
      case EffectKind::tier_change:
      case EffectKind::stage_change:
        detail = fmt::format("{} -> {}", e.from.empty() ? "-" : e.from, e.to.empty() ? "-" : e.to);
        break;
      case EffectKind::tag:
      case EffectKind::untag: detail = e.name; break;
      case EffectKind::set:
      case EffectKind::emit: detail = e.name + " " + e.value; break;
      case EffectKind::enroll: break;
      default:
        detail = grouped(e.points);
        if (e.asked != e.points) detail += fmt::format(" (asked {})", grouped(e.asked));
        if (!e.label.empty()) detail += "  " + e.label;
    }
    fmt::print("  {:<30}{}\n", what, detail);
  }
  fmt::print("after it: {} points available, {} pending, tier {}, stage {}\n",
             grouped(outcome->points), grouped(outcome->pending_points),
             outcome->tier.empty() ? "-" : outcome->tier, outcome->stage.empty() ? "-" : outcome->stage);
  return ok;
}

int stats(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  Stats s = engine->stats(o.session.when());
  if (o.json) {
    Json json;
    json.begin_object();
    json.key("events").unsigned_number(s.events);
    json.key("members").unsigned_number(s.members);
    json.key("points_total").number(s.points_total);
    write_counts(json.key("tiers"), s.tiers);
    write_counts(json.key("stages"), s.stages);
    write_counts(json.key("tags"), s.tags);
    json.end_object();
    fmt::print("{}\n", json.text());
    return ok;
  }
  fmt::print("events        {:>14}\n", grouped(static_cast<std::int64_t>(s.events)));
  fmt::print("members       {:>14}\n", grouped(static_cast<std::int64_t>(s.members)));
  fmt::print("points total  {:>14}\n", grouped(s.points_total));
  auto counts = [](const char* title, const std::map<std::string, std::uint64_t>& m) {
    if (m.empty()) return;
    fmt::print("{}\n", title);
    for (const auto& [name, count] : m) {
      fmt::print("  {:<26}{:>12}\n", name, grouped(static_cast<std::int64_t>(count)));
    }
  };
  counts("tiers", s.tiers);
  counts("stages", s.stages);
  counts("tags", s.tags);
  return ok;
}

int backup(const Options& o) {
  auto store = o.session.open_existing();
  backup_sqlite_store(*store, o.id);
  if (o.json) {
    Json json;
    json.begin_object().key("database").string(o.session.db).key("backup").string(o.id).end_object();
    fmt::print("{}\n", json.text());
  } else {
    fmt::print("backed up '{}' to '{}'\n", o.session.db, o.id);
  }
  return ok;
}

}  // namespace

Command add_redeem(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("redeem", "Spend a member's points under a global reference");
  sub->add_option("id", o->id, "The member's id")->required();
  sub->add_option("points", o->points, "Points to spend (more than zero)")->required();
  sub->add_option("--ref", o->text, "The redemption's reference: a repeat changes nothing")
      ->required();
  o->session.add_options(sub, true);
  o->session.add_at(sub);
  sub->add_flag("--json", o->json, "Print the outcome as JSON");
  return [o] { return redeem(*o); };
}

Command add_adjust(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "adjust", "A manual correction: +N is a lot usable at once, -N takes points as deduct does");
  sub->add_option("id", o->id, "The member's id")->required();
  sub->add_option("points", o->points, "Points to add (+N) or take (-N)")->required();
  sub->add_option("--reason", o->text, "Why: kept on the ledger")->required();
  o->session.add_options(sub, true);
  o->session.add_at(sub);
  sub->add_flag("--json", o->json, "Print the outcome as JSON");
  return [o] { return adjust(*o); };
}

Command add_tick(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "tick", "The day's work at TIME: expiries, tier changes, stage changes, daily rules");
  sub->add_option("time", o->text, "The tick's time (RFC 3339)")->required();
  o->session.add_options(sub, true);
  sub->add_flag("--json", o->json, "Print one JSON document");
  return [o] { return tick(*o); };
}

Command add_explain(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub =
      app.add_subcommand("explain", "Which rules fired for an event, which did not, and why");
  sub->add_option("event", o->id, "The event's id")->required();
  o->session.add_options(sub, false);
  sub->add_flag("--json", o->json, "Print one JSON document");
  return [o] { return explain(*o); };
}

Command add_stats(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("stats", "Totals over all members");
  o->session.add_options(sub, false);
  o->session.add_at(sub);
  sub->add_flag("--json", o->json, "Print one JSON document");
  return [o] { return stats(*o); };
}

Command add_backup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub =
      app.add_subcommand("backup", "An online copy of the database while others keep writing");
  sub->add_option("destination", o->id, "Where to write the copy")->required();
  o->session.add_options(sub, false);
  sub->add_flag("--json", o->json, "Print the result as JSON");
  return [o] { return backup(*o); };
}

}  // namespace loyalty::cli
