// Tests of the points ledger (src/engine/ledger.hpp): every operation and ordering rule with
// exact figures, the invariant after every step, and a randomized comparison against a naive
// model that recomputes everything by brute force.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/ledger.hpp"
#include "loyalty/error.hpp"
#include "loyalty/time.hpp"

#include "allocation_counter.hpp"

using loyalty::testing::allocation_count;

namespace {

using loyalty::ErrorCode;
using loyalty::EventError;
using loyalty::Instant;
using loyalty::NumberError;
using loyalty::engine::EntryKind;
using loyalty::engine::Ledger;
using loyalty::engine::LedgerEntry;
using loyalty::engine::Lot;
using loyalty::engine::Origin;
using loyalty::engine::Shortfall;

constexpr std::int64_t kBase = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// The instant `s` seconds after kBase.
Instant at(std::int64_t s) {
  return Instant::from_seconds(kBase + s);
}
Instant day(std::int64_t d) {
  return at(d * kDay);
}

Origin origin(const std::string& event, std::uint32_t rule = Origin::kNoRule) {
  return Origin{event, "", 1, rule, 0};
}

// The invariant, checked by the ledger itself and recomputed here independently.
void check_ledger(const Ledger& ledger) {
  CHECK(ledger.check_invariant() == "");
  std::int64_t entries = 0;
  for (const LedgerEntry& e : ledger.entries()) entries += e.points;
  std::int64_t remaining = 0;
  for (const Lot& lot : ledger.lots()) {
    CHECK(lot.remaining >= 0);
    CHECK(lot.remaining <= lot.points);
    remaining += lot.remaining;
  }
  CHECK(ledger.debt() >= 0);
  CHECK(entries == remaining - ledger.debt());
  CHECK(ledger.total() == entries);
}

const Lot& lot_of(const Ledger& ledger, std::uint64_t id) {
  const Lot* lot = ledger.find_lot(id);
  REQUIRE(lot != nullptr);
  return *lot;
}
std::int64_t left(const Ledger& ledger, std::uint64_t id) {
  return lot_of(ledger, id).remaining;
}

void check_entry(const LedgerEntry& e, EntryKind kind, std::int64_t points, std::int64_t asked,
                 Instant time, const std::string& event) {
  CHECK(e.kind == kind);
  CHECK(e.points == points);
  CHECK(e.asked == asked);
  CHECK(e.time == time);
  CHECK(e.origin.event == event);
}

std::uint64_t award(Ledger& ledger, Instant t, std::int64_t points, Instant available,
                    std::optional<Instant> expires, const std::string& event) {
  const auto id = ledger.award(t, points, available, expires, origin(event, 0));
  REQUIRE(id.has_value());
  check_ledger(ledger);
  return *id;
}

}  // namespace

TEST_CASE("entry kind names") {
  CHECK(std::string(entry_kind_name(EntryKind::award)) == "award");
  CHECK(std::string(entry_kind_name(EntryKind::deduct)) == "deduct");
  CHECK(std::string(entry_kind_name(EntryKind::reverse)) == "reverse");
  CHECK(std::string(entry_kind_name(EntryKind::redeem)) == "redeem");
  CHECK(std::string(entry_kind_name(EntryKind::adjust)) == "adjust");
  CHECK(std::string(entry_kind_name(EntryKind::expire)) == "expire");
}

TEST_CASE("a lot is usable from available_at until just before expires_at") {
  Lot lot;
  lot.available_at = day(1);
  lot.expires_at = day(3);
  CHECK_FALSE(lot.usable_at(at(kDay - 1)));
  CHECK(lot.usable_at(day(1)));
  CHECK(lot.usable_at(at(3 * kDay - 1)));
  CHECK_FALSE(lot.usable_at(day(3)));
  CHECK_FALSE(lot.expired_at(at(3 * kDay - 1)));
  CHECK(lot.expired_at(day(3)));
  CHECK(lot.expired_at(day(4)));
  lot.expires_at.reset();
  CHECK(lot.usable_at(day(10000)));
  CHECK_FALSE(lot.expired_at(day(10000)));
}

TEST_CASE("a lot is one cache line; its expiry reads as an optional instant") {
  // A member keeps every lot with points left: retail-v1 keeps 2.3 million of them.
  static_assert(sizeof(Lot) == 64);
  using loyalty::engine::LotExpiry;
  LotExpiry never;
  CHECK_FALSE(never.has_value());
  CHECK(never == std::nullopt);
  CHECK(static_cast<std::optional<Instant>>(never) == std::nullopt);
  const LotExpiry on = day(3);
  REQUIRE(on.has_value());
  CHECK(*on == day(3));
  CHECK(on->seconds() == kBase + 3 * kDay);
  CHECK(on == std::optional<Instant>(day(3)));
  CHECK_FALSE(on == std::optional<Instant>(day(4)));
  CHECK_FALSE(on == never);
  CHECK(LotExpiry(std::optional<Instant>()) == never);
  CHECK(static_cast<std::optional<Instant>>(on) == std::optional<Instant>(day(3)));
  // The earliest and latest instants the language allows are values, not "never".
  const Instant first = Instant::parse("0001-01-01T00:00:00Z");
  const Instant last = Instant::parse("9999-12-31T23:59:59Z");
  CHECK(LotExpiry(first).has_value());
  CHECK(*LotExpiry(first) == first);
  CHECK(*LotExpiry(last) == last);
}

