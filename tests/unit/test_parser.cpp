// The parser (src/language/parser.hpp): every construct of LANGUAGE.md into the syntax tree,
// with exact spans; its syntax errors, recovery, and safety on hostile input.

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "language/diagnostics.hpp"
#include "language/parser.hpp"
#include "language/syntax.hpp"
#include "loyalty/program.hpp"

using namespace loyalty;
using namespace loyalty::language;

namespace {

/// A program's text, parsed.
struct Parsed {
  explicit Parsed(std::string program, const CompileLimits& limits = {})
      : text(std::move(program)),
        source(text, "test.rules"),
        diagnostics(source, limits.max_diagnostics),
        tree(parse(source, diagnostics, limits)) {}
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;

  /// The text a span covers.
  [[nodiscard]] std::string at(Span span) const {
    return text.substr(span.begin, span.end - span.begin);
  }
  /// "line:column" of a span's start.
  [[nodiscard]] std::string where(Span span) const {
    auto location = source.locate(span.begin);
    return std::to_string(location.line) + ":" + std::to_string(location.column);
  }
  /// Every diagnostic as "line:column: message[; hint]", one a line.
  [[nodiscard]] std::string errors() const {
    std::string out;
    for (const Diagnostic& d : diagnostics.sorted()) {
      out += std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message;
      if (!d.hint.empty()) out += "; " + d.hint;
      out += "\n";
    }
    return out;
  }

  std::string text;
  SourceFile source;
  Diagnostics diagnostics;
  SyntaxTree tree;
};

std::string op_name(Op op) { return std::string(loyalty::language::op_text(op)); }

/// An expression as an s-expression: (+ a (* b c)), f(x where y), a.b, [1, 2], {90 days}.
std::string show(const Expr* e) {
  if (e == nullptr) return "null";
  std::string out;
  switch (e->kind) {
    case ExprKind::number: return e->text;
    case ExprKind::string: return "\"" + e->text + "\"";
    case ExprKind::boolean: return e->boolean ? "true" : "false";
    case ExprKind::none: return "none";
    case ExprKind::date: return "date:" + e->text;
    case ExprKind::time: return "time:" + e->text;
    case ExprKind::duration: return "{" + e->text + " " + e->unit + "}";
    case ExprKind::name: return e->text;
    case ExprKind::field: return show(e->children.at(0).get()) + "." + e->text;
    case ExprKind::list:
      out = "[";
      for (std::size_t i = 0; i < e->children.size(); ++i) {
        out += (i > 0 ? ", " : "") + show(e->children[i].get());
      }
      return out + "]";
    case ExprKind::call:
      out = e->text + "(";
      for (std::size_t i = 0; i < e->children.size(); ++i) {
        out += (i > 0 ? ", " : "") + show(e->children[i].get());
      }
      if (e->where) out += " where " + show(e->where.get());
      return out + ")";
    case ExprKind::unary: return "(" + op_name(e->op) + " " + show(e->children.at(0).get()) + ")";
    case ExprKind::binary:
      return "(" + op_name(e->op) + " " + show(e->children.at(0).get()) + " " +
             show(e->children.at(1).get()) + ")";
  }
  return "?";
}

std::string show(const ExprPtr& e) {
  return show(e.get());
}

/// The condition of `rule r on purchase when CONDITION { stop }`, shown.
std::string condition(const std::string& text) {
  Parsed p("rule r on purchase when " + text + " { stop }");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.tree.rules.size() == 1);
  return show(p.tree.rules[0].when);
}

/// The diagnostics of a program that should not parse.
std::string errors_of(const std::string& text) {
  Parsed p(text);
  return p.errors();
}

const char* const kExample = R"(program "Acme Rewards"

settings {
  timezone         = "+08:00"    # fixed UTC offset: day boundaries, weekday(), birthdays
  points_expire    = 12 months   # default life of an awarded lot; `never` for none
  points_pending   = 0 days      # default wait before awarded points can be spent
  rounding         = floor       # points from a decimal: floor | ceil | half_up | half_even
  unknown_member   = reject      # an event for a member never enrolled: reject | enroll
  negative_balance = allow       # a reversal or deduction larger than the balance: allow | clamp
}

member {                         # profile attributes beyond the built-in ones
  birthday: date
  email: string pii              # pii: masked in every output unless asked for, erased by forget
  home_store: string optional    # optional: may be absent; test with has(...)
  channel: string optional
}

event review_posted {            # a custom event type and its attributes
  stars: number
}

tiers by member.earned {         # any number-valued member expression
  bronze from 0
  silver from 2000
  gold   from 8000
  keep 12 months                 # optional: a tier reached is kept at least this long
}

lifecycle {                      # first stage whose condition holds; `otherwise` last
  new      when days_since(member.enrolled_at) < 30
  active   when days_since(member.last_purchase_at) <= 90
  at_risk  when days_since(member.last_purchase_at) <= 180
  dormant  otherwise
}

rule welcome on enroll {
  award 500 points expiring in 90 days as "welcome gift"
  emit "send_welcome_pack" { channel: member.channel }
}

rule base on purchase {
  award event.amount points
}

rule gold_bonus on purchase when member.tier == gold {
  award event.amount * 0.5 points
}

rule coffee on purchase when any(event.items where item.category == "coffee") {
  award 5 * sum(event.items, item.qty where item.category == "coffee") points
}

rule holiday_double on purchase
  when weekday(event.time) in [sat, sun]
  active from 2026-12-01 to 2026-12-31
  limit 3 per member per 30 days
  budget 1000000 points
  group "december"
  priority 10
{
  award event.amount points pending 14 days
}

rule winback on stage_changed to dormant {
  emit "winback_coupon" { discount: 20 }
}

rule birthday on daily when is_birthday(member.birthday) {
  award 200 points
}
)";

}  // namespace

// ---- the whole example -------------------------------------------------------------------------

