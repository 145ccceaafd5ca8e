// The member view, forgetting personal data, counting outcomes, and the programs a store keeps.

#include <doctest/doctest.h>

#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "loyalty/engine.hpp"
#include "loyalty/store.hpp"
#include "loyalty/tally.hpp"
#include "store/store.hpp"

using namespace loyalty;

namespace {

const char* kRules = R"(program "View"
settings {
  rounding = floor
  points_expire = 1 year
}
member {
  email: string pii
  birthday: date optional
}
tiers by member.earned {
  bronze from 0
  silver from 500
}
rule welcome on enroll {
  award 100 points expiring in 30 days as "welcome gift"
}
rule base on purchase {
  award event.amount points
}
rule silver_hello on tier_changed to silver {
  emit "silver_reached" { member: member.id }
}
)";

Instant T(const char* text) { return Instant::parse(text); }

Event E(const std::string& json) { return parse_event(json); }

struct Fixture {
  std::shared_ptr<store::Store> store = make_memory_store();
  Engine engine{compile(kRules, "view.rules"), store};

  Fixture() {
    REQUIRE(engine.process(E(R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T09:00:00Z","profile":{"email":"a@b.cn","nickname":"Al"}})")).status == Status::applied);
    REQUIRE(engine.process(E(R"({"id":"e2","type":"purchase","member":"m1","time":"2026-01-02T10:00:00Z","amount":"600.50"})")).status == Status::applied);
    REQUIRE(engine.redeem("m1", 50, "r1", T("2026-01-03T00:00:00Z")).status == Status::applied);
  }
};

}  // namespace

TEST_CASE("the member view: figures, names, lots soonest expiry first, the whole ledger") {
  Fixture f;
  auto view = f.engine.member("m1", T("2026-01-10T00:00:00Z"));
  REQUIRE(view.has_value());
  CHECK(view->id == "m1");
  CHECK(view->tier == "silver");
  CHECK(view->tier_since == std::optional<Instant>(T("2026-01-02T10:00:00Z")));
  CHECK(view->stage == "");
  CHECK(view->points == 650);  // 100 + 600 - 50
  CHECK(view->pending_points == 0);
  CHECK(view->expiring_points == 50);  // what is left of the welcome lot, gone on 31 January
  CHECK(view->earned == 700);
  CHECK(view->purchases == 1);
  CHECK(view->spend.to_string() == "600.50");
  REQUIRE(view->attributes.size() == 3);
  CHECK(view->attributes[0].name == "email");
  CHECK(view->attributes[0].json == "\"a@b.cn\"");
  CHECK(view->attributes[0].pii);
  CHECK(view->attributes[1].name == "birthday");
  CHECK(view->attributes[1].json == "null");
  CHECK(view->attributes[2].name == "nickname");
  CHECK_FALSE(view->attributes[2].declared);
  REQUIRE(view->lots.size() == 2);
  CHECK(view->lots[0].rule == "welcome");  // expires first, and redemption took from it
  CHECK(view->lots[0].remaining == 50);
  CHECK(view->lots[0].expires_at == std::optional<Instant>(T("2026-01-31T09:00:00Z")));
  CHECK(view->lots[1].rule == "base");
  CHECK(view->lots[1].event == "e2");
  CHECK(view->lots[1].remaining == 600);
  REQUIRE(view->ledger.size() == 3);
  CHECK(view->ledger[0].kind == "award");
  CHECK(view->ledger[0].label == "welcome gift");
  CHECK(view->ledger[0].points == 100);
  CHECK(view->ledger[1].rule == "base");
  CHECK(view->ledger[2].kind == "redeem");
  CHECK(view->ledger[2].event == "r1");
  CHECK(view->ledger[2].points == -50);
  REQUIRE(view->outbox.size() == 1);
  CHECK(view->outbox[0].name == "silver_reached");
  CHECK(view->outbox[0].data == R"({"member":"m1"})");

  // Later, the welcome lot has expired: it no longer counts nor shows.
  auto later = f.engine.member("m1", T("2026-02-01T00:00:00Z"));
  CHECK(later->points == 600);
  CHECK(later->lots.size() == 1);
  CHECK_FALSE(f.engine.member("nobody", T("2026-02-01T00:00:00Z")).has_value());
  // A view before the latest ledger entry is refused.
  CHECK_THROWS_AS(f.engine.member("m1", T("2026-01-02T00:00:00Z")), EventError);
}

