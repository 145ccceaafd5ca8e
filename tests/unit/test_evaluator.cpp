// Tests of the expression compiler and evaluator (src/engine/expression.hpp, evaluator.hpp)
// and of event attribute binding (binding.hpp): programs are loaded with loyalty::compile,
// their expressions compiled once and evaluated against hand-built events and members, with
// exact expected values.

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/binding.hpp"
#include "engine/evaluator.hpp"
#include "engine/expression.hpp"
#include "engine/member.hpp"
#include "engine/value.hpp"
#include "language/checker.hpp"
#include "loyalty/decimal.hpp"
#include "loyalty/error.hpp"
#include "loyalty/event.hpp"
#include "loyalty/program.hpp"
#include "loyalty/time.hpp"

#include "allocation_counter.hpp"

using loyalty::testing::allocation_count;

namespace {

using loyalty::Attribute;
using loyalty::Date;
using loyalty::Decimal;
using loyalty::Duration;
using loyalty::ErrorCode;
using loyalty::Event;
using loyalty::EventError;
using loyalty::EventKind;
using loyalty::FieldValue;
using loyalty::Instant;
using loyalty::Item;
using loyalty::Null;
using loyalty::UtcOffset;
using loyalty::Weekday;
using loyalty::engine::bind_event_attributes;
using loyalty::engine::bind_member_attribute;
using loyalty::engine::CompiledExpressions;
using loyalty::engine::EvalContext;
using loyalty::engine::EvalError;
using loyalty::engine::ExprId;
using loyalty::engine::HistoryPoint;
using loyalty::engine::MemberState;
using loyalty::engine::OpCode;
using loyalty::engine::Origin;
using loyalty::engine::Value;
using loyalty::engine::ValueKind;

Decimal D(std::string_view text) {
  return Decimal::parse(text);
}
Instant T(std::string_view text) {
  return Instant::parse(text);
}

// A program with every kind of declaration; `rule probe on TRIGGER` emits EXPR as `v` and
// has it as its condition when it is a condition.
std::string program_text(std::string_view timezone, std::string_view trigger,
                         std::string_view expr) {
  std::string text = "program \"probe\"\nsettings { timezone = \"";
  text += timezone;
  text +=
      "\" }\n"
      "member {\n  birthday: date optional\n  nickname: string optional\n"
      "  vip: bool optional\n  score: number optional\n  since: time optional\n}\n"
      "event review_posted {\n  stars: number\n  note: string optional\n}\n"
      "tiers by member.earned {\n  bronze from 0\n  silver from 2000\n  gold from 8000\n}\n"
      "lifecycle {\n  fresh when days_since(member.enrolled_at) < 30\n"
      "  active when days_since(member.last_purchase_at) <= 90\n  dormant otherwise\n}\n"
      "rule probe on ";
  text += trigger;
  text += " {\n  emit \"probe\" { v: ";
  text += expr;
  text += " }\n}\n";
  return text;
}

// One compiled probe expression.
struct Probe {
  std::shared_ptr<const loyalty::Program> program;
  CompiledExpressions compiled;
  ExprId id;

  explicit Probe(std::string_view expr, std::string_view timezone = "+00:00",
                 std::string_view trigger = "purchase")
      : program(loyalty::compile(program_text(timezone, trigger, expr))),
        compiled(loyalty::engine::compile_expressions(program->checked())),
        id(compiled.rules.at(0).actions.at(0).fields.at(0)) {}

  [[nodiscard]] UtcOffset timezone() const { return program->checked().settings.timezone; }
};

// The default scene: a purchase on Saturday 2026-03-07 at 10:00 UTC by a silver member.
struct Scene {
  Event event;
  MemberState member;
  std::vector<Value> attributes;
  std::optional<std::uint32_t> from;
  std::optional<std::uint32_t> to;

  Scene() {
    event.id = "p-1";
    event.kind = EventKind::purchase;
    event.type = "purchase";
    event.member = "m1";
    event.time = T("2026-03-07T10:00:00Z");
    event.amount = D("123.45");
    event.channel = "app";
    event.items = {Item{"C-1", "coffee", D("2"), D("3.50")}, Item{"C-2", "coffee", D("1"), D("4")},
                   Item{"GIFT-9", "pastry", D("3"), D("2.25")}};
    member.id = "m1";
    member.enrolled_at = T("2026-01-01T00:00:00Z");
    member.tier = 1;  // silver
    member.stage = 1;
    member.attributes.resize(5);
    member.tags = {"gold_club", "vip"};
    member.spend = D("1000");
    member.purchases = 3;
    member.earned = 2500;
    member.last_purchase_at = T("2026-03-01T09:00:00Z");
    const Origin origin{"e0", "", 1, 0, 0};
    member.ledger.award(member.enrolled_at, 300, member.enrolled_at, std::nullopt, origin);
    member.ledger.award(member.enrolled_at, 50, T("2026-03-08T00:00:00Z"), std::nullopt, origin);
  }

  [[nodiscard]] EvalContext context(const Probe& probe) const {
    EvalContext ctx;
    ctx.program = &probe.program->checked();
    ctx.event = &event;
    ctx.attributes = &attributes;
    ctx.member = &member;
    ctx.now = event.time;
    ctx.timezone = probe.timezone();
    ctx.from = from;
    ctx.to = to;
    return ctx;
  }
};

Value eval(std::string_view expr, const Scene& scene = Scene(),
           std::string_view timezone = "+00:00", std::string_view trigger = "purchase") {
  Probe probe(expr, timezone, trigger);
  return loyalty::engine::evaluate(probe.compiled.pool, probe.id, scene.context(probe));
}

bool holds(std::string_view expr, const Scene& scene = Scene(),
           std::string_view timezone = "+00:00", std::string_view trigger = "purchase") {
  Probe probe(expr, timezone, trigger);
  return loyalty::engine::holds(probe.compiled.pool, probe.id, scene.context(probe));
}

Decimal number(std::string_view expr, const Scene& scene = Scene(),
               std::string_view timezone = "+00:00") {
  Value v = eval(expr, scene, timezone);
  REQUIRE(v.kind() == ValueKind::number);
  return v.number();
}

ErrorCode eval_error(std::string_view expr, const Scene& scene = Scene()) {
  try {
    (void)eval(expr, scene);
  } catch (const EvalError& failure) {
    return failure.code();
  }
  FAIL("no EvalError for " << expr);
  return ErrorCode::io;
}

}  // namespace

