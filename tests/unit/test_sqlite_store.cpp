// What only the SQLite store does: its schema's versions, refusing files it cannot read, two
// writers on one file, online backups, and when batched commits reach the file.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/event_reader.hpp"
#include "loyalty/store.hpp"
#include "store/sqlite/database.hpp"
#include "store/sqlite/member_codec.hpp"
#include "store/sqlite/schema.hpp"
#include "store/store.hpp"
#include "store_testing.hpp"

using namespace loyalty;
using store_testing::event;
using store_testing::purchase;
using store_testing::TempDir;

namespace {

const char* kRules = R"(program "Basic"
rule welcome on enroll {
  award 100 points
}
rule base on purchase {
  award event.amount points
}
)";

std::shared_ptr<const Program> basic() {
  return compile(kRules, "basic.rules");
}

std::int64_t integer(store::sqlite::Database& db, const char* sql) {
  store::sqlite::Statement statement(db, sql);
  store::sqlite::Query query(statement);
  REQUIRE(query.next());
  return query->integer(0);
}

std::int64_t integer(const std::string& path, const char* sql) {
  store::sqlite::Database db(path, false, 1000);
  return integer(db, sql);
}

// The message of the StoreError that `f` throws ("" when it throws none).
template <class F>
std::string store_error(F f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a new file gets the last schema version; a newer file is refused, naming both") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  open_sqlite_store(path).reset();
  CHECK(integer(path, "PRAGMA user_version") == 4);
  CHECK(integer(path, "PRAGMA application_id") == 0x4C4F594C);
  CHECK(integer(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'member_log'") == 1);
  open_sqlite_store(path).reset();  // a file at version 4 opens as it is

  store::sqlite::Database(path, false, 1000).exec("PRAGMA user_version = 999");
  const std::string error = store_error([&] { open_sqlite_store(path); });
  CAPTURE(error);
  CHECK(contains(error, path));
  CHECK(contains(error, "schema version 999"));
  CHECK(contains(error, "version 4 that this build of loyalty reads"));
}

TEST_CASE("a migration upgrades an older file in place, keeping its data") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  {
    Engine engine(basic(), open_sqlite_store(path));
    engine.process(parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z")));
  }
  // Version 5 is one more entry in the list.
  const store::sqlite::Migration v5[] = {
      store::sqlite::migrations()[0],
      store::sqlite::migrations()[1],
      store::sqlite::migrations()[2],
      store::sqlite::migrations()[3],
      {5, "CREATE TABLE extra (x INTEGER); INSERT INTO extra (x) SELECT count(*) FROM events;"},
  };
  {
    store::sqlite::Database db(path, false, 1000);
    store::sqlite::migrate(db, v5);
    CHECK(integer(db, "PRAGMA user_version") == 5);
    CHECK(integer(db, "SELECT x FROM extra") == 1);
    store::sqlite::migrate(db, v5);  // current: nothing to do
    CHECK(integer(db, "SELECT count(*) FROM extra") == 1);
    CHECK(contains(store_error([&] { store::sqlite::migrate(db, store::sqlite::migrations()); }),
                   "schema version 5, newer than version 4"));
  }
  // A fresh file gets every migration in order.
  const std::string fresh = dir.file("fresh.db");
  store::sqlite::Database db(fresh, true, 1000);
  store::sqlite::migrate(db, v5);
  CHECK(integer(db, "PRAGMA user_version") == 5);
  CHECK(integer(db, "SELECT x FROM extra") == 0);
}

// A version 1 file, written as version 1 wrote: one entries row an entry, purchases in their
// own table. Its data is that of `reference` (a current store), and one purchase saved without
// an event (`p9`, a copy of e3's).
static void write_version_1(const std::string& path, store::Store& reference) {
  store::sqlite::Database db(path, true, 1000);
  store::sqlite::migrate(db, store::sqlite::migrations().first(1));
  REQUIRE(integer(db, "PRAGMA user_version") == 1);
  auto run = [&](const char* sql, auto bind) {
    store::sqlite::Statement statement(db, sql);
    bind(statement);
    statement.run();
  };
  for (const store::StoredProgram& program : reference.programs()) {
    run("INSERT INTO programs (version, file, text, hash) VALUES (?, ?, ?, ?)", [&](auto& s) {
      s.bind(1, std::int64_t{program.version}).bind(2, program.file).bind(3, program.text);
      s.bind(4, program.hash);
    });
  }
  std::int64_t seq = 0;
  std::int64_t key = 0;
  for (const std::string& id : reference.member_ids()) {
    const engine::MemberState member = *reference.load_member(id);
    ++key;
    std::int64_t previous = 0;
    for (const engine::LedgerEntry& entry : member.ledger.entries()) {
      ++seq;
      run("INSERT INTO entries (seq, member, previous, kind, points, asked, time, event, note, "
          "program_version, rule, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          [&](auto& s) {
            s.bind(1, seq).bind(2, key);
            if (previous != 0) {
              s.bind(3, previous);
            } else {
              s.bind_null(3);
            }
            s.bind(4, static_cast<std::int64_t>(entry.kind)).bind(5, entry.points);
            s.bind(6, entry.asked).bind(7, entry.time.seconds()).bind(8, entry.origin.event);
            s.bind(9, entry.origin.note).bind(10, std::int64_t{entry.origin.program_version});
            if (entry.origin.rule != engine::Origin::kNoRule) {
              s.bind(11, std::int64_t{entry.origin.rule});
            } else {
              s.bind_null(11);
            }
            s.bind(12, std::int64_t{entry.origin.action});
          });
      previous = seq;
    }
    std::string state;
    store::sqlite::encode_member(member, previous, state);
    run("INSERT INTO members (key, id, state) VALUES (?, ?, ?)",
        [&](auto& s) { s.bind(1, key).bind(2, member.id).bind_blob(3, state); });
  }
  store::TransactionGuard tx(reference.begin());
  for (const char* id : {"e1", "e2", "e3", "x1"}) {
    const std::optional<store::EventRecord> record = tx->find_event(id);
    REQUIRE(record.has_value());
    run("INSERT INTO events (id, fingerprint, outcome) VALUES (?, ?, ?)", [&](auto& s) {
      s.bind(1, std::string_view(id)).bind(2, static_cast<std::int64_t>(record->fingerprint));
      s.bind_blob(3, record->outcome);
    });
  }
  for (const char* id : {"e2", "e3"}) {
    const store::PurchaseRecord purchase = *tx->find_purchase(id);
    std::vector<std::string> ids{id};
    if (ids[0] == "e3") ids.emplace_back("p9");
    for (const std::string& as : ids) {
      run("INSERT INTO purchases (id, member, amount, refunded, points, first_lot, lot_count) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          [&, amount = purchase.amount.to_string(),
           refunded = purchase.refunded.to_string()](auto& s) {
            s.bind(1, as).bind(2, purchase.member).bind(3, amount);  // bound without a copy
            s.bind(4, refunded).bind(5, purchase.points);
            s.bind(6, static_cast<std::int64_t>(purchase.first_lot));
            s.bind(7, std::int64_t{purchase.lot_count});
          });
    }
  }
}

