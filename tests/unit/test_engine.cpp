// The engine end to end on the memory store: scenarios with exact ledgers, and the retail-v1
// checksum.

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>
#include <sstream>
#include <string>

#include "engine/compiled_program.hpp"
#include "engine/member.hpp"
#include "engine/outcome_codec.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/error.hpp"
#include "loyalty/event_reader.hpp"
#include "store/store.hpp"

using namespace loyalty;

namespace {

// The retail-v1 checksum line of RETAIL_V1.md.
std::string checksum(const Engine& engine, Instant at) {
  Stats s = engine.stats(at);
  auto tier = [&](const char* name) {
    auto it = s.tiers.find(name);
    return it == s.tiers.end() ? 0 : it->second;
  };
  auto vip = s.tags.count("vip") ? s.tags.at("vip") : 0;
  return "{\"events\":" + std::to_string(s.events) + ",\"members\":" + std::to_string(s.members) +
         ",\"points_total\":" + std::to_string(s.points_total) +
         ",\"bronze\":" + std::to_string(tier("bronze")) +
         ",\"silver\":" + std::to_string(tier("silver")) + ",\"gold\":" + std::to_string(tier("gold")) +
         ",\"vip\":" + std::to_string(vip) + "}";
}

}  // namespace

TEST_CASE("retail-v1 over 10,000 events gives the published checksum") {
  auto program = compile_file("../rules/retail.rules");
  Engine engine(program, make_memory_store());
  EventReader reader("data/retail_10k.jsonl");
  Event event;
  std::size_t applied = 0;
  Instant last;
  while (reader.next(event) == EventReader::Status::event) {
    Outcome outcome = engine.process(event);
    if (outcome.status != Status::applied) FAIL_CHECK(event.id << ": " << outcome.reason);
    ++applied;
    last = event.time;
  }
  CHECK(applied == 10000);
  CHECK(checksum(engine, last) ==
        R"({"events":10000,"members":1000,"points_total":3756780,"bronze":450,"silver":439,"gold":111,"vip":14})");
}

namespace {

// An engine on a fresh memory store running `rules`, fed JSON lines.
struct Scenario {
  explicit Scenario(const std::string& rules)
      : store(make_memory_store()), engine(compile(rules, "scenario.rules"), store) {}

  Outcome send(const std::string& json) { return engine.process(parse_event(json)); }

  // The member's committed state, with its whole ledger; checks the ledger invariant.
  engine::MemberState member(const std::string& id) {
    auto state = store->load_member(id);
    REQUIRE(state.has_value());
    CHECK(state->ledger.check_invariant() == "");
    return *state;
  }

  std::shared_ptr<store::Store> store;
  Engine engine;
};

std::string event(const std::string& id, const std::string& type, const std::string& time,
                  const std::string& rest = "", const std::string& member = "m1") {
  return R"({"id":")" + id + R"(","type":")" + type + R"(","member":")" + member +
         R"(","time":")" + time + "\"" + (rest.empty() ? "" : "," + rest) + "}";
}

std::string purchase(const std::string& id, const std::string& time, const std::string& amount,
                     const std::string& extra = "") {
  return event(id, "purchase", time, R"("amount":")" + amount + "\"" + extra);
}

const char* kBasic = R"(program "Basic"
settings {
  rounding = floor
}
tiers by member.earned {
  bronze from 0
  silver from 1000
}
rule welcome on enroll {
  award 100 points as "welcome gift"
}
rule base on purchase {
  award event.amount points
}
rule silver_welcome on tier_changed to silver {
  award 50 points
  tag "silver_once"
}
)";

}  // namespace

TEST_CASE("enroll, purchase and a proportional refund give an exact ledger") {
  Scenario s(kBasic);
  Outcome enrolled = s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  REQUIRE(enrolled.status == Status::applied);
  CHECK(enrolled.points == 100);
  CHECK(enrolled.tier == "bronze");
  REQUIRE(enrolled.effects.size() == 2);
  CHECK(enrolled.effects[0].kind == EffectKind::enroll);
  CHECK(enrolled.effects[1].kind == EffectKind::award);
  CHECK(enrolled.effects[1].rule == "welcome");
  CHECK(enrolled.effects[1].points == 100);
  CHECK(enrolled.effects[1].label == "welcome gift");

  Outcome bought = s.send(purchase("e2", "2026-01-02T10:00:00Z", "129.90"));
  REQUIRE(bought.status == Status::applied);
  CHECK(bought.points == 229);

  // 129 points x 30 / 129.90 = 29.79... -> 29 reversed.
  Outcome refunded = s.send(event("e3", "refund", "2026-01-05T10:00:00Z",
                                  R"("original":"e2","amount":"30.00")"));
  REQUIRE(refunded.status == Status::applied);
  REQUIRE(refunded.effects.size() == 1);
  CHECK(refunded.effects[0].kind == EffectKind::reverse);
  CHECK(refunded.effects[0].points == -29);
  CHECK(refunded.points == 200);

  auto m = s.member("m1");
  CHECK(m.earned == 200);
  CHECK(m.purchases == 1);
  CHECK(m.spend.to_string() == "99.90");
  REQUIRE(m.ledger.entries().size() == 3);
  CHECK(m.ledger.entries()[2].kind == engine::EntryKind::reverse);
  CHECK(m.ledger.entries()[2].points == -29);
  CHECK(m.ledger.entries()[2].origin.event == "e3");
  CHECK(m.ledger.entries()[1].origin.rule == 1);  // "base", the second rule
  CHECK(m.ledger.entries()[1].origin.program_version == 1);
}

TEST_CASE("refunds are checked against their purchase") {
  Scenario s(kBasic);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  s.send(event("e1b", "enroll", "2026-01-01T09:00:00Z", "", "m2"));
  s.send(purchase("e2", "2026-01-02T10:00:00Z", "50.00"));
  auto refund = [&](const std::string& id, const std::string& original, const std::string& amount,
                    const std::string& member = "m1") {
    return s.send(event(id, "refund", "2026-01-03T10:00:00Z",
                        R"("original":")" + original + R"(","amount":")" + amount + "\"", member));
  };
  CHECK(refund("r1", "nope", "1").reason == "refund of unknown purchase 'nope'");
  CHECK(refund("r2", "e2", "1", "m2").reason == "purchase 'e2' belongs to another member");
  CHECK(refund("r3", "e2", "0").reason == "field 'amount': a refund must be more than zero");
  CHECK(refund("r4", "e2", "30").status == Status::applied);
  CHECK(refund("r5", "e2", "20.01").reason ==
        "refund of 20.01 is more than the 20.00 left of purchase 'e2'");
  CHECK(refund("r6", "e2", "20").status == Status::applied);
  auto m = s.member("m1");
  CHECK(m.ledger.available(Instant::parse("2026-01-04T00:00:00Z")) == 100);  // 50 - 30 - 20
  CHECK(m.spend == Decimal());
}

TEST_CASE("an event id seen before returns the first outcome; different content is a conflict") {
  Scenario s(kBasic);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  Outcome first = s.send(purchase("e2", "2026-01-02T10:00:00Z", "10"));
  Outcome again = s.send(purchase("e2", "2026-01-02T18:00:00+08:00", "10.00"));  // same values
  CHECK(again.status == Status::duplicate);
  CHECK(again.effects == first.effects);
  CHECK(again.points == 110);
  Outcome conflict = s.send(purchase("e2", "2026-01-02T10:00:00Z", "11"));
  CHECK(conflict.status == Status::rejected);
  CHECK(conflict.reason == "event id 'e2' was seen before with different content");
  CHECK(s.member("m1").ledger.entries().size() == 2);
  CHECK(s.engine.stats(Instant::parse("2026-02-01T00:00:00Z")).events == 2);
}