TEST_CASE("arithmetic is exact and follows precedence") {
  CHECK(number("1 + 2 * 3") == D("7"));
  CHECK(number("(1 + 2) * 3") == D("9"));
  CHECK(number("10 - 2 - 3") == D("5"));
  CHECK(number("2 * 3 % 4") == D("2"));
  CHECK(number("10 / 4") == D("2.5"));
  CHECK(number("1 / 3") == D("0.333333333333"));
  CHECK(number("2 / 3") == D("0.666666666667"));
  CHECK(number("-7 % 3") == D("-1"));
  CHECK(number("7 % -3") == D("1"));
  CHECK(number("-event.amount") == D("-123.45"));
  CHECK(number("-2 * 3 + 1") == D("-5"));
  CHECK(number("event.amount * 0.25") == D("30.8625"));
  CHECK(number("event.amount / 3") == D("41.15"));
  CHECK(number("member.spend + event.amount") == D("1123.45"));
  CHECK(number("(member.purchases + 1) % 10") == D("4"));
  CHECK(holds("0.1 + 0.2 == 0.3"));
  CHECK(holds("1 + 2 > 2 and 3 < 4 or false"));
  CHECK(holds("true or false and false"));
  CHECK_FALSE(holds("(true or false) and false"));
  CHECK(holds("not 1 > 2"));
  CHECK(holds("not false and true"));
}

TEST_CASE("literal sub-expressions fold into constants") {
  Probe folded("1 + 2 * 3");
  CHECK(folded.compiled.pool.is_constant(folded.id));
  Probe partly("event.amount * (2 + 3)");
  CHECK_FALSE(partly.compiled.pool.is_constant(partly.id));
  Scene scene;
  CHECK(
      loyalty::engine::evaluate(partly.compiled.pool, partly.id, scene.context(partly)).number() ==
      D("617.25"));
  Probe list("sat in [sat, sun]");
  CHECK(list.compiled.pool.is_constant(list.id));
}

TEST_CASE("division by a computed zero and overflow raise EvalError") {
  CHECK(eval_error("event.amount / (member.purchases - 3)") == ErrorCode::division_by_zero);
  CHECK(eval_error("event.amount % (member.purchases - 3)") == ErrorCode::division_by_zero);
  CHECK(eval_error("event.amount * 1000000000000000000000000000000000000000 * "
                   "1000000000000000000000000000000000000000") == ErrorCode::number_overflow);
  CHECK(eval_error("event.time + 9000 years") == ErrorCode::time_out_of_range);
}

TEST_CASE("none propagates through arithmetic and functions; comparisons with it are false") {
  Scene scene;
  CHECK(eval("member.score + 1", scene).is_none());
  CHECK(eval("-member.score", scene).is_none());
  CHECK(eval("floor(member.score)", scene).is_none());
  CHECK(eval("lower(member.nickname)", scene).is_none());
  CHECK(eval("days_since(member.since)", scene).is_none());
  CHECK(eval("contains(member.nickname, \"a\")", scene).is_none());
  CHECK(eval("member.vip", scene).is_none());
  CHECK(eval("member.birthday", scene).is_none());
  CHECK_FALSE(holds("has(member.nickname)", scene));
  CHECK(holds("not has(member.nickname)", scene));
  CHECK_FALSE(holds("member.nickname == \"x\"", scene));
  CHECK_FALSE(holds("member.nickname != \"x\"", scene));
  CHECK_FALSE(holds("member.score > 1", scene));
  CHECK_FALSE(holds("member.score <= 1", scene));
  CHECK(holds("not (member.score > 1)", scene));
  CHECK_FALSE(holds("member.nickname in [\"a\", \"b\"]", scene));
  CHECK_FALSE(holds("member.nickname not in [\"a\", \"b\"]", scene));
  CHECK_FALSE(holds("member.nickname in member.tags", scene));
  CHECK_FALSE(holds("member.nickname not in member.tags", scene));
  CHECK_FALSE(holds("member.score == none", scene));
  CHECK_FALSE(holds("member.score != none", scene));
  CHECK_FALSE(holds("member.vip", scene));
  CHECK(holds("not member.vip", scene));
  CHECK(holds("member.vip or true", scene));
  CHECK_FALSE(holds("member.vip and true", scene));
  CHECK(eval("member.score == 1", scene) == Value::of(false));

  scene.member.last_purchase_at.reset();
  CHECK(eval("member.last_purchase_at", scene).is_none());
  CHECK(eval("days_since(member.last_purchase_at)", scene).is_none());
  CHECK_FALSE(holds("days_since(member.last_purchase_at) <= 90", scene));

  scene.member.attributes[3] = Value::of(D("4"));
  scene.member.attributes[2] = Value::of(true);
  CHECK(number("member.score + 1", scene) == D("5"));
  CHECK(holds("member.vip", scene));
  CHECK(holds("has(member.score)", scene));
}