TEST_CASE("fingerprints are defined values; those of a version 2 file become unknown") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  const std::string e1 = purchase("e1", "2026-01-02T10:00:00Z", "10.50");
  const std::string e1_changed = purchase("e1", "2026-01-02T10:00:00Z", "99.00");
  const std::string e2 = purchase("e2", "2026-01-02T11:00:00Z", "20");
  {
    Engine engine(basic(), open_sqlite_store(path));
    engine.process(parse_event(event("m", "enroll", "2026-01-01T09:00:00Z")));
    CHECK(engine.process(parse_event(e1)).status == Status::applied);
    engine.flush();
  }
  // The stored fingerprint is the same on every platform and library (XXH3 and the engine's
  // own mixing): a change here is a change to every stored file, which needs a migration.
  CHECK(integer(path, "SELECT fingerprint FROM events WHERE id = 'e1'") ==
        std::int64_t{-7362041622573505097});
  // As a version 2 file kept them: std::hash values, which this build does not make.
  {
    store::sqlite::Database db(path, false, 1000);
    db.exec("UPDATE events SET fingerprint = 12345; PRAGMA user_version = 2");
  }
  Engine engine(basic(), open_sqlite_store(path));
  CHECK(integer(path, "PRAGMA user_version") == 4);
  CHECK(integer(path, "SELECT count(*) FROM events WHERE fingerprint = 0") == 2);
  // An old record's id repeated is a duplicate, with its first outcome, whatever it holds.
  Outcome again = engine.process(parse_event(e1));
  CHECK(again.status == Status::duplicate);
  CHECK(again.points == 110);
  CHECK(engine.process(parse_event(e1_changed)).status == Status::duplicate);
  // New records have fingerprints again: a changed repeat is a conflict.
  CHECK(engine.process(parse_event(e2)).status == Status::applied);
  CHECK(engine.process(parse_event(e2)).status == Status::duplicate);
  Outcome conflict = engine.process(parse_event(purchase("e2", "2026-01-02T11:00:00Z", "21")));
  CHECK(conflict.status == Status::rejected);
  CHECK(contains(conflict.reason, "seen before with different content"));
}