TEST_CASE("the example program of LANGUAGE.md parses to the expected tree") {
  Parsed p(kExample);
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  const SyntaxTree& t = p.tree;

  REQUIRE(t.program_name);
  CHECK(t.program_name->name == "Acme Rewards");
  CHECK(p.at(t.program_name->span) == "\"Acme Rewards\"");

  std::vector<SectionKind> kinds;
  for (const SectionRef& s : t.sections) kinds.push_back(s.kind);
  CHECK(kinds == std::vector<SectionKind>{
                     SectionKind::program, SectionKind::settings, SectionKind::member,
                     SectionKind::event, SectionKind::tiers, SectionKind::lifecycle,
                     SectionKind::rule, SectionKind::rule, SectionKind::rule, SectionKind::rule,
                     SectionKind::rule, SectionKind::rule, SectionKind::rule});
  CHECK(p.at(t.sections[1].span) == "settings");
  CHECK(p.where(t.sections[1].span) == "3:1");

  REQUIRE(t.settings.size() == 6);
  CHECK(t.settings[0].key.name == "timezone");
  CHECK(show(t.settings[0].value) == "\"+08:00\"");
  CHECK(show(t.settings[1].value) == "{12 months}");
  CHECK(p.at(t.settings[1].value->span) == "12 months");
  CHECK(show(t.settings[2].value) == "{0 days}");
  CHECK(show(t.settings[3].value) == "floor");
  CHECK(show(t.settings[4].value) == "reject");
  CHECK(t.settings[5].key.name == "negative_balance");
  CHECK(show(t.settings[5].value) == "allow");
  CHECK(p.at(t.settings[0].span) == "timezone         = \"+08:00\"");

  REQUIRE(t.member_attributes.size() == 4);
  CHECK(t.member_attributes[0].name.name == "birthday");
  CHECK(t.member_attributes[0].type.name == "date");
  CHECK(t.member_attributes[0].modifiers.empty());
  CHECK(t.member_attributes[1].name.name == "email");
  REQUIRE(t.member_attributes[1].modifiers.size() == 1);
  CHECK(t.member_attributes[1].modifiers[0].name == "pii");
  CHECK(p.at(t.member_attributes[1].span) == "email: string pii");
  CHECK(t.member_attributes[2].modifiers.at(0).name == "optional");
  CHECK(p.where(t.member_attributes[2].modifiers.at(0).span) == "15:22");

  REQUIRE(t.events.size() == 1);
  CHECK(t.events[0].name.name == "review_posted");
  CHECK(p.where(t.events[0].span) == "19:1");
  CHECK(p.at(t.events[0].span).back() == '}');
  REQUIRE(t.events[0].attributes.size() == 1);
  CHECK(t.events[0].attributes[0].name.name == "stars");
  CHECK(t.events[0].attributes[0].type.name == "number");

  REQUIRE(t.tiers);
  CHECK(show(t.tiers->metric) == "member.earned");
  CHECK(p.at(t.tiers->metric->span) == "member.earned");
  REQUIRE(t.tiers->tiers.size() == 3);
  CHECK(t.tiers->tiers[2].name.name == "gold");
  CHECK(show(t.tiers->tiers[2].from) == "8000");
  CHECK(p.at(t.tiers->tiers[2].span) == "gold   from 8000");
  CHECK(show(t.tiers->keep) == "{12 months}");
  CHECK(p.where(t.tiers->span) == "23:1");

  REQUIRE(t.lifecycle);
  REQUIRE(t.lifecycle->stages.size() == 4);
  CHECK(t.lifecycle->stages[0].name.name == "new");
  CHECK(show(t.lifecycle->stages[0].when) == "(< days_since(member.enrolled_at) 30)");
  CHECK(show(t.lifecycle->stages[1].when) == "(<= days_since(member.last_purchase_at) 90)");
  CHECK(t.lifecycle->stages[3].name.name == "dormant");
  CHECK(t.lifecycle->stages[3].when == nullptr);
  CHECK(p.at(t.lifecycle->stages[3].span) == "dormant  otherwise");

  REQUIRE(t.rules.size() == 7);
  const RuleDecl& welcome = t.rules[0];
  CHECK(welcome.name.name == "welcome");
  CHECK(p.where(welcome.name.span) == "37:6");
  CHECK(welcome.trigger.event.name == "enroll");
  CHECK(!welcome.trigger.to);
  CHECK(welcome.when == nullptr);
  CHECK(p.at(welcome.span).substr(0, 24) == "rule welcome on enroll {");
  CHECK(p.at(welcome.span).back() == '}');
  REQUIRE(welcome.actions.size() == 2);
  const Action& gift = welcome.actions[0];
  CHECK(gift.kind == ActionKind::award);
  CHECK(show(gift.amount) == "500");
  CHECK(gift.expiry == ExpiryKind::in);
  CHECK(show(gift.expiry_value) == "{90 days}");
  REQUIRE(gift.label);
  CHECK(gift.label->name == "welcome gift");
  CHECK(p.at(gift.label->span) == "\"welcome gift\"");
  CHECK(gift.pending == nullptr);
  CHECK(gift.repeated_clauses.empty());
  CHECK(p.at(gift.span) == "award 500 points expiring in 90 days as \"welcome gift\"");
  const Action& pack = welcome.actions[1];
  CHECK(pack.kind == ActionKind::emit);
  CHECK(pack.name.name == "send_welcome_pack");
  REQUIRE(pack.fields.size() == 1);
  CHECK(pack.fields[0].key.name == "channel");
  CHECK(show(pack.fields[0].value) == "member.channel");

  CHECK(show(t.rules[1].actions.at(0).amount) == "event.amount");

  const RuleDecl& gold = t.rules[2];
  CHECK(show(gold.when) == "(== member.tier gold)");
  CHECK(p.at(gold.when->span) == "member.tier == gold");
  CHECK(p.where(gold.when->span) == "46:34");
  const Action& half = gold.actions.at(0);
  CHECK(show(half.amount) == "(* event.amount 0.5)");
  CHECK(p.at(half.amount->span) == "event.amount * 0.5");
  CHECK(half.amount->children[1]->text == "0.5");

  const RuleDecl& coffee = t.rules[3];
  CHECK(show(coffee.when) == "any(event.items where (== item.category \"coffee\"))");
  CHECK(show(coffee.actions.at(0).amount) ==
        "(* 5 sum(event.items, item.qty where (== item.category \"coffee\")))");

  const RuleDecl& holiday = t.rules[4];
  CHECK(show(holiday.when) == "(in weekday(event.time) [sat, sun])");
  REQUIRE(holiday.options.size() == 5);
  CHECK(holiday.options[0].kind == OptionKind::active);
  CHECK(show(holiday.options[0].first) == "date:2026-12-01");
  CHECK(show(holiday.options[0].second) == "date:2026-12-31");
  CHECK(holiday.options[1].kind == OptionKind::limit);
  CHECK(show(holiday.options[1].first) == "3");
  CHECK(show(holiday.options[1].second) == "{30 days}");
  CHECK(p.at(holiday.options[1].span) == "limit 3 per member per 30 days");
  CHECK(holiday.options[2].kind == OptionKind::budget);
  CHECK(show(holiday.options[2].first) == "1000000");
  CHECK(holiday.options[3].kind == OptionKind::group);
  CHECK(holiday.options[3].group.name == "december");
  CHECK(holiday.options[4].kind == OptionKind::priority);
  CHECK(show(holiday.options[4].first) == "10");
  const Action& doubled = holiday.actions.at(0);
  CHECK(show(doubled.pending) == "{14 days}");
  CHECK(doubled.expiry == ExpiryKind::program_default);
  CHECK(p.where(holiday.span) == "54:1");
  CHECK(p.source.locate(holiday.span.end - 1).line == 63);

  const RuleDecl& winback = t.rules[5];
  CHECK(winback.trigger.event.name == "stage_changed");
  REQUIRE(winback.trigger.to);
  CHECK(winback.trigger.to->name == "dormant");
  CHECK(p.at(winback.trigger.span) == "stage_changed to dormant");
  CHECK(show(winback.actions.at(0).fields.at(0).value) == "20");

  CHECK(show(t.rules[6].when) == "is_birthday(member.birthday)");
  CHECK(show(t.rules[6].actions.at(0).amount) == "200");
}

// ---- declarations ------------------------------------------------------------------------------