TEST_CASE("a lot keeps an action index of 16 bits; a larger one is refused before any change") {
  Ledger ledger;
  const auto kept = ledger.award(day(0), 10, day(0), std::nullopt, Origin{"e1", "", 1, 0, 65'535});
  REQUIRE(kept.has_value());
  CHECK(ledger.lots().back().origin.action == 65'535);
  CHECK_THROWS_AS(
      ledger.award(day(0), 10, day(0), std::nullopt, Origin{"e2", "", 1, 0, 65'536}), NumberError);
  CHECK(ledger.lots().size() == 1);
  CHECK(ledger.entries().size() == 1);
  CHECK(ledger.total() == 10);
  check_ledger(ledger);
}

TEST_CASE("award: a lot and an entry; zero awards nothing; negative is refused") {
  Ledger ledger;
  check_ledger(ledger);
  CHECK(ledger.next_lot_id() == 1);
  const auto a = ledger.award(day(0), 100, day(0), day(30), Origin{"e1", "", 3, 4, 2});
  check_ledger(ledger);
  REQUIRE(a == std::optional<std::uint64_t>(1));
  const auto b = ledger.award(day(1), 50, day(4), std::nullopt, origin("e2"));
  check_ledger(ledger);
  REQUIRE(b == std::optional<std::uint64_t>(2));
  CHECK(ledger.next_lot_id() == 3);

  REQUIRE(ledger.lots().size() == 2);
  const Lot& first = ledger.lots()[0];
  CHECK(first.id == 1);
  CHECK(first.points == 100);
  CHECK(first.remaining == 100);
  CHECK(first.created_at == day(0));
  CHECK(first.available_at == day(0));
  CHECK(first.expires_at == std::optional<Instant>(day(30)));
  CHECK(first.paid_debt);  // usable at once: offered to a debt of 0
  CHECK(ledger.lot_event(first) == "e1");
  CHECK(ledger.lot_event(ledger.lots()[1]) == "e2");
  CHECK(first.origin.rule == 4);
  CHECK(first.origin.action == 2);
  CHECK(first.origin.program_version == 3);
  const Lot& second = ledger.lots()[1];
  CHECK(second.available_at == day(4));
  CHECK_FALSE(second.expires_at.has_value());
  CHECK_FALSE(second.paid_debt);  // pending

  REQUIRE(ledger.entries().size() == 2);
  check_entry(ledger.entries()[0], EntryKind::award, 100, 100, day(0), "e1");
  CHECK(ledger.entries()[0].origin == Origin{"e1", "", 3, 4, 2});
  check_entry(ledger.entries()[1], EntryKind::award, 50, 50, day(1), "e2");

  CHECK(ledger.available(day(1)) == 100);
  CHECK(ledger.pending(day(1)) == 50);
  CHECK(ledger.available(day(4)) == 150);
  CHECK(ledger.pending(day(4)) == 0);

  CHECK_FALSE(ledger.award(day(2), 0, day(2), std::nullopt, origin("e3")).has_value());
  check_ledger(ledger);
  CHECK(ledger.lots().size() == 2);
  CHECK(ledger.entries().size() == 2);
  CHECK(ledger.next_lot_id() == 3);

  CHECK_THROWS_AS(ledger.award(day(2), -1, day(2), std::nullopt, origin("e4")), EventError);
  check_ledger(ledger);
  CHECK(ledger.lots().size() == 2);
  CHECK(ledger.entries().size() == 2);
}

TEST_CASE("take: soonest expiry first, never-expiring last, then oldest; pending untouched") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 100, day(0), day(30), "a");
  const auto b = award(ledger, day(0), 100, day(0), std::nullopt, "b");
  const auto c = award(ledger, day(0), 100, day(0), day(10), "c");
  const auto d = award(ledger, day(0), 100, day(0), day(10), "d");
  const auto e = award(ledger, day(0), 100, day(5), day(20), "e");  // pending until day 5
  CHECK(ledger.available(day(1)) == 400);
  CHECK(ledger.pending(day(1)) == 100);

  CHECK(ledger.take(day(1), EntryKind::deduct, 150, Shortfall::debt, origin("t1")) == 150);
  check_ledger(ledger);
  CHECK(left(ledger, c) == 0);   // expires day 10, older
  CHECK(left(ledger, d) == 50);  // expires day 10, newer
  CHECK(left(ledger, a) == 100);
  CHECK(left(ledger, b) == 100);
  CHECK(left(ledger, e) == 100);

  CHECK(ledger.take(day(1), EntryKind::redeem, 100, Shortfall::drop, origin("t2")) == 100);
  check_ledger(ledger);
  CHECK(left(ledger, d) == 0);
  CHECK(left(ledger, a) == 50);  // day 30 before never

  CHECK(ledger.take(day(1), EntryKind::adjust, 120, Shortfall::debt, origin("t3")) == 120);
  check_ledger(ledger);
  CHECK(left(ledger, a) == 0);
  CHECK(left(ledger, b) == 30);   // the never-expiring lot last
  CHECK(left(ledger, e) == 100);  // pending: untouched
  CHECK(ledger.debt() == 0);
  CHECK(ledger.available(day(1)) == 30);
  CHECK(ledger.pending(day(1)) == 100);

  // Once usable, e (day 20) goes before b (never).
  CHECK(ledger.take(day(6), EntryKind::deduct, 50, Shortfall::debt, origin("t4")) == 50);
  check_ledger(ledger);
  CHECK(left(ledger, e) == 50);
  CHECK(left(ledger, b) == 30);
  CHECK(ledger.available(day(6)) == 80);

  // One entry per operation, however many lots it touched.
  REQUIRE(ledger.entries().size() == 9);
  check_entry(ledger.entries()[5], EntryKind::deduct, -150, -150, day(1), "t1");
  check_entry(ledger.entries()[6], EntryKind::redeem, -100, -100, day(1), "t2");
  check_entry(ledger.entries()[7], EntryKind::adjust, -120, -120, day(1), "t3");
  check_entry(ledger.entries()[8], EntryKind::deduct, -50, -50, day(6), "t4");
  CHECK(ledger.entries()[8].origin.rule == Origin::kNoRule);

  // Taking 0 writes nothing.
  CHECK(ledger.take(day(6), EntryKind::deduct, 0, Shortfall::debt, origin("t5")) == 0);
  check_ledger(ledger);
  CHECK(ledger.entries().size() == 9);
  CHECK_THROWS_AS(ledger.take(day(6), EntryKind::deduct, -5, Shortfall::debt, origin("t6")),
                  EventError);
  check_ledger(ledger);
  CHECK(ledger.entries().size() == 9);
}

TEST_CASE("take at t sees exactly the lots usable at t, expire entry written or not") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 40, day(0), day(3), "a");
  const auto b = award(ledger, day(0), 40, day(0), std::nullopt, "b");
  // One second before expiry, a is usable and goes first.
  CHECK(ledger.take(at(3 * kDay - 1), EntryKind::deduct, 10, Shortfall::drop, origin("t1")) == 10);
  check_ledger(ledger);
  CHECK(left(ledger, a) == 30);
  CHECK(left(ledger, b) == 40);
  CHECK(ledger.available(at(3 * kDay - 1)) == 70);
  // At expires_at, a is gone though no expire entry was written.
  CHECK(ledger.available(day(3)) == 40);
  CHECK(ledger.take(day(3), EntryKind::deduct, 50, Shortfall::drop, origin("t2")) == 40);
  check_ledger(ledger);
  CHECK(left(ledger, a) == 30);
  CHECK(left(ledger, b) == 0);
  check_entry(ledger.entries().back(), EntryKind::deduct, -40, -50, day(3), "t2");
  // An event judged at an earlier time still sees a.
  CHECK(ledger.take(day(2), EntryKind::deduct, 5, Shortfall::drop, origin("t3")) == 5);
  check_ledger(ledger);
  CHECK(left(ledger, a) == 25);
}

TEST_CASE("clamp: the shortfall is dropped and the entry shows asked and taken") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 30, day(0), std::nullopt, "a");
  award(ledger, day(0), 70, day(9), std::nullopt, "p");  // pending: not available
  CHECK(ledger.take(day(1), EntryKind::redeem, 50, Shortfall::drop, origin("r1")) == 30);
  check_ledger(ledger);
  CHECK(left(ledger, a) == 0);
  CHECK(ledger.debt() == 0);
  CHECK(ledger.available(day(1)) == 0);
  check_entry(ledger.entries().back(), EntryKind::redeem, -30, -50, day(1), "r1");
  CHECK(ledger.take(day(1), EntryKind::deduct, 10, Shortfall::drop, origin("r2")) == 0);
  check_ledger(ledger);
  check_entry(ledger.entries().back(), EntryKind::deduct, 0, -10, day(1), "r2");
  CHECK(ledger.available(day(9)) == 70);
}