TEST_CASE("a version 1 file is upgraded in place: ledger rows, purchases in their events") {
  TempDir dir;
  const std::string old_path = dir.file("old.db");
  auto reference = open_sqlite_store(dir.file("reference.db"));
  {
    Engine engine(basic(), reference);
    engine.process(parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z")));
    engine.process(parse_event(purchase("e2", "2026-01-02T10:00:00Z", "10.50")));
    engine.process(parse_event(purchase("e3", "2026-01-02T10:00:00Z", "20")));
    engine.process(parse_event(event("x1", "enroll", "2026-01-03T09:00:00Z", "", "m2")));
    engine.flush();
  }
  write_version_1(old_path, *reference);

  auto upgraded = open_sqlite_store(old_path);
  CHECK(integer(old_path, "PRAGMA user_version") == 4);
  CHECK(integer(old_path, "SELECT count(*) FROM sqlite_schema WHERE name = 'entries'") == 0);
  CHECK(integer(old_path, "SELECT count(*) FROM ledger") == 4);  // a row an old entry
  CHECK(integer(old_path, "SELECT count(*) FROM events WHERE amount IS NOT NULL") == 2);
  CHECK(integer(old_path, "SELECT count(*) FROM purchases") == 1);  // p9: no event of its own
  CHECK(upgraded->totals().events == 4);
  CHECK(upgraded->totals().members == 2);
  for (const char* id : {"m1", "m2"}) {
    store_testing::check_same(*reference->load_member(id), *upgraded->load_member(id));
  }
  {
    store::TransactionGuard tx(upgraded->begin());
    const store::PurchaseRecord* p9 = tx->find_purchase("p9");
    REQUIRE(p9 != nullptr);
    CHECK(p9->amount.to_string() == "20");
    CHECK(p9->member == "m1");
    const store::PurchaseRecord* e2 = tx->find_purchase("e2");
    REQUIRE(e2 != nullptr);
    CHECK(e2->amount.to_string() == "10.50");
    CHECK(e2->refunded.to_string() == "0");
    CHECK(tx->find_purchase("e1") == nullptr);  // an event, not a purchase
  }

  // Both go on alike: a refund of an old purchase, of the one without an event, a repeat, a new
  // purchase.
  const char* more[] = {
      R"({"id":"e4","type":"refund","member":"m1","time":"2026-01-04T10:00:00Z","original":"e2","amount":"5.25"})",
      R"({"id":"e5","type":"refund","member":"m1","time":"2026-01-04T11:00:00Z","original":"p9","amount":"2"})",
      R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-02T10:00:00Z","amount":"20"})",
      R"({"id":"e6","type":"purchase","member":"m2","time":"2026-01-05T10:00:00Z","amount":"7"})",
  };
  {
    // The reference has no p9: give it the same.
    Engine old_engine(basic(), upgraded);
    Engine new_engine(basic(), reference);
    for (const char* line : more) {
      const Outcome mine = old_engine.process(parse_event(line));
      CAPTURE(line);
      if (std::string(line).find("p9") != std::string::npos) {
        CHECK(mine.status == Status::applied);
        CHECK(mine.points == 100 + 10 + 20 - 5 - 2);
        continue;
      }
      const Outcome theirs = new_engine.process(parse_event(line));
      CHECK(mine.status == theirs.status);
      CHECK(mine.points == theirs.points);
    }
  }
  CHECK(upgraded->totals().events == 7);
  store_testing::check_same(*reference->load_member("m2"), *upgraded->load_member("m2"));
  auto m1 = upgraded->load_member("m1");
  CHECK(m1->ledger.entries().size() == 5);
  CHECK(m1->ledger.check_invariant() == "");
  store::TransactionGuard tx(upgraded->begin());
  CHECK(tx->find_purchase("e2")->refunded.to_string() == "5.25");
  CHECK(tx->find_purchase("p9")->refunded.to_string() == "2");
}

TEST_CASE("a file that is not a SQLite database, or not a loyalty one, is refused") {
  TempDir dir;
  const std::string junk = dir.file("junk.db");
  std::ofstream(junk) << std::string(5000, 'x');
  std::string error = store_error([&] { open_sqlite_store(junk); });
  CAPTURE(error);
  CHECK(contains(error, "'" + junk + "' is not a SQLite database"));

  const std::string other = dir.file("other.db");
  store::sqlite::Database(other, true, 1000).exec("CREATE TABLE accounts (id TEXT)");
  error = store_error([&] { open_sqlite_store(other); });
  CHECK(contains(error, "'" + other + "' is not a loyalty database"));
  CHECK(integer(other, "PRAGMA user_version") == 0);  // left as it was

  CHECK(store_error([&] { open_sqlite_store(dir.file("no/such/dir/x.db")); }) != "");
  auto memory = make_memory_store();
  CHECK(store_error([&] { backup_sqlite_store(*memory, dir.file("copy.db")); }) ==
        "backup_sqlite_store: the store is not a SQLite store");
}

TEST_CASE("a member whose stored state is unreadable is an error that names it") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  {
    Engine engine(basic(), open_sqlite_store(path));
    engine.process(parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z")));
  }
  store::sqlite::Database(path, false, 1000).exec("UPDATE members SET state = x'01ff'");
  auto store = open_sqlite_store(path);
  const std::string error = store_error([&] { store->load_member("m1"); });
  CAPTURE(error);
  CHECK(contains(error, "member 'm1' in the database '" + path + "'"));
}

TEST_CASE("a second writer waits for the first, then fails cleanly; the first goes on") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  auto first = open_sqlite_store(path);  // batched: its batch holds the write lock
  Engine a(basic(), first);
  REQUIRE(a.process(parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z"))).status ==
          Status::applied);

  auto second = open_sqlite_store(path, SqliteOptions{1000, 200, 100});
  const auto started = std::chrono::steady_clock::now();
  const std::string error = store_error([&] { second->begin(); });
  const auto waited = std::chrono::steady_clock::now() - started;
  CAPTURE(error);
  CHECK(error ==
        "the database '" + path + "' is busy: another process is writing to it (waited 100 ms)");
  CHECK(waited >= std::chrono::milliseconds(90));
  // The second sees what the first committed to the file, and no more.
  CHECK(second->totals().events == 0);

  // The first goes on, and commits.
  CHECK(a.process(parse_event(purchase("e2", "2026-01-02T10:00:00Z", "10"))).points == 110);
  a.flush();
  CHECK(second->totals().events == 2);

  // Now the second writes; the first sees it on its next event (its cache is dropped).
  {
    Engine b(basic(), second);
    CHECK(b.process(parse_event(purchase("e3", "2026-01-03T10:00:00Z", "5"))).points == 115);
    b.flush();
  }
  CHECK(a.process(parse_event(purchase("e4", "2026-01-04T10:00:00Z", "1"))).points == 116);
  a.flush();
  auto m = first->load_member("m1");
  REQUIRE(m.has_value());
  CHECK(m->ledger.entries().size() == 4);
  CHECK(m->ledger.check_invariant() == "");
  CHECK(m->purchases == 3);
}

TEST_CASE("others read a writer's changes before they are merged; writers take turns") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  auto program = compile_file("../rules/retail.rules");
  auto a_store = open_sqlite_store(path);
  auto b_store = open_sqlite_store(path);
  Engine a(program, a_store);
  EventReader reader("data/retail_10k.jsonl");
  Event e;
  Outcome outcome;
  Instant last;
  auto feed = [&](Engine& engine, int count) {
    for (int n = 0; n < count && reader.next(e) == EventReader::Status::event; ++n) {
      engine.process(e, outcome);
      REQUIRE(outcome.status == Status::applied);
      last = e.time;
    }
    engine.flush();
  };

  feed(a, 4000);
  // The latest states of many members are change records in member_log still.
  CHECK(integer(path, "SELECT count(*) FROM member_log") > 1000);
  for (const std::string& id : a_store->member_ids()) {
    auto mine = a_store->load_member(id);
    auto theirs = b_store->load_member(id);
    REQUIRE(theirs.has_value());
    store_testing::check_same(*mine, *theirs);
  }
  {
    Engine b(program, b_store);
    CHECK(b.stats(last).points_total == a.stats(last).points_total);
    feed(b, 3000);  // b merges a's log first, then writes its own
  }
  feed(a, 3000);  // a's cache is stale: it starts again from the file
  const Stats stats = a.stats(last);
  CHECK(stats.events == 10000);
  CHECK(stats.members == 1000);
  CHECK(stats.points_total == 3756780);
  CHECK(stats.tiers.at("bronze") == 450);
  CHECK(stats.tiers.at("silver") == 439);
  CHECK(stats.tiers.at("gold") == 111);
  CHECK(stats.tags.at("vip") == 14);
  CHECK(Engine(program, b_store).stats(last).points_total == 3756780);
}