TEST_CASE("program, settings and member") {
  Parsed p(R"(program "A \"quoted\" \\ name"
settings {
  points_expire = never
  timezone = "-05:30"
  points_pending = 1 hour
  answer = -42
}
member {
  a: number
  b: string pii optional
  c: date
})");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  CHECK(p.tree.program_name->name == "A \"quoted\" \\ name");
  REQUIRE(p.tree.settings.size() == 4);
  CHECK(show(p.tree.settings[0].value) == "never");
  CHECK(show(p.tree.settings[1].value) == "\"-05:30\"");
  CHECK(show(p.tree.settings[2].value) == "{1 hour}");
  CHECK(show(p.tree.settings[3].value) == "(- 42)");
  REQUIRE(p.tree.member_attributes.size() == 3);
  CHECK(p.tree.member_attributes[1].modifiers.size() == 2);
  CHECK(p.tree.member_attributes[1].modifiers[1].name == "optional");
  CHECK(p.tree.member_attributes[2].modifiers.empty());
}

TEST_CASE("empty sections") {
  Parsed p(
      "program \"x\"\nsettings { }\nmember {}\nevent review_posted { }\nlifecycle { }\n"
      "tiers by member.earned { }\nrule r on purchase { }\n");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  CHECK(p.tree.settings.empty());
  CHECK(p.tree.member_attributes.empty());
  REQUIRE(p.tree.events.size() == 1);
  CHECK(p.tree.events[0].attributes.empty());
  REQUIRE(p.tree.lifecycle);
  CHECK(p.tree.lifecycle->stages.empty());
  REQUIRE(p.tree.tiers);
  CHECK(p.tree.tiers->tiers.empty());
  CHECK(p.tree.tiers->keep == nullptr);
  REQUIRE(p.tree.rules.size() == 1);
  CHECK(p.tree.rules[0].actions.empty());
}

TEST_CASE("attribute modifiers stay on the attribute's line") {
  Parsed p("member {\n  a: string pii\n  b: number\n}\nevent e { x: number y: string optional }");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.tree.member_attributes.size() == 2);
  CHECK(p.tree.member_attributes[0].modifiers.size() == 1);
  CHECK(p.tree.member_attributes[1].name.name == "b");
  REQUIRE(p.tree.events.at(0).attributes.size() == 2);
  CHECK(p.tree.events[0].attributes[0].modifiers.empty());
  CHECK(p.tree.events[0].attributes[1].modifiers.at(0).name == "optional");
}

TEST_CASE("several event sections, in any order with the others") {
  Parsed p("rule r on a { stop }\nevent a { }\nevent b { n: number }\nprogram \"x\"");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.tree.events.size() == 2);
  CHECK(p.tree.events[1].name.name == "b");
  std::vector<SectionKind> kinds;
  for (const SectionRef& s : p.tree.sections) kinds.push_back(s.kind);
  CHECK(kinds == std::vector<SectionKind>{SectionKind::rule, SectionKind::event, SectionKind::event,
                                          SectionKind::program});
}

TEST_CASE("a repeated section is recorded, and the first one kept") {
  Parsed p(
      "program \"first\"\nprogram \"second\"\ntiers by a { x from 1 }\n"
      "tiers by b { y from 2 }\nlifecycle { s otherwise }\nlifecycle { t otherwise }\n"
      "settings { rounding = ceil }\nsettings { rounding = floor }\n"
      "member { a: number }\nmember { b: number }\n");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  CHECK(p.tree.sections.size() == 10);
  CHECK(p.tree.program_name->name == "first");
  CHECK(p.tree.tiers->tiers.at(0).name.name == "x");
  CHECK(p.tree.lifecycle->stages.at(0).name.name == "s");
  CHECK(show(p.tree.settings.at(0).value) == "ceil");
  CHECK(p.tree.member_attributes.at(0).name.name == "a");
}

TEST_CASE("tiers: keep, and a tier named keep") {
  Parsed p("tiers by member.earned {\n  keep from 5\n  points from 10\n  keep 6 months\n}");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.tree.tiers->tiers.size() == 2);
  CHECK(p.tree.tiers->tiers[0].name.name == "keep");
  CHECK(p.tree.tiers->tiers[1].name.name == "points");
  CHECK(show(p.tree.tiers->keep) == "{6 months}");
  CHECK(p.at(p.tree.tiers->keep->span) == "6 months");
}

TEST_CASE("a tier or stage named like a unit is not read as a duration") {
  Parsed p(
      "tiers by x {\n  low from 0\n  days from 100\n}\n"
      "lifecycle {\n  a when x < 30\n  months when x < 60\n  years otherwise\n}");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.tree.tiers->tiers.size() == 2);
  CHECK(show(p.tree.tiers->tiers[0].from) == "0");
  CHECK(p.tree.tiers->tiers[1].name.name == "days");
  REQUIRE(p.tree.lifecycle->stages.size() == 3);
  CHECK(show(p.tree.lifecycle->stages[0].when) == "(< x 30)");
  CHECK(p.tree.lifecycle->stages[2].name.name == "years");
}

TEST_CASE("'keep' given twice in tiers is an error") {
  CHECK(errors_of("tiers by x { a from 0 keep 1 month keep 2 months }") ==
        "1:36: 'keep' is given twice in the tiers; a tier is kept for one duration; remove one "
        "of them\n");
}

// ---- rules -------------------------------------------------------------------------------------

TEST_CASE("rule names, triggers and options") {
  Parsed p(R"(rule "double points" on tier_changed to gold
  priority -1
  limit 2 per member
  active from 2026-01-01 to 2026-02-01
{ stop }
rule plain on refund { stop })");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.tree.rules.size() == 2);
  const RuleDecl& r = p.tree.rules[0];
  CHECK(r.name.name == "double points");
  CHECK(p.at(r.name.span) == "\"double points\"");
  CHECK(r.trigger.to->name == "gold");
  CHECK(p.at(r.trigger.to->span) == "gold");
  REQUIRE(r.options.size() == 3);
  CHECK(show(r.options[0].first) == "(- 1)");
  CHECK(p.at(r.options[0].first->span) == "-1");
  CHECK(show(r.options[1].first) == "2");
  CHECK(r.options[1].second == nullptr);
  CHECK(r.options[2].kind == OptionKind::active);
  CHECK(p.at(r.span).substr(0, 4) == "rule");
  CHECK(p.at(r.span).back() == '}');
  CHECK(p.at(p.tree.rules[1].span) == "rule plain on refund { stop }");
}

TEST_CASE("award clauses in any order") {
  Parsed p(R"(rule r on purchase {
  award 10 points as "a" pending 2 days never expiring
  award 10 points expiring on 2026-12-31 pending 1 day
  award 10 points as "x" as "y" pending 1 day pending 2 days expiring in 1 year never expiring
})");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  const auto& actions = p.tree.rules.at(0).actions;
  REQUIRE(actions.size() == 3);
  CHECK(actions[0].label->name == "a");
  CHECK(show(actions[0].pending) == "{2 days}");
  CHECK(actions[0].expiry == ExpiryKind::never);
  CHECK(actions[0].expiry_value == nullptr);
  CHECK(actions[0].repeated_clauses.empty());
  CHECK(actions[1].expiry == ExpiryKind::on);
  CHECK(show(actions[1].expiry_value) == "date:2026-12-31");
  CHECK(show(actions[1].pending) == "{1 day}");
  // The first of each is kept; each repeat is recorded for the checker.
  const Action& repeated = actions[2];
  CHECK(repeated.label->name == "x");
  CHECK(show(repeated.pending) == "{1 day}");
  CHECK(repeated.expiry == ExpiryKind::in);
  CHECK(show(repeated.expiry_value) == "{1 year}");
  REQUIRE(repeated.repeated_clauses.size() == 3);
  CHECK(p.at(repeated.repeated_clauses[0]) == "as \"y\"");
  CHECK(p.at(repeated.repeated_clauses[1]) == "pending 2 days");
  CHECK(p.at(repeated.repeated_clauses[2]) == "never expiring");
}