TEST_CASE("ordering of strings, dates, times, tiers, stages and weekdays") {
  CHECK(holds("\"B\" < \"a\""));         // byte order: 0x42 < 0x61
  CHECK(holds("\"\xC3\xA9\" > \"z\""));  // UTF-8 bytes above ASCII
  CHECK(holds("event.channel < \"b\""));
  CHECK(holds("event.channel >= \"app\""));
  CHECK_FALSE(holds("event.channel > \"app\""));
  CHECK(holds("\"ab\" < \"abc\""));
  CHECK(holds("date(event.time) > 2026-03-06"));
  CHECK(holds("date(event.time) == 2026-03-07"));
  CHECK(holds("event.time >= 2026-03-07T18:00:00+08:00"));
  CHECK_FALSE(holds("event.time > 2026-03-07T18:00:00+08:00"));
  CHECK(holds("event.time < 2026-03-07T10:00:01Z"));
  CHECK(holds("member.tier == silver"));
  CHECK(holds("member.tier >= silver"));
  CHECK(holds("member.tier > bronze"));
  CHECK(holds("member.tier < gold"));
  CHECK_FALSE(holds("member.tier == gold"));
  CHECK(holds("member.stage == active"));
  CHECK(holds("member.stage < dormant and member.stage > fresh"));
  CHECK(holds("weekday(event.time) == sat"));
  CHECK(holds("weekday(event.time) > fri"));
  CHECK(holds("weekday(event.time) < sun"));
  CHECK(holds("true == true"));
  CHECK(holds("true != false"));

  Scene none_tier;
  none_tier.member.tier.reset();
  CHECK(eval("member.tier", none_tier).is_none());
  CHECK_FALSE(holds("member.tier == bronze", none_tier));
  CHECK_FALSE(holds("member.tier != bronze", none_tier));
  CHECK(eval("member.tier", Scene()) == Value::tier(1));
  CHECK(eval("member.stage", Scene()) == Value::stage(1));
}

TEST_CASE("in and not in, on lists and on member.tags") {
  CHECK(holds("weekday(event.time) in [sat, sun]"));
  CHECK_FALSE(holds("weekday(event.time) in [mon, tue]"));
  CHECK(holds("event.channel in [\"web\", \"app\"]"));
  CHECK(holds("event.channel not in [\"web\"]"));
  CHECK_FALSE(holds("event.channel not in [\"app\"]"));
  CHECK(holds("event.amount in [1, 123.450]"));  // compared as values
  CHECK(holds("member.tier in [silver, gold]"));
  CHECK(holds("date(event.time) in [2026-03-07]"));
  CHECK(holds("\"vip\" in member.tags"));
  CHECK(holds("\"gold_club\" in member.tags"));
  CHECK_FALSE(holds("\"nope\" in member.tags"));
  CHECK(holds("\"nope\" not in member.tags"));
  CHECK_FALSE(holds("\"vip\" not in member.tags"));
  CHECK(holds("event.channel in [event.channel, \"x\"]"));
}

// The op of a probe's root node: which form the compiler chose.
OpCode root_op(std::string_view expr) {
  Probe probe(expr);
  return probe.compiled.pool.node(probe.id).op;
}

TEST_CASE("comparisons with a constant compile to compare_constant, either side") {
  CHECK(root_op("member.tier == silver") == OpCode::compare_constant);
  CHECK(root_op("silver == member.tier") == OpCode::compare_constant);
  CHECK(root_op("event.amount >= 500") == OpCode::compare_constant);
  CHECK(root_op("500 <= event.amount") == OpCode::compare_constant);
  CHECK(root_op("event.channel == \"app\"") == OpCode::compare_constant);
  CHECK(root_op("member.vip == true") == OpCode::compare_constant);
  CHECK(root_op("member.spend + event.amount > 10000") == OpCode::compare_constant);
  // Both sides computed, or both constant: the general form, or a folded constant.
  CHECK(root_op("event.amount > member.spend") == OpCode::compare);
  CHECK(root_op("1 < 2") == OpCode::constant);
}

TEST_CASE("compare_constant on decimals of different scales, exactly") {
  Scene scene;  // event.amount = 123.45, member.spend = 1000, member.purchases = 3
  CHECK(holds("event.amount == 123.450", scene));
  CHECK(holds("123.4500 == event.amount", scene));
  CHECK_FALSE(holds("event.amount != 123.450", scene));
  CHECK(holds("event.amount > 123.4499999", scene));
  CHECK_FALSE(holds("event.amount > 123.45", scene));
  CHECK(holds("event.amount >= 123.45", scene));
  CHECK(holds("event.amount < 123.4500001", scene));
  CHECK(holds("event.amount <= 124", scene));
  CHECK_FALSE(holds("event.amount <= 123", scene));
  // Mirrored: the constant on the left reads as `x mirrored-op constant`.
  CHECK(holds("123 < event.amount", scene));
  CHECK(holds("124 > event.amount", scene));
  CHECK(holds("123.45 >= event.amount", scene));
  CHECK_FALSE(holds("123.46 <= event.amount", scene));
  CHECK(holds("123.450 <= event.amount", scene));
  // Scales more than 18 apart, and a constant too wide for 64 bits.
  CHECK(holds("event.amount > 123.4499999999999999999999", scene));
  CHECK(holds("event.amount < 123.4500000000000000000001", scene));
  CHECK(holds("event.amount < 100000000000000000000000000000", scene));
  CHECK(holds("-100000000000000000000000000000 < event.amount", scene));
  CHECK(holds("-event.amount < -123.449", scene));
  CHECK(holds("member.purchases == 3.000", scene));
  CHECK(holds("member.spend + event.amount > 1123.449", scene));
  CHECK_FALSE(holds("member.spend + event.amount > 1123.45", scene));
  // none on the computed side: every comparison is false, mirrored or not.
  CHECK_FALSE(holds("member.score == 1", scene));
  CHECK_FALSE(holds("member.score != 1", scene));
  CHECK_FALSE(holds("1 != member.score", scene));
  CHECK_FALSE(holds("1 > member.score", scene));
  // A computed failure is still raised.
  CHECK(eval_error("event.amount / (member.purchases - 3) > 1") == ErrorCode::division_by_zero);

  // The same comparisons through the general form (the right side computed) agree.
  const char* constants[] = {"0", "123", "123.45", "123.450", "123.4499", "123.4501", "-5",
                             "1000000000000000000000000", "0.00000000000000000000001"};
  const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
  for (const char* c : constants) {
    for (const char* op : ops) {
      const std::string fast = std::string("event.amount ") + op + " " + c;
      const std::string general =
          std::string("event.amount ") + op + " (" + c + " + member.purchases * 0)";
      CAPTURE(fast);
      REQUIRE(root_op(fast) == OpCode::compare_constant);
      REQUIRE(root_op(general) == OpCode::compare);
      CHECK(holds(fast, scene) == holds(general, scene));
    }
  }
}