TEST_CASE("debt: created by a shortfall, paid by a later lot usable at once") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 30, day(0), std::nullopt, "a");
  CHECK(ledger.take(day(1), EntryKind::deduct, 50, Shortfall::debt, origin("d1")) == 50);
  check_ledger(ledger);
  check_entry(ledger.entries().back(), EntryKind::deduct, -50, -50, day(1), "d1");
  CHECK(left(ledger, a) == 0);
  CHECK(ledger.debt() == 20);
  CHECK(ledger.available(day(1)) == -20);
  CHECK_FALSE(ledger.can_redeem(day(1), 1));

  // A smaller lot pays what it can.
  const auto b = award(ledger, day(2), 5, day(2), std::nullopt, "b");
  CHECK(left(ledger, b) == 0);
  CHECK(lot_of(ledger, b).paid_debt);
  CHECK(ledger.debt() == 15);
  CHECK(ledger.available(day(2)) == -15);

  // A larger one pays the rest, then adds to the balance.
  const auto c = award(ledger, day(3), 50, day(3), day(40), "c");
  CHECK(left(ledger, c) == 35);
  CHECK(lot_of(ledger, c).points == 50);
  CHECK(ledger.debt() == 0);
  CHECK(ledger.available(day(3)) == 35);
  check_entry(ledger.entries().back(), EntryKind::award, 50, 50, day(3), "c");
  CHECK(ledger.can_redeem(day(3), 35));
  CHECK_FALSE(ledger.can_redeem(day(3), 36));

  // More debt after the lot was offered: the lot is taken from first.
  CHECK(ledger.take(day(4), EntryKind::deduct, 40, Shortfall::debt, origin("d2")) == 40);
  check_ledger(ledger);
  CHECK(left(ledger, c) == 0);
  CHECK(ledger.debt() == 5);
}

TEST_CASE("debt: a pending lot pays it when it becomes usable, in order of availability") {
  Ledger ledger;
  const auto p1 = award(ledger, day(0), 60, day(5), day(40), "p1");
  const auto p2 = award(ledger, day(0), 30, day(3), day(40), "p2");
  const auto p3 = award(ledger, day(0), 50, day(5), std::nullopt, "p3");
  CHECK(ledger.take(day(1), EntryKind::deduct, 100, Shortfall::debt, origin("d")) == 100);
  check_ledger(ledger);
  CHECK(ledger.debt() == 100);
  CHECK(left(ledger, p1) == 60);  // pending lots are not taken from
  CHECK(ledger.available(day(1)) == -100);
  CHECK(ledger.pending(day(1)) == 140);

  // Projections before settling: the same figures as after.
  CHECK(ledger.available(day(4)) == -70);
  CHECK(ledger.available(day(6)) == 40);
  CHECK(ledger.expiring_within(day(6), day(40)) == 0);  // p1 and p2 pay it all
  CHECK(ledger.pending(day(4)) == 110);

  ledger.settle(at(3 * kDay - 1));
  check_ledger(ledger);
  CHECK(ledger.debt() == 100);
  CHECK_FALSE(lot_of(ledger, p2).paid_debt);

  ledger.settle(day(4));
  check_ledger(ledger);
  CHECK(left(ledger, p2) == 0);
  CHECK(lot_of(ledger, p2).paid_debt);
  CHECK(ledger.debt() == 70);
  CHECK(left(ledger, p1) == 60);
  CHECK_FALSE(lot_of(ledger, p1).paid_debt);

  ledger.settle(day(5));  // p1 (id 1) before p3 (id 3): same availability
  check_ledger(ledger);
  CHECK(left(ledger, p1) == 0);
  CHECK(left(ledger, p3) == 40);
  CHECK(ledger.debt() == 0);
  CHECK(lot_of(ledger, p1).paid_debt);
  CHECK(lot_of(ledger, p3).paid_debt);
  CHECK(ledger.available(day(6)) == 40);
  CHECK(ledger.entries().size() == 4);  // paying debt writes no entry

  ledger.settle(day(6));  // idempotent
  check_ledger(ledger);
  CHECK(left(ledger, p3) == 40);
}

TEST_CASE("debt: a lot pays when it becomes usable, even if no operation ran until it expired") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 50, day(2), day(4), "a");  // usable days 2..4
  CHECK(ledger.take(day(1), EntryKind::deduct, 20, Shortfall::debt, origin("d")) == 20);
  check_ledger(ledger);
  CHECK(ledger.debt() == 20);
  CHECK(ledger.available(day(10)) == 0);  // the projection counts its payment
  CHECK(ledger.expire(day(10), origin("tick")) == 30);
  check_ledger(ledger);
  CHECK(left(ledger, a) == 0);
  CHECK(ledger.debt() == 0);
  check_entry(ledger.entries().back(), EntryKind::expire, -30, -30, day(10), "tick");
}

TEST_CASE("debt: a lot that expired before becoming usable never pays it") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 50, day(10), day(5), "a");  // never usable
  CHECK(ledger.take(day(1), EntryKind::deduct, 20, Shortfall::debt, origin("d")) == 20);
  check_ledger(ledger);
  CHECK(ledger.pending(day(1)) == 50);
  CHECK(ledger.pending(day(5)) == 0);
  CHECK(ledger.available(day(20)) == -20);
  ledger.settle(day(20));
  check_ledger(ledger);
  CHECK(left(ledger, a) == 50);
  CHECK(lot_of(ledger, a).paid_debt);
  CHECK(ledger.debt() == 20);
  CHECK(ledger.expire(day(20), origin("tick")) == 50);
  check_ledger(ledger);
  CHECK(ledger.available(day(20)) == -20);
}