TEST_CASE("members: unknown ones are rejected, a second enroll too") {
  Scenario s(kBasic);
  Outcome unknown = s.send(purchase("e1", "2026-01-02T10:00:00Z", "10"));
  CHECK(unknown.status == Status::rejected);
  CHECK(unknown.reason == "unknown member 'm1'");
  s.send(event("e2", "enroll", "2026-01-01T09:00:00Z"));
  CHECK(s.send(event("e3", "enroll", "2026-01-01T09:00:00Z")).reason ==
        "member 'm1' is already enrolled");
  // A rejected event leaves no record: the same id may be sent again, corrected.
  CHECK(s.send(purchase("e1", "2026-01-02T10:00:00Z", "10")).status == Status::applied);
}

TEST_CASE("unknown_member = enroll enrolls first, running the enroll rules") {
  Scenario s(R"(program "Auto"
settings {
  unknown_member = enroll
}
rule welcome on enroll {
  award 7 points
}
rule base on purchase {
  award event.amount points
}
)");
  Outcome outcome = s.send(purchase("e1", "2026-01-02T10:00:00Z", "10"));
  REQUIRE(outcome.status == Status::applied);
  CHECK(outcome.points == 17);
  REQUIRE(outcome.effects.size() == 3);
  CHECK(outcome.effects[0].kind == EffectKind::enroll);
  CHECK(outcome.effects[1].rule == "welcome");
  CHECK(outcome.effects[2].rule == "base");
  CHECK(s.member("m1").enrolled_at == Instant::parse("2026-01-02T10:00:00Z"));
}

TEST_CASE("an upgrade fires tier_changed rules that see the member after the change") {
  Scenario s(kBasic);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  Outcome up = s.send(purchase("e2", "2026-01-02T10:00:00Z", "900"));
  REQUIRE(up.status == Status::applied);
  CHECK(up.tier == "silver");
  CHECK(up.points == 1050);
  REQUIRE(up.effects.size() == 4);
  CHECK(up.effects[1].kind == EffectKind::tier_change);
  CHECK(up.effects[1].from == "bronze");
  CHECK(up.effects[1].to == "silver");
  CHECK(up.effects[2].rule == "silver_welcome");
  CHECK(up.effects[2].depth == 1);
  CHECK(up.effects[3].kind == EffectKind::tag);
  // A refund takes earned below the threshold: down at once (no keep).
  Outcome down = s.send(event("e3", "refund", "2026-01-03T10:00:00Z",
                              R"("original":"e2","amount":"900")"));
  CHECK(down.tier == "bronze");
  CHECK(s.member("m1").has_tag("silver_once"));
}

TEST_CASE("rule options: limits, budgets, groups, priority and stop, each explained") {
  Scenario s(R"(program "Options"
rule capped on purchase
  budget 25 points
{
  award 10 points
}
rule once_a_day on purchase
  limit 1 per member per 1 day
{
  award 1 points
}
rule first_in_group on purchase when event.amount > 100
  group "g"
{
  award 5 points
}
rule second_in_group on purchase
  group "g"
{
  award 3 points
}
rule halt on purchase when event.channel == "stop"
  priority -1
{
  stop
}
rule after on purchase
  priority -2
{
  award 1000 points
}
)");
  s.send(event("e0", "enroll", "2026-01-01T09:00:00Z"));
  Outcome a = s.send(purchase("a", "2026-01-02T10:00:00Z", "200"));
  CHECK(a.points == 10 + 1 + 5 + 1000);
  CHECK(a.rules.size() == 6);
  CHECK(a.rules[3].verdict == Verdict::group_taken);
  Outcome b = s.send(purchase("b", "2026-01-02T11:00:00Z", "50", R"(,"channel":"stop")"));
  // budget: 10 then cut to 5; limit: reached within the day; group: the second rule; stop.
  REQUIRE(b.rules.size() == 6);
  CHECK(b.rules[0].rule == "capped");
  CHECK(b.rules[0].verdict == Verdict::fired);
  CHECK(b.rules[1].verdict == Verdict::limit_reached);
  CHECK(b.rules[2].verdict == Verdict::condition_false);
  CHECK(b.rules[3].verdict == Verdict::fired);
  CHECK(b.rules[4].verdict == Verdict::fired);
  CHECK(b.rules[5].verdict == Verdict::after_stop);
  CHECK(b.effects[0].points == 10);
  Outcome c = s.send(purchase("c", "2026-01-03T11:00:00Z", "50"));
  CHECK(c.effects[0].rule == "capped");
  CHECK(c.effects[0].points == 5);
  CHECK(c.effects[0].asked == 10);
  CHECK(c.rules[1].verdict == Verdict::fired);  // a new day
  Outcome d = s.send(purchase("d", "2026-01-04T11:00:00Z", "50"));
  CHECK(d.rules[0].verdict == Verdict::budget_spent);
  CHECK(s.member("m1").ledger.available(Instant::parse("2026-02-01T00:00:00Z")) ==
        (10 + 1 + 5 + 1000) + (10 + 3) + (5 + 1 + 3 + 1000) + (1 + 3 + 1000));
}

TEST_CASE("an event whose rule fails is rejected with the rule and line, and changes nothing") {
  Scenario s(R"(program "Broken"
member {
  divisor: number optional
}
rule welcome on enroll {
  award 10 points
}
rule ratio on purchase {
  award event.amount / member.divisor points
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"divisor":0})"));
  Outcome failed = s.send(purchase("e2", "2026-01-02T10:00:00Z", "10"));
  CHECK(failed.status == Status::rejected);
  CHECK(failed.reason.rfind("rule 'ratio' (line 8): ", 0) == 0);
  auto m = s.member("m1");
  CHECK(m.purchases == 0);
  CHECK(m.spend == Decimal());
  CHECK(m.ledger.entries().size() == 1);
  CHECK(s.engine.stats(Instant::parse("2026-02-01T00:00:00Z")).events == 1);
}

TEST_CASE("a dry run applies nothing") {
  Scenario s(kBasic);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  Outcome dry = s.engine.dry_run(parse_event(purchase("e2", "2026-01-02T10:00:00Z", "10")));
  CHECK(dry.status == Status::applied);
  CHECK(dry.points == 110);
  CHECK(s.member("m1").ledger.entries().size() == 1);
  CHECK(s.member("m1").purchases == 0);
  CHECK(s.send(purchase("e2", "2026-01-02T10:00:00Z", "10")).status == Status::applied);
}