TEST_CASE("a backup taken while others write is a consistent copy") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  const std::string copy = dir.file("copy.db");
  auto program = compile_file("../rules/retail.rules");
  auto source = open_sqlite_store(path);
  Engine engine(program, source);
  EventReader reader("data/retail_10k.jsonl");
  Event e;
  Outcome outcome;
  for (int n = 0; n < 5000 && reader.next(e) == EventReader::Status::event; ++n) {
    engine.process(e, outcome);
  }

  engine.flush();  // its batch would keep the other writer waiting

  // Another connection writes all through the backup.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      Engine other(program, open_sqlite_store(path, SqliteOptions{10, 200, 10000}));
      for (int n = 0; !stop || n < 50; ++n) {
        const std::string id = "w" + std::to_string(n);
        other.process(parse_event(event(id, "enroll", "2026-06-01T09:00:00Z",
                                        R"("profile":{"birthday":"1990-01-01"})", id)));
        ++written;
      }
      other.flush();
    } catch (const Error& error) {
      writer_error = error.what();
      stop = true;
    }
  });
  while (written < 10 && !stop) std::this_thread::yield();
  backup_sqlite_store(*source, copy);
  stop = true;
  writer.join();
  REQUIRE(writer_error == "");

  // The source goes on.
  while (reader.next(e) == EventReader::Status::event) engine.process(e, outcome);
  engine.flush();
  CHECK(source->totals().events == 10000 + static_cast<std::uint64_t>(written.load()));

  {
    store::sqlite::Database db(copy, false, 1000);
    store::sqlite::Statement check(db, "PRAGMA integrity_check");
    store::sqlite::Query query(check);
    REQUIRE(query.next());
    CHECK(query->text(0) == "ok");
  }
  auto copied = open_sqlite_store(copy);
  const store::Totals totals = copied->totals();
  CHECK(totals.events >= 5000);
  CHECK(totals.events <= 5000 + static_cast<std::uint64_t>(written.load()));
  for (const std::string& id : copied->member_ids()) {
    auto m = copied->load_member(id);
    REQUIRE(m.has_value());
    CHECK(m->ledger.check_invariant() == "");
  }
}