TEST_CASE("reverse: own lots first (pending too), then usable lots, then debt or drop") {
  Ledger ledger;
  const auto x = award(ledger, day(0), 100, day(0), day(10), "x");           // another purchase
  const auto p = award(ledger, day(0), 40, day(0), day(30), "own");          // own, usable
  const auto q = award(ledger, day(0), 50, day(5), day(20), "own");          // own, pending
  const auto r = award(ledger, day(0), 70, day(0), day(1), "own");           // own, expired
  const auto s = award(ledger, day(0), 100, day(0), std::nullopt, "other");  // never expires
  const std::vector<std::uint64_t> own = {p, q, r, 99, p};  // 99 is unknown; p twice

  // Own lots by expiry: q (day 20) then p (day 30); r has expired; then x (day 10) of the rest.
  CHECK(ledger.reverse(day(2), 120, own, Shortfall::debt, origin("refund1")) == 120);
  check_ledger(ledger);
  CHECK(left(ledger, q) == 0);
  CHECK(left(ledger, p) == 0);
  CHECK(left(ledger, r) == 70);
  CHECK(left(ledger, x) == 70);
  CHECK(left(ledger, s) == 100);
  check_entry(ledger.entries().back(), EntryKind::reverse, -120, -120, day(2), "refund1");
  CHECK(ledger.entries().size() == 6);

  // Own lots empty: from usable lots, soonest expiry first; clamp drops the rest.
  CHECK(ledger.reverse(day(2), 300, {p, q}, Shortfall::drop, origin("refund2")) == 170);
  check_ledger(ledger);
  CHECK(left(ledger, x) == 0);
  CHECK(left(ledger, s) == 0);
  CHECK(left(ledger, r) == 70);
  CHECK(ledger.debt() == 0);
  check_entry(ledger.entries().back(), EntryKind::reverse, -170, -300, day(2), "refund2");

  CHECK(ledger.reverse(day(2), 10, {}, Shortfall::debt, origin("refund3")) == 10);
  check_ledger(ledger);
  CHECK(ledger.debt() == 10);
  check_entry(ledger.entries().back(), EntryKind::reverse, -10, -10, day(2), "refund3");
  CHECK(ledger.available(day(2)) == -10);

  CHECK(ledger.reverse(day(2), 0, {r}, Shortfall::debt, origin("refund4")) == 0);
  check_ledger(ledger);
  CHECK(ledger.entries().size() == 8);
  CHECK_THROWS_AS(ledger.reverse(day(2), -1, {r}, Shortfall::debt, origin("refund5")), EventError);

  CHECK(ledger.expire(day(2), origin("tick")) == 70);
  check_ledger(ledger);
  check_entry(ledger.entries().back(), EntryKind::expire, -70, -70, day(2), "tick");
}

TEST_CASE("reverse: own lots before others even when others expire sooner; own order holds") {
  Ledger ledger;
  const auto other = award(ledger, day(0), 100, day(0), day(3), "other");
  const auto own1 = award(ledger, day(0), 30, day(0), std::nullopt, "p");
  const auto own2 = award(ledger, day(0), 30, day(8), day(50), "p");  // pending
  const auto own3 = award(ledger, day(0), 30, day(0), day(50), "p");  // same expiry, newer
  CHECK(ledger.reverse(day(1), 45, {own1, own2, own3}, Shortfall::debt, origin("r")) == 45);
  check_ledger(ledger);
  CHECK(left(ledger, own2) == 0);   // day 50, id 3
  CHECK(left(ledger, own3) == 15);  // day 50, id 4
  CHECK(left(ledger, own1) == 30);  // never
  CHECK(left(ledger, other) == 100);
  CHECK(ledger.available(day(1)) == 145);
  CHECK(ledger.pending(day(1)) == 0);
}

TEST_CASE("expire: entries only for lots with points left, exactly at expires_at") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 30, day(0), day(5), "a");
  const auto b = award(ledger, day(0), 20, day(0), day(5), "b");
  const auto c = award(ledger, day(0), 20, day(0), day(7), "c");
  const auto d = award(ledger, day(0), 10, day(0), std::nullopt, "d");
  CHECK(ledger.take(day(1), EntryKind::deduct, 30, Shortfall::debt, origin("t")) == 30);
  check_ledger(ledger);
  CHECK(left(ledger, a) == 0);

  CHECK(ledger.expiring_within(day(1), day(5)) == 20);
  CHECK(ledger.expiring_within(day(1), at(5 * kDay - 1)) == 0);
  CHECK(ledger.expiring_within(day(1), day(7)) == 40);
  CHECK(ledger.expiring_within(day(1), day(1000)) == 40);

  const std::size_t mark = ledger.entries().size();
  CHECK(ledger.expire(at(5 * kDay - 1), origin("tick0")) == 0);
  check_ledger(ledger);
  CHECK(ledger.entries().size() == mark);
  CHECK(ledger.available(at(5 * kDay - 1)) == 50);
  CHECK(ledger.available(day(5)) == 30);

  CHECK(ledger.expire(day(5), origin("tick1")) == 20);  // b only: a is empty
  check_ledger(ledger);
  REQUIRE(ledger.entries_since(mark).size() == 1);
  check_entry(ledger.entries_since(mark)[0], EntryKind::expire, -20, -20, day(5), "tick1");
  CHECK(left(ledger, b) == 0);
  CHECK(ledger.available(day(5)) == 30);

  CHECK(ledger.expire(day(6), origin("tick2")) == 0);
  check_ledger(ledger);
  CHECK(ledger.entries().size() == mark + 1);

  CHECK(ledger.expire(day(8), origin("tick3")) == 20);
  check_ledger(ledger);
  check_entry(ledger.entries().back(), EntryKind::expire, -20, -20, day(8), "tick3");
  CHECK(left(ledger, c) == 0);
  CHECK(left(ledger, d) == 10);
  CHECK(ledger.available(day(8)) == 10);
  CHECK(ledger.entries_since(ledger.entries().size()).empty());
  CHECK(ledger.entries_since(ledger.entries().size() + 5).empty());
}

TEST_CASE("expire: several lots at once, soonest expiry then oldest; pending lots too") {
  Ledger ledger;
  award(ledger, day(0), 5, day(0), day(4), "a");
  award(ledger, day(0), 6, day(0), day(3), "b");
  award(ledger, day(0), 7, day(0), day(4), "c");
  award(ledger, day(0), 8, day(6), day(5), "d");  // never usable
  award(ledger, day(0), 9, day(1), day(9), "e");
  CHECK(ledger.pending(day(0)) == 17);
  CHECK(ledger.expire(day(5), origin("tick")) == 26);
  check_ledger(ledger);
  REQUIRE(ledger.entries().size() == 9);
  CHECK(ledger.entries()[5].points == -6);
  CHECK(ledger.entries()[6].points == -5);
  CHECK(ledger.entries()[7].points == -7);
  CHECK(ledger.entries()[8].points == -8);
  CHECK(ledger.available(day(5)) == 9);
  CHECK(ledger.pending(day(5)) == 0);
}