TEST_CASE("compare_constant on strings and scalars") {
  Scene scene;  // channel "app", silver, Saturday
  CHECK(holds("event.channel == \"app\"", scene));
  CHECK_FALSE(holds("event.channel == \"ap\"", scene));
  CHECK_FALSE(holds("event.channel == \"appx\"", scene));
  CHECK(holds("event.channel != \"App\"", scene));
  CHECK(holds("\"b\" > event.channel", scene));
  CHECK(holds("\"ap\" < event.channel", scene));
  CHECK(holds("event.channel <= \"app\"", scene));
  CHECK(holds("lower(event.channel) == \"app\"", scene));
  CHECK(holds("upper(event.channel) == \"APP\"", scene));
  CHECK_FALSE(holds("member.nickname == \"x\"", scene));
  CHECK_FALSE(holds("\"x\" != member.nickname", scene));
  scene.event.channel = "";
  CHECK(holds("event.channel == \"\"", scene));
  CHECK(holds("event.channel < \"a\"", scene));

  Scene tiers;
  CHECK(holds("silver == member.tier", tiers));
  CHECK(holds("bronze < member.tier", tiers));
  CHECK_FALSE(holds("gold <= member.tier", tiers));
  CHECK(holds("member.tier != gold", tiers));
  CHECK(holds("sat == weekday(event.time)", tiers));
  CHECK(holds("event.time > 2026-03-07T09:59:59Z", tiers));
  CHECK(holds("2026-03-08 > date(event.time)", tiers));
  tiers.member.tier.reset();
  CHECK_FALSE(holds("member.tier == bronze", tiers));
  CHECK_FALSE(holds("member.tier != bronze", tiers));
  CHECK_FALSE(holds("gold > member.tier", tiers));

  Scene flags;  // member.vip is none
  CHECK_FALSE(holds("member.vip == true", flags));
  CHECK_FALSE(holds("member.vip != true", flags));
  CHECK_FALSE(holds("false == member.vip", flags));
  flags.member.attributes[2] = Value::of(true);
  CHECK(holds("member.vip == true", flags));
  CHECK(holds("false != member.vip", flags));
}

TEST_CASE("in and not in on constant lists of small scalars compile to a bit set") {
  CHECK(root_op("weekday(event.time) in [sat, sun]") == OpCode::in_set);
  CHECK(root_op("weekday(event.time) not in [sat, sun]") == OpCode::in_set);
  CHECK(root_op("member.tier in [silver, gold]") == OpCode::in_set);
  CHECK(root_op("member.vip in [true]") == OpCode::in_set);
  // Dates and times are too large for the bit set; numbers and strings are not scalars.
  CHECK(root_op("date(event.time) in [2026-03-07]") == OpCode::in_list);
  CHECK(root_op("event.amount in [1, 2]") == OpCode::in_list);
  CHECK(root_op("event.channel in [\"app\"]") == OpCode::in_list);

  Scene scene;  // Saturday, silver
  CHECK(holds("weekday(event.time) in [sat, sun]", scene));
  CHECK(holds("weekday(event.time) in [sun, sat, sat]", scene));
  CHECK_FALSE(holds("weekday(event.time) in [mon, tue, wed, thu, fri, sun]", scene));
  CHECK_FALSE(holds("weekday(event.time) not in [sat, sun]", scene));
  CHECK(holds("weekday(event.time) not in [mon, sun]", scene));
  CHECK(holds("member.tier in [silver]", scene));
  CHECK(holds("member.tier not in [bronze, gold]", scene));
  CHECK_FALSE(holds("member.tier not in [silver]", scene));
  CHECK(holds("not (member.tier in [bronze, gold])", scene));
  CHECK(holds("member.stage in [active]", scene));
  // Sunday 2026-03-08 (the mask's top weekday) and Monday 2026-03-09 (its lowest).
  scene.event.time = T("2026-03-08T23:59:59Z");
  CHECK(holds("weekday(event.time) in [sat, sun]", scene));
  CHECK(holds("weekday(event.time) in [sun]", scene));
  scene.event.time = T("2026-03-09T00:00:00Z");
  CHECK(holds("weekday(event.time) in [mon]", scene));
  CHECK_FALSE(holds("weekday(event.time) in [sat, sun]", scene));
  // In the program's time zone: Monday 00:30 at +01:00 is still Sunday 23:30 in UTC.
  scene.event.time = T("2026-03-08T23:30:00Z");
  CHECK(holds("weekday(event.time) in [mon]", scene, "+01:00"));
  CHECK_FALSE(holds("weekday(event.time) in [sat, sun]", scene, "+01:00"));

  // A none operand: both `in` and `not in` are false.
  Scene none_tier;
  none_tier.member.tier.reset();
  CHECK_FALSE(holds("member.tier in [bronze, silver, gold]", none_tier));
  CHECK_FALSE(holds("member.tier not in [bronze, silver, gold]", none_tier));
  CHECK_FALSE(holds("member.vip in [true, false]", none_tier));
  CHECK_FALSE(holds("member.vip not in [true]", none_tier));
  none_tier.member.attributes[2] = Value::of(false);
  CHECK(holds("member.vip in [false]", none_tier));
  CHECK(holds("member.vip not in [true]", none_tier));
}