TEST_CASE("forget erases pii and undeclared profile keys, and keeps the figures") {
  Fixture f;
  CHECK(f.engine.forget("m1"));
  CHECK_FALSE(f.engine.forget("nobody"));
  auto view = f.engine.member("m1", T("2026-01-10T00:00:00Z"));
  REQUIRE(view.has_value());
  REQUIRE(view->attributes.size() == 2);
  CHECK(view->attributes[0].json == "null");
  CHECK(view->points == 650);
  CHECK(view->ledger.size() == 3);
  CHECK(view->tier == "silver");
}

TEST_CASE("a tally counts outcomes by status, reason and rule") {
  Fixture f;
  Tally tally;
  tally.add(f.engine.process(E(R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-04T10:00:00Z","amount":"20"})")));
  tally.add(f.engine.process(E(R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-04T10:00:00Z","amount":"20"})")));
  tally.add(f.engine.process(E(R"({"id":"e4","type":"purchase","member":"m7","time":"2026-01-04T10:00:00Z","amount":"20"})")));
  tally.add(f.engine.process(E(R"({"id":"e5","type":"purchase","member":"m8","time":"2026-01-04T10:00:00Z","amount":"20"})")));
  tally.add(f.engine.process(E(R"({"id":"e6","type":"refund","member":"m1","time":"2026-01-05T10:00:00Z","original":"e3","amount":"10"})")));
  CHECK(tally.events == 5);
  CHECK(tally.applied == 2);
  CHECK(tally.duplicates == 1);
  CHECK(tally.rejected == 2);
  REQUIRE(tally.rejected_by_reason.size() == 1);
  CHECK(tally.rejected_by_reason.begin()->first == "unknown member '…'");
  CHECK(tally.rejected_by_reason.begin()->second == 2);
  CHECK(tally.points_awarded == 20);
  CHECK(tally.points_taken == 10);
  CHECK(tally.rules().at("base").fired == 1);
  CHECK(tally.rules().at("base").awarded == 20);
  CHECK(Tally::reason_group("refund of 5 is more than the 2 left of purchase 'p1'") ==
        "refund of 5 is more than the 2 left of purchase '…'");
}

