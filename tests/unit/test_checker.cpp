// The checker: what a checked program resolves to (types, refs, literal values, settings,
// rules), and every kind of load-time error with its exact message.

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "language/builtins.hpp"
#include "language/checker.hpp"
#include "language/syntax.hpp"
#include "loyalty/program.hpp"

using namespace loyalty;
using namespace loyalty::language;

namespace {

// A program with a member section, a custom event, tiers and stages, for rule snippets.
constexpr std::string_view kPrelude = R"(program "Test"
member {
  birthday: date
  email: string pii
  home_store: string optional
  vip: bool optional
}
event review_posted {
  stars: number
  text: string optional
}
tiers by member.earned {
  bronze from 0
  silver from 2000
  gold   from 8000
}
lifecycle {
  new     when days_since(member.enrolled_at) < 30
  active  when days_since(member.last_purchase_at) <= 90
  dormant otherwise
}
)";

std::string with_prelude(std::string_view rules) {
  return std::string(kPrelude) + std::string(rules);
}

std::vector<Diagnostic> diagnostics_of(std::string_view text) {
  try {
    compile(text, "test.rules");
  } catch (const RuleError& e) {
    return e.diagnostics();
  }
  return {};
}

/// "message; hint" of every diagnostic, in source order.
std::vector<std::string> errors_of(std::string_view text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics_of(text)) {
    out.push_back(d.hint.empty() ? d.message : d.message + "; " + d.hint);
  }
  return out;
}

/// The one error of `text` ("" when it loads; every error joined when there are several).
std::string error_of(std::string_view text) {
  std::vector<std::string> errors = errors_of(text);
  std::string out;
  for (const std::string& e : errors) out += (out.empty() ? "" : " | ") + e;
  return out;
}

std::string rule_error(std::string_view rules) {
  return error_of(with_prelude(rules));
}

std::shared_ptr<const Program> load(std::string_view text) {
  try {
    return compile(text, "test.rules");
  } catch (const RuleError& e) {
    FAIL_CHECK(e.what());
    return nullptr;
  }
}

/// The first expression (depth first) of kind `kind` whose text is `text`.
const Expr* find_expr(const Expr* e, ExprKind kind, std::string_view text) {
  if (e == nullptr) return nullptr;
  if (e->kind == kind && e->text == text) return e;
  for (const ExprPtr& child : e->children) {
    if (const Expr* found = find_expr(child.get(), kind, text)) return found;
  }
  return find_expr(e->where.get(), kind, text);
}

const RuleDecl& rule_named(const CheckedProgram& checked, std::string_view name) {
  for (const RuleDecl& rule : checked.tree.rules) {
    if (rule.name.name == name) return rule;
  }
  FAIL("no rule " << name);
  return checked.tree.rules.front();
}

std::size_t rule_index(const CheckedProgram& checked, std::string_view name) {
  for (std::size_t i = 0; i < checked.tree.rules.size(); ++i) {
    if (checked.tree.rules[i].name.name == name) return i;
  }
  FAIL("no rule " << name);
  return 0;
}

}  // namespace

// ---- what a checked program holds -------------------------------------------------------------

TEST_CASE("settings left out take the documented defaults") {
  auto program = load("program \"Plain\"\nrule base on purchase { award event.amount points }\n");
  REQUIRE(program);
  const CheckedProgram& checked = program->checked();
  CHECK(checked.name == "Plain");
  CHECK(checked.settings.timezone.minutes() == 0);
  CHECK_FALSE(checked.settings.points_expire.has_value());
  CHECK(checked.settings.points_pending == Duration(0, Duration::Unit::days));
  CHECK(checked.settings.rounding == Rounding::floor);
  CHECK(checked.settings.unknown_member == UnknownMember::reject);
  CHECK(checked.settings.negative_balance == NegativeBalance::allow);
  CHECK(checked.tier_thresholds.empty());
  CHECK_FALSE(checked.tier_keep.has_value());
}

TEST_CASE("settings are read") {
  auto program = load(R"(program "Set"
settings {
  timezone         = "+08:00"
  points_expire    = 12 months
  points_pending   = 14 days
  rounding         = half_even
  unknown_member   = enroll
  negative_balance = clamp
}
)");
  REQUIRE(program);
  const Settings& settings = program->checked().settings;
  CHECK(settings.timezone.minutes() == 480);
  REQUIRE(settings.points_expire.has_value());
  CHECK(*settings.points_expire == Duration(12, Duration::Unit::months));
  CHECK(settings.points_pending == Duration(14, Duration::Unit::days));
  CHECK(settings.rounding == Rounding::half_even);
  CHECK(settings.unknown_member == UnknownMember::enroll);
  CHECK(settings.negative_balance == NegativeBalance::clamp);

  auto never = load("program \"N\"\nsettings { points_expire = never rounding = ceil }\n");
  REQUIRE(never);
  CHECK_FALSE(never->checked().settings.points_expire.has_value());
  CHECK(never->checked().settings.rounding == Rounding::ceil);
}

TEST_CASE("the prelude loads and its declarations resolve") {
  auto program = load(with_prelude(""));
  REQUIRE(program);
  const CheckedProgram& checked = program->checked();
  const auto& attributes = checked.tree.member_attributes;
  REQUIRE(attributes.size() == 4);
  CHECK(attributes[0].resolved == Type{TypeKind::date});
  CHECK_FALSE(attributes[0].pii);
  CHECK(attributes[1].resolved == Type{TypeKind::string});
  CHECK(attributes[1].pii);
  CHECK_FALSE(attributes[1].optional);
  CHECK(attributes[2].optional);
  CHECK(attributes[3].resolved == Type{TypeKind::boolean});
  REQUIRE(checked.tree.events.size() == 1);
  CHECK(checked.tree.events[0].attributes[0].resolved == Type{TypeKind::number});
  CHECK(checked.tree.events[0].attributes[1].optional);

  REQUIRE(checked.tier_thresholds.size() == 3);
  CHECK(checked.tier_thresholds[0] == Decimal(0));
  CHECK(checked.tier_thresholds[1] == Decimal(2000));
  CHECK(checked.tier_thresholds[2] == Decimal(8000));
  REQUIRE(checked.tree.tiers);
  CHECK(checked.tree.tiers->metric->type == Type{TypeKind::number});
  CHECK(checked.tree.tiers->metric->ref.kind == RefKind::member_builtin);
  CHECK(checked.tree.tiers->metric->ref.index == static_cast<std::uint32_t>(MemberField::earned));
  REQUIRE(checked.tree.lifecycle);
  CHECK(checked.tree.lifecycle->stages[0].when->type == Type{TypeKind::boolean});
  CHECK(program->tier_names() == std::vector<std::string>{"bronze", "silver", "gold"});
  CHECK(program->stage_names() == std::vector<std::string>{"new", "active", "dormant"});
}

