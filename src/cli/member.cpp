// `loyalty member ID`, `loyalty export ID` and `loyalty forget ID`: one member's view, its data
// for the member, and erasing its personal data.

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/json.hpp"
#include "cli/session.hpp"

namespace loyalty::cli {

namespace {

constexpr std::size_t kLedgerShown = 10;  // in the text view, unless --ledger says otherwise
constexpr std::size_t kLotsShown = 10;    // the soonest-expiring lots, in the text view

struct Options {
  Session session;
  std::string id;
  bool json = false;
  bool show_pii = false;
  std::optional<std::size_t> ledger;
};

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

std::string time_or_dash(const std::optional<Instant>& t) { return t ? t->to_string() : "-"; }

void print_text(const MemberView& v, bool show_pii, std::size_t ledger_lines) {
  fmt::print("member    {}    (program version {}; judged at {})\n", v.id, v.program_version,
             v.at.to_string());
  fmt::print("enrolled  {}\n", v.enrolled_at.to_string());
  fmt::print("tier      {}{}\n",
             v.tier.empty() ? "-" : fmt::format("{:<12} since {}", v.tier, time_or_dash(v.tier_since)),
             v.tier_kept_until ? fmt::format(", kept until {}", v.tier_kept_until->to_string())
                               : "");
  fmt::print("stage     {}\n", v.stage.empty() ? "-" : fmt::format("{:<12} since {}", v.stage,
                                                                   time_or_dash(v.stage_since)));
  fmt::print("points    {:>12} available\n", grouped(v.points));
  fmt::print("          {:>12} pending\n", grouped(v.pending_points));
  fmt::print("          {:>12} expiring within {}\n", grouped(v.expiring_points),
             v.expiring_window.to_string());
  if (v.debt != 0) fmt::print("          {:>12} debt\n", grouped(v.debt));
  fmt::print("lifetime  {:>12} earned, {} purchases, {} spent\n", grouped(v.earned),
             grouped(v.purchases), v.spend.to_string());
  fmt::print("tags      {}\n", v.tags.empty() ? "-" : fmt::format("{}", fmt::join(v.tags, ", ")));
  if (!v.attributes.empty()) {
    fmt::print("profile\n");
    for (const MemberAttribute& a : v.attributes) {
      const bool masked = a.pii && !show_pii && a.json != "null";
      fmt::print("  {:<20}{}{}\n", a.name, masked ? kMasked : a.json,
                 a.declared ? "" : "   (not declared by the program)");
    }
  }
  if (!v.lots.empty()) {
    const std::size_t shown = std::min(v.lots.size(), kLotsShown);
    fmt::print("lots, soonest expiry first{}\n",
               shown < v.lots.size() ? fmt::format(" ({} of {}; all with --json)", shown, v.lots.size())
                                     : "");
    fmt::print("  {:>10} {:>10}  {:<22}{:<22}{:<16}{}\n", "remaining", "of", "available from",
               "expires", "event", "rule");
    for (std::size_t i = 0; i < shown; ++i) {
      const LotView& lot = v.lots[i];
      fmt::print("  {:>10} {:>10}  {:<22}{:<22}{:<16}{}\n", grouped(lot.remaining),
                 grouped(lot.points), lot.available_at.to_string(),
                 lot.expires_at ? lot.expires_at->to_string() : "never", lot.event,
                 or_dash(lot.rule));
    }
  }
  const std::size_t first = v.ledger.size() > ledger_lines ? v.ledger.size() - ledger_lines : 0;
  fmt::print("ledger, last {} of {}\n", v.ledger.size() - first, v.ledger.size());
  fmt::print("  {:<22}{:<9}{:>10}  {:<16}{:<20}{}\n", "time", "kind", "points", "event", "rule",
             "label");
  for (std::size_t i = first; i < v.ledger.size(); ++i) {
    const LedgerLine& l = v.ledger[i];
    fmt::print("  {:<22}{:<9}{:>10}  {:<16}{:<20}{}\n", l.time.to_string(), l.kind,
               grouped(l.points), or_dash(l.event), or_dash(l.rule), l.label);
  }
  if (!v.outbox.empty()) {
    fmt::print("outbox\n");
    for (const OutboxLine& m : v.outbox) {
      fmt::print("  #{:<8}{:<24}{}\n", m.sequence, m.name, m.data);
    }
  }
}

std::optional<MemberView> load(const Options& o, Engine& engine) {
  auto view = engine.member(o.id, o.session.when());
  if (!view) fmt::print(stderr, "loyalty: no member '{}'\n", o.id);
  return view;
}

int show(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  auto view = load(o, *engine);
  if (!view) return invalid;
  if (o.json) {
    Json json;
    write_member(json, *view, o.show_pii, o.ledger);
    fmt::print("{}\n", json.text());
  } else {
    print_text(*view, o.show_pii, o.ledger.value_or(kLedgerShown));
  }
  return ok;
}

int export_member(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  auto view = load(o, *engine);
  if (!view) return invalid;
  Json json;
  write_member(json, *view, /*show_pii=*/true, std::nullopt);
  fmt::print("{}\n", json.text());
  return ok;
}

int forget(const Options& o) {
  auto engine = o.session.engine(o.session.open_existing());
  if (!engine->forget(o.id)) {
    fmt::print(stderr, "loyalty: no member '{}'\n", o.id);
    return invalid;
  }
  engine->flush();
  if (o.json) {
    Json json;
    json.begin_object().key("member").string(o.id).key("forgotten").boolean(true).end_object();
    fmt::print("{}\n", json.text());
  } else {
    fmt::print("member '{}': personal data erased; ledger and figures kept\n", o.id);
  }
  return ok;
}

CLI::App* add_member_command(CLI::App& app, const char* name, const char* about, Options& o) {
  CLI::App* sub = app.add_subcommand(name, about);
  sub->add_option("id", o.id, "The member's id")->required();
  o.session.add_options(sub, false);  // the stored programs name everything
  return sub;
}

}  // namespace

Command add_member(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = add_member_command(app, "member", "Show a member's whole view", *o);
  o->session.add_at(sub);
  sub->add_flag("--json", o->json, "Print one JSON document");
  sub->add_flag("--show-pii", o->show_pii, "Show attributes declared pii instead of masking them");
  sub->add_option("--ledger", o->ledger,
                  "Show the last N ledger entries (text: 10 by default; JSON: all by default)");
  return [o] { return show(*o); };
}

Command add_export(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub =
      add_member_command(app, "export", "Print all of a member's data as JSON (pii included)", *o);
  o->session.add_at(sub);
  return [o] { return export_member(*o); };
}

Command add_forget(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = add_member_command(
      app, "forget",
      "Erase a member's personal data (pii attributes, undeclared profile keys); keep its "
      "ledger and figures",
      *o);
  sub->add_flag("--json", o->json, "Print the result as JSON");
  return [o] { return forget(*o); };
}

}  // namespace loyalty::cli