TEST_CASE("views: available, pending and expiring_within at a time") {
  Ledger ledger;
  award(ledger, day(0), 100, day(0), day(30), "a");
  award(ledger, day(0), 50, day(3), day(10), "b");
  award(ledger, day(0), 25, day(0), std::nullopt, "c");
  CHECK(ledger.available(day(0)) == 125);
  CHECK(ledger.pending(day(0)) == 50);
  CHECK(ledger.expiring_within(day(0), day(30)) == 100);
  CHECK(ledger.expiring_within(day(0), day(29)) == 0);
  CHECK(ledger.available(day(3)) == 175);
  CHECK(ledger.pending(day(3)) == 0);
  CHECK(ledger.expiring_within(day(3), day(10)) == 50);
  CHECK(ledger.expiring_within(day(3), day(30)) == 150);
  CHECK(ledger.available(day(10)) == 125);
  CHECK(ledger.available(day(30)) == 25);
  CHECK(ledger.pending(day(30)) == 0);
  CHECK(ledger.can_redeem(day(3), 175));
  CHECK_FALSE(ledger.can_redeem(day(3), 176));
  CHECK(ledger.can_redeem(day(30), 25));
  CHECK_FALSE(ledger.can_redeem(day(30), 26));
}

TEST_CASE("adjustments: a positive one is a lot with an adjust entry; a negative one takes") {
  Ledger ledger;
  const auto id = ledger.award(day(0), 40, day(0), std::nullopt, Origin{"", "goodwill", 1},
                               EntryKind::adjust);
  check_ledger(ledger);
  REQUIRE(id.has_value());
  check_entry(ledger.entries().back(), EntryKind::adjust, 40, 40, day(0), "");
  CHECK(ledger.entries().back().origin.note == "goodwill");
  CHECK(ledger.take(day(1), EntryKind::adjust, 50, Shortfall::debt, Origin{"", "fix", 1}) ==
        50);
  check_ledger(ledger);
  check_entry(ledger.entries().back(), EntryKind::adjust, -50, -50, day(1), "");
  CHECK(ledger.available(day(1)) == -10);
}

TEST_CASE("compact drops empty lots and keeps ids going") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 10, day(0), std::nullopt, "a");
  const auto b = award(ledger, day(0), 10, day(0), std::nullopt, "b");
  const auto c = award(ledger, day(0), 10, day(0), std::nullopt, "c");
  CHECK(ledger.take(day(0), EntryKind::deduct, 10, Shortfall::debt, origin("t")) == 10);
  CHECK(ledger.reverse(day(0), 10, {c}, Shortfall::debt, origin("r")) == 10);
  check_ledger(ledger);
  CHECK(ledger.compact() == 2);
  check_ledger(ledger);
  REQUIRE(ledger.lots().size() == 1);
  CHECK(ledger.lots()[0].id == b);
  CHECK(ledger.find_lot(a) == nullptr);
  CHECK(ledger.find_lot(c) == nullptr);
  CHECK(ledger.compact() == 0);
  CHECK(ledger.next_lot_id() == 4);
  CHECK(award(ledger, day(1), 5, day(1), std::nullopt, "d") == 4);
  CHECK(ledger.available(day(1)) == 15);
}

TEST_CASE("restore: from stored parts, in any order, continuing ids") {
  Ledger original;
  award(original, day(0), 100, day(0), day(20), "a");
  award(original, day(0), 40, day(4), std::nullopt, "b");
  const auto c = award(original, day(0), 30, day(0), day(10), "c");
  CHECK(original.take(day(1), EntryKind::deduct, 200, Shortfall::debt, origin("t")) == 200);
  check_ledger(original);
  CHECK(original.debt() == 70);
  CHECK(left(original, c) == 0);

  std::vector<Lot> lots(original.lots().rbegin(), original.lots().rend());
  Ledger restored = Ledger::restore(lots, original.lot_events(), original.debt(), original.entries());
  check_ledger(restored);
  CHECK(restored.next_lot_id() == 4);
  REQUIRE(restored.lots().size() == 3);
  CHECK(restored.lots()[0].id == 1);
  CHECK(restored.lots()[2].id == 3);
  CHECK(restored.debt() == 70);
  CHECK(restored.entries().size() == original.entries().size());
  CHECK(restored.available(day(5)) == original.available(day(5)));

  // Both go on the same way: b pays the debt at day 4.
  for (Ledger* l : {&original, &restored}) {
    l->settle(day(4));
    check_ledger(*l);
    CHECK(l->debt() == 30);
    CHECK(left(*l, 2) == 0);
    CHECK(award(*l, day(5), 50, day(5), std::nullopt, "d") == 4);
    CHECK(l->debt() == 0);
    CHECK(left(*l, 4) == 20);
  }

  // A stored next id beyond the lots is kept: ids of compacted lots are not reused.
  CHECK(award(original, day(6), 5, day(6), day(50), "e") == 5);
  CHECK(original.take(day(6), EntryKind::deduct, 5, Shortfall::debt, origin("t2")) == 5);
  CHECK(left(original, 5) == 0);   // e expires, d does not: e goes first
  CHECK(original.compact() == 4);  // a, b, c and e are empty
  check_ledger(original);
  REQUIRE(original.lots().size() == 1);
  CHECK(original.lots()[0].id == 4);
  CHECK(original.next_lot_id() == 6);
  Ledger again =
      Ledger::restore(original.lots(), original.lot_events(), original.debt(), original.entries(),
                      original.next_lot_id());
  check_ledger(again);
  CHECK(again.next_lot_id() == 6);
  CHECK(Ledger::restore(original.lots(), original.lot_events(), 0, {}).next_lot_id() == 5);
  CHECK(Ledger::restore({}, {}, 0, {}).next_lot_id() == 1);

  // A restore of inconsistent parts is told by check_invariant.
  CHECK(Ledger::restore(original.lots(), original.lot_events(), 5, original.entries())
            .check_invariant() != "");
  std::vector<LedgerEntry> entries = original.entries();
  entries.push_back(LedgerEntry{EntryKind::deduct, 5, 5, day(7), origin("x")});
  entries.push_back(LedgerEntry{EntryKind::deduct, -5, -5, day(7), origin("x")});
  CHECK(Ledger::restore(original.lots(), original.lot_events(), original.debt(), entries)
            .check_invariant() != "");
  entries.resize(entries.size() - 2);
  entries.push_back(LedgerEntry{EntryKind::redeem, -5, -3, day(7), origin("x")});
  entries.push_back(LedgerEntry{EntryKind::award, 5, 5, day(7), origin("x")});
  CHECK(Ledger::restore(original.lots(), original.lot_events(), original.debt(), entries)
            .check_invariant() != "");
  std::vector<Lot> bad = original.lots();
  bad[0].remaining = bad[0].points + 1;
  CHECK(Ledger::restore(bad, original.lot_events(), 0, {}).check_invariant() != "");
  // A lot whose event handle names nothing in the events given is refused.
  CHECK_THROWS_AS(Ledger::restore(original.lots(), {}, 0, {}), NumberError);
  std::vector<Lot> huge(2);
  huge[0].id = 1;
  huge[1].id = 2;
  huge[0].points = huge[0].remaining = kMax;
  huge[1].points = huge[1].remaining = 1;
  CHECK_THROWS_AS(Ledger::restore(huge, {}, 0, {}), NumberError);
}