TEST_CASE("process(event, tally) counts what process(event) gives, and names no rule until read") {
  const char* lines[] = {
      R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-04T10:00:00Z","amount":"20"})",
      R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-04T10:00:00Z","amount":"20"})",
      R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-04T10:00:00Z","amount":"21"})",
      R"({"id":"e4","type":"purchase","member":"m7","time":"2026-01-04T10:00:00Z","amount":"20"})",
      R"({"id":"e6","type":"refund","member":"m1","time":"2026-01-05T10:00:00Z","original":"e3","amount":"10"})",
      R"({"id":"e7","type":"purchase","member":"m1","time":"2026-01-06T10:00:00Z","amount":"35"})",
  };
  Fixture by_outcome;
  Fixture by_tally;
  Tally expected;
  Tally tally;
  std::vector<Status> statuses;
  std::vector<std::string> reasons;
  for (const char* line : lines) {
    Outcome outcome = by_outcome.engine.process(E(line));
    expected.add(outcome);
    std::string reason = "left over";
    statuses.push_back(by_tally.engine.process(E(line), tally, &reason));
    CHECK(statuses.back() == outcome.status);
    CHECK(reason == outcome.reason);
  }
  CHECK(statuses == std::vector<Status>{Status::applied, Status::duplicate, Status::rejected,
                                        Status::rejected, Status::applied, Status::applied});
  CHECK(tally.events == 6);
  CHECK(tally.applied == 3);
  CHECK(tally.duplicates == 1);
  CHECK(tally.rejected == 2);
  CHECK(tally.rejected_by_reason == expected.rejected_by_reason);
  CHECK(tally.rejected_by_reason.at("unknown member '…'") == 1);
  CHECK(tally.points_awarded == expected.points_awarded);
  CHECK(tally.points_awarded == 55);
  CHECK(tally.points_taken == 10);
  REQUIRE(tally.rules().size() == expected.rules().size());
  for (const auto& [name, counts] : expected.rules()) {
    CAPTURE(name);
    REQUIRE(tally.rules().count(name) == 1);
    CHECK(tally.rules().at(name).fired == counts.fired);
    CHECK(tally.rules().at(name).awarded == counts.awarded);
    CHECK(tally.rules().at(name).deducted == counts.deducted);
  }
  CHECK(tally.rules().at("base").fired == 2);
  CHECK(tally.rules().at("base").awarded == 55);
  // Both engines' stores hold the same outcomes.
  CHECK(by_tally.engine.explain("e7") == by_outcome.engine.explain("e7"));
  // Reading the rules folds what was counted by index; counting goes on after.
  tally.add(by_outcome.engine.process(E(lines[5])));
  CHECK(tally.rules().at("base").fired == 2);
  CHECK(tally.duplicates == 2);
}

// A stream long enough that the batch path prefetches members several events ahead: members
// enrolled inside the batch, repeats, a conflicting repeat, unknown members, refunds (one
// larger than what is left) and tier changes with their chained rule.
std::vector<std::string> mixed_stream() {
  std::vector<std::string> lines;
  auto purchase = [&](int id, const std::string& member, int day, const std::string& amount) {
    lines.push_back(R"({"id":"p)" + std::to_string(id) + R"(","type":"purchase","member":")" +
                    member + R"(","time":"2026-02-)" + (day < 10 ? "0" : "") +
                    std::to_string(day) + R"(T10:00:00Z","amount":")" + amount + R"("})");
  };
  for (int m = 2; m <= 5; ++m) {
    lines.push_back(R"({"id":"n)" + std::to_string(m) + R"(","type":"enroll","member":"m)" +
                    std::to_string(m) + R"(","time":"2026-02-01T09:00:00Z","profile":{"email":"x@y.z"}})");
  }
  for (int i = 0; i < 40; ++i) {
    purchase(i, "m" + std::to_string(1 + i % 5), 2 + i / 4, std::to_string(10 + 7 * i) + ".25");
  }
  lines.push_back(lines[10]);                                    // a repeat
  purchase(3, "m4", 20, "1.00");                                 // p3 again, other content
  purchase(90, "m9", 20, "5.00");                                // an unknown member
  lines.push_back(R"({"id":"r1","type":"refund","member":"m2","time":"2026-02-21T10:00:00Z","original":"p1","amount":"5.00"})");
  lines.push_back(R"({"id":"r2","type":"refund","member":"m2","time":"2026-02-21T11:00:00Z","original":"p1","amount":"500.00"})");
  purchase(91, "m3", 22, "900.00");                              // m3, silver already
  purchase(92, "m8", 22, "5.00");                                // another unknown member
  return lines;
}