TEST_CASE("every action") {
  Parsed p(R"(rule r on purchase {
  deduct 5 points as "fee"
  deduct member.points points
  tag "vip"
  untag "new"
  set member.home_store = "north"
  emit "plain"
  emit "empty" { }
  emit "full" { a: 1, b: "two", c: [x, y], }
  stop
})");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  const auto& a = p.tree.rules.at(0).actions;
  REQUIRE(a.size() == 9);
  CHECK(a[0].kind == ActionKind::deduct);
  CHECK(show(a[0].amount) == "5");
  CHECK(a[0].label->name == "fee");
  CHECK(show(a[1].amount) == "member.points");
  CHECK(!a[1].label);
  CHECK(a[2].kind == ActionKind::tag);
  CHECK(a[2].name.name == "vip");
  CHECK(p.at(a[2].name.span) == "\"vip\"");
  CHECK(a[3].kind == ActionKind::untag);
  CHECK(a[3].name.name == "new");
  CHECK(a[4].kind == ActionKind::set);
  CHECK(a[4].name.name == "home_store");
  CHECK(p.at(a[4].name.span) == "home_store");
  CHECK(show(a[4].amount) == "\"north\"");
  CHECK(a[5].kind == ActionKind::emit);
  CHECK(a[5].fields.empty());
  CHECK(a[6].fields.empty());
  REQUIRE(a[7].fields.size() == 3);
  CHECK(a[7].fields[1].key.name == "b");
  CHECK(show(a[7].fields[2].value) == "[x, y]");
  CHECK(a[8].kind == ActionKind::stop);
  CHECK(p.at(a[8].span) == "stop");
  CHECK(p.at(a[7].span) == "emit \"full\" { a: 1, b: \"two\", c: [x, y], }");
}

TEST_CASE("keywords are reserved only where the grammar expects them") {
  Parsed p(R"(member { rule: string  award: number  points: number }
event award { on: number  when: string }
tiers by member.points { points from 0  award from 10  rule from 20 }
lifecycle { when when member.award > 1  otherwise otherwise }
rule award on award when event.when == "x" and member.tier == points {
  award member.award points
  emit "e" { points: 1, award: member.rule, in_store: 2 }
}
rule rule on purchase { stop }
rule points on tier_changed to award { set member.points = member.points }
)");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  CHECK(p.tree.member_attributes.at(1).name.name == "award");
  CHECK(p.tree.events.at(0).name.name == "award");
  CHECK(p.tree.events.at(0).attributes.at(1).name.name == "when");
  CHECK(p.tree.tiers->tiers.at(0).name.name == "points");
  CHECK(p.tree.lifecycle->stages.at(0).name.name == "when");
  CHECK(show(p.tree.lifecycle->stages.at(0).when) == "(> member.award 1)");
  CHECK(p.tree.lifecycle->stages.at(1).name.name == "otherwise");
  REQUIRE(p.tree.rules.size() == 3);
  const RuleDecl& award = p.tree.rules[0];
  CHECK(award.name.name == "award");
  CHECK(award.trigger.event.name == "award");
  CHECK(show(award.when) == "(and (== event.when \"x\") (== member.tier points))");
  CHECK(show(award.actions.at(0).amount) == "member.award");
  CHECK(award.actions.at(1).fields.at(0).key.name == "points");
  CHECK(award.actions.at(1).fields.at(2).key.name == "in_store");
  CHECK(p.tree.rules[1].name.name == "rule");
  CHECK(p.tree.rules[2].trigger.to->name == "award");
  CHECK(p.tree.rules[2].actions.at(0).name.name == "points");
}

TEST_CASE("the award amount ends at the word points") {
  Parsed p("rule r on purchase { award event.amount * 2 points award points points }");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  const auto& a = p.tree.rules.at(0).actions;
  REQUIRE(a.size() == 2);
  CHECK(show(a[0].amount) == "(* event.amount 2)");
  CHECK(show(a[1].amount) == "points");  // a tier called points
}

// ---- expressions -------------------------------------------------------------------------------

TEST_CASE("literals") {
  CHECK(condition("42") == "42");
  CHECK(condition("12.50") == "12.50");
  CHECK(condition("007") == "007");
  CHECK(condition("\"a \\\"b\\\" \\\\ c\"") == "\"a \"b\" \\ c\"");
  CHECK(condition("\"\"") == "\"\"");
  CHECK(condition("\"caf\xC3\xA9\"") == "\"caf\xC3\xA9\"");
  CHECK(condition("true") == "true");
  CHECK(condition("false") == "false");
  CHECK(condition("none") == "none");
  CHECK(condition("2026-12-01") == "date:2026-12-01");
  CHECK(condition("2026-12-01T10:00:00Z") == "time:2026-12-01T10:00:00Z");
  CHECK(condition("2026-12-01T18:00:00+08:00") == "time:2026-12-01T18:00:00+08:00");
  CHECK(condition("2026-12-01T18:00:00-05:30") == "time:2026-12-01T18:00:00-05:30");
  CHECK(condition("2026 - 12 - 01") == "(- (- 2026 12) 01)");
  CHECK(condition("[]") == "[]");
  CHECK(condition("[a, 1, \"s\"]") == "[a, 1, \"s\"]");
  CHECK(condition("sat") == "sat");
}

TEST_CASE("durations: a number and a unit word, singular or plural") {
  CHECK(condition("90 days") == "{90 days}");
  CHECK(condition("1 day") == "{1 day}");
  CHECK(condition("1 year") == "{1 year}");
  CHECK(condition("2 years") == "{2 years}");
  CHECK(condition("6 hours") == "{6 hours}");
  CHECK(condition("1 hour") == "{1 hour}");
  CHECK(condition("30 minutes") == "{30 minutes}");
  CHECK(condition("1 minute") == "{1 minute}");
  CHECK(condition("12 months") == "{12 months}");
  CHECK(condition("1 month") == "{1 month}");
  // Read as durations so that the checker can say what to write instead.
  CHECK(condition("2 weeks") == "{2 weeks}");
  CHECK(condition("1.5 days") == "{1.5 days}");
  CHECK(condition("-3 days") == "(- {3 days})");
}