TEST_CASE("overflow is an error that changes nothing") {
  Ledger ledger;
  award(ledger, day(0), kMax, day(0), std::nullopt, "a");
  try {
    (void)ledger.award(day(0), 1, day(0), std::nullopt, origin("b"));
    FAIL("no error");
  } catch (const NumberError& error) {
    CHECK(error.code() == ErrorCode::number_overflow);
  }
  check_ledger(ledger);
  CHECK(ledger.lots().size() == 1);
  CHECK(ledger.take(day(0), EntryKind::deduct, kMax, Shortfall::debt, origin("t")) == kMax);
  CHECK(ledger.take(day(0), EntryKind::deduct, kMax, Shortfall::debt, origin("t")) == kMax);
  check_ledger(ledger);
  CHECK(ledger.debt() == kMax);
  CHECK(ledger.available(day(0)) == -kMax);
  CHECK_THROWS_AS(ledger.take(day(0), EntryKind::deduct, 1, Shortfall::debt, origin("t")),
                  NumberError);
  CHECK_THROWS_AS(ledger.reverse(day(0), 1, {}, Shortfall::debt, origin("t")), NumberError);
  check_ledger(ledger);
  CHECK(ledger.entries().size() == 3);
  // Clamp cannot overflow.
  CHECK(ledger.take(day(0), EntryKind::deduct, kMax, Shortfall::drop, origin("t")) == 0);
  check_ledger(ledger);
}

TEST_CASE("the per-operation path does not allocate beyond the entry") {
  Ledger ledger;
  for (int i = 0; i < 20; ++i) {
    award(ledger, day(0), 1000, day(i % 3), day(30 + i % 7), "a");
  }
  const Origin o = origin("e", 3);  // short strings: no allocation to copy them
  const std::vector<std::uint64_t> own = {3, 7, 1, 12};
  // Warm up the reversal's index buffer.
  CHECK(ledger.reverse(day(5), 1, own, Shortfall::debt, o) == 1);
  for (int i = 0; i < 50; ++i) {
    while (ledger.entries().capacity() <= ledger.entries().size() + 3) {
      CHECK(ledger.take(day(5), EntryKind::deduct, 1, Shortfall::debt, o) == 1);
    }
    const std::size_t before = allocation_count;
    CHECK(ledger.take(day(5), EntryKind::deduct, 7, Shortfall::debt, o) == 7);
    CHECK(ledger.reverse(day(5), 5, own, Shortfall::drop, o) == 5);
    CHECK(ledger.available(day(5)) > 0);
    CHECK(ledger.expiring_within(day(5), day(40)) > 0);
    ledger.settle(day(6));
    CHECK(ledger.expire(day(5), o) == 0);
    CHECK(allocation_count == before);
  }
  check_ledger(ledger);
}

// ---- A naive model: every figure recomputed by brute force over a plain list of lots. ----

namespace {

struct ModelLot {
  std::uint64_t id = 0;
  std::int64_t points = 0;
  std::int64_t remaining = 0;
  std::int64_t available = 0;           // seconds
  std::optional<std::int64_t> expires;  // seconds
  bool offered = false;
  std::string event;
};

struct ModelEntry {
  EntryKind kind;
  std::int64_t points;
  std::int64_t asked;
  std::int64_t time;
  std::string event;
};

struct Model {
  std::vector<ModelLot> lots;
  std::vector<ModelEntry> entries;
  std::int64_t debt = 0;
  std::uint64_t next = 1;

  static bool expired(const ModelLot& l, std::int64_t t) { return l.expires && *l.expires <= t; }
  static bool usable(const ModelLot& l, std::int64_t t) {
    return l.available <= t && !expired(l, t);
  }
  // The expiry order as a number: never expires = after every time.
  static std::int64_t expiry_key(const ModelLot& l) { return l.expires ? *l.expires : kMax; }

  void settle(std::int64_t t) {
    for (;;) {
      ModelLot* next_lot = nullptr;
      for (ModelLot& l : lots) {
        if (l.offered || l.available > t) continue;
        if (next_lot == nullptr || l.available < next_lot->available ||
            (l.available == next_lot->available && l.id < next_lot->id)) {
          next_lot = &l;
        }
      }
      if (next_lot == nullptr) return;
      const bool ever = !next_lot->expires || next_lot->available < *next_lot->expires;
      if (ever) {
        const std::int64_t pay = std::min(debt, next_lot->remaining);
        next_lot->remaining -= pay;
        debt -= pay;
      }
      next_lot->offered = true;
    }
  }

  // Takes up to want, one lot at a time, always from the best lot left that `ok` accepts.
  template <class Ok>
  std::int64_t draw(std::int64_t want, Ok ok) {
    std::int64_t taken = 0;
    while (taken < want) {
      ModelLot* best = nullptr;
      for (ModelLot& l : lots) {
        if (l.remaining == 0 || !ok(l)) continue;
        if (best == nullptr || expiry_key(l) < expiry_key(*best) ||
            (expiry_key(l) == expiry_key(*best) && l.id < best->id)) {
          best = &l;
        }
      }
      if (best == nullptr) break;
      const std::int64_t part = std::min(want - taken, best->remaining);
      best->remaining -= part;
      taken += part;
    }
    return taken;
  }

  std::optional<std::uint64_t> award(std::int64_t t, std::int64_t points, std::int64_t available,
                                     std::optional<std::int64_t> expires, const std::string& event,
                                     EntryKind kind) {
    if (points == 0) return std::nullopt;
    settle(t);
    lots.push_back(ModelLot{next, points, points, available, expires, false, event});
    entries.push_back(ModelEntry{kind, points, points, t, event});
    settle(t);
    return next++;
  }

  std::int64_t finish(std::int64_t t, EntryKind kind, std::int64_t points, std::int64_t taken,
                      Shortfall shortfall, const std::string& event) {
    if (shortfall == Shortfall::debt) {
      debt += points - taken;
      taken = points;
    }
    entries.push_back(ModelEntry{kind, -taken, -points, t, event});
    return taken;
  }

  std::int64_t take(std::int64_t t, EntryKind kind, std::int64_t points, Shortfall shortfall,
                    const std::string& event) {
    if (points == 0) return 0;
    settle(t);
    const std::int64_t taken = draw(points, [t](const ModelLot& l) { return usable(l, t); });
    return finish(t, kind, points, taken, shortfall, event);
  }