TEST_CASE("tiers keep and negative thresholds") {
  auto program = load(R"(program "K"
tiers by member.points - 100 {
  red from -100
  blue from 0.5
  keep 12 months
}
)");
  REQUIRE(program);
  const CheckedProgram& checked = program->checked();
  REQUIRE(checked.tier_thresholds.size() == 2);
  CHECK(checked.tier_thresholds[0] == Decimal(-100));
  CHECK(checked.tier_thresholds[1] == Decimal::parse("0.5"));
  REQUIRE(checked.tier_keep.has_value());
  CHECK(*checked.tier_keep == Duration(12, Duration::Unit::months));
}

TEST_CASE("expressions get types and refs") {
  auto program = load(with_prelude(R"(
rule r1 on purchase when event.amount > 10 and member.tier == gold and weekday(event.time) in [sat, sun] {
  award 5 * sum(event.items, item.qty where item.category == "coffee") points
}
rule r2 on review_posted when event.stars >= 4 and member.stage != dormant {
  award 1 points
}
rule r3 on enroll when has(event.email) and is_birthday(member.birthday) {
  award 1 points
}
rule r4 on tier_changed when event.to > event.from {
  award 1 points
}
rule r5 on stage_changed when event.from == dormant and "vip" in member.tags {
  award 1 points
}
)"));
  REQUIRE(program);
  const CheckedProgram& checked = program->checked();

  const Expr* when = rule_named(checked, "r1").when.get();
  REQUIRE(when);
  CHECK(when->type == Type{TypeKind::boolean});
  const Expr* amount = find_expr(when, ExprKind::field, "amount");
  REQUIRE(amount);
  CHECK(amount->type == Type{TypeKind::number});
  CHECK(amount->ref.kind == RefKind::event_builtin);
  CHECK(amount->ref.index == static_cast<std::uint32_t>(EventField::amount));
  CHECK(amount->children[0]->ref.kind == RefKind::event);
  CHECK(amount->children[0]->type == Type{TypeKind::event});
  const Expr* ten = find_expr(when, ExprKind::number, "10");
  REQUIRE(ten);
  CHECK(ten->number == Decimal(10));
  const Expr* tier = find_expr(when, ExprKind::field, "tier");
  REQUIRE(tier);
  CHECK(tier->type == Type{TypeKind::tier});
  CHECK(tier->ref.kind == RefKind::member_builtin);
  CHECK(tier->ref.index == static_cast<std::uint32_t>(MemberField::tier));
  const Expr* gold = find_expr(when, ExprKind::name, "gold");
  REQUIRE(gold);
  CHECK(gold->type == Type{TypeKind::tier});
  CHECK(gold->ref.kind == RefKind::tier);
  CHECK(gold->ref.index == 2);
  const Expr* sat = find_expr(when, ExprKind::name, "sat");
  REQUIRE(sat);
  CHECK(sat->ref.kind == RefKind::weekday);
  CHECK(sat->ref.index == 6);
  const Expr* weekday = find_expr(when, ExprKind::call, "weekday");
  REQUIRE(weekday);
  CHECK(weekday->type == Type{TypeKind::weekday});
  CHECK(weekday->ref.kind == RefKind::function);
  CHECK(weekday->ref.index == static_cast<std::uint32_t>(Function::weekday));
  const Expr* list = find_expr(when, ExprKind::list, "");
  REQUIRE(list);
  CHECK(list->type == (Type{TypeKind::list, TypeKind::weekday}));

  const Expr* award = rule_named(checked, "r1").actions[0].amount.get();
  REQUIRE(award);
  CHECK(award->type == Type{TypeKind::number});
  const Expr* sum = find_expr(award, ExprKind::call, "sum");
  REQUIRE(sum);
  CHECK(sum->ref.index == static_cast<std::uint32_t>(Function::sum));
  const Expr* items = find_expr(sum, ExprKind::field, "items");
  REQUIRE(items);
  CHECK(items->type == (Type{TypeKind::list, TypeKind::item}));
  const Expr* qty = find_expr(sum, ExprKind::field, "qty");
  REQUIRE(qty);
  CHECK(qty->ref.kind == RefKind::item_field);
  CHECK(qty->ref.index == static_cast<std::uint32_t>(ItemField::qty));
  CHECK(qty->children[0]->ref.kind == RefKind::item);
  REQUIRE(sum->where);
  CHECK(sum->where->type == Type{TypeKind::boolean});

  const Expr* stars = find_expr(rule_named(checked, "r2").when.get(), ExprKind::field, "stars");
  REQUIRE(stars);
  CHECK(stars->ref.kind == RefKind::event_attribute);
  CHECK(stars->ref.index == 0);
  const Expr* dormant = find_expr(rule_named(checked, "r2").when.get(), ExprKind::name, "dormant");
  REQUIRE(dormant);
  CHECK(dormant->ref.kind == RefKind::stage);
  CHECK(dormant->ref.index == 2);

  const Expr* email = find_expr(rule_named(checked, "r3").when.get(), ExprKind::field, "email");
  REQUIRE(email);
  CHECK(email->ref.kind == RefKind::event_attribute);  // enroll carries the profile
  CHECK(email->ref.index == 1);
  const Expr* birthday =
      find_expr(rule_named(checked, "r3").when.get(), ExprKind::field, "birthday");
  REQUIRE(birthday);
  CHECK(birthday->ref.kind == RefKind::member_attribute);
  CHECK(birthday->ref.index == 0);
  CHECK(birthday->type == Type{TypeKind::date});

  const Expr* to = find_expr(rule_named(checked, "r4").when.get(), ExprKind::field, "to");
  REQUIRE(to);
  CHECK(to->type == Type{TypeKind::tier});
  CHECK(to->ref.index == static_cast<std::uint32_t>(EventField::to));
  const Expr* from = find_expr(rule_named(checked, "r5").when.get(), ExprKind::field, "from");
  REQUIRE(from);
  CHECK(from->type == Type{TypeKind::stage});
  const Expr* tags = find_expr(rule_named(checked, "r5").when.get(), ExprKind::field, "tags");
  REQUIRE(tags);
  CHECK(tags->type == Type{TypeKind::tags});
}

TEST_CASE("literals are read: numbers, dates, times, durations") {
  auto program = load(with_prelude(R"(
rule lits on purchase
  when event.time > 2026-01-01T10:00:00+08:00 and date(event.time) >= 2026-03-01
   and event.time - 90 days < event.time and event.amount * 12.50 > -3
{
  award 1 points
}
)"));
  REQUIRE(program);
  const Expr* when = rule_named(program->checked(), "lits").when.get();
  const Expr* instant = find_expr(when, ExprKind::time, "2026-01-01T10:00:00+08:00");
  REQUIRE(instant);
  CHECK(instant->type == Type{TypeKind::time});
  CHECK(instant->time == Instant::parse("2026-01-01T02:00:00Z"));
  const Expr* date = find_expr(when, ExprKind::date, "2026-03-01");
  REQUIRE(date);
  CHECK(date->date == Date::from_ymd(2026, 3, 1));
  const Expr* days = find_expr(when, ExprKind::duration, "90");
  REQUIRE(days);
  CHECK(days->type == Type{TypeKind::duration});
  CHECK(days->duration == Duration(90, Duration::Unit::days));
  CHECK(days->number == Decimal(90));
  const Expr* rate = find_expr(when, ExprKind::number, "12.50");
  REQUIRE(rate);
  CHECK(rate->number == Decimal::parse("12.5"));
  CHECK(rate->number.scale() == 2);
}

TEST_CASE("rules resolve triggers, options and award details") {
  auto program = load(R"(program "Opts"
settings {
  points_expire  = 12 months
  points_pending = 2 days
}
member {
  segment: string optional
}
event review_posted {
  stars: number
}
tiers by member.earned {
  bronze from 0
  gold from 100
}
lifecycle {
  active when member.purchases > 0
  dormant otherwise
}
rule a on purchase {
  award event.amount points
}
rule b on purchase
  active from 2026-12-01 to 2026-12-31
  limit 3 per member per 30 days
  budget 1000000 points
  group "december"
  priority 10
{
  award event.amount points pending 14 days expiring in 3 months as "holiday"
  deduct 5 points as "fee"
  set member.segment = "holiday"
  tag "december"
  stop
}
rule c on review_posted priority -1 {
  award 1 points never expiring
  award 2 points expiring on 2027-01-31
}
rule d on tier_changed to gold priority 10 {
  emit "gold" { tier: event.to }
}
rule e on stage_changed to dormant limit 1 per member {
  emit "winback"
}
)");
  REQUIRE(program);
  const CheckedProgram& checked = program->checked();
  REQUIRE(checked.rules.size() == 5);

  const CheckedRule& a = checked.rules[rule_index(checked, "a")];
  CHECK(a.trigger.kind == TriggerKind::purchase);
  CHECK(a.priority == 0);
  CHECK_FALSE(a.limit.has_value());
  CHECK(a.group.empty());
  REQUIRE(a.actions.size() == 1);
  CHECK(a.actions[0].pending == Duration(2, Duration::Unit::days));
  CHECK(a.actions[0].expiry == ExpiryKind::in);
  CHECK(a.actions[0].expires_in == Duration(12, Duration::Unit::months));

  const CheckedRule& b = checked.rules[rule_index(checked, "b")];
  REQUIRE(b.active_from.has_value());
  CHECK(*b.active_from == Date::from_ymd(2026, 12, 1));
  CHECK(*b.active_to == Date::from_ymd(2026, 12, 31));
  REQUIRE(b.limit.has_value());
  CHECK(b.limit->count == 3);
  REQUIRE(b.limit->window.has_value());
  CHECK(*b.limit->window == Duration(30, Duration::Unit::days));
  CHECK(b.budget == std::optional<std::int64_t>(1000000));
  CHECK(b.group == "december");
  CHECK(b.priority == 10);
  REQUIRE(b.actions.size() == 5);
  CHECK(b.actions[0].pending == Duration(14, Duration::Unit::days));
  CHECK(b.actions[0].expiry == ExpiryKind::in);
  CHECK(b.actions[0].expires_in == Duration(3, Duration::Unit::months));
  CHECK(b.actions[0].label == "holiday");
  CHECK(b.actions[1].label == "fee");
  CHECK(b.actions[2].attribute == 0);

  const CheckedRule& c = checked.rules[rule_index(checked, "c")];
  CHECK(c.trigger.kind == TriggerKind::custom);
  CHECK(c.trigger.custom_event == 0);
  CHECK(c.priority == -1);
  CHECK(c.actions[0].expiry == ExpiryKind::never);
  CHECK(c.actions[1].expiry == ExpiryKind::on);
  CHECK(c.actions[1].expires_on == Date::from_ymd(2027, 1, 31));

  const CheckedRule& d = checked.rules[rule_index(checked, "d")];
  CHECK(d.trigger.kind == TriggerKind::tier_changed);
  CHECK(d.trigger.to == std::optional<std::uint32_t>(1));
  const CheckedRule& e = checked.rules[rule_index(checked, "e")];
  CHECK(e.trigger.kind == TriggerKind::stage_changed);
  CHECK(e.trigger.to == std::optional<std::uint32_t>(1));
  REQUIRE(e.limit.has_value());
  CHECK(e.limit->count == 1);
  CHECK_FALSE(e.limit->window.has_value());

  // Priority high to low, then file order: b (10), d (10), a (0), e (0), c (-1).
  std::vector<std::string> order;
  for (std::uint32_t i : checked.rule_order) order.push_back(checked.tree.rules[i].name.name);
  CHECK(order == std::vector<std::string>{"b", "d", "a", "e", "c"});
}

// ---- errors: sections and settings -------------------------------------------------------------

TEST_CASE("sections") {
  CHECK(error_of("settings { rounding = floor }\n") ==
        "a program must start with its name; write program \"Acme Rewards\" on the first line");
  CHECK(error_of("program \"A\"\nmember { x: number }\nsettings { rounding = floor }\n") ==
        "'settings' must come before 'member'; sections go in this order: program, settings, "
        "member, event, tiers, lifecycle, then the rules");
  CHECK(error_of("program \"A\"\nrule r on purchase { stop }\nevent e { }\n") ==
        "'event' must come before the rules; sections go in this order: program, settings, "
        "member, event, tiers, lifecycle, then the rules");
  CHECK(error_of("program \"A\"\ntiers by member.earned { a from 0 }\n"
                 "tiers by member.earned { b from 0 }\n") ==
        "a second 'tiers' section; the first is on line 2; a program has at most one");
  CHECK(error_of("program \"\"\n") ==
        "the program's name is empty; write a name people will recognise, such as program "
        "\"Acme Rewards\"");
}

TEST_CASE("settings errors") {
  auto settings = [](std::string_view body) {
    return error_of("program \"S\"\nsettings {\n" + std::string(body) + "\n}\n");
  };
  CHECK(settings("roundng = floor") == "unknown setting 'roundng'; did you mean 'rounding'?");
  CHECK(settings("colour = red") ==
        "unknown setting 'colour'; the settings are timezone, points_expire, points_pending, "
        "rounding, unknown_member and negative_balance");
  CHECK(settings("rounding = floor\nrounding = ceil") ==
        "'rounding' is set twice; the first is on line 3");
  CHECK(settings("rounding = flor") == "unknown rounding 'flor'; did you mean 'floor'?");
  CHECK(settings("rounding = up") ==
        "unknown rounding 'up'; choose floor, ceil, half_up or half_even");
  CHECK(settings("rounding = \"floor\"") ==
        "rounding must be floor, ceil, half_up or half_even; write floor without quotes");
  CHECK(settings("unknown_member = enrol") ==
        "unknown unknown_member 'enrol'; did you mean 'enroll'?");
  CHECK(settings("negative_balance = clmap") ==
        "unknown negative_balance 'clmap'; did you mean 'clamp'?");
  CHECK(settings("timezone = \"+25:00\"") ==
        "invalid timezone \"+25:00\"; write a fixed offset from UTC, such as \"+08:00\" or "
        "\"-05:30\"");
  CHECK(settings("timezone = 8") == "timezone must be a UTC offset in quotes, such as \"+08:00\"");
  CHECK(settings("timezone = \"Z\"").empty());
  CHECK(settings("points_expire = nevr") ==
        "points_expire must be a duration, such as 12 months, or never; did you mean 'never'?");
  CHECK(settings("points_expire = 0 days") ==
        "points_expire must be longer than zero; write never for points that do not expire");
  CHECK(settings("points_pending = never") == "points_pending must be a duration, such as 14 days");
  CHECK(settings("points_expire = 7 days\npoints_pending = 7 days") ==
        "awarded points could never be spent: points_pending of 7 days is not shorter than "
        "points_expire of 7 days");
  CHECK(settings("points_expire = 1 month\npoints_pending = 30 days") ==
        "awarded points could never be spent: points_pending of 30 days is not shorter than "
        "points_expire of 1 month; a month can be as short as 28 days");
  CHECK(settings("points_expire = 1 month\npoints_pending = 27 days").empty());
  CHECK(settings("points_expire = 1 year\npoints_pending = 12 months") ==
        "awarded points could never be spent: points_pending of 12 months is not shorter than "
        "points_expire of 1 year");
}

// ---- errors: declarations ---------------------------------------------------------------------

TEST_CASE("attribute declarations") {
  auto member = [](std::string_view body) {
    return error_of("program \"M\"\nmember {\n" + std::string(body) + "\n}\n");
  };
  CHECK(member("email: strng") == "unknown type 'strng'; did you mean 'string'?");
  CHECK(member("news: boolean") == "unknown type 'boolean'; did you mean 'bool'?");
  CHECK(member("x: colour") ==
        "unknown type 'colour'; the types are number, string, bool, "
        "date or time");
  CHECK(member("x: string optinal") == "unknown modifier 'optinal'; did you mean 'optional'?");
  CHECK(member("x: string pii pii") == "'pii' is given twice");
  CHECK(member("x: string\nx: number") ==
        "attribute 'x' is declared twice; the first is on "
        "line 3");
  CHECK(member("points: number") ==
        "'points' is a built-in member field; member.points is always there; choose another "
        "name");
  CHECK(member("type: string") ==
        "'type' cannot name a member attribute; it would hide event.type in enroll and profile "
        "rules");
  CHECK(error_of("program \"E\"\nevent e { time: time }\n") ==
        "'time' is a field of every event; choose another name for the attribute");
  CHECK(error_of("program \"E\"\nevent e { mail: string pii }\n") ==
        "'pii' applies to member attributes only; event attributes are not kept in the "
        "member's profile");
  CHECK(error_of("program \"E\"\nevent e { note: string optional }\n").empty());
}

TEST_CASE("event declarations") {
  CHECK(error_of("program \"E\"\nevent purchase { x: number }\n") ==
        "'purchase' is a built-in event type; give the custom event another name");
  CHECK(error_of("program \"E\"\nevent daily { }\n") ==
        "'daily' is a built-in event type; give the custom event another name");
  CHECK(error_of("program \"E\"\nevent e { }\nevent e { }\n") ==
        "event type 'e' is declared twice; the first is on line 2");
}

TEST_CASE("tiers and lifecycle") {
  CHECK(error_of(
            "program \"T\"\ntiers by member.earned {\n a from 0\n b from 100\n a from 200\n}\n") ==
        "tier 'a' is declared twice; the first is on line 3");
  CHECK(error_of("program \"T\"\ntiers by member.earned {\n a from 100\n b from 100\n}\n") ==
        "tier thresholds must increase: b from 100 is not above a from 100; list the tiers "
        "lowest first");
  CHECK(error_of("program \"T\"\ntiers by member.earned {\n a from 0\n b from 10 * 10\n}\n") ==
        "a tier's threshold must be a number, such as 2000");
  CHECK(error_of("program \"T\"\ntiers by member.id {\n a from 0\n}\n") ==
        "tiers must be measured by a number, such as member.earned, not a string");
  CHECK(error_of("program \"T\"\ntiers by 5 {\n a from 0\n}\n") ==
        "tiers must be measured on the member; use a member figure, such as member.earned or "
        "earned(12 months)");
  CHECK(error_of("program \"T\"\ntiers by earned(12 months) {\n a from 0\n}\n").empty());
  CHECK(error_of("program \"T\"\ntiers by event.amount {\n a from 0\n}\n") ==
        "tiers are measured on the member alone; there is no event here");
  CHECK(error_of("program \"T\"\ntiers by member.earned {\n a from 0\n keep 12\n}\n") ==
        "keep needs a duration, such as 12 months");
  CHECK(error_of("program \"T\"\ntiers by member.earned {\n gold from 0\n}\n"
                 "lifecycle {\n gold when member.points > 0\n}\n") ==
        "'gold' is already the name of a tier; tier and stage names must differ");
  CHECK(error_of("program \"L\"\nlifecycle {\n a otherwise\n b when member.points > 0\n}\n") ==
        "'otherwise' must be the last stage; the stages after it could never be reached");
  CHECK(error_of("program \"L\"\nlifecycle {\n a when member.points\n}\n") ==
        "a stage's condition must be true or false, not a number");
  CHECK(error_of("program \"L\"\nlifecycle {\n a when event.amount > 1\n}\n") ==
        "stage conditions see the member alone; there is no event here");
  CHECK(
      error_of("program \"L\"\nlifecycle {\n a when member.points > 1\n b when true\n}\n").empty());
  CHECK(error_of("program \"L\"\nlifecycle {\n a when member.points > 1\n a otherwise\n}\n") ==
        "stage 'a' is declared twice; the first is on line 3");
}

// ---- errors: rules ---------------------------------------------------------------------------

TEST_CASE("rule names and triggers") {
  CHECK(rule_error("rule a on purchase { stop }\nrule a on refund { stop }\n") ==
        "rule 'a' is defined twice; the first is on line 22; rule names must be unique");
  CHECK(rule_error("rule a on purchse { stop }\n") ==
        "unknown trigger 'purchse'; did you mean 'purchase'?");
  CHECK(rule_error("rule a on review_post { stop }\n") ==
        "unknown trigger 'review_post'; did you mean 'review_posted'?");
  CHECK(rule_error("rule a on tick { stop }\n") ==
        "unknown trigger 'tick'; a rule runs on enroll, purchase, refund, profile, tier_changed, "
        "stage_changed, daily or review_posted (or an event type declared with event)");
  CHECK(rule_error("rule a on purchase to gold { stop }\n") ==
        "'to' applies only to tier_changed and stage_changed, not purchase");
  CHECK(rule_error("rule a on tier_changed to golld { stop }\n") ==
        "unknown tier 'golld'; did you mean 'gold'?");
  CHECK(rule_error("rule a on tier_changed to platinum { stop }\n") ==
        "unknown tier 'platinum'; the tiers are bronze, silver and gold");
  CHECK(rule_error("rule a on tier_changed to dormant { stop }\n") ==
        "'dormant' is a stage, not a tier; did you mean stage_changed?");
  CHECK(rule_error("rule a on stage_changed to gold { stop }\n") ==
        "'gold' is a tier, not a stage; did you mean tier_changed?");
  CHECK(rule_error("rule a on stage_changed to sleeping { stop }\n") ==
        "unknown stage 'sleeping'; the stages are new, active and dormant");
  CHECK(error_of("program \"N\"\nrule a on tier_changed { stop }\n") ==
        "this rule can never fire: the program has no tiers; declare them in a tiers section");
  CHECK(error_of("program \"N\"\nrule a on stage_changed to x { stop }\n") ==
        "this rule can never fire: the program has no lifecycle stages; declare them in a "
        "lifecycle section");
  CHECK(rule_error("rule a on purchase when event.amount { stop }\n") ==
        "a rule's condition must be true or false, not a number");
  CHECK(rule_error("rule \"and so on\" on purchase { stop }\n").empty());
}

TEST_CASE("rule options") {
  CHECK(rule_error("rule a on purchase active from 2026-12-31 to 2026-12-01 { stop }\n") ==
        "this rule can never fire: its active range ends on 2026-12-01, before it starts on "
        "2026-12-31");
  CHECK(rule_error("rule a on purchase active from 2026-12-01 to 2026-12-01 { stop }\n").empty());
  CHECK(rule_error("rule a on purchase active from 2026-02-01 to 2026-02-30 { stop }\n") ==
        "invalid date \"2026-02-30\": no such day in that month (February 2026 has 28 days)");
  CHECK(rule_error("rule a on purchase limit 0 per member { stop }\n") ==
        "a limit must be a whole number above zero, such as 3");
  CHECK(rule_error("rule a on purchase limit 1.5 per member { stop }\n") ==
        "a limit must be a whole number above zero, such as 3");
  CHECK(rule_error("rule a on purchase limit 1 per member per 0 days { stop }\n") ==
        "a limit's window must be longer than zero");
  CHECK(rule_error("rule a on purchase budget 0 points { stop }\n") ==
        "a budget must be a whole number of points above zero, such as 100000");
  CHECK(rule_error("rule a on purchase priority 2.5 { stop }\n") ==
        "a priority must be a whole number, such as 10 or -1");
  CHECK(rule_error("rule a on purchase priority -3 { stop }\n").empty());
  CHECK(rule_error("rule a on purchase priority 1 priority 2 { stop }\n") ==
        "'priority' is given twice in this rule; a rule takes each option at most once");
  CHECK(rule_error("rule a on purchase group \"\" { stop }\n") == "a group needs a name");
}

TEST_CASE("a rule has at most 65,535 actions, and the first one over is where it says so") {
  auto rule_of = [](std::size_t actions) {
    std::string text = "rule a on purchase {\n";
    for (std::size_t i = 0; i < actions; ++i) text += "  tag \"t\"\n";
    return text + "}\n";
  };
  CHECK(rule_error(rule_of(65'535)).empty());
  const std::vector<Diagnostic> over = diagnostics_of(with_prelude(rule_of(65'536)));
  REQUIRE(over.size() == 1);
  CHECK(over[0].message == "rule 'a' has 65536 actions");
  CHECK(over[0].hint == "a rule has at most 65535 actions");
  const auto prelude_lines = static_cast<std::uint32_t>(
      std::count(kPrelude.begin(), kPrelude.end(), '\n'));
  CHECK(over[0].line == prelude_lines + 1 + 65'536);  // the 65,536th action's line
}

TEST_CASE("award and deduct") {
  CHECK(rule_error("rule a on purchase { award -5 points }\n") ==
        "cannot award a negative number of points (-5); use deduct to take points away");
  CHECK(rule_error("rule a on purchase { award 10 - 25 points }\n") ==
        "cannot award a negative number of points (-15); use deduct to take points away");
  CHECK(rule_error("rule a on purchase { deduct -5 points }\n") ==
        "cannot deduct a negative number of points (-5); use award to give points");
  CHECK(rule_error("rule a on purchase { award 0 points }\n").empty());
  CHECK(rule_error("rule a on purchase { award event.amount - 100 points }\n").empty());
  CHECK(rule_error("rule a on purchase { award event.channel points }\n") ==
        "award needs a number of points, not a string");
  CHECK(rule_error("rule a on purchase { award \"500\" points }\n") ==
        "award needs a number of points, not a string; write numbers without quotes: 500");
  CHECK(rule_error("rule a on purchase { deduct event.time points }\n") ==
        "deduct needs a number of points, not a time");
  CHECK(rule_error("rule a on purchase { award 1 points pending 30 days expiring in 7 days }\n") ==
        "these points could never be spent: pending 30 days is not shorter than expiring in 7 "
        "days");
  CHECK(rule_error("rule a on purchase { award 1 points pending 30 days expiring in 1 month }\n") ==
        "these points could never be spent: pending 30 days is not shorter than expiring in 1 "
        "month; a month can be as short as 28 days");
  CHECK(rule_error("rule a on purchase { award 1 points pending 27 days expiring in 1 month }\n")
            .empty());
  CHECK(rule_error("rule a on purchase { award 1 points pending 1 month expiring in 2 months }\n")
            .empty());
  CHECK(rule_error("rule a on purchase { award 1 points expiring in 0 days }\n") ==
        "points expiring in 0 days could never be spent");
  CHECK(error_of("program \"P\"\nsettings { points_expire = 7 days }\n"
                 "rule a on purchase { award 1 points pending 7 days }\n") ==
        "these points could never be spent: pending 7 days is not shorter than the program's "
        "points_expire of 7 days");
  CHECK(error_of("program \"P\"\nsettings { points_pending = 3 days }\n"
                 "rule a on purchase { award 1 points expiring in 2 days }\n") ==
        "these points could never be spent: expiring in 2 days is not longer than the "
        "program's points_pending of 3 days");
  CHECK(error_of("program \"P\"\nsettings { points_pending = 3 days }\n"
                 "rule a on purchase { award 1 points expiring on 2026-01-01 }\n")
            .empty());
  CHECK(rule_error("rule a on purchase { award 1 points pending 1 day pending 2 days }\n") ==
        "'pending' is given twice in this award");
  CHECK(rule_error("rule a on purchase { award 1 points as \"a\" as \"b\" }\n") ==
        "'as' is given twice in this award");
  CHECK(rule_error("rule a on purchase { award 1 points expiring in 5 days never expiring }\n") ==
        "this award already says when its points expire");
  CHECK(rule_error("rule a on purchase active from 2026-12-01 to 2026-12-31 {\n"
                   "  award 1 points expiring on 2026-11-30\n}\n") ==
        "these points would expire on 2026-11-30, before the rule is active (from 2026-12-01)");
}

TEST_CASE("set, tag and emit") {
  CHECK(rule_error("rule a on purchase { set member.home_stor = \"x\" }\n") ==
        "cannot set member.home_stor: the member section declares no such attribute; did you "
        "mean 'home_store'?");
  CHECK(rule_error("rule a on purchase { set member.segment = \"x\" }\n") ==
        "cannot set member.segment: the member section declares no such attribute; declare it "
        "first, such as segment: string");
  CHECK(rule_error("rule a on purchase { set member.points = 5 }\n") ==
        "member.points cannot be set; use award or deduct to change points");
  CHECK(rule_error("rule a on purchase { set member.tier = gold }\n") ==
        "member.tier cannot be set; the tier follows from the tiers section");
  CHECK(rule_error("rule a on purchase { set member.birthday = event.time }\n") ==
        "member.birthday is a date; it cannot be set to a time; use date(...) to take the date "
        "of a time");
  CHECK(rule_error("rule a on purchase { set member.vip = \"true\" }\n") ==
        "member.vip is true or false; it cannot be set to a string; write true without quotes");
  CHECK(rule_error("rule a on purchase { set member.email = none }\n") ==
        "member.email is not optional and cannot be set to none; mark it optional in the member "
        "section");
  CHECK(rule_error("rule a on purchase { set member.home_store = none }\n").empty());
  CHECK(rule_error("rule a on purchase { set member.birthday = date(event.time) }\n").empty());
  CHECK(rule_error("rule a on purchase { tag \"\" }\n") == "a tag cannot be empty");
  CHECK(rule_error("rule a on purchase { emit \"m\" { k: 1, k: 2 } }\n") ==
        "'k' is given twice in this message");
  CHECK(rule_error("rule a on purchase { emit \"m\" { k: event } }\n") ==
        "'event' is not a value by itself; use one of its attributes, such as event.time");
  CHECK(rule_error("rule a on purchase { emit \"m\" { k: event.items, t: member.tags, "
                   "n: none, d: 3 days } }\n")
            .empty());
  CHECK(rule_error("rule a on purchase { stop award 1 points }\n").empty());
}

// ---- errors: expressions ----------------------------------------------------------------------

TEST_CASE("names and fields") {
  CHECK(rule_error("rule a on purchase { award event.amout points }\n") ==
        "unknown attribute 'amout' of event purchase; did you mean 'amount'?");
  CHECK(rule_error("rule a on purchase when event.stars > 3 { stop }\n") ==
        "'stars' is an attribute of event review_posted, not of purchase");
  CHECK(rule_error("rule a on daily when event.amount > 3 { stop }\n") ==
        "'amount' is an attribute of events purchase and refund, not of daily");
  CHECK(rule_error("rule a on review_posted when event.amount > 3 { stop }\n") ==
        "'amount' is an attribute of events purchase and refund, not of review_posted");
  CHECK(rule_error("rule a on purchase when event.birthday > 2000-01-01 { stop }\n") ==
        "unknown attribute 'birthday' of event purchase; did you mean 'member.birthday'?");
  CHECK(rule_error("rule a on enroll when event.birthday > 2000-01-01 { stop }\n").empty());
  CHECK(rule_error("rule a on profile when has(event.vip) { stop }\n").empty());
  CHECK(rule_error("rule a on purchase when member.pionts > 3 { stop }\n") ==
        "unknown member attribute 'pionts'; did you mean 'points'?");
  CHECK(rule_error("rule a on purchase when member.amount > 3 { stop }\n") ==
        "unknown member attribute 'amount'; did you mean 'event.amount'?");
  CHECK(rule_error("rule a on purchase when amount > 3 { stop }\n") ==
        "unknown name 'amount'; did you mean 'event.amount'?");
  CHECK(rule_error("rule a on purchase when evnt.amount > 3 { stop }\n") ==
        "unknown name 'evnt'; did you mean 'event'?");
  CHECK(rule_error("rule a on purchase when member.tier == golld { stop }\n") ==
        "unknown tier 'golld'; did you mean 'gold'?");
  CHECK(rule_error("rule a on purchase when member.tier == platinum { stop }\n") ==
        "unknown tier 'platinum'; the tiers are bronze, silver and gold");
  CHECK(rule_error("rule a on purchase when member.stage == sleeping { stop }\n") ==
        "unknown stage 'sleeping'; the stages are new, active and dormant");
  CHECK(rule_error("rule a on purchase when event.channel == app { stop }\n") ==
        "unknown name 'app'; write text in quotes: \"app\"");
  CHECK(rule_error("rule a on purchase when weekday(event.time) == saturday { stop }\n") ==
        "unknown weekday 'saturday'; did you mean 'sat'?");
  CHECK(rule_error("rule a on purchase when item.qty > 3 { stop }\n") ==
        "'item' can only be used inside count, any, all or sum over event.items");
  CHECK(rule_error("rule a on purchase when any(event.items where item.quantity > 3) { stop }\n") ==
        "unknown item field 'quantity'; did you mean 'qty'?");
  CHECK(rule_error("rule a on purchase when gold.x > 3 { stop }\n") ==
        "a tier has no attribute 'x'");
  CHECK(rule_error("rule a on tier_changed when event.to > event.from { stop }\n").empty());
  CHECK(rule_error("rule a on purchase when event.to > gold { stop }\n") ==
        "'to' is an attribute of events tier_changed and stage_changed, not of purchase");
}

TEST_CASE("operators") {
  CHECK(rule_error("rule a on purchase when event.amount > \"x\" { stop }\n") ==
        "cannot compare a number with a string");
  CHECK(rule_error("rule a on purchase when event.amount > \"10\" { stop }\n") ==
        "cannot compare a number with a string; write numbers without quotes: 10");
  CHECK(rule_error("rule a on purchase when member.tier == \"gold\" { stop }\n") ==
        "cannot compare a tier with a string; write tier names without quotes: gold");
  CHECK(rule_error("rule a on purchase when member.tier == dormant { stop }\n") ==
        "cannot compare a tier with a stage");
  CHECK(rule_error("rule a on purchase when date(event.time) == event.time { stop }\n") ==
        "cannot compare a date with a time; use date(...) to take the date of a time");
  CHECK(rule_error("rule a on purchase when true < false { stop }\n") ==
        "true or false values cannot be ordered with '<'");
  CHECK(rule_error("rule a on purchase when member.tags == member.tags { stop }\n") ==
        "tag sets cannot be compared");
  // LANGUAGE.md: none compared with anything is false, so the comparison loads (as a bool).
  CHECK(rule_error("rule a on purchase when member.last_purchase_at == none { stop }\n") == "");
  CHECK(rule_error("rule a on purchase when none != event.amount { stop }\n") == "");
  CHECK(rule_error("rule a on purchase when event.amount and true { stop }\n") ==
        "'and' needs true or false on each side, not a number");
  CHECK(rule_error("rule a on purchase when not event.channel { stop }\n") ==
        "'not' needs true or false, not a string");
  CHECK(rule_error("rule a on purchase { award event.channel * 2 points }\n") ==
        "cannot multiply a string by a number");
  CHECK(rule_error("rule a on purchase { award -event.channel points }\n") ==
        "'-' needs a number, not a string");
  CHECK(rule_error("rule a on purchase when event.time + 7 > event.time { stop }\n") ==
        "cannot add a time and a number; write a duration, such as 7 days");
  CHECK(rule_error("rule a on purchase when event.time - member.enrolled_at > 3 { stop }\n") ==
        "cannot subtract a time from a time; use days_since(...) or hours_since(...) to "
        "measure the time between");
  CHECK(rule_error("rule a on purchase when date(event.time) + 6 hours > 2026-01-01 { stop }\n") ==
        "cannot add hours or minutes to a date; a date has no time of day; use days, months or "
        "years, or a time");
  CHECK(rule_error("rule a on purchase when date(event.time) - 1 month > 2026-01-01 { stop }\n")
            .empty());
  CHECK(rule_error("rule a on purchase when 30 days + event.time > event.time { stop }\n").empty());
  CHECK(rule_error("rule a on purchase when weekday(event.time) in [sat, 1] { stop }\n") ==
        "a list holds values of one type: this is a number, the first is a weekday");
  CHECK(rule_error("rule a on purchase when event.channel in [] { stop }\n") ==
        "an empty list matches nothing; list at least one value");
  CHECK(rule_error("rule a on purchase when \"vip\" in member.points { stop }\n") ==
        "'in' needs a list, such as [\"a\", \"b\"], or member.tags on its right, not a number");
  CHECK(rule_error("rule a on purchase when 5 in member.tags { stop }\n") ==
        "cannot look for a number in the member's tags");
  CHECK(rule_error("rule a on purchase when event.amount in [\"a\"] { stop }\n") ==
        "cannot look for a number in a list of strings");
  CHECK(rule_error("rule a on purchase when \"x\" in event.items { stop }\n") ==
        "'in' cannot look among event.items; use any(event.items where ...)");
  CHECK(rule_error("rule a on purchase when \"vip\" not in member.tags and member.stage in "
                   "[new, active] { stop }\n")
            .empty());
}

TEST_CASE("functions") {
  CHECK(rule_error("rule a on purchase { award flor(event.amount) points }\n") ==
        "unknown function 'flor'; did you mean 'floor'?");
  CHECK(rule_error("rule a on purchase { award round(event.amount, 2, 3) points }\n") ==
        "round takes 1 or 2 arguments, not 3; write round(x) or round(x, digits)");
  CHECK(rule_error("rule a on purchase { award min(event.amount) points }\n") ==
        "min takes 2 arguments, not 1; write min(a, b)");
  CHECK(rule_error("rule a on purchase { award round(event.amount, 0.5) points }\n") ==
        "round's digits must be a whole number");
  CHECK(rule_error("rule a on purchase { award floor(event.channel) points }\n") ==
        "floor needs a number, not a string");
  CHECK(rule_error("rule a on purchase when contains(event.channel, 1) { stop }\n") ==
        "contains needs a string as its second argument, not a number");
  CHECK(rule_error("rule a on purchase when contains(member.tags, \"vip\") { stop }\n") ==
        "contains needs a string as its first argument, not the member's tags; to test a tag, "
        "write \"vip\" in member.tags");
  CHECK(rule_error("rule a on purchase when hour(member.birthday) > 3 { stop }\n") ==
        "hour needs a time, not a date; a date has no hour; use a time, such as event.time");
  CHECK(rule_error("rule a on purchase when is_birthday(event.time) { stop }\n") ==
        "is_birthday needs a date, not a time; use date(...) to take the date of a time");
  CHECK(rule_error("rule a on purchase when days_since(member.birthday) > 3 and "
                   "day(event.time) == 1 and month(member.birthday) == 2 { stop }\n")
            .empty());
  CHECK(rule_error("rule a on purchase when any(event.items) { stop }\n") ==
        "any needs a condition; write any(event.items where C)");
  CHECK(rule_error("rule a on purchase when count(member.tags) > 1 { stop }\n") ==
        "count works over event.items, not the member's tags; write count(event.items) or "
        "count(event.items where C)");
  CHECK(rule_error("rule a on purchase { award sum(event.items, item.sku) points }\n") ==
        "sum adds up numbers, not a string");
  CHECK(rule_error("rule a on purchase { award sum(event.items) points }\n") ==
        "sum takes 2 arguments, not 1; write sum(event.items, X) or sum(event.items, X where C)");
  CHECK(rule_error("rule a on purchase when count(event.items where item.qty) > 1 { stop }\n") ==
        "'where' needs true or false, not a number");
  CHECK(rule_error("rule a on purchase { award floor(event.amount where true) points }\n") ==
        "'where' can only be used in count, any, all and sum");
  CHECK(rule_error("rule a on purchase when purchases(30) > 1 { stop }\n") ==
        "purchases needs a duration, such as 30 days, not a number");
  CHECK(rule_error("rule a on purchase when spend(0 days) > 1 { stop }\n") ==
        "the window of spend must be longer than zero");
  CHECK(rule_error("rule a on refund when count(event.items) > 1 { stop }\n") ==
        "'items' is an attribute of event purchase, not of refund");
  CHECK(rule_error("rule a on purchase when all(event.items where any(event.items where "
                   "item.qty > 1)) and has(member.home_store) { stop }\n")
            .empty());
}

TEST_CASE("durations") {
  CHECK(rule_error("rule a on purchase { award 1 points expiring in 1.5 days }\n") ==
        "a duration counts whole days; write 36 hours");
  CHECK(rule_error("rule a on purchase { award 1 points pending 2 weeks }\n") ==
        "unknown unit 'weeks'; write 14 days");
  CHECK(rule_error("rule a on purchase { award 1 points expiring in 20000 years }\n") ==
        "the duration 20000 years is too long; durations reach at most 10000 years");
}

TEST_CASE("one mistake, one diagnostic: no cascades") {
  // An unknown attribute deep in an expression: nothing above it is reported.
  CHECK(errors_of(with_prelude("rule a on purchase when floor(event.amout * 2 + 1) > 3 and "
                               "not (event.amout > 1) { award event.amout points }\n"))
            .size() == 3);
  CHECK(rule_error("rule a on purchase when floor(event.amout * 2 + 1) > 3 { stop }\n") ==
        "unknown attribute 'amout' of event purchase; did you mean 'amount'?");
  // An unknown trigger: its rule's attributes are not reported.
  CHECK(rule_error("rule a on purchse when event.amount > 3 and event.stars > 1 { stop }\n") ==
        "unknown trigger 'purchse'; did you mean 'purchase'?");
  // An attribute of unknown type: its uses are not reported.
  CHECK(error_of("program \"C\"\nmember { x: strng }\n"
                 "rule a on purchase when member.x > 3 { set member.x = 5 }\n") ==
        "unknown type 'strng'; did you mean 'string'?");
  // Independent mistakes are all reported, in source order.
  std::vector<Diagnostic> all = diagnostics_of(
      with_prelude("rule a on purchase when member.tier == gld { award event.amout points }\n"
                   "rule b on purchase { set member.segmnt = 1 }\n"));
  REQUIRE(all.size() == 3);
  CHECK(all[0].line == 22);
  CHECK(all[0].message == "unknown tier 'gld'");
  CHECK(all[1].message == "unknown attribute 'amout' of event purchase");
  CHECK(all[2].line == 23);
}

TEST_CASE("spans point at the mistake") {
  std::vector<Diagnostic> d =
      diagnostics_of("program \"S\"\nrule base on purchase {\n  award event.amout points\n}\n");
  REQUIRE(d.size() == 1);
  CHECK(d[0].line == 3);
  CHECK(d[0].column == 15);  // the field, not `event`
  CHECK(d[0].length == 5);
  d = diagnostics_of("program \"S\"\nrule r on purchase when event.amount > \"x\" { stop }\n");
  REQUIRE(d.size() == 1);
  CHECK(d[0].column == 25);
  CHECK(d[0].length == 18);
}

TEST_CASE("hints list what there is when nothing is close") {
  CHECK(rule_error("rule a on purchase when event.coupon == \"X\" { stop }\n") ==
        "unknown attribute 'coupon' of event purchase; purchase events have id, time, type, "
        "amount, channel and items");
  CHECK(rule_error("rule a on review_posted when event.rating > 3 { stop }\n") ==
        "unknown attribute 'rating' of event review_posted; review_posted events have id, time, "
        "type, stars and text");
  CHECK(error_of("program \"P\"\nrule a on purchase when member.colour == \"red\" { stop }\n") ==
        "unknown member attribute 'colour'; a member has id, enrolled_at, tier, stage, points, "
        "pending_points, earned, purchases, spend, last_purchase_at and tags; declare others in "
        "a member section");
  CHECK(rule_error("rule a on purchase when avg(event.amount) > 3 { stop }\n") ==
        "unknown function 'avg'; the functions are floor, ceil, round, min, max, abs, "
        "days_since, hours_since, date, weekday, hour, day, month, year, is_birthday, lower, "
        "upper, contains, starts_with, has, count, any, all, sum, spend, purchases and earned");
}

TEST_CASE("reserved words cannot name things") {
  CHECK(error_of("program \"R\"\nmember { none: string }\n") ==
        "'none' is a reserved word and cannot name an attribute");
  CHECK(error_of("program \"R\"\nevent sat { }\n") ==
        "'sat' is a reserved word and cannot name an event type");
  CHECK(error_of("program \"R\"\ntiers by member.earned { true from 0 }\n") ==
        "'true' is a reserved word and cannot name a tier");
  CHECK(error_of("program \"R\"\nlifecycle { fri otherwise }\n") ==
        "'fri' is a reserved word and cannot name a stage");
  CHECK(error_of("program \"R\"\nrule and on purchase { stop }\n") ==
        "'and' is a reserved word and cannot name a rule; write the name in quotes: rule \"and\"");
  CHECK(error_of("program \"R\"\nrule \"and\" on purchase { stop }\n").empty());
  CHECK(error_of("program \"R\"\nrule r on purchase { emit \"m\" { in: 1 } }\n") ==
        "'in' is a reserved word and cannot name a message field; choose another key");
}

TEST_CASE("a syntax error does not make the checker report what it lost") {
  // Whatever the parser says about the syntax error itself, the checker adds nothing that
  // follows from it: the tier, attribute or event attribute that did not parse is not
  // "unknown" where it is used.
  auto checker_errors = [](std::string_view text) {
    std::vector<std::string> out;
    for (const std::string& e : errors_of(text)) {
      if (e.find("unknown") != std::string::npos || e.find("must be") != std::string::npos) {
        out.push_back(e);
      }
    }
    return out;
  };
  CHECK(checker_errors("program \"X\"\ntiers by member.earned {\n  bronze from 0\n"
                       "  silver from 2000 +\n}\n"
                       "rule a on purchase when member.tier == silver { award 1 points }\n")
            .empty());
  CHECK(checker_errors("program \"X\"\nmember {\n  birthday: date\n  segment string\n}\n"
                       "rule a on purchase { set member.segment = \"x\" }\n"
                       "rule c on enroll when event.segment == \"x\" { stop }\n")
            .empty());
  CHECK(checker_errors("program \"X\"\nevent review_posted {\n  stars number\n}\n"
                       "rule b on review_posted when event.stars > 3 { award 1 points }\n")
            .empty());
  // A typo near a declared or built-in name is still a mistake of its own.
  CHECK(checker_errors("program \"X\"\nmember {\n  segment string\n}\n"
                       "rule d on purchase when member.pionts > 3 { stop }\n") ==
        std::vector<std::string>{"unknown member attribute 'pionts'; did you mean 'points'?"});
  // Later mistakes are still reported.
  CHECK(checker_errors("program \"X\"\nrule a on purchase when event.amount > { stop }\n"
                       "rule b on purchase { award event.amout points }\n") ==
        std::vector<std::string>{
            "unknown attribute 'amout' of event purchase; did you mean 'amount'?"});
}

TEST_CASE("a bare word before 'in member.tags' is taken for text") {
  CHECK(rule_error("rule a on purchase when big_spender in member.tags { stop }\n") ==
        "unknown name 'big_spender'; write text in quotes: \"big_spender\"");
  CHECK(rule_error("rule a on purchase when golld in [silver, gold] { stop }\n") ==
        "unknown name 'golld'; did you mean 'gold'?");
}

TEST_CASE("a division by a literal zero is caught at load time") {
  CHECK(rule_error("rule a on purchase { award event.amount / 0 points }\n") == "division by zero");
  CHECK(rule_error("rule a on purchase { award event.amount % (2 - 2) points }\n") ==
        "division by zero");
  CHECK(rule_error("rule a on purchase { award event.amount / 0.5 points }\n").empty());
}