TEST_CASE("the spans of expressions") {
  Parsed p("rule r on purchase when (a + b) * c.d >= f(x, y) and -  z.w { stop }");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  const Expr& e = *p.tree.rules.at(0).when;
  CHECK(p.at(e.span) == "(a + b) * c.d >= f(x, y) and -  z.w");
  const Expr& ge = *e.children.at(0);
  CHECK(p.at(ge.span) == "(a + b) * c.d >= f(x, y)");
  const Expr& mul = *ge.children.at(0);
  CHECK(p.at(mul.span) == "(a + b) * c.d");
  CHECK(p.at(mul.children.at(0)->span) == "(a + b)");
  CHECK(p.at(mul.children.at(0)->children.at(0)->span) == "a");
  CHECK(p.at(mul.children.at(1)->span) == "c.d");
  CHECK(p.at(mul.children.at(1)->children.at(0)->span) == "c");
  const Expr& call = *ge.children.at(1);
  CHECK(p.at(call.span) == "f(x, y)");
  CHECK(p.at(call.children.at(1)->span) == "y");
  const Expr& neg = *e.children.at(1);
  CHECK(p.at(neg.span) == "-  z.w");
  CHECK(p.where(neg.span) == "1:54");
}

TEST_CASE("operator precedence, lowest first: or, and, not, comparisons, + -, * / %, unary -") {
  CHECK(condition("a or b and c") == "(or a (and b c))");
  CHECK(condition("a and b or c") == "(or (and a b) c)");
  CHECK(condition("not a and b") == "(and (not a) b)");
  CHECK(condition("not a == b") == "(not (== a b))");
  CHECK(condition("not not a") == "(not (not a))");
  CHECK(condition("a == b + c") == "(== a (+ b c))");
  CHECK(condition("a + b * c") == "(+ a (* b c))");
  CHECK(condition("a * b + c") == "(+ (* a b) c)");
  CHECK(condition("a - b % c") == "(- a (% b c))");
  CHECK(condition("-a * b") == "(* (- a) b)");
  CHECK(condition("- a.b") == "(- a.b)");
  CHECK(condition("-f(x)") == "(- f(x))");
  CHECK(condition("a - -b") == "(- a (- b))");
  CHECK(condition("(a + b) * c") == "(* (+ a b) c)");
  CHECK(condition("a in [1, 2] and b not in c") == "(and (in a [1, 2]) (not in b c))");
  CHECK(condition("a + 1 in b") == "(in (+ a 1) b)");
  CHECK(condition("a != b or a <= b or a >= b or a < b or a > b") ==
        "(or (or (or (or (!= a b) (<= a b)) (>= a b)) (< a b)) (> a b))");
  CHECK(condition("has(member.home_store)") == "has(member.home_store)");
  CHECK(condition("count(event.items where item.qty > 1) > 2") ==
        "(> count(event.items where (> item.qty 1)) 2)");
  CHECK(condition("f()") == "f()");
  CHECK(condition("round(x, 2)") == "round(x, 2)");
  CHECK(condition("a.b.c.d") == "a.b.c.d");
  CHECK(condition("(a).b") == "a.b");
}

TEST_CASE("binary operators are left-associative") {
  CHECK(condition("a - b - c") == "(- (- a b) c)");
  CHECK(condition("a / b * c") == "(* (/ a b) c)");
  CHECK(condition("a or b or c") == "(or (or a b) c)");
  CHECK(condition("a and b and c") == "(and (and a b) c)");
}

TEST_CASE("keywords match whole words only") {
  CHECK(condition("income > 1") == "(> income 1)");
  CHECK(condition("index in order") == "(in index order)");
  CHECK(condition("notable and android or oracle") == "(or (and notable android) oracle)");
  CHECK(errors_of("rule r on purchase when a in_x { stop }") ==
        "1:27: expected '{' to start the rule's actions; the options are active, limit, budget, "
        "group and priority\n");
}

TEST_CASE("white space and comments") {
  Parsed p("# a comment\nrule r on purchase when a # more\n  and\n\n b { # here\n stop }#end");
  INFO(p.errors());
  REQUIRE(p.diagnostics.empty());
  CHECK(show(p.tree.rules.at(0).when) == "(and a b)");
  Parsed crlf("rule r on purchase {\r\n  award 1 points\r\n}\r\n");
  INFO(crlf.errors());
  CHECK(crlf.diagnostics.empty());
  Parsed empty("");
  CHECK(empty.diagnostics.empty());
  CHECK(empty.tree.sections.empty());
  Parsed comments("# only\n   # comments\n");
  CHECK(comments.diagnostics.empty());
}

// ---- syntax errors -----------------------------------------------------------------------------