  std::int64_t reverse(std::int64_t t, std::int64_t points, const std::vector<std::uint64_t>& own,
                       Shortfall shortfall, const std::string& event) {
    if (points == 0) return 0;
    settle(t);
    std::int64_t taken = draw(points, [&](const ModelLot& l) {
      return std::find(own.begin(), own.end(), l.id) != own.end() && !expired(l, t);
    });
    taken += draw(points - taken, [t](const ModelLot& l) { return usable(l, t); });
    return finish(t, EntryKind::reverse, points, taken, shortfall, event);
  }

  std::int64_t expire(std::int64_t t, const std::string& event) {
    settle(t);
    std::int64_t total = 0;
    for (;;) {
      ModelLot* best = nullptr;
      for (ModelLot& l : lots) {
        if (l.remaining == 0 || !expired(l, t)) continue;
        if (best == nullptr || expiry_key(l) < expiry_key(*best) ||
            (expiry_key(l) == expiry_key(*best) && l.id < best->id)) {
          best = &l;
        }
      }
      if (best == nullptr) return total;
      entries.push_back(
          ModelEntry{EntryKind::expire, -best->remaining, -best->remaining, t, event});
      total += best->remaining;
      best->remaining = 0;
    }
  }

  // Views: settle a copy, then add up.
  std::int64_t available_at(std::int64_t t) const {
    Model copy;  // the lots and the debt only: the entries do not matter here
    copy.lots = lots;
    copy.debt = debt;
    copy.settle(t);
    std::int64_t sum = 0;
    for (const ModelLot& l : copy.lots) sum += usable(l, t) ? l.remaining : 0;
    return sum - copy.debt;
  }
  std::int64_t pending_at(std::int64_t t) const {
    std::int64_t sum = 0;
    for (const ModelLot& l : lots) sum += (l.available > t && !expired(l, t)) ? l.remaining : 0;
    return sum;
  }
  std::int64_t expiring(std::int64_t t, std::int64_t until) const {
    Model copy;  // the lots and the debt only: the entries do not matter here
    copy.lots = lots;
    copy.debt = debt;
    copy.settle(t);
    std::int64_t sum = 0;
    for (const ModelLot& l : copy.lots) {
      if (usable(l, t) && l.expires && *l.expires <= until) sum += l.remaining;
    }
    return sum;
  }
};

std::int64_t secs(Instant t) {
  return t.seconds() - kBase;
}

// Where the ledger differs from the model, or "".
std::string differences(const Ledger& ledger, const Model& model) {
  if (std::string why = ledger.check_invariant(); !why.empty()) return "invariant: " + why;
  if (ledger.debt() != model.debt) {
    return "debt " + std::to_string(ledger.debt()) + " vs " + std::to_string(model.debt);
  }
  if (ledger.next_lot_id() != model.next) return "next lot id";
  for (const Lot& lot : ledger.lots()) {
    const auto it = std::find_if(model.lots.begin(), model.lots.end(),
                                 [&](const ModelLot& l) { return l.id == lot.id; });
    const std::string name = "lot " + std::to_string(lot.id);
    if (it == model.lots.end()) return name + " is not in the model";
    if (lot.remaining != it->remaining) {
      return name + " has " + std::to_string(lot.remaining) + " vs " +
             std::to_string(it->remaining);
    }
    if (lot.points != it->points || secs(lot.available_at) != it->available ||
        lot.expires_at.has_value() != it->expires.has_value() ||
        (lot.expires_at && secs(*lot.expires_at) != *it->expires)) {
      return name + " differs";
    }
    if (lot.paid_debt != it->offered) return name + " paid_debt differs";
    if (ledger.lot_event(lot) != it->event) {
      return name + " is from " + std::string(ledger.lot_event(lot)) + " vs " + it->event;
    }
  }
  std::int64_t model_remaining = 0;
  for (const ModelLot& l : model.lots) {
    model_remaining += l.remaining;
    if (l.remaining > 0 && ledger.find_lot(l.id) == nullptr) {
      return "lot " + std::to_string(l.id) + " is missing";
    }
  }
  if (ledger.entries().size() != model.entries.size()) {
    return "entries " + std::to_string(ledger.entries().size()) + " vs " +
           std::to_string(model.entries.size());
  }
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < model.entries.size(); ++i) {
    const LedgerEntry& e = ledger.entries()[i];
    const ModelEntry& m = model.entries[i];
    if (e.kind != m.kind || e.points != m.points || e.asked != m.asked || secs(e.time) != m.time ||
        e.origin.event != m.event) {
      return "entry " + std::to_string(i) + ": " + entry_kind_name(e.kind) + " " +
             std::to_string(e.points) + "/" + std::to_string(e.asked) + " vs " +
             entry_kind_name(m.kind) + " " + std::to_string(m.points) + "/" +
             std::to_string(m.asked);
    }
    sum += m.points;
  }
  if (sum != model_remaining - model.debt) return "the model's own invariant";
  return "";
}

std::string view_differences(const Ledger& ledger, const Model& model, std::int64_t t,
                             std::int64_t until, std::int64_t redeem) {
  const std::int64_t available = model.available_at(t);
  if (ledger.available(at(t)) != available) {
    return "available(" + std::to_string(t) + ") " + std::to_string(ledger.available(at(t))) +
           " vs " + std::to_string(available);
  }
  if (ledger.pending(at(t)) != model.pending_at(t)) return "pending(" + std::to_string(t) + ")";
  if (ledger.expiring_within(at(t), at(until)) != model.expiring(t, until)) {
    return "expiring_within(" + std::to_string(t) + ", " + std::to_string(until) + ")";
  }
  if (ledger.can_redeem(at(t), redeem) != (available >= redeem)) return "can_redeem";
  return "";
}

}  // namespace