TEST_CASE("a replaced program runs from the next event, and its entries name its version") {
  Scenario s(kBasic);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  s.engine.replace_program(compile(R"(program "Doubled"
rule base on purchase {
  award event.amount * 2 points
}
)"));
  CHECK(s.engine.program_version() == 2);
  Outcome doubled = s.send(purchase("e2", "2026-01-02T10:00:00Z", "10"));
  CHECK(doubled.points == 120);
  CHECK(doubled.program_version == 2);
  CHECK(s.member("m1").ledger.entries()[1].origin.program_version == 2);
}

TEST_CASE("redeem spends soonest-expiring points, refuses a short balance, and is idempotent") {
  Scenario s(R"(program "Redeem"
rule welcome on enroll {
  award 100 points expiring in 30 days
}
rule base on purchase {
  award event.amount points
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  s.send(purchase("e2", "2026-01-02T10:00:00Z", "50"));
  const Instant at = Instant::parse("2026-01-03T00:00:00Z");
  Outcome spent = s.engine.redeem("m1", 120, "order-1", at);
  CHECK(spent.status == Status::applied);
  CHECK(spent.points == 30);
  REQUIRE(spent.effects.size() == 1);
  CHECK(spent.effects[0].kind == EffectKind::redeem);
  CHECK(spent.effects[0].points == -120);
  auto m = s.member("m1");
  // The expiring welcome lot went first (and, empty, is no longer kept as a lot).
  REQUIRE(m.ledger.lots().size() == 1);
  CHECK(m.ledger.lot_event(m.ledger.lots()[0]) == "e2");
  CHECK(m.ledger.lots()[0].remaining == 30);
  CHECK(m.ledger.entries().back().origin.event == "order-1");

  CHECK(s.engine.redeem("m1", 120, "order-1", at).status == Status::duplicate);
  CHECK(s.member("m1").ledger.entries().size() == 3);
  CHECK_THROWS_WITH_AS(s.engine.redeem("m1", 5, "order-1", at),
                       "reference 'order-1' was used before for another redemption", EventError);
  CHECK_THROWS_WITH_AS(s.engine.redeem("m1", 31, "order-2", at),
                       "member 'm1' has 30 points available, not 31", InsufficientPoints);
  // A refused redemption leaves no record: the reference is still free.
  CHECK(s.engine.redeem("m1", 30, "order-2", at).points == 0);
  CHECK_THROWS_WITH_AS(s.engine.redeem("m9", 1, "order-3", at), "unknown member 'm9'", EventError);
  CHECK_THROWS_AS(s.engine.redeem("m1", 1, "order-4", Instant::parse("2026-01-02T00:00:00Z")),
                  EventError);
  CHECK(s.engine.stats(at).events == 2);
}

TEST_CASE("adjust adds a never-expiring lot or takes points, without changing earned") {
  Scenario s(kBasic);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  const Instant at = Instant::parse("2026-01-03T00:00:00Z");
  Outcome plus = s.engine.adjust("m1", 40, "goodwill", at);
  CHECK(plus.points == 140);
  REQUIRE(s.member("m1").ledger.lots().size() == 2);
  CHECK(!s.member("m1").ledger.lots()[1].expires_at.has_value());
  Outcome minus = s.engine.adjust("m1", -200, "fraud", at);
  CHECK(minus.points == -60);  // negative_balance = allow: a debt
  CHECK(minus.effects[0].points == -200);
  auto m = s.member("m1");
  CHECK(m.earned == 100);
  CHECK(m.ledger.debt() == 60);
  CHECK(m.ledger.entries()[1].kind == engine::EntryKind::adjust);
  CHECK(m.ledger.entries()[1].origin.note == "goodwill");
  CHECK(m.ledger.lots().empty());
  CHECK_THROWS_AS(s.engine.adjust("m1", 0, "nothing", at), EventError);
}

TEST_CASE("tick: expiries, due tier moves after keep, stage changes, daily rules once a day") {
  Scenario s(R"(program "Ticks"
settings {
  timezone = "+08:00"
}
member {
  birthday: date
}
event review { }
tiers by member.points {
  basic from 0
  gold from 100
  keep 30 days
}
lifecycle {
  fresh when days_since(member.enrolled_at) < 10
  settled otherwise
}
rule welcome on enroll {
  award 50 points expiring in 20 days
}
rule reviewed on review {
  award 60 points
}
rule birthday on daily when is_birthday(member.birthday) {
  award 5 points
}
rule gold_gift on tier_changed to gold {
  tag "was_gold"
}
)");
  Outcome enrolled = s.send(event("e1", "enroll", "2026-01-01T09:00:00Z",
                                  R"("profile":{"birthday":"1990-01-12"})"));
  CHECK(enrolled.tier == "basic");
  CHECK(enrolled.stage == "fresh");
  CHECK(enrolled.points == 50);
  Outcome up = s.send(event("e2", "review", "2026-01-02T00:00:00Z"));
  CHECK(up.tier == "gold");
  REQUIRE(up.effects.size() == 3);
  CHECK(up.effects[1].kind == EffectKind::tier_change);
  CHECK(up.effects[2].kind == EffectKind::tag);
  CHECK(s.member("m1").tier_kept_until == Instant::parse("2026-02-01T00:00:00Z"));

  TickSummary day5 = s.engine.tick(Instant::parse("2026-01-05T00:00:00Z"));
  CHECK(day5.members == 1);
  CHECK(day5.tier_changes == 0);
  CHECK(day5.daily_rules_fired == 0);

  // Local date 2026-01-12 (+08:00) is the birthday; 10 days after enrolling the stage moves.
  TickSummary birthday = s.engine.tick(Instant::parse("2026-01-11T17:00:00Z"));
  CHECK(birthday.daily_rules_fired == 1);
  CHECK(birthday.stage_changes == 1);
  CHECK(s.member("m1").ledger.available(Instant::parse("2026-01-11T17:00:00Z")) == 115);
  // A second tick on the same local day runs no daily rule again.
  CHECK(s.engine.tick(Instant::parse("2026-01-12T01:00:00Z")).daily_rules_fired == 0);

  // Day 21: the welcome lot expired, leaving 65 points; gold is kept 30 days after the upgrade.
  TickSummary expired = s.engine.tick(Instant::parse("2026-01-21T10:00:00Z"));
  CHECK(expired.expired_points == 50);
  CHECK(expired.tier_changes == 0);
  auto m = s.member("m1");
  CHECK(m.ledger.available(Instant::parse("2026-01-21T10:00:00Z")) == 65);
  CHECK(m.ledger.entries().back().kind == engine::EntryKind::expire);
  CHECK(m.ledger.entries().back().points == -50);
  CHECK(m.tier == 1u);
  // After the keep, the due move down is applied at the next tick.
  TickSummary after_keep = s.engine.tick(Instant::parse("2026-02-05T00:00:00Z"));
  CHECK(after_keep.tier_changes == 1);
  CHECK(s.member("m1").tier == 0u);

  CHECK_THROWS_WITH_AS(s.engine.tick(Instant::parse("2026-02-01T00:00:00Z")),
                       "a tick at 2026-02-01T00:00:00Z is earlier than the last tick, at "
                       "2026-02-05T00:00:00Z",
                       EventError);
}

TEST_CASE("random event streams keep the ledger invariant and match an independent model") {
  // Base points, a welcome gift, and proportional refunds: simple enough to model exactly in
  // a few lines, rich enough to exercise lots, reversals and debt.
  Scenario s(R"(program "Model"
rule welcome on enroll {
  award 25 points
}
rule base on purchase {
  award event.amount points
}
rule big on purchase when event.amount >= 300 {
  award 40 points pending 3 days
}
)");
  struct Purchase {
    std::string id;
    std::string member;
    std::int64_t cents = 0;
    std::int64_t left = 0;
    std::int64_t points = 0;
  };
  struct Model {
    std::int64_t total = 0;   // points given less points reversed (as asked)
    std::int64_t spend_cents = 0;
  };
  std::map<std::string, Model> model;
  std::vector<Purchase> purchases;
  std::uint64_t x = 0x2545F4914F6CDD1Dull;
  auto next = [&](std::uint64_t bound) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % bound;
  };
  Instant t = Instant::parse("2026-01-01T00:00:00Z");
  for (int n = 0; n < 3000; ++n) {
    t = Instant::from_seconds(t.seconds() + static_cast<std::int64_t>(next(7200)));
    const std::string id = "e" + std::to_string(n);
    const std::string time = t.to_string();
    const std::uint64_t roll = next(100);
    if (model.size() < 20 && (model.empty() || roll < 10)) {
      const std::string member = "m" + std::to_string(model.size());
      REQUIRE(s.send(event(id, "enroll", time, "", member)).status == Status::applied);
      model[member].total += 25;
      continue;
    }
    auto member_it = std::next(model.begin(), static_cast<std::ptrdiff_t>(next(model.size())));
    const std::string member = member_it->first;
    if (roll < 25 && !purchases.empty()) {
      Purchase& p = purchases[next(purchases.size())];
      const std::int64_t cents = static_cast<std::int64_t>(next(static_cast<std::uint64_t>(p.cents))) + 1;
      const std::string amount = std::to_string(cents / 100) + "." +
                                 (cents % 100 < 10 ? "0" : "") + std::to_string(cents % 100);
      Outcome o = s.send(event(id, "refund", time,
                               R"("original":")" + p.id + R"(","amount":")" + amount + "\"",
                               p.member));
      if (cents > p.left) {
        CHECK(o.status == Status::rejected);
        continue;
      }
      REQUIRE(o.status == Status::applied);
      const std::int64_t reversed = p.points * cents / p.cents;  // floor: all positive
      model[p.member].total -= reversed;
      model[p.member].spend_cents -= cents;
      p.left -= cents;
    } else {
      const std::int64_t cents = static_cast<std::int64_t>(next(60000)) + 1;
      const std::string amount = std::to_string(cents / 100) + "." +
                                 (cents % 100 < 10 ? "0" : "") + std::to_string(cents % 100);
      REQUIRE(s.send(event(id, "purchase", time, R"("amount":")" + amount + "\"", member)).status ==
              Status::applied);
      const std::int64_t points = cents / 100 + (cents >= 30000 ? 40 : 0);
      purchases.push_back(Purchase{id, member, cents, cents, points});
      model[member].total += points;
      model[member].spend_cents += cents;
    }
  }
  // Long after the last event every lot is usable: the balance is the model's total.
  const Instant later = Instant::from_seconds(t.seconds() + 86400 * 10);
  for (const auto& [member, expected] : model) {
    CAPTURE(member);
    auto m = s.member(member);  // checks the ledger invariant
    CHECK(m.earned == expected.total);
    CHECK(m.ledger.available(later) == expected.total);
    CHECK(m.spend == Decimal::from_parts(expected.spend_cents, 2));
    std::int64_t sum = 0;
    for (const auto& entry : m.ledger.entries()) sum += entry.points;
    CHECK(sum == expected.total);
  }
}