TEST_CASE("item functions with a constant comparison in `where`, and an empty basket") {
  Scene scene;  // coffee ×2 at 3.50, coffee ×1 at 4, pastry ×3 at 2.25
  CHECK(holds("any(event.items where item.category == \"coffee\")", scene));
  CHECK(holds("any(event.items where \"pastry\" == item.category)", scene));
  CHECK_FALSE(holds("any(event.items where item.category == \"coffe\")", scene));
  CHECK(holds("all(event.items where item.category != \"tea\")", scene));
  CHECK(holds("any(event.items where item.price > 3.5)", scene));
  CHECK_FALSE(holds("any(event.items where item.price > 4.00)", scene));
  CHECK(number("sum(event.items, item.qty where item.price >= 3.5)", scene) == D("3"));
  CHECK(number("5 * sum(event.items, item.qty where item.category == \"coffee\")", scene) ==
        D("15"));
  CHECK(number("count(event.items where item.qty >= 2.0)", scene) == D("2"));
  CHECK(holds("count(event.items) >= 3", scene));
  CHECK(number("sum(event.items, item.qty * item.price)", scene).scale() == 2);
  CHECK(number("sum(event.items, item.qty * item.price)", scene) == D("17.75"));

  Scene empty;
  empty.event.items.clear();
  CHECK_FALSE(holds("any(event.items where item.category == \"coffee\")", empty));
  CHECK(holds("all(event.items where item.category == \"coffee\")", empty));
  CHECK(number("5 * sum(event.items, item.qty where item.category == \"coffee\")", empty) ==
        D("0"));
  CHECK_FALSE(holds("count(event.items) >= 3", empty));
  CHECK(holds("count(event.items where item.qty > 0) == 0", empty));
}

TEST_CASE("number functions") {
  CHECK(number("floor(-2.5)") == D("-3"));
  CHECK(number("ceil(-2.5)") == D("-2"));
  CHECK(number("floor(event.amount)") == D("123"));
  CHECK(number("ceil(event.amount)") == D("124"));
  CHECK(number("round(2.5)") == D("3"));
  CHECK(number("round(-2.5)") == D("-3"));
  CHECK(number("round(2.4)") == D("2"));
  CHECK(number("round(2.45, 1)") == D("2.5"));
  CHECK(number("round(event.amount * 0.125, 1)") == D("15.4"));  // 15.43125
  CHECK(number("round(1250, -2)") == D("1300"));
  CHECK(number("round(-1250, -2)") == D("-1300"));
  CHECK(number("round(event.amount, 5)") == D("123.45"));
  CHECK(number("min(3, event.amount)") == D("3"));
  CHECK(number("max(3, event.amount)") == D("123.45"));
  CHECK(number("abs(-4.2)") == D("4.2"));
  CHECK(number("abs(event.amount - 200)") == D("76.55"));
  CHECK(eval_error("round(event.amount, event.amount)") == ErrorCode::invalid_number);
}

TEST_CASE("time functions, at the program's time zone") {
  // 2026-03-07T10:00:00Z, a Saturday; enrolled 2026-01-01T00:00:00Z.
  CHECK(number("days_since(member.enrolled_at)") == D("65"));
  CHECK(number("hours_since(member.last_purchase_at)") == D("145"));  // 6 days 1 hour
  CHECK(number("hours_since(event.time - 90 minutes)") == D("1"));
  CHECK(number("days_since(event.time + 1 minute)") == D("-1"));  // in the future: rounded down
  CHECK(number("days_since(2026-03-08)") == D("-1"));
  CHECK(number("days_since(2026-03-07)") == D("0"));
  CHECK(number("hours_since(2026-03-07)") == D("10"));
  CHECK(number("hour(event.time)") == D("10"));
  CHECK(number("day(event.time)") == D("7"));
  CHECK(number("month(event.time)") == D("3"));
  CHECK(number("year(event.time)") == D("2026"));
  CHECK(number("day(2026-02-28)") == D("28"));
  CHECK(eval("date(event.time)") == Value::of(Date::from_ymd(2026, 3, 7)));
  CHECK(eval("weekday(event.time)") == Value::of(Weekday::sat));
  CHECK(eval("weekday(2026-03-09)") == Value::of(Weekday::mon));
  CHECK(eval("2026-01-31 + 1 month") == Value::of(Date::from_ymd(2026, 2, 28)));
  CHECK(eval("1 year + 2024-02-29") == Value::of(Date::from_ymd(2025, 2, 28)));
  CHECK(eval("2026-03-01 - 1 day") == Value::of(Date::from_ymd(2026, 2, 28)));
  CHECK(eval("event.time - 1 day") == Value::of(T("2026-03-06T10:00:00Z")));

  // At +08:00, Friday 20:00 UTC is already Saturday 04:00.
  Scene late;
  late.event.time = T("2026-03-06T20:00:00Z");
  CHECK(eval("weekday(event.time)", late, "+08:00") == Value::of(Weekday::sat));
  CHECK(eval("weekday(event.time)", late, "+00:00") == Value::of(Weekday::fri));
  CHECK(number("hour(event.time)", late, "+08:00") == D("4"));
  CHECK(number("day(event.time)", late, "+08:00") == D("7"));
  CHECK(eval("date(event.time)", late, "+08:00") == Value::of(Date::from_ymd(2026, 3, 7)));
  CHECK(number("hours_since(2026-03-07)", late, "+08:00") == D("4"));  // local midnight
  CHECK(number("days_since(2026-03-07)", late, "+00:00") == D("-1"));
  // At -05:00, 03:00 UTC on the 7th is still Friday the 6th.
  Scene early;
  early.event.time = T("2026-03-07T03:00:00Z");
  CHECK(eval("weekday(event.time)", early, "-05:00") == Value::of(Weekday::fri));
  CHECK(number("hour(event.time)", early, "-05:00") == D("22"));
  // Month arithmetic on times follows the local calendar.
  Scene month_end;
  month_end.event.time = T("2026-03-01T02:00:00Z");  // 2026-02-28T21:00 at -05:00
  CHECK(eval("event.time + 1 month", month_end, "-05:00") == Value::of(T("2026-03-29T02:00:00Z")));
  CHECK(eval("event.time + 1 month", month_end, "+00:00") == Value::of(T("2026-04-01T02:00:00Z")));
}

