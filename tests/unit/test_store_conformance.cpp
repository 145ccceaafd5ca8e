// The storage conformance suite (DESIGN.md: one suite runs against every backend): the same
// scenarios through the engine on the memory store and the SQLite store, batched and with every
// event durable, with exact expected results. "Reopening" a store is what a new process does:
// the SQLite store is closed and opened again from its file; the memory store, which lives as
// long as the test, is taken up again as it was. Then both stores side by side on a random
// stream, and the retail-v1 checksum.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/member.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/event_reader.hpp"
#include "loyalty/store.hpp"
#include "store/store.hpp"
#include "store_testing.hpp"

using namespace loyalty;
using store_testing::check_same;
using store_testing::event;
using store_testing::purchase;
using store_testing::TempDir;

namespace {

struct MemoryBackend {
  std::shared_ptr<store::Store> open() {
    if (!store_) store_ = make_memory_store();
    return store_;
  }
  std::shared_ptr<store::Store> store_;
};

// Small batches, so that a scenario crosses several of them.
struct SqliteBackend {
  std::shared_ptr<store::Store> open() {
    return open_sqlite_store(dir.file("loyalty.db"), SqliteOptions{3, 200, 5000});
  }
  TempDir dir;
};

struct SqliteDurableBackend {
  std::shared_ptr<store::Store> open() {
    return open_sqlite_store(dir.file("loyalty.db"), SqliteOptions{1, 200, 5000});
  }
  TempDir dir;
};

// An engine running `rules` on a backend's store, fed JSON lines.
template <class Backend>
struct Scenario {
  explicit Scenario(const std::string& rules) : program(compile(rules, "scenario.rules")) {
    open();
  }

  // What a new process does: the store closed and opened again, and a new engine on it.
  void reopen() {
    engine.reset();
    store.reset();
    open();
  }

  Outcome send(const std::string& json) { return engine->process(parse_event(json)); }

  // The member's committed state, with its whole ledger; checks the ledger invariant.
  engine::MemberState member(const std::string& id) {
    auto state = store->load_member(id);
    REQUIRE(state.has_value());
    CHECK(state->ledger.check_invariant() == "");
    return *state;
  }

  Backend backend;
  std::shared_ptr<const Program> program;
  std::shared_ptr<store::Store> store;
  std::unique_ptr<Engine> engine;

 private:
  void open() {
    store = backend.open();
    engine = std::make_unique<Engine>(program, store);
  }
};

Instant at(const char* text) {
  return Instant::parse(text);
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

TEST_CASE_TEMPLATE("a member's state and ledger are kept exactly, across a reopen", B,
                   MemoryBackend, SqliteBackend, SqliteDurableBackend) {
  Scenario<B> s(kBasic);
  REQUIRE(s.send(event("e1", "enroll", "2026-01-01T09:00:00Z")).status == Status::applied);
  REQUIRE(s.send(purchase("e2", "2026-01-02T10:00:00Z", "129.90")).points == 229);
  REQUIRE(
      s.send(event("e3", "refund", "2026-01-05T10:00:00Z", R"("original":"e2","amount":"30.00")"))
          .points == 200);
  s.reopen();

  auto m = s.member("m1");
  CHECK(m.enrolled_at == at("2026-01-01T09:00:00Z"));
  CHECK(m.program_version == 1);
  CHECK(m.tier == 0u);
  CHECK(m.tier_since == at("2026-01-01T09:00:00Z"));
  CHECK_FALSE(m.tier_kept_until.has_value());
  CHECK_FALSE(m.stage.has_value());
  CHECK(m.earned == 200);
  CHECK(m.purchases == 1);
  CHECK(m.spend.to_string() == "99.90");
  CHECK(m.last_purchase_at == at("2026-01-02T10:00:00Z"));
  CHECK(m.last_entry_at == at("2026-01-05T10:00:00Z"));
  CHECK(m.tags.empty());

  const auto& entries = m.ledger.entries();
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].kind == engine::EntryKind::award);
  CHECK(entries[0].points == 100);
  CHECK(entries[0].asked == 100);
  CHECK(entries[0].time == at("2026-01-01T09:00:00Z"));
  CHECK(entries[0].origin == engine::Origin{"e1", "", 1, 0, 0});
  CHECK(entries[1].points == 129);
  CHECK(entries[1].origin == engine::Origin{"e2", "", 1, 1, 0});
  CHECK(entries[2].kind == engine::EntryKind::reverse);
  CHECK(entries[2].points == -29);
  CHECK(entries[2].asked == -29);
  CHECK(entries[2].time == at("2026-01-05T10:00:00Z"));
  CHECK(entries[2].origin.event == "e3");
  CHECK(entries[2].origin.rule == engine::Origin::kNoRule);