TEST_CASE("randomized: the ledger agrees with a naive model, step by step") {
  constexpr int kSequences = 3000;
  constexpr int kSteps = 70;
  std::int64_t checked_steps = 0;
  std::int64_t debts = 0;
  std::int64_t paid_later = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    std::mt19937_64 rng(0x5eed0000ULL + static_cast<std::uint64_t>(seq));
    const auto below = [&](std::int64_t n) {
      return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
    };
    const bool backdating = seq % 4 == 3;  // a quarter of the sequences judge some ops earlier
    Ledger ledger;
    Model model;
    std::int64_t now = 0;
    for (int step = 0; step < kSteps; ++step) {
      now += below(6);
      std::int64_t t = now;
      if (backdating && below(8) == 0) t = std::max<std::int64_t>(0, now - below(20));
      const std::string event = "e" + std::to_string(step / 3);  // lots of one event in a row
      const Origin o = origin(event);
      const std::int64_t op = below(100);
      std::string what;
      const std::int64_t debt_before = model.debt;
      if (op < 30) {
        const std::int64_t points = below(10) == 0 ? 0 : 1 + below(60);
        const std::int64_t available = below(2) == 0 ? t : t + 1 + below(25);
        std::optional<std::int64_t> expires;
        if (below(10) >= 3) expires = t - 3 + below(60);  // sometimes at once, or before usable
        const EntryKind kind = below(5) == 0 ? EntryKind::adjust : EntryKind::award;
        what = "award " + std::to_string(points);
        const auto got =
            ledger.award(at(t), points, at(available),
                         expires ? std::optional<Instant>(at(*expires)) : std::nullopt, o, kind);
        REQUIRE(got == model.award(t, points, available, expires, event, kind));
        if (debt_before > 0 && model.debt < debt_before) ++paid_later;
      } else if (op < 55) {
        const std::int64_t points = below(12) == 0 ? 0 : 1 + below(90);
        const Shortfall shortfall = below(2) == 0 ? Shortfall::debt : Shortfall::drop;
        const EntryKind kinds[] = {EntryKind::deduct, EntryKind::redeem, EntryKind::adjust};
        const EntryKind kind = kinds[below(3)];
        what = std::string("take ") + entry_kind_name(kind) + " " + std::to_string(points);
        const std::int64_t got = ledger.take(at(t), kind, points, shortfall, o);
        REQUIRE(got == model.take(t, kind, points, shortfall, event));
      } else if (op < 70) {
        const std::int64_t points = below(12) == 0 ? 0 : 1 + below(90);
        const Shortfall shortfall = below(2) == 0 ? Shortfall::debt : Shortfall::drop;
        std::vector<std::uint64_t> own;
        const std::int64_t count = below(5);
        for (std::int64_t i = 0; i < count; ++i) {
          own.push_back(
              1 + static_cast<std::uint64_t>(below(static_cast<std::int64_t>(model.next) + 1)));
        }
        what = "reverse " + std::to_string(points);
        const std::int64_t got = ledger.reverse(at(t), points, own, shortfall, o);
        REQUIRE(got == model.reverse(t, points, own, shortfall, event));
      } else if (op < 80) {
        what = "expire";
        REQUIRE(ledger.expire(at(t), o) == model.expire(t, event));
      } else if (op < 90) {
        what = "settle";
        ledger.settle(at(t));
        model.settle(t);
        if (debt_before > 0 && model.debt < debt_before) ++paid_later;
      } else if (op < 95) {
        what = "compact";
        ledger.compact();
      } else if (op < 97) {
        what = "an award and a take, rolled back";
        const Model saved = model;
        ledger.begin_journal();
        // Expiring soon, it often comes first in the expiry order, which is then no longer
        // the lots' own.
        ledger.award(at(t), 1 + below(50), at(t),
                     below(2) == 0 ? std::nullopt : std::optional<Instant>(at(t + 1 + below(5))),
                     origin("rolled-back"));
        ledger.take(at(t), EntryKind::deduct, below(80), Shortfall::debt, origin("rolled-back"));
        ledger.rollback_journal();
        model = saved;
      } else {
        what = "restore";
        std::vector<Lot> lots = ledger.lots();
        std::shuffle(lots.begin(), lots.end(), rng);
        ledger =
            Ledger::restore(std::move(lots), ledger.lot_events(), ledger.debt(), ledger.entries(),
                            ledger.next_lot_id());
      }
      if (model.debt > 0) ++debts;
      INFO("sequence ", seq, " step ", step, " at ", t, ": ", what);
      REQUIRE(differences(ledger, model) == "");
      const std::int64_t view_t = std::max<std::int64_t>(0, now - 10 + below(60));
      REQUIRE(view_differences(ledger, model, view_t, view_t + below(40), below(80) - 10) == "");
      REQUIRE(view_differences(ledger, model, now, now + below(40), below(80)) == "");
      ++checked_steps;
    }
  }
  CHECK(checked_steps == std::int64_t{kSequences} * kSteps);
  // The sequences do reach the interesting states.
  CHECK(debts > 10000);
  CHECK(paid_later > 1000);
}

TEST_CASE("changed_lots: what a transaction changed or created, in increasing id") {
  Ledger ledger;
  const auto a = award(ledger, day(0), 100, day(0), day(30), "e1");
  const auto b = award(ledger, day(0), 50, day(0), std::nullopt, "e2");
  award(ledger, day(0), 30, day(4), day(20), "e3");  // pending until day 4: untouched below
  award(ledger, day(0), 10, day(0), std::nullopt, "e4");
  std::vector<const Lot*> changed{nullptr};
  ledger.changed_lots(changed);
  CHECK(changed.empty());  // not recording

  ledger.begin_journal();
  ledger.changed_lots(changed);
  CHECK(changed.empty());
  // Soonest expiry first: all of a, then the oldest never-expiring lot, b, twice.
  CHECK(ledger.take(day(1), EntryKind::deduct, 120, Shortfall::debt, origin("e5")) == 120);
  CHECK(ledger.take(day(1), EntryKind::deduct, 5, Shortfall::debt, origin("e5")) == 5);
  const auto e = award(ledger, day(1), 40, day(1), std::nullopt, "e5");
  ledger.changed_lots(changed);
  REQUIRE(changed.size() == 3);
  CHECK(changed[0]->id == a);
  CHECK(changed[0]->remaining == 0);
  CHECK(changed[1]->id == b);
  CHECK(changed[1]->remaining == 25);
  CHECK(changed[2]->id == e);
  ledger.end_journal();

  // A new lot that pays a debt off whole has nothing left, and is no change to write; the
  // lot that paid part of the debt is.
  ledger.begin_journal();
  CHECK(ledger.take(day(2), EntryKind::deduct, 100, Shortfall::debt, origin("e6")) == 100);
  CHECK(ledger.debt() == 25);
  award(ledger, day(2), 25, day(2), std::nullopt, "e7");
  ledger.changed_lots(changed);
  REQUIRE(changed.size() == 3);  // b, the lot of e4, e: emptied by the take
  CHECK(changed[0]->id == b);
  CHECK(changed[1]->id == 4);
  CHECK(changed[2]->id == e);
  for (const Lot* lot : changed) CHECK(lot->remaining == 0);
  ledger.end_journal();
}

TEST_CASE("changed_lots: many lots touched, each once in the result") {
  Ledger ledger;
  for (int i = 0; i < 40; ++i) award(ledger, day(0), 2, day(0), std::nullopt, "e" + std::to_string(i));
  ledger.begin_journal();
  // Each take of 1 touches the oldest lot with points left: every lot twice, 80 saves.
  for (int i = 0; i < 80; ++i) {
    CHECK(ledger.take(day(1), EntryKind::deduct, 1, Shortfall::debt, origin("t")) == 1);
  }
  std::vector<const Lot*> changed;
  ledger.changed_lots(changed);
  REQUIRE(changed.size() == 40);
  for (std::size_t i = 0; i < changed.size(); ++i) {
    CHECK(changed[i]->id == i + 1);
    CHECK(changed[i]->remaining == 0);
  }
  ledger.end_journal();
}