TEST_CASE("is_birthday at the program's time zone, 29 February on 28 February") {
  Scene scene;
  scene.member.attributes[0] = Value::of(Date::from_ymd(1990, 3, 7));
  scene.event.time = T("2026-03-06T20:00:00Z");
  CHECK(holds("is_birthday(member.birthday)", scene, "+08:00"));
  CHECK_FALSE(holds("is_birthday(member.birthday)", scene, "+00:00"));

  Scene leap;
  leap.member.attributes[0] = Value::of(Date::from_ymd(2000, 2, 29));
  leap.event.time = T("2026-02-28T12:00:00Z");
  CHECK(holds("is_birthday(member.birthday)", leap));
  leap.event.time = T("2026-03-01T12:00:00Z");
  CHECK_FALSE(holds("is_birthday(member.birthday)", leap));
  leap.event.time = T("2028-02-28T12:00:00Z");
  CHECK_FALSE(holds("is_birthday(member.birthday)", leap));
  leap.event.time = T("2028-02-29T12:00:00Z");
  CHECK(holds("is_birthday(member.birthday)", leap));

  Scene none;
  CHECK(eval("is_birthday(member.birthday)", none).is_none());
  CHECK_FALSE(holds("is_birthday(member.birthday)", none));
}

TEST_CASE("string functions") {
  CHECK(eval("lower(\"AbC-9\")") == Value::of("abc-9"));
  CHECK(eval("upper(event.channel)") == Value::of("APP"));
  CHECK(eval("lower(upper(\"a long string beyond the inline buffer of std::string\"))") ==
        Value::of("a long string beyond the inline buffer of std::string"));
  CHECK(holds("lower(\"APP\") == event.channel"));
  CHECK(holds("contains(event.channel, \"pp\")"));
  CHECK(holds("contains(event.channel, \"\")"));
  CHECK_FALSE(holds("contains(event.channel, \"web\")"));
  CHECK(holds("starts_with(event.id, \"p-\")"));
  CHECK_FALSE(holds("starts_with(event.id, \"-\")"));
  CHECK(holds("any(event.items where starts_with(upper(item.sku), \"GIFT-\"))"));
}

TEST_CASE("item functions, including an empty basket") {
  Scene scene;
  CHECK(number("count(event.items)", scene) == D("3"));
  CHECK(number("count(event.items where item.qty >= 2)", scene) == D("2"));
  CHECK(holds("any(event.items where item.category == \"coffee\")", scene));
  CHECK_FALSE(holds("any(event.items where item.category == \"tea\")", scene));
  CHECK_FALSE(holds("all(event.items where item.category == \"coffee\")", scene));
  CHECK(holds("all(event.items where item.qty > 0)", scene));
  CHECK(number("sum(event.items, item.qty)", scene) == D("6"));
  CHECK(number("sum(event.items, item.qty * item.price where item.category == \"coffee\")",
               scene) == D("11"));
  CHECK(number("5 * sum(event.items, item.qty where item.category == \"coffee\")", scene) ==
        D("15"));
  CHECK(number("sum(event.items, item.price where item.sku == \"GIFT-9\")", scene) == D("2.25"));
  // An item function inside another rebinds item, and restores it.
  CHECK(number("count(event.items where count(event.items where item.qty > 1) == 2 and "
               "item.qty == 1)",
               scene) == D("1"));
  CHECK(eval("sum(event.items, member.score)", scene).is_none());

  Scene empty;
  empty.event.items.clear();
  CHECK(number("count(event.items)", empty) == D("0"));
  CHECK(number("sum(event.items, item.qty)", empty) == D("0"));
  CHECK_FALSE(holds("any(event.items where item.qty > 0)", empty));
  CHECK(holds("all(event.items where item.qty > 0)", empty));
}

TEST_CASE("windows cover (now - D, now]") {
  Scene scene;
  const Instant now = scene.event.time;
  auto point = [](Instant t, std::string_view spend, std::int64_t purchases, std::int64_t earned) {
    return HistoryPoint{t, D(spend), purchases, earned};
  };
  scene.member.history = {
      point(T("2026-02-05T10:00:00Z"), "100", 1, 10),  // exactly now - 30 days: excluded
      point(T("2026-02-05T10:00:01Z"), "50", 1, 5),
      point(now, "20", 1, 2),                            // exactly now: included
      point(T("2026-03-07T10:00:01Z"), "1000", 1, 100),  // after now: excluded
  };
  CHECK(number("spend(30 days)", scene) == D("70"));
  CHECK(number("purchases(30 days)", scene) == D("2"));
  CHECK(number("earned(30 days)", scene) == D("7"));
  CHECK(number("spend(31 days)", scene) == D("170"));
  CHECK(number("earned(720 hours)", scene) == D("7"));
  CHECK(number("spend(1 minute)", scene) == D("20"));
  CHECK(number("spend(10000 years)", scene) == D("170"));  // reaches before the year 1

  // Months count on the local calendar: at -05:00, 2026-03-01T02:00Z is 2026-02-28T21:00, so
  // a month back is 2026-01-28T21:00-05:00 (2026-01-29T02:00Z); at UTC, 2026-02-01T02:00Z.
  Scene months;
  months.event.time = T("2026-03-01T02:00:00Z");
  months.member.history = {point(T("2026-01-30T00:00:00Z"), "40", 1, 4)};
  CHECK(number("spend(1 month)", months, "-05:00") == D("40"));
  CHECK(number("spend(1 month)", months, "+00:00") == D("0"));
}

TEST_CASE("member fields") {
  Scene scene;
  CHECK(number("member.points", scene) == D("300"));
  CHECK(number("member.pending_points", scene) == D("50"));
  CHECK(number("member.earned", scene) == D("2500"));
  CHECK(number("member.purchases", scene) == D("3"));
  CHECK(number("member.spend", scene) == D("1000"));
  CHECK(eval("member.id", scene) == Value::of("m1"));
  CHECK(eval("member.enrolled_at", scene) == Value::of(T("2026-01-01T00:00:00Z")));
  CHECK(eval("member.last_purchase_at", scene) == Value::of(T("2026-03-01T09:00:00Z")));
  scene.event.time = T("2026-03-08T00:00:00Z");  // the pending lot is usable from here
  CHECK(number("member.points", scene) == D("350"));
  CHECK(number("member.pending_points", scene) == D("0"));
}