  const auto& lots = m.ledger.lots();
  REQUIRE(lots.size() == 2);
  CHECK(lots[0].id == 1);
  CHECK(lots[0].points == 100);
  CHECK(lots[0].remaining == 100);
  CHECK(m.ledger.lot_event(lots[0]) == "e1");
  CHECK(m.ledger.lot_event(lots[1]) == "e2");
  CHECK(lots[1].id == 2);
  CHECK(lots[1].points == 129);
  CHECK(lots[1].remaining == 100);  // the refund took from its purchase's lot
  CHECK(lots[1].created_at == at("2026-01-02T10:00:00Z"));
  CHECK(lots[1].available_at == at("2026-01-02T10:00:00Z"));
  CHECK_FALSE(lots[1].expires_at.has_value());
  CHECK(m.ledger.debt() == 0);
  CHECK(m.ledger.next_lot_id() == 3);

  // The member goes on from where it was.
  Outcome up = s.send(purchase("e4", "2026-01-06T10:00:00Z", "900"));
  CHECK(up.tier == "silver");
  CHECK(up.points == 1150);
  CHECK(s.member("m1").has_tag("silver_once"));
}

TEST_CASE_TEMPLATE("a rejected event leaves nothing behind", B, MemoryBackend, SqliteBackend,
                   SqliteDurableBackend) {
  Scenario<B> s(R"(program "Broken"
settings {
  unknown_member = enroll
}
rule welcome on enroll {
  award 10 points
  emit "hello"
}
rule ratio on purchase {
  award event.amount / (event.amount - 10) points
  tag "bought"
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  const engine::MemberState before = s.member("m1");
  Outcome failed = s.send(purchase("e2", "2026-01-02T10:00:00Z", "10"));
  CHECK(failed.status == Status::rejected);
  // An implicit enrollment rolled back with its event: no member, no message, no record.
  Outcome stranger = s.send(purchase("e3", "2026-01-02T11:00:00Z", "10", "m2"));
  CHECK(stranger.status == Status::rejected);
  s.reopen();
  check_same(s.member("m1"), before);
  CHECK_FALSE(s.store->load_member("m2").has_value());
  CHECK(s.store->member_ids() == std::vector<std::string>{"m1"});
  CHECK(s.store->outbox().size() == 1);
  CHECK(s.store->totals().events == 1);
  CHECK(s.store->totals().members == 1);
  CHECK_FALSE(s.engine->explain("e2").has_value());
  // A rejected event leaves no record: the corrected event goes through.
  CHECK(s.send(purchase("e2", "2026-01-04T10:00:00Z", "20")).points == 12);
  CHECK(s.member("m1").ledger.entries().size() == 2);
}

TEST_CASE_TEMPLATE("a purchase's amounts are kept exactly for its refunds, however wide", B,
                   MemoryBackend, SqliteBackend, SqliteDurableBackend) {
  Scenario<B> s(R"(program "Refunds"
settings {
  unknown_member = enroll
}
rule base on purchase {
  award 1000 points
}
)");
  // A coefficient wider than 64 bits, and a scale of 3.
  const std::string wide = "123456789012345678901234.56";
  CHECK(s.send(purchase("p1", "2026-01-02T10:00:00Z", wide)).status == Status::applied);
  CHECK(s.send(purchase("p2", "2026-01-02T11:00:00Z", "10.125")).status == Status::applied);
  s.reopen();
  const auto refund = [&](const std::string& id, const std::string& original,
                          const std::string& amount) {
    return s.send(event(id, "refund", "2026-01-03T10:00:00Z",
                        R"("original":")" + original + R"(","amount":")" + amount + R"(")"));
  };
  // Half of each: floor(1000 × refund / amount) = 500 reversed.
  Outcome half = refund("r1", "p1", "61728394506172839450617.28");
  REQUIRE(half.status == Status::applied);
  REQUIRE(half.effects.size() == 1);
  CHECK(half.effects[0].kind == EffectKind::reverse);
  CHECK(half.effects[0].points == -500);
  CHECK(refund("r2", "p2", "5.0625").effects.at(0).points == -500);
  s.reopen();
  // What is left of each, exactly: the rest goes, and a cent more is refused.
  CHECK(refund("r3", "p1", "61728394506172839450617.28").effects.at(0).points == -500);
  CHECK(refund("r4", "p1", "0.01").status == Status::rejected);
  CHECK(refund("r5", "p2", "5.0626").status == Status::rejected);
  CHECK(refund("r6", "p2", "5.0625").effects.at(0).points == -500);
  CHECK(s.member("m1").ledger.total() == 0);
}

TEST_CASE_TEMPLATE("a duplicate returns the first outcome, and explain works, after a reopen", B,
                   MemoryBackend, SqliteBackend, SqliteDurableBackend) {
  Scenario<B> s(kBasic);
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  const Outcome first = s.send(purchase("e2", "2026-01-02T10:00:00Z", "10"));
  REQUIRE(first.status == Status::applied);
  s.reopen();
  Outcome again = s.send(purchase("e2", "2026-01-02T18:00:00+08:00", "10.00"));  // same values
  CHECK(again.status == Status::duplicate);
  CHECK(again.effects == first.effects);
  CHECK(again.rules == first.rules);
  CHECK(again.points == first.points);
  Outcome conflict = s.send(purchase("e2", "2026-01-02T10:00:00Z", "11"));
  CHECK(conflict.status == Status::rejected);
  CHECK(conflict.reason == "event id 'e2' was seen before with different content");

  auto explained = s.engine->explain("e2");
  REQUIRE(explained.has_value());
  CHECK(explained->effects == first.effects);
  CHECK(explained->rules == first.rules);
  CHECK(s.member("m1").ledger.entries().size() == 2);
  CHECK(s.store->totals().events == 2);
}

TEST_CASE_TEMPLATE("event, purchase and redemption records keep each other, in any order", B,
                   MemoryBackend, SqliteBackend) {
  // Through the Transaction interface: a purchase record may come before its event's outcome
  // and be updated after it; an outcome recorded again keeps the purchase; redemptions are a
  // namespace of their own; enough ids that the tables grow.
  B backend;
  auto store = backend.open();
  const auto purchase_of = [](std::string id, const char* refunded) {
    store::PurchaseRecord p;
    p.id = std::move(id);
    p.member = "m1";
    p.amount = Decimal::parse("25.50");
    p.refunded = Decimal::parse(refunded);
    p.points = 25;
    p.first_lot = 3;
    p.lot_count = 2;
    return p;
  };
  const auto check_purchase = [&](store::Transaction& tx, const std::string& id,
                                  const char* refunded) {
    store::PurchaseRecord* found = tx.find_purchase(id);
    REQUIRE(found != nullptr);
    CHECK(found->id == id);
    CHECK(found->amount == Decimal::parse("25.50"));
    CHECK(found->refunded == Decimal::parse(refunded));
    CHECK(found->points == 25);
    CHECK(found->first_lot == 3);
    CHECK(found->lot_count == 2);
  };
  {
    store::Transaction& tx = store->begin();
    tx.save_purchase(purchase_of("x", "0"));
    tx.commit();
  }
  {
    // (find_purchase would hand the record to the transaction, which writes it back.)
    store::Transaction& tx = store->begin();
    CHECK_FALSE(tx.find_event("x").has_value());
    tx.record_event("x", 7, "first");
    tx.commit();
  }
  {
    store::Transaction& tx = store->begin();
    const auto x = tx.find_event("x");
    REQUIRE(x.has_value());
    CHECK(x->fingerprint == 7);
    CHECK(x->outcome == "first");
    check_purchase(tx, "x", "0");
    tx.save_purchase(purchase_of("x", "5.25"));  // a refund's update
    for (int i = 0; i < 3000; ++i) {
      const std::string id = "e" + std::to_string(i);
      tx.record_event(id, static_cast<std::uint64_t>(100 + i), "outcome of " + id);
      if (i % 3 == 0) tx.save_purchase(purchase_of(id, "1"));
    }
    tx.record_redemption("x", 9, "redeemed");
    tx.commit();
  }
  store = nullptr;
  store = backend.open();
  store::Transaction& tx = store->begin();
  const auto x = tx.find_event("x");
  REQUIRE(x.has_value());
  CHECK(x->outcome == "first");
  check_purchase(tx, "x", "5.25");
  const auto redemption = tx.find_redemption("x");
  REQUIRE(redemption.has_value());
  CHECK(redemption->fingerprint == 9);
  CHECK(redemption->outcome == "redeemed");
  CHECK_FALSE(tx.find_redemption("e1").has_value());
  for (int i = 0; i < 3000; ++i) {
    const std::string id = "e" + std::to_string(i);
    const auto found = tx.find_event(id);
    if (!found || found->fingerprint != static_cast<std::uint64_t>(100 + i) ||
        found->outcome != "outcome of " + id) {
      FAIL("event " << id << " reads back wrong");
    }
    if (i % 3 == 0) {
      check_purchase(tx, id, "1");
    } else if (tx.find_purchase(id) != nullptr) {
      FAIL("event " << id << " has a purchase record it was never given");
    }
  }
  CHECK_FALSE(tx.find_event("nothing").has_value());
  CHECK(tx.find_purchase("nothing") == nullptr);
  tx.rollback();
}

TEST_CASE_TEMPLATE("redemptions are idempotent across a reopen", B, MemoryBackend, SqliteBackend,
                   SqliteDurableBackend) {
  Scenario<B> s(R"(program "Redeem"
rule welcome on enroll {
  award 100 points expiring in 30 days
}
rule base on purchase {
  award event.amount points
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z"));
  s.send(purchase("e2", "2026-01-02T10:00:00Z", "50"));
  const Instant t = at("2026-01-03T00:00:00Z");
  const Outcome spent = s.engine->redeem("m1", 120, "order-1", t);
  CHECK(spent.points == 30);
  CHECK_THROWS_AS(s.engine->redeem("m1", 31, "order-2", t), InsufficientPoints);
  s.reopen();
  Outcome again = s.engine->redeem("m1", 120, "order-1", t);
  CHECK(again.status == Status::duplicate);
  CHECK(again.effects == spent.effects);
  CHECK_THROWS_WITH_AS(s.engine->redeem("m1", 5, "order-1", t),
                       "reference 'order-1' was used before for another redemption", EventError);
  // The refused redemption left no record: its reference is still free.
  CHECK(s.engine->redeem("m1", 30, "order-2", t).points == 0);
  auto m = s.member("m1");
  REQUIRE(m.ledger.entries().size() == 4);
  CHECK(m.ledger.entries()[2].kind == engine::EntryKind::redeem);
  CHECK(m.ledger.entries()[2].points == -120);
  CHECK(m.ledger.entries()[2].origin.event == "order-1");
  CHECK(m.ledger.lots().empty());

  Outcome plus = s.engine->adjust("m1", 40, "goodwill", t);
  CHECK(plus.points == 40);
  s.reopen();
  CHECK(s.member("m1").ledger.entries().back().origin.note == "goodwill");
  CHECK(s.store->totals().events == 2);
}

TEST_CASE_TEMPLATE("budgets and limits hold across a reopen", B, MemoryBackend, SqliteBackend,
                   SqliteDurableBackend) {
  Scenario<B> s(R"(program "Options"
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
rule once_ever on purchase
  limit 1 per member
{
  award 100 points
}
)");
  s.send(event("e0", "enroll", "2026-01-01T09:00:00Z"));
  s.send(event("e0b", "enroll", "2026-01-01T09:00:00Z", "", "m2"));
  Outcome a = s.send(purchase("a", "2026-01-02T10:00:00Z", "1"));
  CHECK(a.points == 111);
  s.reopen();
  Outcome b = s.send(purchase("b", "2026-01-02T11:00:00Z", "1"));
  CHECK(b.rules[0].verdict == Verdict::fired);
  CHECK(b.rules[1].verdict == Verdict::limit_reached);
  CHECK(b.rules[2].verdict == Verdict::limit_reached);
  s.reopen();
  Outcome c = s.send(purchase("c", "2026-01-03T11:00:00Z", "1", "m2"));
  CHECK(c.effects[0].points == 5);  // 25 - 10 - 10 left of the budget, over all members
  CHECK(c.effects[0].asked == 10);
  s.reopen();
  Outcome d = s.send(purchase("d", "2026-01-04T11:00:00Z", "1"));
  CHECK(d.rules[0].verdict == Verdict::budget_spent);
  CHECK(d.rules[1].verdict == Verdict::fired);
  CHECK(s.member("m1").rule_uses.size() == 2);
}

TEST_CASE_TEMPLATE("the outbox, the last tick and the programs run are kept", B, MemoryBackend,
                   SqliteBackend, SqliteDurableBackend) {
  const char* v2 = R"(program "V2"
member {
  email: string pii
}
rule welcome on enroll {
  emit "welcome" { email: member.email }
}
)";
  Scenario<B> s(R"(program "V1"
member {
  email: string pii
}
rule welcome on enroll {
  emit "send_welcome" { email: member.email, at: event.time }
}
rule daily_hello on daily {
  emit "hello"
}
)");
  s.send(event("e1", "enroll", "2026-01-01T09:00:00Z", R"("profile":{"email":"a@b.cn"})"));
  CHECK_FALSE(s.store->last_tick().has_value());
  TickSummary day = s.engine->tick(at("2026-01-02T00:00:00Z"));
  CHECK(day.daily_rules_fired == 1);
  s.engine->replace_program(compile(v2, "v2.rules"));
  s.send(event("e2", "enroll", "2026-01-03T09:00:00Z", R"("profile":{"email":"c@d.cn"})", "m2"));
  s.reopen();

  CHECK(s.store->last_tick() == at("2026-01-02T00:00:00Z"));
  auto outbox = s.store->outbox();
  REQUIRE(outbox.size() == 3);
  CHECK(outbox[0].sequence == 1);
  CHECK(outbox[0].member == "m1");
  CHECK(outbox[0].event == "e1");
  CHECK(outbox[0].rule == "welcome");
  CHECK(outbox[0].name == "send_welcome");
  CHECK(outbox[0].data == R"({"email":"a@b.cn","at":"2026-01-01T09:00:00Z"})");
  CHECK(outbox[0].time == at("2026-01-01T09:00:00Z"));
  CHECK(outbox[1].name == "hello");
  CHECK(outbox[1].event == "daily:2026-01-02");
  CHECK(outbox[2].sequence == 3);
  CHECK(outbox[2].name == "welcome");
  CHECK(outbox[2].data == R"({"email":"c@d.cn"})");

  auto programs = s.store->programs();
  REQUIRE(programs.size() == 3);  // V1, V2, and V1 again: reopened with V1's text after V2
  CHECK(programs[0].version == 1);
  CHECK(programs[0].file == "scenario.rules");
  CHECK(programs[0].text == s.program->text());
  CHECK(programs[1].version == 2);
  CHECK(programs[1].file == "v2.rules");
  CHECK(programs[1].text == v2);
  CHECK(programs[1].hash.size() == programs[0].hash.size());
  CHECK(programs[1].hash != programs[0].hash);
  CHECK(programs[2].version == 3);
  CHECK(programs[2].hash == programs[0].hash);
  CHECK(s.engine->program_version() == 3);
  CHECK(s.member("m2").program_version == 2);
}

TEST_CASE_TEMPLATE("profiles, attributes of every kind, tags, ticks and debt survive a reopen", B,
                   MemoryBackend, SqliteBackend, SqliteDurableBackend) {
  Scenario<B> s(R"(program "Kinds"
settings {
  timezone = "+08:00"
}
member {
  birthday: date
  email: string pii
  score: number optional
  vip: bool optional
  seen: time optional
  level: string optional
}
event review {
  stars: number
}
event penalty { }
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
rule reviewed on review
  limit 2 per member per 7 days
{
  award event.stars * 20 points pending 2 days
  set member.score = event.stars * 1.50
  set member.vip = event.stars >= 5
  set member.seen = event.time
  tag "reviewer"
}
rule fine on penalty {
  deduct 500 points as "fraud"
  untag "reviewer"
}
rule birthday on daily when is_birthday(member.birthday) {
  award 5 points
}
)");
  s.send(
      event("e1", "enroll", "2026-01-01T09:00:00Z",
            R"("profile":{"birthday":"1990-01-12","email":"a@b.cn","nick":{"a":[1,2]},"x":null})"));
  s.send(event("e2", "review", "2026-01-02T00:00:00Z", R"("stars":5)"));
  s.send(event("e3", "review", "2026-01-03T00:00:00Z", R"("stars":4)"));
  s.engine->tick(at("2026-01-11T17:00:00Z"));
  s.reopen();
  auto m = s.member("m1");
  CHECK(m.tier == 1u);
  CHECK(m.tier_kept_until == at("2026-02-10T17:00:00Z"));
  CHECK(m.stage == 1u);
  CHECK(m.last_daily == Date::parse("2026-01-12"));
  CHECK(m.attributes[2] == engine::Value::of(Decimal::parse("6.00")));
  CHECK(m.attributes[3] == engine::Value::of(false));
  CHECK(m.attributes[4] == engine::Value::of(at("2026-01-03T00:00:00Z")));
  CHECK(m.attributes[5].is_none());
  REQUIRE(m.extra_profile.size() == 2);
  CHECK(m.extra_profile[0] == Attribute{"nick", RawJson{R"({"a":[1,2]})"}});
  CHECK(m.extra_profile[1] == Attribute{"x", Null{}});
  CHECK(m.tags == std::vector<std::string>{"reviewer"});
  CHECK(m.rule_uses.size() == 1);

  s.engine->tick(at("2026-01-21T10:00:00Z"));  // the welcome lot expires
  s.send(event("e4", "penalty", "2026-01-22T00:00:00Z"));
  s.reopen();
  m = s.member("m1");
  CHECK(m.ledger.debt() == 500 - 185);
  CHECK(m.ledger.lots().empty());
  CHECK(m.tags.empty());
  CHECK(m.ledger.entries()[4].kind == engine::EntryKind::expire);
  CHECK(m.ledger.entries()[5].kind == engine::EntryKind::deduct);
  CHECK(m.ledger.entries()[5].asked == -500);
  // A later award pays the debt first.
  s.send(event("e5", "review", "2026-01-23T00:00:00Z", R"("stars":1)"));
  s.engine->tick(at("2026-01-26T00:00:00Z"));
  s.reopen();
  CHECK(s.member("m1").ledger.debt() == 500 - 185 - 20);
  CHECK(s.engine->stats(at("2026-01-26T00:00:00Z")).points_total == -(500 - 185 - 20));
}

namespace {

// A program that uses every kind of state a store keeps: lots that expire and wait, debt,
// windows, limits, budgets, tags, attributes, messages, tiers with keep, stages, daily rules.
const char* kEverything = R"(program "Everything"
settings {
  points_expire = 60 days
  negative_balance = allow
}
member {
  city: string optional
  score: number optional
}
event review {
  stars: number
}
event penalty { }
tiers by member.earned {
  blue from 0
  silver from 400
  gold from 1500
  keep 30 days
}
lifecycle {
  new when days_since(member.enrolled_at) < 14
  active when days_since(member.last_purchase_at) <= 20
  dormant otherwise
}
rule welcome on enroll {
  award 25 points expiring in 10 days
  emit "welcome" { city: member.city }
}
rule base on purchase {
  award event.amount points
}
rule big on purchase when event.amount >= 300 {
  award 40 points pending 3 days
  tag "big"
}
rule window on purchase when spend(30 days) > 500 {
  award 7 points
}
rule capped on review
  budget 2000 points
  limit 2 per member per 5 days
{
  award event.stars * 10 points
  set member.score = event.stars
}
rule fine on penalty {
  deduct 120 points
  untag "big"
}
rule upgraded on tier_changed to gold {
  emit "gold"
}
rule daily_bonus on daily when member.stage == dormant {
  award 3 points
}
)";

// A deterministic stream of events, redemptions, adjustments and ticks.
class Stream {
 public:
  explicit Stream(std::uint64_t seed) : x_(seed) {}
  std::uint64_t next(std::uint64_t bound) {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_ % bound;
  }

 private:
  std::uint64_t x_;
};

std::string money(std::uint64_t cents) {
  return std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
         std::to_string(cents % 100);
}

struct Pair {
  std::shared_ptr<store::Store> memory = make_memory_store();
  std::unique_ptr<Engine> memory_engine;
  TempDir dir;
  SqliteOptions options{13, 200, 5000};
  std::shared_ptr<store::Store> sqlite;
  std::unique_ptr<Engine> sqlite_engine;
  std::shared_ptr<const Program> program = compile(kEverything, "everything.rules");

  Pair() {
    memory_engine = std::make_unique<Engine>(program, memory);
    reopen_sqlite();
  }
  void reopen_sqlite() {
    sqlite_engine.reset();
    sqlite.reset();
    sqlite = open_sqlite_store(dir.file("loyalty.db"), options);
    sqlite_engine = std::make_unique<Engine>(program, sqlite);
  }
};

// Runs `f` on both engines; what it returns, or what it throws, must be the same.
template <class F>
void both(Pair& p, F f) {
  std::string memory_error, sqlite_error;
  Outcome memory_outcome, sqlite_outcome;
  try {
    memory_outcome = f(*p.memory_engine);
  } catch (const Error& e) {
    memory_error = e.what();
  }
  try {
    sqlite_outcome = f(*p.sqlite_engine);
  } catch (const Error& e) {
    sqlite_error = e.what();
  }
  CHECK(sqlite_error == memory_error);
  CHECK(sqlite_outcome == memory_outcome);
}

}  // namespace

TEST_CASE("the memory and SQLite stores give the same results on a random stream") {
  Pair p;
  Stream r(0x9E3779B97F4A7C15ull);
  std::vector<std::string> members, lines;
  std::vector<std::pair<std::string, std::string>> purchases;  // id, member
  Instant t = at("2026-01-01T00:00:00Z");
  for (int n = 0; n < 3000; ++n) {
    CAPTURE(n);
    t = Instant::from_seconds(t.seconds() + static_cast<std::int64_t>(r.next(4 * 3600)));
    const std::string id = "e" + std::to_string(n);
    const std::string time = t.to_string();
    const std::uint64_t roll = r.next(100);
    if (members.empty() || (members.size() < 40 && roll < 8)) {
      const std::string member = "m" + std::to_string(members.size());
      const std::string profile = roll % 2 == 0 ? R"("profile":{"city":"Lyon"})" : "";
      lines.push_back(event(id, "enroll", time, profile, member));
      both(p, [&](Engine& e) { return e.process(parse_event(lines.back())); });
      members.push_back(member);
      continue;
    }
    const std::string& member = members[r.next(members.size())];
    if (roll < 50) {
      lines.push_back(purchase(id, time, money(r.next(70000) + 1), member));
      both(p, [&](Engine& e) { return e.process(parse_event(lines.back())); });
      purchases.emplace_back(id, member);
    } else if (roll < 60 && !purchases.empty()) {
      const auto& [original, owner] = purchases[r.next(purchases.size())];
      const std::string amount = money(r.next(30000) + 1);
      // Mostly by the purchase's own member; else refused, the same way by both.
      const std::string rest = R"("original":")" + original + R"(","amount":")" + amount + "\"";
      lines.push_back(event(id, "refund", time, rest, r.next(4) == 0 ? member : owner));
      both(p, [&](Engine& e) { return e.process(parse_event(lines.back())); });
    } else if (roll < 72) {
      const std::string stars = std::to_string(r.next(6));
      both(p, [&](Engine& e) {
        return e.process(parse_event(event(id, "review", time, R"("stars":)" + stars, member)));
      });
    } else if (roll < 76) {
      both(p, [&](Engine& e) {
        return e.process(parse_event(event(id, "penalty", time, "", member)));
      });
    } else if (roll < 84) {
      const auto points = static_cast<std::int64_t>(r.next(200) + 1);
      const std::string reference = "ref" + std::to_string(r.next(400));  // repeats on purpose
      both(p, [&](Engine& e) { return e.redeem(member, points, reference, t); });
    } else if (roll < 88) {
      const auto points = static_cast<std::int64_t>(r.next(300)) - 150;
      both(p, [&](Engine& e) { return e.adjust(member, points, "fix " + id, t); });
    } else if (roll < 92) {
      const std::string again = "e" + std::to_string(r.next(static_cast<std::uint64_t>(n)));
      both(p, [&](Engine& e) {
        auto explained = e.explain(again);
        return explained ? *explained : Outcome{};
      });
    } else if (roll < 94) {
      std::string memory_error, sqlite_error;
      TickSummary a, b;
      try {
        a = p.memory_engine->tick(t);
      } catch (const Error& e) {
        memory_error = e.what();
      }
      try {
        b = p.sqlite_engine->tick(t);
      } catch (const Error& e) {
        sqlite_error = e.what();
      }
      CHECK(sqlite_error == memory_error);
      CHECK(a.expired_points == b.expired_points);
      CHECK(a.tier_changes == b.tier_changes);
      CHECK(a.stage_changes == b.stage_changes);
      CHECK(a.daily_rules_fired == b.daily_rules_fired);
    } else if (roll < 96) {
      p.reopen_sqlite();
    } else if (!lines.empty()) {
      // An earlier event again: a duplicate (or, refused the first time, perhaps applied now),
      // or its id with other content, a conflict.
      const std::string& line = lines[r.next(lines.size())];
      const std::string again = r.next(3) == 0 ? line.substr(0, line.find(",\"type\"")) +
                                                     R"(,"type":"penalty","member":")" + member +
                                                     R"(","time":")" + time + "\"}"
                                               : line;
      both(p, [&](Engine& e) { return e.process(parse_event(again)); });
    }
  }
  p.reopen_sqlite();

  const std::vector<std::string> ids = p.memory->member_ids();
  REQUIRE(p.sqlite->member_ids() == ids);
  for (const std::string& id : ids) {
    auto a = p.memory->load_member(id);
    auto b = p.sqlite->load_member(id);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(b->ledger.check_invariant() == "");
    check_same(*a, *b);
  }
  const Stats sa = p.memory_engine->stats(t);
  const Stats sb = p.sqlite_engine->stats(t);
  CHECK(sa.events == sb.events);
  CHECK(sa.members == sb.members);
  CHECK(sa.points_total == sb.points_total);
  CHECK(sa.tiers == sb.tiers);
  CHECK(sa.stages == sb.stages);
  CHECK(sa.tags == sb.tags);
  CHECK(p.memory->totals().events == p.sqlite->totals().events);
  CHECK(p.memory->last_tick() == p.sqlite->last_tick());
  const auto ma = p.memory->outbox();
  const auto mb = p.sqlite->outbox();
  REQUIRE(ma.size() == mb.size());
  for (std::size_t i = 0; i < ma.size(); ++i) {
    CHECK(ma[i].sequence == mb[i].sequence);
    CHECK(ma[i].member == mb[i].member);
    CHECK(ma[i].event == mb[i].event);
    CHECK(ma[i].rule == mb[i].rule);
    CHECK(ma[i].name == mb[i].name);
    CHECK(ma[i].data == mb[i].data);
    CHECK(ma[i].time == mb[i].time);
  }
}