TEST_CASE("process(events, tally) does what one call per event does, on either store") {
  const std::vector<std::string> lines = mixed_stream();
  std::vector<Event> events;
  for (const std::string& line : lines) events.push_back(E(line));
  const auto db = std::filesystem::temp_directory_path() /
                  ("loyalty_batch_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(db);
  for (const bool sqlite : {false, true}) {
    CAPTURE(sqlite);
    Fixture each;
    auto store = sqlite ? open_sqlite_store(db.string()) : make_memory_store();
    Engine batched(compile(kRules, "view.rules"), store);
    // The fixture's events and redemption, one by one.
    REQUIRE(batched.process(E(R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T09:00:00Z","profile":{"email":"a@b.cn","nickname":"Al"}})")).status == Status::applied);
    REQUIRE(batched.process(E(R"({"id":"e2","type":"purchase","member":"m1","time":"2026-01-02T10:00:00Z","amount":"600.50"})")).status == Status::applied);
    REQUIRE(batched.redeem("m1", 50, "r1", T("2026-01-03T00:00:00Z")).status == Status::applied);

    Tally expected;
    std::vector<std::pair<std::size_t, std::string>> expected_rejects;
    for (std::size_t i = 0; i < events.size(); ++i) {
      std::string reason;
      if (each.engine.process(events[i], expected, &reason) == Status::rejected) {
        expected_rejects.emplace_back(i, reason);
      }
    }
    Tally tally;
    std::vector<std::pair<std::size_t, std::string>> rejects;
    // In two batches, the second starting inside the first's prefetch distance.
    const std::span<const Event> all(events);
    batched.process(all.first(5), tally, [&](std::size_t i, const std::string& reason) {
      rejects.emplace_back(i, reason);
    });
    batched.process(all.subspan(5), tally, [&](std::size_t i, const std::string& reason) {
      rejects.emplace_back(i + 5, reason);
    });

    CHECK(tally.events == 51);
    CHECK(tally.applied == 46);
    CHECK(tally.duplicates == 1);
    CHECK(tally.rejected == 4);
    CHECK(tally.events == expected.events);
    CHECK(tally.applied == expected.applied);
    CHECK(tally.rejected_by_reason == expected.rejected_by_reason);
    CHECK(tally.points_awarded == expected.points_awarded);
    CHECK(tally.points_taken == expected.points_taken);
    CHECK(tally.points_taken == 4);  // r1: floor(17 points * 5.00 / 17.25)
    REQUIRE(tally.rules().size() == expected.rules().size());
    for (const auto& [name, counts] : expected.rules()) {
      CAPTURE(name);
      CHECK(tally.rules().at(name).fired == counts.fired);
      CHECK(tally.rules().at(name).awarded == counts.awarded);
    }
    CHECK(tally.rules().at("silver_hello").fired == 4);  // m2 to m5 (m1 was silver before)
    CHECK(rejects == expected_rejects);
    REQUIRE(rejects.size() == 4);
    CHECK(rejects[0].first == 45);
    CHECK(rejects[0].second == "event id 'p3' was seen before with different content");
    CHECK(rejects[1].first == 46);
    CHECK(rejects[3].first == 50);
    // Each member and each outcome as the per-event engine left them.
    for (const char* id : {"m1", "m2", "m3", "m4", "m5"}) {
      CAPTURE(id);
      const auto a = batched.member(id, T("2026-03-01T00:00:00Z"));
      const auto b = each.engine.member(id, T("2026-03-01T00:00:00Z"));
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      CHECK(a->points == b->points);
      CHECK(a->tier == b->tier);
      CHECK(a->ledger.size() == b->ledger.size());
    }
    CHECK(batched.member("m3", T("2026-03-01T00:00:00Z"))->tier == "silver");
    for (const char* id : {"p0", "p39", "r1", "p91"}) {
      CAPTURE(id);
      CHECK(batched.explain(id) == each.engine.explain(id));
    }
    CHECK(!batched.explain("r2").has_value());
  }
  std::filesystem::remove(db);
}

TEST_CASE("one Tally counts across a program change, by rule name") {
  // Version 2 puts a new rule before `base`, so `base` has another index in it: counts made by
  // index under version 1 must be folded by name before version 2's are.
  const std::string v2 =
      std::string(kRules).replace(std::string(kRules).find("rule welcome"), 0,
                                  "rule extra on purchase {\n  award 1 points\n}\n");
  Fixture f;
  Tally tally;
  auto purchase = [](const char* id, const char* amount) {
    return E(std::string(R"({"id":")") + id +
             R"(","type":"purchase","member":"m1","time":"2026-01-05T10:00:00Z","amount":")" +
             amount + R"("})");
  };
  CHECK(f.engine.process(purchase("q1", "10"), tally) == Status::applied);
  CHECK(f.engine.process(purchase("q2", "20"), tally) == Status::applied);
  f.engine.replace_program(compile(v2, "v2.rules"));
  CHECK(f.engine.process(purchase("q3", "30"), tally) == Status::applied);
  const std::vector<Event> batch{purchase("q4", "40"), purchase("q5", "50")};
  f.engine.process(batch, tally);
  CHECK(tally.rules().at("base").fired == 5);
  CHECK(tally.rules().at("base").awarded == 10 + 20 + 30 + 40 + 50);
  CHECK(tally.rules().at("extra").fired == 3);
  CHECK(tally.rules().at("extra").awarded == 3);
  CHECK(tally.points_awarded == 153);
  // And back: the first text again, where `base` has its first index once more.
  f.engine.replace_program(compile(kRules, "view.rules"));
  CHECK(f.engine.process(purchase("q6", "60"), tally) == Status::applied);
  CHECK(tally.rules().at("base").fired == 6);
  CHECK(tally.rules().at("base").awarded == 210);
  CHECK(tally.rules().at("extra").fired == 3);
  CHECK(tally.applied == 6);
}