TEST_CASE("event fields of each trigger") {
  Scene scene;
  CHECK(eval("event.id", scene) == Value::of("p-1"));
  CHECK(eval("event.type", scene) == Value::of("purchase"));
  CHECK(eval("event.time", scene) == Value::of(T("2026-03-07T10:00:00Z")));
  CHECK(eval("event.amount", scene) == Value::of(D("123.45")));
  CHECK(eval("event.channel", scene) == Value::of("app"));

  Scene refund;
  refund.event.kind = EventKind::refund;
  refund.event.type = "refund";
  refund.event.original = "p-0";
  refund.event.amount = D("20");
  CHECK(eval("event.original", refund, "+00:00", "refund") == Value::of("p-0"));
  CHECK(eval("event.amount", refund, "+00:00", "refund") == Value::of(D("20")));

  Scene change;
  change.from = 0;
  change.to = 2;
  CHECK(holds("event.from < event.to", change, "+00:00", "tier_changed"));
  CHECK(holds("event.to == gold and event.from == bronze", change, "+00:00", "tier_changed"));
  CHECK(eval("event.to", change, "+00:00", "tier_changed") == Value::tier(2));
  CHECK(eval("event.from", change, "+00:00", "stage_changed") == Value::stage(0));
  CHECK(holds("event.to == dormant", change, "+00:00", "stage_changed"));

  Scene daily;
  daily.event.kind = EventKind::custom;
  daily.event.type = "daily";
  daily.event.id = "daily:2026-03-07";
  CHECK(holds("event.type == \"daily\" and starts_with(event.id, \"daily:\")", daily, "+00:00",
              "daily"));
}

TEST_CASE("custom event attributes, bound from the raw event") {
  Probe probe("event.stars >= 4 and not has(event.note)", "+00:00", "review_posted");
  Scene scene;
  scene.event.kind = EventKind::custom;
  scene.event.type = "review_posted";
  scene.event.attributes = {Attribute{"stars", FieldValue{D("5")}}};
  scene.attributes = bind_event_attributes(probe.program->checked(), scene.event);
  REQUIRE(scene.attributes.size() == 2);
  CHECK(scene.attributes[0] == Value::of(D("5")));
  CHECK(scene.attributes[1].is_none());
  CHECK(loyalty::engine::holds(probe.compiled.pool, probe.id, scene.context(probe)));
  scene.event.attributes = {Attribute{"note", FieldValue{std::string("meh")}},
                            Attribute{"stars", FieldValue{std::string("3.5")}}};
  bind_event_attributes(probe.program->checked(), scene.event, scene.attributes);
  CHECK(scene.attributes[0] == Value::of(D("3.5")));
  CHECK(scene.attributes[1] == Value::of("meh"));
  CHECK_FALSE(loyalty::engine::holds(probe.compiled.pool, probe.id, scene.context(probe)));

  Probe profile("event.score + 1", "+00:00", "profile");
  Scene change;
  change.event.kind = EventKind::profile;
  change.event.type = "profile";
  change.event.profile = {Attribute{"score", FieldValue{D("0.83")}}};
  change.attributes = bind_event_attributes(profile.program->checked(), change.event);
  REQUIRE(change.attributes.size() == 5);
  CHECK(change.attributes[0].is_none());  // absent from a profile change: none
  CHECK(loyalty::engine::evaluate(profile.compiled.pool, profile.id, change.context(profile)) ==
        Value::of(D("1.83")));
}

TEST_CASE("binding converts every declared type and names the field in errors") {
  auto program = loyalty::compile(
      "program \"b\"\n"
      "member {\n  birthday: date\n  email: string pii\n  optin: bool\n  score: number\n"
      "  since: time\n  nickname: string optional\n}\n"
      "event review_posted {\n  stars: number\n}\n");
  const auto& checked = program->checked();

  Event enroll;
  enroll.kind = EventKind::enroll;
  enroll.type = "enroll";
  enroll.profile = {
      Attribute{"birthday", FieldValue{std::string("1990-03-02")}},
      Attribute{"email", FieldValue{std::string("a@b.c")}},
      Attribute{"nickname", FieldValue{Null{}}},
      Attribute{"optin", FieldValue{true}},
      Attribute{"score", FieldValue{D("12.50")}},
      Attribute{"since", FieldValue{std::string("2026-01-01T17:00:00+08:00")}},
      Attribute{"undeclared", FieldValue{std::string("kept elsewhere")}},
  };
  std::vector<Value> bound = bind_event_attributes(checked, enroll);
  REQUIRE(bound.size() == 6);
  CHECK(bound[0] == Value::of(Date::from_ymd(1990, 3, 2)));
  CHECK(bound[1] == Value::of("a@b.c"));
  CHECK(bound[2] == Value::of(true));
  CHECK(bound[3] == Value::of(D("12.5")));
  CHECK(bound[4] == Value::of(T("2026-01-01T09:00:00Z")));
  CHECK(bound[5].is_none());

  auto message = [&](const Event& event) -> std::string {
    try {
      (void)bind_event_attributes(checked, event);
    } catch (const EventError& failure) {
      CHECK(failure.code() == ErrorCode::invalid_event);
      return failure.what();
    }
    return "";
  };
  Event missing = enroll;
  missing.profile.erase(missing.profile.begin());  // no birthday
  CHECK(message(missing) == "field 'birthday' is missing: it is not optional");
  Event no_nickname = enroll;
  no_nickname.profile.erase(no_nickname.profile.begin() + 2);  // optional: fine
  CHECK(bind_event_attributes(checked, no_nickname).at(5).is_none());

  Event review;
  review.kind = EventKind::custom;
  review.type = "review_posted";
  review.attributes = {Attribute{"stars", FieldValue{std::string("five")}}};
  CHECK(message(review) == "field 'stars': expected a number, got a string 'five'");
  review.attributes = {Attribute{"stars", FieldValue{Null{}}}};
  CHECK(message(review) == "field 'stars': expected a number, got null (it is not optional)");
  review.attributes.clear();
  CHECK(bind_event_attributes(checked, review).at(0).is_none());

  // One member attribute at a time (profile updates).
  CHECK(bind_member_attribute(checked, 0, FieldValue{std::string("2000-02-29")}) ==
        Value::of(Date::from_ymd(2000, 2, 29)));
  CHECK(bind_member_attribute(checked, 5, FieldValue{Null{}}).is_none());
  auto member_error = [&](std::uint32_t index, const FieldValue& raw) -> std::string {
    try {
      (void)bind_member_attribute(checked, index, raw);
    } catch (const EventError& failure) {
      return failure.what();
    }
    return "";
  };
  CHECK(member_error(0, FieldValue{std::string("1990-13-01")}) ==
        "field 'birthday': expected a date (\"YYYY-MM-DD\"), got a string '1990-13-01'");
  CHECK(member_error(1, FieldValue{D("7")}) ==
        "field 'email': expected a string, got the number 7");
  CHECK(member_error(2, FieldValue{std::string("true")}) ==
        "field 'optin': expected true or false, got a string 'true'");
  CHECK(member_error(3, FieldValue{true}) == "field 'score': expected a number, got true");
  CHECK(member_error(4, FieldValue{std::string("2026-01-01")}) ==
        "field 'since': expected a time (RFC 3339, such as \"2026-12-01T10:00:00Z\"), got a "
        "string '2026-01-01'");
  CHECK(member_error(3, FieldValue{loyalty::RawJson{"[1]"}}) ==
        "field 'score': expected a number, got an object or array");
  CHECK(member_error(0, FieldValue{Null{}}) ==
        "field 'birthday': expected a date (\"YYYY-MM-DD\"), got null (it is not optional)");
}