namespace {

// The retail-v1 checksum line of RETAIL_V1.md.
std::string checksum(const Engine& engine, Instant t) {
  Stats s = engine.stats(t);
  auto count = [](const auto& map, const char* key) {
    auto it = map.find(key);
    return it == map.end() ? 0 : it->second;
  };
  return "{\"events\":" + std::to_string(s.events) + ",\"members\":" + std::to_string(s.members) +
         ",\"points_total\":" + std::to_string(s.points_total) +
         ",\"bronze\":" + std::to_string(count(s.tiers, "bronze")) +
         ",\"silver\":" + std::to_string(count(s.tiers, "silver")) +
         ",\"gold\":" + std::to_string(count(s.tiers, "gold")) +
         ",\"vip\":" + std::to_string(count(s.tags, "vip")) + "}";
}

const char* kRetail10k =
    R"({"events":10000,"members":1000,"points_total":3756780,"bronze":450,"silver":439,"gold":111,"vip":14})";

// Runs retail-v1's 10,000 events into a SQLite file, then checks the checksum from a store
// opened again on that file.
void retail_10k(const std::string& path, const SqliteOptions& options) {
  auto program = compile_file("../rules/retail.rules");
  Instant last;
  {
    Engine engine(program, open_sqlite_store(path, options));
    EventReader reader("data/retail_10k.jsonl");
    Event e;
    Outcome outcome;
    while (reader.next(e) == EventReader::Status::event) {
      engine.process(e, outcome);
      if (outcome.status != Status::applied) FAIL_CHECK(e.id << ": " << outcome.reason);
      last = e.time;
    }
    CHECK(checksum(engine, last) == kRetail10k);
  }
  Engine reopened(program, open_sqlite_store(path, options));
  CHECK(checksum(reopened, last) == kRetail10k);
}

}  // namespace

TEST_CASE("retail-v1 over 10,000 events gives the published checksum on SQLite, batched") {
  TempDir dir;
  retail_10k(dir.file("retail.db"), SqliteOptions{});
}

TEST_CASE(
    "retail-v1 over 10,000 events gives the published checksum on SQLite, every event "
    "durable") {
  TempDir dir;
  retail_10k(dir.file("retail.db"), SqliteOptions{1, 200, 5000});
}