TEST_CASE("batched commits reach the file every N events, after some time, and on flush()") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  auto reader = open_sqlite_store(path);  // another connection, only reading
  {
    auto store = open_sqlite_store(path, SqliteOptions{7, 60000, 5000});
    Engine engine(basic(), store);  // saving the program is the batch's first commit
    engine.process(parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z")));
    for (int n = 2; n <= 18; ++n) {
      engine.process(parse_event(purchase("e" + std::to_string(n), "2026-01-02T10:00:00Z", "1")));
    }
    CHECK(reader->totals().events == 13);  // two batches of 7 commits: the program and 13 events
    engine.flush();
    CHECK(reader->totals().events == 18);
    engine.process(parse_event(purchase("e19", "2026-01-03T10:00:00Z", "1")));
    CHECK(reader->totals().events == 18);
  }  // closing commits
  CHECK(reader->totals().events == 19);
  auto m = reader->load_member("m1");
  REQUIRE(m.has_value());
  CHECK(m->ledger.entries().size() == 19);
  CHECK(m->ledger.available(Instant::parse("2026-02-01T00:00:00Z")) == 118);

  auto store = open_sqlite_store(path, SqliteOptions{1000, 50, 5000});
  Engine engine(basic(), store);
  engine.process(parse_event(purchase("e20", "2026-01-04T10:00:00Z", "1")));
  CHECK(reader->totals().events == 19);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  // The batch is old: it commits before the next event, which starts another.
  engine.process(parse_event(purchase("e21", "2026-01-04T11:00:00Z", "1")));
  CHECK(reader->totals().events == 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  engine.process(parse_event(purchase("e21", "2026-01-04T11:00:00Z", "1")));  // a duplicate
  CHECK(reader->totals().events == 21);
}

TEST_CASE("a write that fails rolls its event back alone; the batch's other events stay") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  {
    Engine engine(basic(), open_sqlite_store(path));
    engine.process(parse_event(event("e1", "enroll", "2026-01-01T09:00:00Z")));
    engine.process(parse_event(event("x1", "enroll", "2026-01-01T09:00:00Z", "", "m2")));
  }
  // The event's record is written after its member's rows and entries: those are undone too.
  store::sqlite::Database(path, false, 1000)
      .exec("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = 'e5' "
            "BEGIN SELECT RAISE(ABORT, 'refused by a test'); END");
  auto store = open_sqlite_store(path);  // batched: every event below shares one batch
  Engine engine(basic(), store);
  CHECK(engine.process(parse_event(purchase("e2", "2026-01-02T10:00:00Z", "10"))).points == 110);
  CHECK(engine.process(parse_event(purchase("e3", "2026-01-02T11:00:00Z", "20"))).points == 130);
  CHECK(engine.process(parse_event(purchase("x2", "2026-01-02T11:00:00Z", "7", "m2"))).points ==
        107);
  const std::string error =
      store_error([&] { engine.process(parse_event(purchase("e5", "2026-01-02T12:00:00Z", "40"))); });
  CAPTURE(error);
  CHECK(contains(error, "refused by a test"));
  CHECK(!contains(error, "were lost"));
  // The member is as before e5, in the cache and in the batch.
  CHECK(engine.process(parse_event(purchase("e6", "2026-01-02T13:00:00Z", "5"))).points == 135);
  CHECK(engine.process(parse_event(purchase("x3", "2026-01-02T13:00:00Z", "1", "m2"))).points ==
        108);
  engine.flush();
  CHECK(!store->event_outcome("e5").has_value());
  CHECK(store->event_outcome("e3").has_value());
  CHECK(store->totals().events == 7);

  auto reopened = open_sqlite_store(path);
  CHECK(reopened->totals().events == 7);
  CHECK(!reopened->event_outcome("e5").has_value());
  for (const char* id : {"m1", "m2"}) {
    auto mine = store->load_member(id);
    auto theirs = reopened->load_member(id);
    REQUIRE(mine.has_value());
    REQUIRE(theirs.has_value());
    store_testing::check_same(*mine, *theirs);
    CHECK(theirs->ledger.check_invariant() == "");
  }
  auto m1 = reopened->load_member("m1");
  CHECK(m1->ledger.entries().size() == 4);
  CHECK(m1->purchases == 3);
  CHECK(m1->ledger.available(Instant::parse("2026-02-01T00:00:00Z")) == 135);
  CHECK(reopened->load_member("m2")->ledger.entries().size() == 3);
}