TEST_CASE("a whole program: tiers, lifecycle and retail-v1 on a Saturday purchase") {
  auto program = loyalty::compile_file("../rules/retail.rules");
  const auto& checked = program->checked();
  const CompiledExpressions compiled = loyalty::engine::compile_expressions(checked);
  REQUIRE(compiled.rules.size() == checked.tree.rules.size());
  REQUIRE(compiled.tier_metric.valid());

  Scene scene;
  scene.member.attributes = {Value::of(Date::from_ymd(1990, 3, 2)), Value()};
  scene.member.purchases = 0;
  scene.member.spend = D("9950");
  scene.event.items = {Item{"C-1", "coffee", D("2"), D("3.50")},
                       Item{"B-1", "bakery", D("1"), D("2")},
                       Item{"C-2", "coffee", D("1"), D("4")}};
  EvalContext ctx;
  ctx.program = &checked;
  ctx.event = &scene.event;
  ctx.attributes = &scene.attributes;
  ctx.member = &scene.member;
  ctx.now = scene.event.time;
  ctx.timezone = checked.settings.timezone;

  auto rule = [&](std::string_view name) -> const loyalty::engine::CompiledRule& {
    for (std::size_t i = 0; i < checked.tree.rules.size(); ++i) {
      if (checked.tree.rules[i].name.name == name) return compiled.rules[i];
    }
    FAIL("no rule " << name);
    return compiled.rules.front();
  };
  auto fires = [&](std::string_view name) {
    const auto& r = rule(name);
    return !r.when.valid() || loyalty::engine::holds(compiled.pool, r.when, ctx);
  };
  auto award = [&](std::string_view name) {
    auto points =
        loyalty::engine::evaluate_number(compiled.pool, rule(name).actions.at(0).amount, ctx);
    REQUIRE(points.has_value());
    return *points;
  };

  CHECK(fires("base"));
  CHECK(award("base") == D("123.45"));  // floor is the engine's rounding: 123
  CHECK(fires("silver_bonus"));
  CHECK(award("silver_bonus") == D("30.8625"));
  CHECK_FALSE(fires("gold_bonus"));
  CHECK(fires("coffee"));
  CHECK(award("coffee") == D("15"));
  CHECK(fires("weekend"));
  CHECK_FALSE(fires("big_basket"));
  CHECK(fires("app"));
  CHECK(fires("first_purchase"));
  CHECK(fires("vip"));  // 9950 + 123.45 > 10000, three lines
  CHECK(*loyalty::engine::evaluate_number(compiled.pool, compiled.tier_metric, ctx) == D("2500"));

  // A weekday purchase in the web shop, without coffee.
  scene.event.time = T("2026-03-09T10:00:00Z");
  ctx.now = scene.event.time;
  scene.event.channel = "web";
  scene.event.items.resize(2);
  scene.event.items[0].category = "tea";
  scene.event.items[1].category = "tea";
  CHECK_FALSE(fires("weekend"));
  CHECK_FALSE(fires("app"));
  CHECK_FALSE(fires("coffee"));
  CHECK_FALSE(fires("vip"));

  // The hot condition reads the event's string without building a Value: no allocation.
  scene.event.channel = "a channel name longer than any inline string buffer";
  const std::size_t before = allocation_count;
  const bool app = loyalty::engine::holds(compiled.pool, rule("app").when, ctx);
  const bool weekend = loyalty::engine::holds(compiled.pool, rule("weekend").when, ctx);
  const bool coffee = loyalty::engine::holds(compiled.pool, rule("coffee").when, ctx);
  CHECK(allocation_count == before);
  CHECK_FALSE(app);
  CHECK_FALSE(weekend);
  CHECK_FALSE(coffee);
}

TEST_CASE("lifecycle stage conditions compile and evaluate on the member alone") {
  Probe probe("1");
  const CompiledExpressions& compiled = probe.compiled;
  REQUIRE(compiled.stage_conditions.size() == 3);
  CHECK_FALSE(compiled.stage_conditions[2].valid());  // otherwise
  Scene scene;
  EvalContext ctx;
  ctx.member = &scene.member;
  ctx.now = scene.event.time;
  CHECK_FALSE(loyalty::engine::holds(compiled.pool, compiled.stage_conditions[0], ctx));
  CHECK(loyalty::engine::holds(compiled.pool, compiled.stage_conditions[1], ctx));
  ctx.now = T("2026-01-10T00:00:00Z");
  CHECK(loyalty::engine::holds(compiled.pool, compiled.stage_conditions[0], ctx));
  // Without an event, event fields would be none (tiers and lifecycle have none).
  CHECK(*loyalty::engine::evaluate_number(compiled.pool, compiled.tier_metric, ctx) == D("2500"));
}