TEST_CASE("a store keeps the programs run on it; the same text goes on as the same version") {
  auto store = make_memory_store();
  {
    Engine engine(compile(kRules, "view.rules"), store);
    CHECK(engine.program_version() == 1);
    engine.process(E(R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T09:00:00Z","profile":{"email":"a@b.cn"}})"));
  }
  {
    Engine again(compile(kRules, "view.rules"), store);
    CHECK(again.program_version() == 1);
    // A duplicate is recognised by a new engine on the same store.
    CHECK(again.process(E(R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T09:00:00Z","profile":{"email":"a@b.cn"}})")).status == Status::duplicate);
  }
  std::string changed = std::string(kRules) + "rule extra on purchase {\n  award 1 points\n}\n";
  {
    Engine next(compile(changed, "view2.rules"), store);
    CHECK(next.program_version() == 2);
    next.replace_program(compile(kRules, "view.rules"));
    CHECK(next.program_version() == 3);
  }
  Engine stored(store);
  CHECK(stored.program_version() == 3);
  CHECK(stored.program()->text() == kRules);
  auto programs = store->programs();
  REQUIRE(programs.size() == 3);
  CHECK(programs[1].file == "view2.rules");
  CHECK(programs[1].text == changed);
  CHECK(programs[0].hash.size() == 40);
  CHECK(programs[0].hash == programs[2].hash);
  CHECK(programs[0].hash != programs[1].hash);
  // The explanation of an event names the rules of the version that processed it.
  auto explained = stored.explain("e1");
  REQUIRE(explained.has_value());
  CHECK(explained->program_version == 1);
  REQUIRE(explained->rules.size() == 1);
  CHECK(explained->rules[0].rule == "welcome");
  CHECK_THROWS_AS(Engine{make_memory_store()}, StoreError);
}

TEST_CASE("effect kinds and verdicts have their JSON and text names") {
  CHECK(effect_kind_name(EffectKind::award) == "award");
  CHECK(effect_kind_name(EffectKind::tier_change) == "tier_change");
  CHECK(effect_kind_name(EffectKind::enroll) == "enroll");
  CHECK(verdict_text(Verdict::condition_false) == "condition false");
  CHECK(verdict_text(Verdict::inactive) == "outside active");
  CHECK(verdict_text(Verdict::after_stop) == "after stop");
}