TEST_CASE("a failed write in a long batch (whose savepoint has moved on) rolls back alone") {
  TempDir dir;
  const std::string path = dir.file("loyalty.db");
  {
    Engine engine(basic(), open_sqlite_store(path));
    engine.process(parse_event(event("e0", "enroll", "2026-01-01T09:00:00Z")));
  }
  store::sqlite::Database(path, false, 1000)
      .exec("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = 'bad' "
            "BEGIN SELECT RAISE(ABORT, 'refused by a test'); END");
  // One batch for everything: what it keeps passes the bound at which its savepoint moves.
  auto store = open_sqlite_store(path, SqliteOptions{1000000, 600000, 5000});
  Engine engine(basic(), store);
  const int members = 200;
  const int purchases = 25000;
  for (int m = 0; m < members; ++m) {
    const std::string id = "w" + std::to_string(m);
    engine.process(parse_event(event(id, "enroll", "2026-01-01T10:00:00Z", "", id)));
  }
  for (int n = 0; n < purchases; ++n) {
    const std::string member = "w" + std::to_string(n % members);
    REQUIRE(engine.process(parse_event(purchase("p" + std::to_string(n), "2026-01-02T10:00:00Z",
                                                "3", member)))
                .status == Status::applied);
  }
  const std::string error = store_error(
      [&] { engine.process(parse_event(purchase("bad", "2026-01-03T10:00:00Z", "50", "w7"))); });
  CHECK(contains(error, "refused by a test"));
  CHECK(!contains(error, "were lost"));
  CHECK(engine.process(parse_event(purchase("after", "2026-01-03T11:00:00Z", "1", "w7"))).points ==
        100 + 3 * (purchases / members) + 1);
  engine.flush();
  auto reopened = open_sqlite_store(path);
  CHECK(reopened->totals().events == 1 + members + purchases + 1);
  CHECK(!reopened->event_outcome("bad").has_value());
  auto w7 = reopened->load_member("w7");
  REQUIRE(w7.has_value());
  CHECK(w7->ledger.entries().size() == 1 + purchases / members + 1);
  CHECK(w7->ledger.check_invariant() == "");
  store_testing::check_same(*store->load_member("w7"), *w7);
}