TEST_CASE("each syntax error has its own message and points where it is") {
  struct Case {
    const char* program;
    const char* errors;  // "line:column: message; hint" for each diagnostic
  };
  const Case cases[] = {
      {"rule r on purchase {\n  awrd 5 points\n}",
       "2:3: unknown action 'awrd'; did you mean 'award'?\n"},
      {"rule r on purchase {\n  frobnicate\n}",
       "2:3: unknown action 'frobnicate'; the actions are award, deduct, tag, untag, set, emit and "
       "stop\n"},
      {"rule r on purchase {\n  award 5 pints\n}",
       "2:11: expected 'points' after the amount to award\n"},
      {"rule r on purchase {\n  award 5 + points\n}",
       "2:19: expected 'points' after the amount to award\n"},
      {"rule r on purchase {\n  award 5 points expring in 3 days\n}",
       "2:18: unexpected 'expring' after the action; did you mean 'expiring'?\n"},
      {"rule r on purchase {\n  award 5 points expiring 3 days\n}",
       "2:27: expected 'in' and a duration, or 'on' and a date, after 'expiring'\n"},
      {"rule r on purchase {\n  award 5 points never\n}",
       "2:23: expected 'expiring' after 'never'\n"},
      {"rule r on purchase {\n  award 5 points as welcome\n}",
       "2:21: expected the label in quotes after 'as'\n"},
      {"rule r on purchase {\n  award 5 points pending\n}",
       "2:25: expected a duration after 'pending', such as 14 days\n"},
      {"rule r on purchase {\n  deduct points\n}",
       "2:16: expected 'points' after the amount to deduct\n"},
      {"rule r on purchase {\n  deduct 5\n}",
       "2:11: expected 'points' after the amount to deduct\n"},
      {"rule r on purchase {\n  tag vip\n}", "2:7: expected the tag in quotes after 'tag'\n"},
      {"rule r on purchase {\n  untag\n}", "2:8: expected the tag in quotes after 'untag'\n"},
      {"rule r on purchase {\n  set tier = 5\n}",
       "2:7: expected 'member.' and an attribute after 'set'\n"},
      {"rule r on purchase {\n  set member tier = 5\n}",
       "2:14: expected '.' and an attribute after 'member'\n"},
      {"rule r on purchase {\n  set member.tier 5\n}",
       "2:19: expected '=' and a value after the attribute\n"},
      {"rule r on purchase {\n  set member.x == 5\n}",
       "2:16: expected '=' and a value after the attribute\n"},
      {"rule r on purchase {\n  emit coupon\n}",
       "2:8: expected the message's name in quotes after 'emit'\n"},
      {"rule r on purchase {\n  emit \"c\" { a 1 }\n}",
       "2:16: expected ':' after the field's name\n"},
      {"rule r on purchase {\n  emit \"c\" { a: 1 b: 2 }\n}",
       "2:19: expected ',' or '}' after the field\n"},
      {"rule r on purchase {\n  emit \"c\" { a: }\n}", "2:17: expected a value after ':'\n"},
      {"rule r on purchase {\n  award 1 points,\n}",
       "2:17: expected an action or '}'; the actions are award, deduct, tag, untag, set, emit and "
       "stop\n"},
      {"rule r on purchase\n  award 5 points\n}",
       "1:19: expected '{' to start the rule's actions\n"},
      {"rule r on purchase limt 3 per member { stop }",
       "1:20: unknown rule option 'limt'; did you mean 'limit'?\n"},
      {"rule r on purchase when x\n  prority 3\n{ stop }",
       "2:3: unknown rule option 'prority'; did you mean 'priority'?\n"},
      {"rule r on purchase limit 3 { stop }", "1:28: expected 'per member' after the limit\n"},
      {"rule r on purchase limit 3 per { stop }", "1:32: expected 'member' after 'per'\n"},
      {"rule r on purchase limit per member { stop }",
       "1:30: expected 'per member' after the limit\n"},
      {"rule r on purchase limit 3 per member per { stop }",
       "1:43: expected a duration after 'per', such as 30 days\n"},
      {"rule r on purchase budget 100 { stop }", "1:31: expected 'points' after the budget\n"},
      {"rule r on purchase group december { stop }",
       "1:26: expected the group's name in quotes after 'group'\n"},
      {"rule r on purchase priority { stop }", "1:29: expected a number after 'priority'\n"},
      {"rule r on purchase active 2026-01-01 to 2026-02-01 { stop }",
       "1:27: expected 'from' and a date after 'active'\n"},
      {"rule r on purchase active from 2026-01-01 { stop }",
       "1:43: expected 'to' and a date after the start date\n"},
      {"rule r on purchase active from 2026-01-01 to { stop }",
       "1:46: expected a date after 'to'\n"},
      {"rule r on { stop }", "1:11: expected a trigger after 'on', such as purchase\n"},
      {"rule { stop }", "1:6: expected the rule's name after 'rule'\n"},
      {"rule r purchase { stop }", "1:8: expected 'on' and a trigger after the rule's name\n"},
      {"rule r on tier_changed to { stop }", "1:27: expected a tier or stage name after 'to'\n"},
      {"rule r on purchase when { stop }", "1:25: expected a condition after 'when'\n"},
      {"rule r on purchase when event.amount > { stop }",
       "1:40: expected an expression after '>'\n"},
      {"rule r on purchase when a + { stop }", "1:29: expected an expression after '+'\n"},
      {"rule r on purchase when a * { stop }", "1:29: expected an expression after '*'\n"},
      {"rule r on purchase when a and { stop }", "1:31: expected an expression after 'and'\n"},
      {"rule r on purchase when a or { stop }", "1:30: expected an expression after 'or'\n"},
      {"rule r on purchase when not { stop }", "1:29: expected an expression after 'not'\n"},
      {"rule r on purchase when a in { stop }", "1:30: expected a list after 'in'\n"},
      {"rule r on purchase when a not in { stop }", "1:34: expected a list after 'not in'\n"},
      {"rule r on purchase when - { stop }", "1:27: expected an expression after '-'\n"},
      {"rule r on purchase when a < b < c { stop }",
       "1:31: comparisons cannot be chained; join them with 'and', as in a < b and b < c\n"},
      {"rule r on purchase when a == b != c { stop }",
       "1:32: comparisons cannot be chained; join them with 'and', as in a < b and b < c\n"},
      {"rule r on purchase when a = 1 { stop }",
       "1:27: unexpected '='; write '==' to compare two values\n"},
      {"rule r on purchase when a not b { stop }",
       "1:27: unexpected 'not' after an expression; write 'not' before a condition to negate it, "
       "or 'not in' to test a list\n"},
      {"rule r on purchase when (a { stop }", "1:28: expected ')' to close '('\n"},
      {"rule r on purchase when ( { stop }", "1:27: expected an expression after '('\n"},
      {"rule r on purchase when [1, 2 { stop }", "1:31: expected ',' or ']' to close the list\n"},
      {"rule r on purchase when [1, { stop }", "1:29: expected a list element after ','\n"},
      {"rule r on purchase when f(1 { stop }", "1:29: expected ',' or ')' to close the call\n"},
      {"rule r on purchase when f(1, { stop }", "1:30: expected an argument after ','\n"},
      {"rule r on purchase when f(x where) { stop }", "1:34: expected a condition after 'where'\n"},
      {"rule r on purchase when a. { stop }", "1:28: expected a field name after '.'\n"},
      {"rule r on purchase when a.5 { stop }", "1:27: expected a field name after '.'\n"},
      {"rule r on purchase when 2026-12-01T10:00 { stop }",
       "1:25: malformed time; write a time as 2026-12-01T10:00:00Z or 2026-12-01T10:00:00+08:00\n"},
      {"rule r on purchase when 2026-12-01T10:00:00 { stop }",
       "1:25: malformed time; write a time as 2026-12-01T10:00:00Z or 2026-12-01T10:00:00+08:00\n"},
      {"rule r on purchase { tag \"abc\n}",
       "1:26: unterminated string; close it with '\"' on the same line\n"},
      {"rule r on purchase { tag \"a\\qb\" }",
       "1:28: unknown escape '\\q' in a string; only \\\" and \\\\ can be escaped\n"},
      {"rule r on purchase { tag \"a\\",
       "1:26: unterminated string; close it with '\"' on the same line\n"},
      {"program acme", "1:9: expected the program's name in quotes after 'program'\n"},
      {"program", "1:8: expected the program's name in quotes after 'program'\n"},
      {"settings\n  rounding = floor\n}", "1:9: expected '{' after 'settings'\n"},
      {"settings {\n  rounding floor\n}", "2:12: expected '=' after the setting's name\n"},
      {"settings {\n  rounding =\n}", "2:13: expected a value after '='\n"},
      {"settings {\n  5 = 4\n}", "2:3: expected a setting (name = value) or '}'\n"},
      {"member {\n  email string\n}", "2:9: expected ':' and a type after the attribute's name\n"},
      {"member {\n  email:\n}",
       "2:9: expected a type after ':' (number, string, bool, date or time)\n"},
      {"event {\n  stars: number\n}", "1:7: expected the event type's name after 'event'\n"},
      {"event review\n  stars: number\n}", "1:13: expected '{' after the event type's name\n"},
      {"tiers member.earned {\n  gold from 1\n}",
       "1:7: expected 'by' and what tiers are measured by after 'tiers'\n"},
      {"tiers by {\n  gold from 1\n}", "1:10: expected an expression after 'by'\n"},
      {"tiers by member.earned\n  gold from 1\n}", "1:23: expected '{' to start the tiers\n"},
      {"tiers by member.earned {\n  gold 1000\n}",
       "2:8: expected 'from' and a number after the tier's name\n"},
      {"tiers by member.earned {\n  gold from\n}", "2:12: expected a number after 'from'\n"},
      {"tiers by member.earned {\n  keep\n}", "2:7: expected a duration after 'keep'\n"},
      {"lifecycle {\n  active\n}",
       "2:9: expected 'when' and a condition, or 'otherwise', after the stage's name\n"},
      {"lifecycle {\n  active when\n}", "2:14: expected a condition after 'when'\n"},
      {"rul r on purchase { stop }", "1:1: unknown section 'rul'; did you mean 'rule'?\n"},
      {"rules r on purchase { stop }", "1:1: unknown section 'rules'; did you mean 'rule'?\n"},
      {"}",
       "1:1: unexpected '}' outside a section; a section starts with program, settings, member, "
       "event, tiers, lifecycle or rule\n"},
      {"@",
       "1:1: unexpected '@' outside a section; a section starts with program, settings, member, "
       "event, tiers, lifecycle or rule\n"},
      {"rule a on purchase { stop }\nrule b on purchase {\n  award 1 points\n",
       "3:17: expected '}' to end the rule's actions\n"},
      {"rule a on purchase {\n  award 1 points\nrule b on purchase { stop }",
       "2:17: expected '}' to end the rule's actions\n"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.program);
    CHECK(errors_of(c.program) == c.errors);
  }
}