TEST_CASE("profiles, custom attributes, set, emit to the outbox, and explain") {
  Scenario s(R"(program "Crm"
member {
  email: string pii
  segment: string optional
  churn: number optional
}
event review_posted {
  stars: number
}
rule welcome on enroll {
  emit "send_welcome" { email: member.email, at: event.time }
}
rule good_review on review_posted when event.stars >= 4 {
  award event.stars * 10 points
  set member.segment = "fan"
}
rule churn_watch on profile when has(event.churn) and event.churn > 0.8 {
  tag "at_risk"
  emit "winback" { risk: event.churn, was: member.churn }
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z",
               R"("profile":{"email":"a@b.cn","vip_code":"X1"})"));
  Outcome review = s.send(event("e2", "review_posted", "2026-01-02T09:00:00Z", R"("stars":5)"));
  CHECK(review.points == 50);
  CHECK(review.effects[1].kind == EffectKind::set);
  CHECK(review.effects[1].value == "\"fan\"");
  CHECK(s.send(event("e3", "review_posted", "2026-01-02T10:00:00Z", R"("stars":"five")")).reason ==
        "field 'stars': expected a number, got a string 'five'");
  Outcome risky = s.send(event("e4", "profile", "2026-01-03T09:00:00Z",
                               R"("profile":{"churn":"0.83"})"));
  REQUIRE(risky.status == Status::applied);
  auto m = s.member("m1");
  CHECK(m.has_tag("at_risk"));
  CHECK(m.attributes[1] == engine::Value::of(std::string_view("fan")));
  CHECK(m.attributes[2] == engine::Value::of(Decimal::parse("0.83")));
  REQUIRE(m.extra_profile.size() == 1);
  CHECK(m.extra_profile[0].name == "vip_code");
  auto outbox = s.store->outbox();
  REQUIRE(outbox.size() == 2);
  CHECK(outbox[0].name == "send_welcome");
  CHECK(outbox[0].data == R"({"email":"a@b.cn","at":"2026-01-01T09:00:00Z"})");
  CHECK(outbox[1].name == "winback");
  CHECK(outbox[1].data == R"({"risk":0.83,"was":null})");  // rules see the member before
  CHECK(outbox[1].sequence == 2);

  auto explained = s.engine.explain("e2");
  REQUIRE(explained.has_value());
  REQUIRE(explained->rules.size() == 1);
  CHECK(explained->rules[0].rule == "good_review");
  CHECK(explained->rules[0].line == 13);
  CHECK(explained->rules[0].verdict == Verdict::fired);
  CHECK_FALSE(s.engine.explain("e3").has_value());  // rejected: no record
}