TEST_CASE("a rejected event puts back the profile it changed, on either store") {
  // The profile is kept aside only when the engine says it will change: by a profile event, a
  // `set` action, or a program whose member layout differs.
  const char* v1 = R"(program "P"
member {
  divisor: number optional
  segment: string optional
}
tiers by 100 / member.divisor {
  low from 0
  high from 50
}
rule zero on purchase when event.amount == 13 {
  set member.divisor = 0
}
rule named on purchase {
  set member.segment = "buyer"
}
)";
  // Version 2 puts an attribute first (every index moves) and fails on any purchase.
  const char* v2 = R"(program "P2"
member {
  extra: string optional
  divisor: number optional
  segment: string optional
}
rule broken on purchase {
  award 10 / (member.divisor - 1) points
}
)";
  const auto db = std::filesystem::temp_directory_path() /
                  ("loyalty_profile_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(db);
  for (const bool sqlite : {false, true}) {
    CAPTURE(sqlite);
    auto store = sqlite ? open_sqlite_store(db.string()) : make_memory_store();
    Engine engine(compile(v1, "v1.rules"), store);
    REQUIRE(engine.process(E(R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T09:00:00Z","profile":{"divisor":1,"segment":"new"}})")).status == Status::applied);
    auto profile_of = [&] {
      const auto m = store->load_member("m1");
      REQUIRE(m.has_value());
      REQUIRE(m->attributes.size() == 2);
      return std::pair(m->attributes[0], m->attributes[1]);
    };
    const auto kept = std::pair(engine::Value::of(Decimal(1)), engine::Value::of("new"));
    REQUIRE(profile_of() == kept);
    // A profile event whose new divisor makes the tier's metric fail.
    Outcome failed = engine.process(E(R"({"id":"e2","type":"profile","member":"m1","time":"2026-01-02T09:00:00Z","profile":{"divisor":0,"segment":"changed"}})"));
    CHECK(failed.status == Status::rejected);
    CHECK(failed.reason.find("division by zero") != std::string::npos);
    CHECK(profile_of() == kept);
    // A purchase whose `set` actions do the same.
    failed = engine.process(E(R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-03T09:00:00Z","amount":"13"})"));
    CHECK(failed.status == Status::rejected);
    CHECK(profile_of() == kept);
    // A program whose layout differs, then a purchase it rejects: the member keeps version 1's
    // layout and version.
    engine.replace_program(compile(v2, "v2.rules"));
    failed = engine.process(E(R"({"id":"e4","type":"purchase","member":"m1","time":"2026-01-04T09:00:00Z","amount":"5"})"));
    CHECK(failed.status == Status::rejected);
    CHECK(profile_of() == kept);
    CHECK(store->load_member("m1")->program_version == 1u);
    // And an event that succeeds under version 1 changes it for good.
    engine.replace_program(compile(v1, "v1.rules"));
    CHECK(engine.process(E(R"({"id":"e5","type":"purchase","member":"m1","time":"2026-01-05T09:00:00Z","amount":"5"})")).status == Status::applied);
    CHECK(profile_of() == std::pair(engine::Value::of(Decimal(1)), engine::Value::of("buyer")));
    CHECK(engine.process(E(R"({"id":"e6","type":"profile","member":"m1","time":"2026-01-06T09:00:00Z","profile":{"divisor":2}})")).status == Status::applied);
    CHECK(engine.process(E(R"({"id":"e7","type":"purchase","member":"m1","time":"2026-01-07T09:00:00Z","amount":"5"})")).status == Status::applied);
    const auto changed = std::pair(engine::Value::of(Decimal(2)), engine::Value::of("buyer"));
    CHECK(profile_of() == changed);
    if (sqlite) {  // what the file holds: the changes that wrote the profile and those that did not
      engine.flush();
      store = open_sqlite_store(db.string());
      CHECK(profile_of() == changed);
    }
    store.reset();
  }
  std::filesystem::remove(db);
}