TEST_CASE("characters that start no token") {
  CHECK(errors_of("tiers by x {\n  caf\xC3\xA9 from 0\n}") ==
        "2:6: unexpected character '\xC3\xA9'; names use the letters a-z and A-Z, digits and '_'; "
        "other text goes in quotes\n");
  CHECK(errors_of("rule r on purchase when x > \xE2\x82\xAC"
                  "5 { stop }") ==
        "1:29: unexpected character '\xE2\x82\xAC'; names use the letters a-z and A-Z, digits and "
        "'_'; other text goes in quotes\n");
  CHECK(errors_of("\x8F") ==
        "1:1: unexpected byte 0x8F; a program is UTF-8 text; remove this byte\n");
  CHECK(errors_of("rule r on purchase { award 1\x01 points }") ==
        "1:29: unexpected byte 0x01; a program is UTF-8 text; remove this byte\n");
  // Text in quotes may be any UTF-8, and a byte order mark is not part of the program.
  Parsed bom("\xEF\xBB\xBFprogram \"caf\xC3\xA9\"");
  CHECK(bom.diagnostics.empty());
  CHECK(bom.tree.program_name->name == "caf\xC3\xA9");
  CHECK(bom.where(bom.tree.program_name->span) == "1:10");
}

TEST_CASE("a misspelled award clause on its own line") {
  CHECK(errors_of("rule r on purchase {\n  award 5 points\n    expring in 3 days\n}") ==
        "3:5: unexpected 'expring' after the action; did you mean 'expiring'?\n");
  CHECK(errors_of("rule r on purchase { award 5 points stp }") ==
        "1:37: unknown action 'stp'; did you mean 'stop'?\n");
}

TEST_CASE("a span covers exactly the offending token") {
  Parsed p("rule r on purchase {\n  award 5 pints\n}");
  const auto all = p.diagnostics.sorted();
  REQUIRE(all.size() == 1);
  CHECK(all[0].length == 5);
  Parsed string("rule r on purchase { tag \"abc\n}");
  REQUIRE(string.diagnostics.size() == 1);
  CHECK(string.diagnostics.sorted()[0].length == 4);  // from the quote to the end of the line
  Parsed escape("rule r on purchase { tag \"a\\qb\" }");
  CHECK(escape.diagnostics.sorted().at(0).length == 2);
}

TEST_CASE("something missing at the end of a line is pointed at just after that line's code") {
  Parsed p("rule r on purchase   # the header\n  # a comment\n  award 5 points\n}");
  CHECK(p.errors() == "1:19: expected '{' to start the rule's actions\n");
  Parsed end("rule r on purchase {\n  award 5 points   \n\n# done\n");
  CHECK(end.errors() == "2:17: expected '}' to end the rule's actions\n");
}

// ---- recovery ----------------------------------------------------------------------------------

TEST_CASE("three broken rules give three diagnostics, and the good rules still parse") {
  Parsed p(R"(program "x"
rule one on purchase {
  award 1 points
}
rule broken_header on purchase when a + { stop }
rule two on purchase { award 2 points }
rule broken_body on purchase {
  award 5 pints
  tag "kept"
}
rule broken_too on purchase limt 3 { stop }
rule three on purchase {
  award 3 points
}
)");
  CHECK(p.errors() ==
        "5:41: expected an expression after '+'\n"
        "8:11: expected 'points' after the amount to award\n"
        "11:29: unknown rule option 'limt'; did you mean 'limit'?\n");
  std::vector<std::string> names;
  for (const RuleDecl& rule : p.tree.rules) names.push_back(rule.name.name);
  // A rule whose header fails is left out; one whose action fails keeps its other actions.
  CHECK(names == std::vector<std::string>{"one", "two", "broken_body", "three"});
  CHECK(p.tree.rules[2].actions.size() == 1);
  CHECK(p.tree.rules[2].actions[0].name.name == "kept");
  CHECK(p.tree.rules[3].actions.at(0).amount->text == "3");
  // Every section keyword is recorded, broken or not (the checker knows which did not parse).
  CHECK(p.tree.sections.size() == 7);
}

TEST_CASE("every broken action of a rule is reported, once each") {
  Parsed p(R"(rule r on purchase {
  awrd 5 points
  award 5 points
  emit "x" {
    a: 1
    b 2
  }
  tag "after"
  award 1 points expiring 3 days
  stop
})");
  CHECK(p.errors() ==
        "2:3: unknown action 'awrd'; did you mean 'award'?\n"
        "5:9: expected ',' or '}' after the field\n"
        "9:27: expected 'in' and a duration, or 'on' and a date, after 'expiring'\n");
  REQUIRE(p.tree.rules.size() == 1);
  std::vector<ActionKind> kinds;
  for (const Action& a : p.tree.rules[0].actions) kinds.push_back(a.kind);
  CHECK(kinds == std::vector<ActionKind>{ActionKind::award, ActionKind::tag, ActionKind::stop});
}

TEST_CASE("an error on a one-line rule keeps the rule's closing brace") {
  Parsed p("rule a on purchase { award 5 pints }\nrule b on purchase { stop }");
  CHECK(p.errors() == "1:30: expected 'points' after the amount to award\n");
  REQUIRE(p.tree.rules.size() == 2);
  CHECK(p.tree.rules[0].actions.empty());
  CHECK(p.tree.rules[1].name.name == "b");
}

TEST_CASE("a missing closing brace is reported once, and the next section still parses") {
  Parsed p(
      "rule a on purchase {\n  award 1 points\nrule b on purchase { stop }\n"
      "settings {\n  rounding = floor\nmember { a: number }\n");
  CHECK(p.errors() ==
        "2:17: expected '}' to end the rule's actions\n"
        "5:19: expected '}' to end the settings\n");
  REQUIRE(p.tree.rules.size() == 1);
  CHECK(p.tree.rules[0].name.name == "b");
  CHECK(p.tree.member_attributes.size() == 1);
}