TEST_CASE("pending points become available at their time; clamp drops what is missing") {
  Scenario s(R"(program "Pending"
settings {
  negative_balance = clamp
}
event penalty { }
rule base on purchase {
  award event.amount points pending 14 days
}
rule fine on penalty {
  deduct 30 points as "late return"
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  Outcome bought = s.send(purchase("e2", "2026-01-02T00:00:00Z", "20"));
  CHECK(bought.points == 0);
  CHECK(bought.pending_points == 20);
  Outcome fined = s.send(event("e3", "penalty", "2026-01-10T00:00:00Z"));
  REQUIRE(fined.effects.size() == 1);
  CHECK(fined.effects[0].points == 0);    // nothing usable yet: clamp takes nothing
  CHECK(fined.effects[0].asked == -30);
  CHECK(fined.effects[0].label == "late return");
  auto m = s.member("m1");
  CHECK(m.ledger.available(Instant::parse("2026-01-15T23:59:59Z")) == 0);
  CHECK(m.ledger.available(Instant::parse("2026-01-16T00:00:00Z")) == 20);
  CHECK(m.ledger.debt() == 0);
}

TEST_CASE("tier and stage changes that keep firing each other stop at depth 8") {
  Scenario s(R"(program "Loop"
event review { }
tiers by member.points {
  low from 0
  high from 10
}
rule grow on review {
  award 10 points
}
rule up on tier_changed to high {
  deduct 10 points
}
rule down on tier_changed to low {
  award 10 points
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  Outcome looped = s.send(event("e2", "review", "2026-01-02T09:00:00Z"));
  CHECK(looped.status == Status::rejected);
  CHECK(looped.reason == "tier and stage changes chain deeper than 8: rules 'up', 'down'");
  auto m = s.member("m1");
  CHECK(m.ledger.entries().empty());
  CHECK(m.tier == 0u);
}

TEST_CASE("a new program version keeps members' attributes, tier and limits by name") {
  Scenario s(R"(program "V1"
member {
  city: string optional
}
tiers by member.points {
  basic from 0
  gold from 100
}
rule one on purchase
  limit 1 per member
{
  award 100 points
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"city":"Lyon"})"));
  CHECK(s.send(purchase("e2", "2026-01-02T09:00:00Z", "1")).tier == "gold");
  s.engine.replace_program(compile(R"(program "V2"
member {
  channel: string optional
  city: string optional
}
tiers by member.points {
  silver from 50
  gold from 100
}
rule zero on purchase
  limit 1 per member
{
  set member.channel = "app"
}
rule one on purchase
  limit 1 per member
{
  award 100 points
}
)"));
  Outcome after = s.send(purchase("e3", "2026-01-03T09:00:00Z", "1"));
  REQUIRE(after.status == Status::applied);
  CHECK(after.tier == "gold");
  REQUIRE(after.rules.size() == 2);
  CHECK(after.rules[0].verdict == Verdict::fired);          // zero never fired before
  CHECK(after.rules[1].verdict == Verdict::limit_reached);  // one fired under version 1
  auto m = s.member("m1");
  CHECK(m.program_version == 2);
  CHECK(m.attributes[0] == engine::Value::of(std::string_view("app")));
  CHECK(m.attributes[1] == engine::Value::of(std::string_view("Lyon")));
  CHECK(m.tier == 1u);
}

TEST_CASE("a member whose day's work fails is skipped alone; the tick goes on") {
  Scenario s(R"(program "Daily"
member {
  divisor: number optional
}
rule d on daily {
  award 10 / member.divisor points
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"divisor":0})", "a"));
  s.send(event("e2", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"divisor":2})", "b"));
  TickSummary day = s.engine.tick(Instant::parse("2026-01-02T00:00:00Z"));
  CHECK(day.members == 2);
  CHECK(day.daily_rules_fired == 1);
  REQUIRE(day.rejected.size() == 1);
  CHECK(day.rejected[0].member == "a");
  CHECK(day.rejected[0].reason.rfind("rule 'd' (line 5): ", 0) == 0);
  CHECK(s.member("b").ledger.available(Instant::parse("2026-01-02T00:00:00Z")) == 5);
  CHECK_FALSE(s.member("a").last_daily.has_value());
  CHECK(s.store->last_tick() == Instant::parse("2026-01-02T00:00:00Z"));
}

TEST_CASE("stage_changed to a stage, expiring on a date, a lifetime limit, a budget across versions") {
  Scenario s(R"(program "Lifecycle"
settings {
  timezone = "+08:00"
}
lifecycle {
  new     when days_since(member.enrolled_at) < 30
  active  when days_since(member.last_purchase_at) <= 60
  dormant otherwise
}
rule base on purchase {
  award event.amount points expiring on 2026-03-31
}
rule winback on stage_changed to dormant {
  tag "winback"
}
rule back on stage_changed to active when event.from == dormant {
  award 7 points
}
rule once on purchase
  limit 1 per member
{
  award 3 points
}
rule capped on purchase
  budget 25 points
{
  award 10 points
}
)");
  REQUIRE(s.send(event("e1", "enroll", "2026-01-01T00:00:00Z")).status == Status::applied);
  Outcome first = s.send(purchase("e2", "2026-01-05T00:00:00Z", "40"));
  REQUIRE(first.status == Status::applied);
  // expiring on 2026-03-31 at +08:00: the lot goes at the start of 1 April there.
  REQUIRE(first.effects.size() == 3);
  CHECK(first.effects[0].rule == "base");
  CHECK(first.effects[0].expires_at == std::optional<Instant>(Instant::parse("2026-03-31T16:00:00Z")));
  CHECK(first.effects[2].rule == "capped");
  CHECK(first.points == 53);  // 40 + 3 + 10

  // 30 days after enrollment the member is active (it bought within 60 days): no rule for
  // `to active` from `new` fires, and `to dormant` does not either.
  Outcome second = s.send(purchase("e3", "2026-02-10T00:00:00Z", "10"));
  REQUIRE(second.status == Status::applied);
  CHECK(second.stage == "active");
  CHECK(second.rules[1].rule == "once");
  CHECK(second.rules[1].verdict == Verdict::limit_reached);  // a lifetime limit: no window
  REQUIRE(second.effects.size() == 3);  // base, capped, and the stage change
  CHECK(second.effects[1].points == 10);
  CHECK(second.effects[2].kind == EffectKind::stage_change);
  CHECK(second.effects[2].from == "new");
  CHECK(second.effects[2].to == "active");

  // A tick 61 days after the last purchase: dormant, and only the rule for `to dormant` fires.
  TickSummary tick = s.engine.tick(Instant::parse("2026-04-12T00:00:00Z"));
  CHECK(tick.stage_changes == 1);
  CHECK(s.member("m1").has_tag("winback"));
  CHECK(tick.expired_points == 50);  // both base lots expired on 1 April

  // Back to active from dormant: the rule with `when event.from == dormant` fires, at depth 1.
  // The budget (25) has 5 left: the award asks 10 and gets 5.
  Outcome back = s.send(purchase("e4", "2026-04-13T00:00:00Z", "1"));
  REQUIRE(back.status == Status::applied);
  CHECK(back.stage == "active");
  const Effect& capped = back.effects[1];
  CHECK(capped.rule == "capped");
  CHECK(capped.points == 5);
  CHECK(capped.asked == 10);
  CHECK(back.effects.back().rule == "back");
  CHECK(back.effects.back().points == 7);
  CHECK(back.effects.back().depth == 1);

  // A new version keeps the budget's usage by the rule's name: it is spent.
  s.engine.replace_program(compile(R"(program "Lifecycle 2"
rule capped on purchase
  budget 25 points
{
  award 10 points
}
)", "v2.rules"));
  Outcome after = s.send(purchase("e5", "2026-04-14T00:00:00Z", "1"));
  REQUIRE(after.status == Status::applied);
  REQUIRE(after.rules.size() == 1);
  CHECK(after.rules[0].verdict == Verdict::budget_spent);
  CHECK(after.effects.empty());
  auto m = s.member("m1");
  CHECK(m.earned == 40 + 3 + 10 + 10 + 10 + 1 + 5 + 7);
}

namespace {

// `a` and `b` field by field (then whole, which also covers what a field check might miss).
void check_same_outcome(const Outcome& a, const Outcome& b) {
  CHECK(a.status == b.status);
  CHECK(a.event == b.event);
  CHECK(a.member == b.member);
  CHECK(a.reason == b.reason);
  CHECK(a.points == b.points);
  CHECK(a.pending_points == b.pending_points);
  CHECK(a.tier == b.tier);
  CHECK(a.stage == b.stage);
  CHECK(a.program_version == b.program_version);
  REQUIRE(a.effects.size() == b.effects.size());
  for (std::size_t i = 0; i < a.effects.size(); ++i) {
    CAPTURE(i);
    const Effect& x = a.effects[i];
    const Effect& y = b.effects[i];
    CHECK(x.kind == y.kind);
    CHECK(x.rule == y.rule);
    CHECK(x.points == y.points);
    CHECK(x.asked == y.asked);
    CHECK(x.label == y.label);
    CHECK(x.name == y.name);
    CHECK(x.value == y.value);
    CHECK(x.from == y.from);
    CHECK(x.to == y.to);
    CHECK(x.available_at == y.available_at);
    CHECK(x.expires_at == y.expires_at);
    CHECK(x.depth == y.depth);
  }
  REQUIRE(a.rules.size() == b.rules.size());
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    CAPTURE(i);
    CHECK(a.rules[i].rule == b.rules[i].rule);
    CHECK(a.rules[i].line == b.rules[i].line);
    CHECK(a.rules[i].verdict == b.rules[i].verdict);
    CHECK(a.rules[i].depth == b.rules[i].depth);
  }
  CHECK(a == b);
}

const char* kVaried = R"(program "Varied"
settings {
  negative_balance = allow
}
member {
  segment: string optional
}
event review { stars: number }
event penalty { }
tiers by member.earned {
  bronze from 0
  silver from 500
  gold from 2000
}
lifecycle {
  fresh   when days_since(member.enrolled_at) < 30
  regular otherwise
}
rule welcome on enroll {
  award 100 points expiring in 90 days as "welcome gift"
  tag "new"
}
rule base on purchase {
  award event.amount points pending 7 days expiring on 2026-12-31 as "base"
}
rule capped on purchase
  budget 25 points
{
  award 10 points as "capped"
}
rule daily on purchase
  limit 1 per member per 1 day
{
  award 1 points
}
rule big on purchase when event.amount > 300
  group "g"
{
  award 5 points
}
rule any_in_group on purchase
  group "g"
{
  award 3 points never expiring
}
rule campaign on purchase
  active from 2026-12-01 to 2026-12-31
{
  award 1000 points
}
rule halt on purchase when event.channel == "stop"
  priority -1
{
  stop
}
rule after_halt on purchase
  priority -2
{
  set member.segment = "buyer"
  emit "bought" { amount: event.amount }
}
rule fan on review when event.stars >= 4 {
  award event.stars * 10 points
}
rule fine on penalty {
  deduct 40 points as "late return"
}
rule silver_welcome on tier_changed to silver {
  award 50 points as "silver gift"
  untag "new"
}
rule settled on stage_changed to regular {
  tag "regular"
}
)";

}  // namespace

TEST_CASE("process(event, outcome) gives what explain() and the stored record decode to") {
  auto program = compile(kVaried, "varied.rules");
  auto store = make_memory_store();
  Engine engine(program, store);
  const auto compiled = engine::compile_program(program, 1);
  std::vector<std::string> lines = {
      event("e1", "enroll", "2026-01-01T09:00:00Z"),
      purchase("e2", "2026-01-02T10:00:00Z", "120"),                        // pending, expiring
      purchase("e3", "2026-01-02T11:00:00Z", "400"),                        // a group taken
      purchase("e4", "2026-01-03T10:00:00Z", "60", R"(,"channel":"stop")"), // capped; stop
      event("e5", "review", "2026-01-04T10:00:00Z", R"("stars":3)"),        // condition false
      event("e6", "review", "2026-01-04T11:00:00Z", R"("stars":5)"),
      event("e7", "penalty", "2026-01-05T10:00:00Z"),                       // deduct
      event("e8", "refund", "2026-01-06T10:00:00Z", R"("original":"e3","amount":"200")"),
      purchase("e9", "2026-02-20T10:00:00Z", "2000"),  // gold, a stage change; budget spent
      purchase("e10", "2026-12-05T10:00:00Z", "5"),    // the campaign is active
      event("e11", "refund", "2026-12-06T10:00:00Z", R"("original":"e9","amount":"2000")"),
      event("e12", "penalty", "2026-12-07T10:00:00Z"),
  };
  Outcome outcome;  // one outcome, its buffers reused from event to event
  std::vector<Verdict> seen_verdicts;
  bool capped_cut = false, chained = false, pending = false, expiring = false;
  bool reversed = false, deducted = false, tier_changed = false, stage_changed = false;
  for (const std::string& line : lines) {
    const Event e = parse_event(line);
    CAPTURE(e.id);
    engine.process(e, outcome);
    REQUIRE(outcome.status == Status::applied);
    auto explained = engine.explain(e.id);
    REQUIRE(explained.has_value());
    check_same_outcome(outcome, *explained);
    // The stored record, read back here with the program compiled afresh.
    auto bytes = store->event_outcome(e.id);
    REQUIRE(bytes.has_value());
    Outcome decoded;
    engine::decode_outcome(*bytes, e.id, *compiled, decoded);
    check_same_outcome(outcome, decoded);
    // Read back into records, it encodes to the same bytes.
    engine::DecodedOutcome records;
    engine::decode_record(*bytes, *compiled, records);
    std::string again;
    engine::encode_outcome(records.record, again);
    CHECK(again == *bytes);

    for (const RuleTrace& trace : outcome.rules) seen_verdicts.push_back(trace.verdict);
    for (const Effect& effect : outcome.effects) {
      capped_cut |= effect.kind == EffectKind::award && effect.points != effect.asked;
      chained |= effect.depth > 0;
      pending |= effect.available_at && *effect.available_at > e.time;
      expiring |= effect.expires_at.has_value();
      reversed |= effect.kind == EffectKind::reverse;
      deducted |= effect.kind == EffectKind::deduct;
      tier_changed |= effect.kind == EffectKind::tier_change;
      stage_changed |= effect.kind == EffectKind::stage_change;
    }
  }
  // The events covered what the test is for.
  CHECK(capped_cut);
  CHECK(chained);
  CHECK(pending);
  CHECK(expiring);
  CHECK(reversed);
  CHECK(deducted);
  CHECK(tier_changed);
  CHECK(stage_changed);
  for (Verdict v : {Verdict::fired, Verdict::condition_false, Verdict::inactive,
                    Verdict::limit_reached, Verdict::budget_spent, Verdict::group_taken,
                    Verdict::after_stop}) {
    CAPTURE(verdict_text(v));
    CHECK(std::find(seen_verdicts.begin(), seen_verdicts.end(), v) != seen_verdicts.end());
  }

  // A duplicate gives its first outcome, read back from the store; a rejection has the rules
  // tried and its reason, and no record.
  const Event repeated = parse_event(lines[2]);
  engine.process(repeated, outcome);
  CHECK(outcome.status == Status::duplicate);
  auto first = engine.explain("e3");
  REQUIRE(first.has_value());
  first->status = Status::duplicate;
  check_same_outcome(outcome, *first);
  engine.process(parse_event(event("e13", "review", "2026-12-08T10:00:00Z", R"("stars":"x")")),
                 outcome);
  CHECK(outcome.status == Status::rejected);
  CHECK(outcome.effects.empty());
  CHECK(outcome.points == 0);
  CHECK(outcome.tier.empty());
  CHECK_FALSE(outcome.reason.empty());
  CHECK_FALSE(engine.explain("e13").has_value());

  // A dry run names the same record without storing it.
  Outcome dry = engine.dry_run(parse_event(purchase("e14", "2026-12-09T10:00:00Z", "7")));
  CHECK(dry.status == Status::applied);
  CHECK(dry.event == "e14");
  CHECK_FALSE(dry.effects.empty());
  CHECK_FALSE(engine.explain("e14").has_value());
}

TEST_CASE("decode_record refuses what no encoder writes") {
  auto program = compile(kVaried, "varied.rules");
  const auto compiled = engine::compile_program(program, 1);
  auto store = make_memory_store();
  Engine engine(program, store);
  engine.process(parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z")));
  engine.process(parse_event(purchase("e2", "2026-03-02T10:00:00Z", "600")));  // silver
  const std::string bytes = *store->event_outcome("e2");
  engine::DecodedOutcome records;
  engine::decode_record(bytes, *compiled, records);
  REQUIRE(records.record.tier.has_value());
  CHECK(*records.record.tier == 1u);
  CHECK_THROWS_AS(engine::decode_record(bytes.substr(0, bytes.size() - 1), *compiled, records),
                  StoreError);
  CHECK_THROWS_AS(engine::decode_record(bytes + '\0', *compiled, records), StoreError);
  std::string unknown_format = bytes;
  unknown_format[0] = 3;
  CHECK_THROWS_AS(engine::decode_record(unknown_format, *compiled, records), StoreError);

  // Each index must name something of the program that made the record: a record changed to
  // name a tier, a rule or a verdict past the end encodes, and reads back as corrupt.
  auto refused = [&](auto change) {
    engine::DecodedOutcome copy;
    engine::decode_record(bytes, *compiled, copy);
    std::vector<engine::EffectRecord> effects(copy.record.effects.begin(),
                                              copy.record.effects.end());
    std::vector<engine::TraceRecord> traces(copy.record.traces.begin(), copy.record.traces.end());
    engine::OutcomeRecord record = copy.record;
    change(record, effects, traces);
    record.effects = effects;
    record.traces = traces;
    std::string encoded;
    engine::encode_outcome(record, encoded);
    engine::DecodedOutcome back;
    CHECK_THROWS_AS(engine::decode_record(encoded, *compiled, back), StoreError);
  };
  using Effects = std::vector<engine::EffectRecord>;
  using Traces = std::vector<engine::TraceRecord>;
  refused([](engine::OutcomeRecord& r, Effects&, Traces&) { r.tier = 3; });  // 3 tiers
  refused([](engine::OutcomeRecord& r, Effects&, Traces&) { r.stage = 2; });  // 2 stages
  refused([&](engine::OutcomeRecord&, Effects&, Traces& t) {
    t.front().rule = static_cast<std::uint32_t>(program->checked().tree.rules.size());
  });
  refused([](engine::OutcomeRecord&, Effects& e, Traces&) { e.front().source.action = 7; });
  refused([](engine::OutcomeRecord&, Effects&, Traces& t) {
    t.front().verdict = static_cast<Verdict>(7);
  });

  // Format 2's flags byte, by hand: one award of 5 points with an availability and nothing
  // else is 02 00 01 01 'm' 00 00 00 00 01, then its head 0x80, points 0x0a, flags 0x01.
  engine::EffectRecord award;
  award.points = 5;
  award.asked = 5;
  award.available_at = Instant::parse("2026-01-01T00:00:00Z");
  const std::vector<engine::EffectRecord> one{award};
  engine::OutcomeRecord small;
  small.program_version = 1;
  small.member = "m";
  small.effects = one;
  std::string encoded;
  engine::encode_outcome(small, encoded);
  REQUIRE(encoded.size() > 12);
  CHECK(encoded.substr(0, 12) == std::string("\x02\x00\x01\x01m\x00\x00\x00\x00\x01\x80\x0a", 12));
  REQUIRE(encoded[12] == 0x01);
  engine::decode_record(encoded, *compiled, records);
  REQUIRE(records.record.effects.size() == 1);
  CHECK(records.record.effects[0].available_at == award.available_at);
  for (const char flags : {'\x00', '\x40', '\x80', '\x03', '\x02'}) {  // '\x02': no effect before
    CAPTURE(static_cast<int>(flags));
    std::string changed = encoded;
    changed[12] = flags;
    CHECK_THROWS_AS(engine::decode_record(changed, *compiled, records), StoreError);
  }
}

TEST_CASE("outcomes stored in the first format (before 2026-11-25) still read back, the same") {
  // What explain() gave for the varied program's events, in the bytes format 1 wrote: each
  // must decode to what the same event's record in today's format decodes to.
  const std::vector<std::pair<std::string, std::string>> format1 = {
      {"e1", "010001026d31c801000662726f6e7a65056672657368030c000000000000000100c801c80103a0deb1950da0fae69c0d0600010100000001000000"},
      {"e2", "010001026d31e401f0010662726f6e7a650566726573680600000200f001f00103c0c686960d80b2b7b30d00000300141401c0dcbc950d00000400020201c0dcbc950d00000600060601c0dcbc950d080009000000100722627579657222090009010000100e7b22616d6f756e74223a3132307d08010000020000030000040100050000060200070100080000"},
      {"e3", "010001026d31e60290080673696c7665720566726573680800000200a006a00603e0fe86960d80b2b7b30d00000300141401e094bd950d000005000a0a01e094bd950d080009000000100722627579657222090009010000100e7b22616d6f756e74223a3430307d0a01000000200662726f6e7a650673696c76657200010c00646401e094bd950d07010c01000000090100000200000303000400000505000602000701000800000b0001"},
      {"e4", "010001026d31f80288090673696c7665720566726573680400000200787803c08c91960d80b2b7b30d000003000a1401c0a2c7950d00000400020201c0a2c7950d00000600060601c0a2c7950d08010000020000030000040100050000060200070000080600"},
      {"e5", "010001026d31f80288090673696c7665720566726573680001090100"},
      {"e6", "010001026d31dc0388090673696c7665720566726573680100000a00646401e0a0d2950d01090000"},
      {"e7", "010001026d318c0388090673696c7665720566726573680101000b004f4f00010a0000"},
      {"e8", "010001026d318c03ea050673696c766572056672657368010200009d039d030000"},
      {"e9", "010001026d318209a01f04676f6c6407726567756c61720800000200a01fa01f03c0ac8b9a0d80b2b7b30d00000400020201c0c2c1990d000005000a0a01c0c2c1990d080009000000100722627579657222090009010000100f7b22616d6f756e74223a323030307d0a01000000200673696c76657204676f6c640b010000002005667265736807726567756c617206010d00000000090100000204000300000400000505000602000701000800000c0001"},
      {"e10", "010001026d3182370a04676f6c6407726567756c617206000002000a0a03c0ece8b10d80b2b7b30d00000400020201c0829fb10d00000600060601c0829fb10d00000700d00fd00f01c0829fb10d080009000000100722627579657222090009010000100c7b22616d6f756e74223a357d08010000020400030000040100050000060000070100080000"},
      {"e11", "010001026d31ba180a0673696c76657207726567756c617204020000ab1fab1f000a010000002004676f6c640673696c76657200010c00646401c0c8a9b10d07010c01000000010b0001"},
      {"e12", "010001026d31ea170a0673696c76657207726567756c61720101000b004f4f00010a0000"},
  };
  auto program = compile(kVaried, "varied.rules");
  const auto compiled = engine::compile_program(program, 1);
  auto store = make_memory_store();
  Engine engine(program, store);
  const std::vector<std::string> lines = {
      event("e1", "enroll", "2026-01-01T09:00:00Z"),
      purchase("e2", "2026-01-02T10:00:00Z", "120"),
      purchase("e3", "2026-01-02T11:00:00Z", "400"),
      purchase("e4", "2026-01-03T10:00:00Z", "60", R"(,"channel":"stop")"),
      event("e5", "review", "2026-01-04T10:00:00Z", R"("stars":3)"),
      event("e6", "review", "2026-01-04T11:00:00Z", R"("stars":5)"),
      event("e7", "penalty", "2026-01-05T10:00:00Z"),
      event("e8", "refund", "2026-01-06T10:00:00Z", R"("original":"e3","amount":"200")"),
      purchase("e9", "2026-02-20T10:00:00Z", "2000"),
      purchase("e10", "2026-12-05T10:00:00Z", "5"),
      event("e11", "refund", "2026-12-06T10:00:00Z", R"("original":"e9","amount":"2000")"),
      event("e12", "penalty", "2026-12-07T10:00:00Z"),
  };
  REQUIRE(lines.size() == format1.size());
  std::size_t old_bytes = 0, new_bytes = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Event e = parse_event(lines[i]);
    CAPTURE(e.id);
    REQUIRE(e.id == format1[i].first);
    REQUIRE(engine.process(e).status == Status::applied);
    std::string old_record;
    const std::string& hex = format1[i].second;
    for (std::size_t at = 0; at < hex.size(); at += 2) {
      old_record += static_cast<char>(std::stoi(hex.substr(at, 2), nullptr, 16));
    }
    REQUIRE(old_record[0] == 1);
    const std::string new_record = *store->event_outcome(e.id);
    CHECK(new_record[0] == 2);
    old_bytes += old_record.size();
    new_bytes += new_record.size();
    Outcome from_old, from_new;
    engine::decode_outcome(old_record, e.id, *compiled, from_old);
    engine::decode_outcome(new_record, e.id, *compiled, from_new);
    check_same_outcome(from_old, from_new);
    CHECK(engine::encoded_program_version(old_record) == 1u);
    CHECK(engine::encoded_program_version(new_record) == 1u);
  }
  CHECK(old_bytes == 1035);
  CHECK(new_bytes == 624);  // 40 % less
}

TEST_CASE("an event's fingerprint takes in every field; equal values written otherwise are equal") {
  Scenario s(kVaried);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"segment":"a"})"));
  const std::string t = "2026-01-02T10:00:00Z";
  const std::string line = R"({"sku":"A","category":"coffee","qty":2,"price":"15.00"})";
  auto with = [](const std::string& channel, const std::string& items) {
    return R"(,"channel":")" + channel + R"(","items":[)" + items + "]";
  };
  REQUIRE(s.send(purchase("p1", t, "30", with("app", line))).status == Status::applied);
  // The same values written otherwise: a duplicate.
  const std::string same_line = R"({"sku":"A","category":"coffee","qty":2.00,"price":"15"})";
  CHECK(s.send(purchase("p1", "2026-01-02T18:00:00+08:00", "30.000", with("app", same_line)))
            .status == Status::duplicate);
  // Any field changed: a conflict, and nothing applied.
  const std::vector<std::string> changed = {
      purchase("p1", "2026-01-02T10:00:01Z", "30", with("app", line)),   // time
      purchase("p1", t, "30.01", with("app", line)),                     // amount
      purchase("p1", t, "-30", with("app", line)),                       // its sign
      purchase("p1", t, "30", with("web", line)),                        // channel
      purchase("p1", t, "30", with("app", R"({"sku":"B","category":"coffee","qty":2,"price":"15"})")),
      purchase("p1", t, "30", with("app", R"({"sku":"A","category":"tea","qty":2,"price":"15"})")),
      purchase("p1", t, "30", with("app", R"({"sku":"A","category":"coffee","qty":3,"price":"15"})")),
      purchase("p1", t, "30", with("app", R"({"sku":"A","category":"coffee","qty":2,"price":"15.01"})")),
      purchase("p1", t, "30", with("app", line + "," + line)),           // one item more
      purchase("p1", t, "30", with("app", "")),                          // none
      event("p1", "purchase", t, R"("amount":"30","channel":"app","items":[)" + line + "]", "m2"),
      event("p1", "review", t, R"("stars":4)"),                          // type
  };
  for (const std::string& json : changed) {
    CAPTURE(json);
    const Outcome conflict = s.send(json);
    CHECK(conflict.status == Status::rejected);
    CHECK(conflict.reason == "event id 'p1' was seen before with different content");
  }
  // A long event: twenty items, one price changed in the last.
  std::string many, many_changed;
  for (int i = 0; i < 20; ++i) {
    const std::string head = R"({"sku":"SKU-)" + std::to_string(i) + R"(","category":"grocery","qty":1,"price":")";
    many += (i == 0 ? "" : ",") + head + "1.50\"}";
    many_changed += (i == 0 ? "" : ",") + head + (i == 19 ? "1.51" : "1.5") + "\"}";
  }
  REQUIRE(s.send(purchase("p2", t, "30", with("app", many))).status == Status::applied);
  CHECK(s.send(purchase("p2", t, "30.0", with("app", many))).status == Status::duplicate);
  CHECK(s.send(purchase("p2", t, "30", with("app", many_changed))).status == Status::rejected);
  // Attributes and profiles too.
  REQUIRE(s.send(event("r1", "review", t, R"("stars":4)")).status == Status::applied);
  CHECK(s.send(event("r1", "review", t, R"("stars":4.0)")).status == Status::duplicate);
  CHECK(s.send(event("r1", "review", t, R"("stars":5)")).status == Status::rejected);
  CHECK(s.send(event("e1", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"segment":"a"})"))
            .status == Status::duplicate);
  CHECK(s.send(event("e1", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"segment":"b"})"))
            .status == Status::rejected);
  CHECK(s.member("m1").purchases == 2);
}

TEST_CASE("tiers by a whole-number field compare integers, and give what the metric's value gives") {
  // The same tiers, by member.earned (found by comparing integers) and by member.earned + 0
  // (an expression, evaluated as a decimal); a threshold with a fraction rounds up.
  auto program = [](const std::string& metric, const std::string& silver, const std::string& gold) {
    return "program \"T\"\nsettings {\n  rounding = floor\n}\ntiers by " + metric +
           " {\n  bronze from 0\n  silver from " + silver + "\n  gold from " + gold +
           "\n}\nrule base on purchase {\n  award event.amount points\n}\n";
  };
  struct Case {
    std::string field, silver, gold;
    std::vector<std::int64_t> thresholds;
    std::vector<std::string> tiers;  // after the enroll, then each purchase
  };
  const std::vector<Case> cases = {
      // Earned: 49, 98, 99, 100 (silver), 249, 250 (gold), 251.
      {"member.earned", "99.5", "250", {0, 100, 250},
       {"bronze", "bronze", "bronze", "bronze", "silver", "silver", "gold", "gold"}},
      // Purchases: 1 to 7.
      {"member.purchases", "2.5", "5", {0, 3, 5},
       {"bronze", "bronze", "bronze", "silver", "silver", "gold", "gold", "gold"}},
  };
  const char* amounts[] = {"49", "49", "1", "1", "149", "1", "1"};
  for (const Case& c : cases) {
    CAPTURE(c.field);
    const auto fast_program = compile(program(c.field, c.silver, c.gold), "fast.rules");
    const auto slow_program = compile(program(c.field + " + 0", c.silver, c.gold), "slow.rules");
    REQUIRE(engine::compile_program(fast_program, 1)->tier_field.has_value());
    CHECK(engine::compile_program(fast_program, 1)->tier_thresholds == c.thresholds);
    REQUIRE_FALSE(engine::compile_program(slow_program, 1)->tier_field.has_value());
    Engine fast(fast_program, make_memory_store());
    Engine slow(slow_program, make_memory_store());
    std::vector<std::string> lines = {event("e1", "enroll", "2026-01-01T09:00:00Z")};
    for (int i = 0; i < 7; ++i) {
      lines.push_back(purchase("p" + std::to_string(i), "2026-01-02T10:00:00Z", amounts[i]));
    }
    std::vector<std::string> fast_tiers, slow_tiers;
    for (const std::string& line : lines) {
      const Outcome a = fast.process(parse_event(line));
      const Outcome b = slow.process(parse_event(line));
      REQUIRE(a.status == Status::applied);
      REQUIRE(b.status == Status::applied);
      fast_tiers.push_back(a.tier);
      slow_tiers.push_back(b.tier);
    }
    CHECK(fast_tiers == c.tiers);
    CHECK(slow_tiers == c.tiers);
  }
  // A threshold beyond 64 bits leaves the tier to the general way.
  const auto huge = compile(program("member.earned", "99.5", "99999999999999999999999"), "huge.rules");
  CHECK_FALSE(engine::compile_program(huge, 1)->tier_field.has_value());
}

TEST_CASE("a batch whose buffers are reused for other members finds each event's own member") {
  // The memory store remembers where the members it found for a batch's ids were; the next
  // batch, in the same buffers, names other members there.
  auto store = make_memory_store();
  Engine engine(compile(kBasic, "basic.rules"), store);
  std::vector<Event> batch(1);
  Tally tally;
  batch[0] = parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z", "", "m1"));
  engine.process(batch, tally);
  batch[0] = parse_event(purchase("e2", "2026-01-02T10:00:00Z", "10"));  // m1's
  engine.process(batch, tally);
  const char* before = batch[0].member.data();
  batch[0] = parse_event(event("e3", "enroll", "2026-01-03T09:00:00Z", "", "m2"));
  REQUIRE(batch[0].member.data() == before);  // the same buffer, another member
  engine.process(batch, tally);
  batch[0] = parse_event(event("e4", "purchase", "2026-01-04T10:00:00Z", R"("amount":"20")", "m2"));
  engine.process(batch, tally);
  CHECK(tally.applied == 4);
  CHECK(tally.rejected == 0);
  const auto m1 = store->load_member("m1");
  const auto m2 = store->load_member("m2");
  REQUIRE(m1.has_value());
  REQUIRE(m2.has_value());
  CHECK(m1->purchases == 1);
  CHECK(m2->purchases == 1);
  CHECK(m2->spend == Decimal::parse("20"));
}