TEST_CASE("errors in declarations are reported entry by entry") {
  Parsed p(R"(settings {
  rounding floor
  timezone = "+08:00"
  5 = 4
}
member {
  email string
  birthday: date
}
tiers by member.earned {
  bronze 0
  silver from 100
}
lifecycle {
  active
  dormant otherwise
}
)");
  CHECK(p.errors() ==
        "2:12: expected '=' after the setting's name\n"
        "4:3: expected a setting (name = value) or '}'\n"
        "7:9: expected ':' and a type after the attribute's name\n"
        "11:10: expected 'from' and a number after the tier's name\n"
        "15:9: expected 'when' and a condition, or 'otherwise', after the stage's name\n");
  REQUIRE(p.tree.settings.size() == 1);
  CHECK(p.tree.settings[0].key.name == "timezone");
  REQUIRE(p.tree.member_attributes.size() == 1);
  CHECK(p.tree.member_attributes[0].name.name == "birthday");
  REQUIRE(p.tree.tiers);
  REQUIRE(p.tree.tiers->tiers.size() == 1);
  CHECK(p.tree.tiers->tiers[0].name.name == "silver");
  REQUIRE(p.tree.lifecycle);
  REQUIRE(p.tree.lifecycle->stages.size() == 1);
  CHECK(p.tree.lifecycle->stages[0].name.name == "dormant");
}

TEST_CASE("recovery resumes only at a section header at the start of a line") {
  // `event.amount` at the start of a line is not the start of an event section.
  Parsed p(
      "rule a on purchase when x +\nevent.amount > 5 +\n  { stop }\nrule b on purchase { stop }");
  CHECK(p.errors() == "2:19: expected an expression after '+'\n");
  REQUIRE(p.tree.rules.size() == 1);
  CHECK(p.tree.rules[0].name.name == "b");
  CHECK(p.tree.events.empty());
}

TEST_CASE("at most max_diagnostics are reported, then a note, then parsing stops") {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "rule r" + std::to_string(i) + " on purchase { awrd }\n";
  CompileLimits limits;
  limits.max_diagnostics = 10;
  Parsed p(text, limits);
  const auto all = p.diagnostics.sorted();
  REQUIRE(all.size() == 11);
  CHECK(all[0].message == "unknown action 'awrd'");
  CHECK(all[10].message == "1 more error not shown");
}

// ---- safety ------------------------------------------------------------------------------------

namespace {

std::string nested(const std::string& open, const std::string& inner, const std::string& close,
                   int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += open;
  out += inner;
  for (int i = 0; i < depth; ++i) out += close;
  return out;
}

}  // namespace

TEST_CASE("nesting up to max_expression_depth parses; one more is a diagnostic") {
  CHECK(condition(nested("(", "1", ")", 64)) == "1");
  CHECK(errors_of("rule r on purchase when " + nested("(", "1", ")", 65) + " { stop }") ==
        "1:89: expression nested deeper than 64 levels; split it into simpler conditions or "
        "rules\n");
  CHECK(condition(nested("-", "1", "", 64)).size() == 64 * 4 + 1);
  CHECK(errors_of("rule r on purchase when " + nested("[", "", "]", 65) + " { stop }") ==
        "1:89: expression nested deeper than 64 levels; split it into simpler conditions or "
        "rules\n");
  CHECK(errors_of("rule r on purchase when " + nested("f(", "", ")", 65) + " { stop }") ==
        "1:153: expression nested deeper than 64 levels; split it into simpler conditions or "
        "rules\n");
  CompileLimits limits;
  limits.max_expression_depth = 3;
  Parsed shallow("rule r on purchase when ((1)) and (((1))) or ((((1)))) { stop }", limits);
  CHECK(shallow.errors() ==
        "1:49: expression nested deeper than 3 levels; split it into simpler conditions or "
        "rules\n");
}

TEST_CASE("long operator chains and field paths count as nesting") {
  std::string sum = "1";
  for (int i = 0; i < 64; ++i) sum += " + 1";
  CHECK(condition(sum).substr(0, 6) == "(+ (+ ");
  CHECK(errors_of("rule r on purchase when " + sum + " + 1 { stop }") ==
        "1:283: expression nested deeper than 64 levels; split it into simpler conditions or "
        "rules\n");
  std::string path = "a";
  for (int i = 0; i < 65; ++i) path += ".b";
  CHECK(errors_of("rule r on purchase when " + path + " { stop }") ==
        "1:155: expression nested deeper than 64 levels; split it into simpler conditions or "
        "rules\n");
}

TEST_CASE("100,000 nested parentheses are one diagnostic, not a stack overflow") {
  Parsed p("program \"x\"\nrule r on purchase when " + nested("(", "1", ")", 100000) +
           " { stop }\nrule s on purchase { stop }\n");
  const auto all = p.diagnostics.sorted();
  REQUIRE(all.size() == 1);
  CHECK(all[0].message == "expression nested deeper than 64 levels");
  REQUIRE(p.tree.rules.size() == 1);
  CHECK(p.tree.rules[0].name.name == "s");
}

TEST_CASE("100,000 unary minus signs are one diagnostic, not a stack overflow") {
  std::string minus;
  for (int i = 0; i < 100000; ++i) minus += "- ";
  Parsed p("rule r on purchase { award " + minus + "1 points }\nrule s on purchase { stop }\n");
  const auto all = p.diagnostics.sorted();
  REQUIRE(all.size() == 1);
  CHECK(all[0].message == "expression nested deeper than 64 levels");
  CHECK(p.tree.rules.size() == 2);
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  CHECK(Parsed("rule r on purchase when " + nots + "x { stop }").diagnostics.size() == 1);
}

TEST_CASE("100,000 operators in a row stop at the limit") {
  std::string sum = "1";
  for (int i = 0; i < 100000; ++i) sum += "+1";
  CHECK(Parsed("rule r on purchase when " + sum + " { stop }").diagnostics.size() == 1);
}

TEST_CASE("10 MB of random bytes are rejected with at most max_diagnostics + 1 diagnostics") {
  std::mt19937 random(20260101);
  std::string garbage(10 * 1024 * 1024, '\0');
  for (char& c : garbage) c = static_cast<char>(random() & 0xFF);
  {
    Parsed p(garbage);
    CHECK(!p.diagnostics.empty());
    CHECK(p.diagnostics.sorted().size() <= 101);
  }
  std::size_t count = 0;
  try {
    compile(garbage, "garbage.rules");
  } catch (const RuleError& e) {
    count = e.diagnostics().size();
  }
  CHECK(count >= 1);
  CHECK(count <= 101);
}

TEST_CASE("random token soup never crashes the parser") {
  const char* const words[] = {
      "rule", "award",      "(",     ")",   "{",     "}",         "points",    "when", "on",
      "x",    "1",          "\"s\"", "+",   "-",     "not",       "[",         "]",    ",",
      ".",    "\n",         "tiers", "by",  "event", "member",    "settings",  "=",    ":",
      "#",    "2026-01-01", "in",    "and", "emit",  "lifecycle", "otherwise", "\""};
  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    std::string text;
    for (int i = 0; i < 20000; ++i) {
      text += words[random() % (sizeof(words) / sizeof(words[0]))];
      text += ' ';
    }
    Parsed p(text);
    CHECK(p.diagnostics.sorted().size() <= 101);
  }
}
