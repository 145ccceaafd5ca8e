// The database commands of the real `loyalty` binary: run, stats, member, redeem, adjust,
// explain, tick, simulate, export, forget, backup; their text, their JSON and their exit codes.
// Expected figures come from the library itself on the memory store, run in this process: the
// command line must give the same numbers through SQLite.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli_runner.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/event_reader.hpp"
#include "loyalty/store.hpp"
#include "store/store.hpp"

namespace {

namespace fs = std::filesystem;

const char* kRules = "../rules/retail.rules";
const char* kEvents = "data/retail_300.jsonl";

// A fresh database path, removed (with its WAL files) when the test ends.
struct Database {
  fs::path path;
  explicit Database(const std::string& name)
      : path(fs::temp_directory_path() /
             ("loyalty_cli_" + std::to_string(::getpid()) + "_" + name + ".db")) {
    clean();
  }
  ~Database() { clean(); }
  void clean() const {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  }
  [[nodiscard]] std::string arg() const { return "--db " + path.string(); }
};

// The library's own figures for the 300-event sample, on the memory store.
struct Expected {
  loyalty::Engine engine{loyalty::compile_file(kRules), loyalty::make_memory_store()};
  loyalty::Instant last;
  std::int64_t awarded = 0, taken = 0;
  Expected() {
    loyalty::EventReader reader(kEvents);
    loyalty::Event event;
    while (reader.next(event) == loyalty::EventReader::Status::event) {
      loyalty::Outcome o = engine.process(event);
      for (const auto& e : o.effects) {
        if (e.kind == loyalty::EffectKind::award) awarded += e.points;
        if (e.kind == loyalty::EffectKind::reverse) taken -= e.points;
      }
      last = event.time;
    }
  }
  [[nodiscard]] std::string stats_json() const {
    loyalty::Stats s = engine.stats(last);
    auto counts = [](const std::map<std::string, std::uint64_t>& m) {
      std::string out = "{";
      for (const auto& [k, v] : m) out += (out.size() > 1 ? ",\"" : "\"") + k + "\":" + std::to_string(v);
      return out + "}";
    };
    return "{\"events\":" + std::to_string(s.events) + ",\"members\":" + std::to_string(s.members) +
           ",\"points_total\":" + std::to_string(s.points_total) + ",\"tiers\":" + counts(s.tiers) +
           ",\"stages\":" + counts(s.stages) + ",\"tags\":" + counts(s.tags) + "}\n";
  }
};

const Expected& expected() {
  static const Expected e;
  return e;
}

std::string field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return "<missing " + key + ">";
  const auto start = at + key.size() + 3;
  return json.substr(start, json.find_first_of(",}", start) - start);
}

}  // namespace

TEST_CASE("run processes a file into a new database and summarises it; a rerun is all duplicates") {
  Database db("run");
  Run run = cli("run --json " + db.arg() + " " + kRules + " " + kEvents);
  CHECK(run.exit_code == 0);
  CHECK(run.err.find('\r') == std::string::npos);  // no progress line when not on a terminal
  CHECK(field(run.out, "events") == "300");
  CHECK(field(run.out, "applied") == "300");
  CHECK(field(run.out, "duplicates") == "0");
  CHECK(field(run.out, "rejected") == "0");
  CHECK(field(run.out, "points_awarded") == std::to_string(expected().awarded));
  CHECK(field(run.out, "points_taken") == std::to_string(expected().taken));
  CHECK(field(run.out, "members") == "25");

  // The database keeps the program: a second run needs no RULES, and changes nothing.
  Run again = cli("run --json " + db.arg() + " " + kEvents);
  CHECK(again.exit_code == 0);
  CHECK(field(again.out, "applied") == "0");
  CHECK(field(again.out, "duplicates") == "300");

  Run stats = cli("stats --json " + db.arg() + " --at " + expected().last.to_string());
  CHECK(stats.exit_code == 0);
  CHECK(stats.out == expected().stats_json());

  Run text = cli("run " + db.arg() + " " + kEvents);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("duplicates             300\n") != std::string::npos);
  CHECK(text.out.find("by tier\n  bronze") != std::string::npos);
}

TEST_CASE("run rejects bad lines and refused events with reasons, keeps the rest, exits 1") {
  Database db("rejects");
  auto events = write_temp("mixed.jsonl",
                           R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T00:00:00Z","profile":{"birthday":"1990-01-01"}})"
                           "\n{oops\n"
                           R"({"id":"e2","type":"purchase","member":"m9","time":"2026-01-02T00:00:00Z","amount":"10.00"})"
                           "\n"
                           R"({"id":"e3","type":"purchase","member":"m1","time":"2026-01-03T00:00:00Z","amount":"10.00"})"
                           "\n");
  auto rejects = fs::temp_directory_path() / ("loyalty_rejects_" + std::to_string(::getpid()) + ".jsonl");
  Run run = cli("run --json --rejects " + rejects.string() + " " + db.arg() + " " + kRules +
                    " " + events.string());
  CHECK(run.exit_code == 1);
  CHECK(field(run.out, "applied") == "2");
  CHECK(field(run.out, "rejected") == "2");
  CHECK(run.out.find(R"("rejected_by_reason":{"invalid JSON: unbalanced braces or brackets, or a missing comma or value":1,"unknown member '…'":1})") != std::string::npos);
  CHECK(run.err.find(":3: unknown member 'm9'\n") != std::string::npos);
  std::ifstream in(rejects);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  CHECK(first.find(R"("line":2,"reason":"invalid JSON)") != std::string::npos);
  CHECK(second.find(R"("line":3,"reason":"unknown member 'm9'","text":"{\"id\":\"e2\")") != std::string::npos);
  fs::remove(events);
  fs::remove(rejects);
}

TEST_CASE("a rejected line that is not UTF-8 is still written as JSON") {
  Database db("utf8");
  auto events = write_temp("latin1.jsonl", "{\"id\":\"e\xff\",\"type\":\"enroll\",\"member\":\"m1\",\"time\":\"2026-01-01T00:00:00Z\"}\n");
  auto rejects = fs::temp_directory_path() / ("loyalty_rejects_utf8_" + std::to_string(::getpid()) + ".jsonl");
  Run run = cli("run --rejects " + rejects.string() + " " + db.arg() + " " + kRules + " " + events.string());
  CHECK(run.exit_code == 1);
  std::ifstream in(rejects);
  std::string line;
  std::getline(in, line);
  CHECK(line.find(R"("text":"{\"id\":\"e\ufffd\",)") != std::string::npos);
  CHECK(line.find('\xff') == std::string::npos);
  fs::remove(events);
  fs::remove(rejects);
}

TEST_CASE("explain reads without the write lock: it answers while another process writes") {
  Database db("explain_busy");
  REQUIRE(cli("run " + db.arg() + " " + kRules + " " + kEvents).exit_code == 0);
  // Another connection holds the write lock for the whole of the explain.
  auto writer = loyalty::open_sqlite_store(db.path.string());
  auto& tx = writer->begin();  // a batched store keeps its write transaction open
  (void)tx;
  Run explained = cli("explain --json e00000004 " + db.arg());
  CHECK(explained.exit_code == 0);
  CHECK(explained.out.find(R"("event":"e00000004")") != std::string::npos);
  tx.rollback();
}

TEST_CASE("member shows one member for people and as JSON; export and forget") {
  Database db("member");
  REQUIRE(cli("run " + db.arg() + " " + kRules + " " + kEvents).exit_code == 0);
  const std::string at = " --at 2027-01-01T00:00:00Z";
  auto view = expected().engine.member("m0000003", loyalty::Instant::parse("2027-01-01T00:00:00Z"));
  REQUIRE(view.has_value());

  Run json = cli("member --json m0000003 " + db.arg() + at);
  CHECK(json.exit_code == 0);
  CHECK(field(json.out, "id") == "\"m0000003\"");
  CHECK(field(json.out, "points") == std::to_string(view->points));
  CHECK(field(json.out, "earned") == std::to_string(view->earned));
  CHECK(field(json.out, "tier") == "\"" + view->tier + "\"");
  CHECK(field(json.out, "spend") == "\"" + view->spend.to_string() + "\"");
  CHECK(json.out.find("\"ledger\":[{\"kind\":\"award\",\"points\":500,") != std::string::npos);

  Run text = cli("member m0000003 " + db.arg() + at);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("member    m0000003") == 0);
  CHECK(text.out.find("tier      " + view->tier) != std::string::npos);
  CHECK(text.out.find("ledger, last 10 of " + std::to_string(view->ledger.size())) != std::string::npos);

  Run last2 = cli("member --json --ledger 2 m0000003 " + db.arg() + at);
  CHECK(last2.out.find("\"ledger\":[{") != std::string::npos);

  Run missing = cli("member nobody " + db.arg() + at);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "loyalty: no member 'nobody'\n");

  Run exported = cli("export m0000003 " + db.arg() + at);
  CHECK(exported.exit_code == 0);
  CHECK(exported.out.find("\"birthday\":\"") != std::string::npos);
  Run forgot = cli("forget m0000003 " + db.arg());
  CHECK(forgot.exit_code == 0);
  Run after = cli("export m0000003 " + db.arg() + at);
  CHECK(after.out.find("\"birthday\":\"") != std::string::npos);  // not pii in retail-v1: kept
  CHECK(field(after.out, "points") == std::to_string(view->points));
}

TEST_CASE("pii is masked unless asked for, and forget erases it") {
  Database db("pii");
  auto rules = write_temp("pii.rules", "program \"P\"\nmember {\n  email: string pii\n}\n"
                                       "rule welcome on enroll {\n  award 10 points\n}\n");
  auto events = write_temp("pii.jsonl",
                           R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T00:00:00Z","profile":{"email":"a@b.cn"}})"
                           "\n");
  REQUIRE(cli("run " + db.arg() + " " + rules.string() + " " + events.string()).exit_code == 0);
  const std::string at = " --at 2026-02-01T00:00:00Z";
  CHECK(cli("member --json m1 " + db.arg() + at).out.find(R"("email":"***")") != std::string::npos);
  CHECK(cli("member --json --show-pii m1 " + db.arg() + at).out.find(R"("email":"a@b.cn")") != std::string::npos);
  CHECK(cli("member m1 " + db.arg() + at).out.find("email               \"***\"") != std::string::npos);
  Run forgot = cli("forget --json m1 " + db.arg());
  CHECK(forgot.exit_code == 0);
  CHECK(forgot.out == "{\"member\":\"m1\",\"forgotten\":true}\n");
  CHECK(cli("export m1 " + db.arg() + at).out.find(R"("email":null)") != std::string::npos);
  CHECK(cli("forget nobody " + db.arg()).exit_code == 1);
  fs::remove(rules);
  fs::remove(events);
}

TEST_CASE("redeem is idempotent by reference and refuses a short balance; adjust corrects") {
  Database db("redeem");
  REQUIRE(cli("run " + db.arg() + " " + kRules + " " + kEvents).exit_code == 0);
  const std::string at = " --at 2027-01-01T00:00:00Z";
  auto view = expected().engine.member("m0000003", loyalty::Instant::parse("2027-01-01T00:00:00Z"));
  REQUIRE(view.has_value());
  REQUIRE(view->points > 100);

  Run spent = cli("redeem --json m0000003 100 --ref order-1 " + db.arg() + at);
  CHECK(spent.exit_code == 0);
  CHECK(field(spent.out, "status") == "\"applied\"");
  CHECK(field(spent.out, "points") == "-100");  // the effect's points come first
  Run repeat = cli("redeem m0000003 100 --ref order-1 " + db.arg() + at);
  CHECK(repeat.exit_code == 0);
  CHECK(repeat.out.find("already done before: nothing changed") == 0);
  Run other = cli("redeem m0000003 5 --ref order-1 " + db.arg() + at);
  CHECK(other.exit_code == 1);
  CHECK(other.err.find("reference 'order-1' was used before") != std::string::npos);
  Run short_balance = cli("redeem m0000003 999999999 --ref order-2 " + db.arg() + at);
  CHECK(short_balance.exit_code == 1);
  CHECK(short_balance.err.find("points available, not 999999999") != std::string::npos);
  // The refused redemption left no record: the reference is still free.
  CHECK(cli("redeem m0000003 1 --ref order-2 " + db.arg() + at).exit_code == 0);

  Run fixed = cli("adjust m0000003 -5 --reason \"goodwill reversal\" " + db.arg() + at);
  CHECK(fixed.exit_code == 0);
  CHECK(fixed.out.find("adjust") == 0);
  Run json = cli("member --json m0000003 " + db.arg() + at);
  CHECK(field(json.out, "points") == std::to_string(view->points - 106));
  CHECK(json.out.find(R"("kind":"adjust","points":-5,)") != std::string::npos);
  CHECK(json.out.find(R"("label":"goodwill reversal")") != std::string::npos);
  // Before the latest ledger entry: refused.
  CHECK(cli("redeem m0000003 1 --ref order-3 " + db.arg() + " --at 2026-01-01T00:00:00Z").exit_code == 1);
}

TEST_CASE("explain lists every rule considered for an event and why") {
  Database db("explain");
  REQUIRE(cli("run " + db.arg() + " " + kRules + " " + kEvents).exit_code == 0);
  auto outcome = expected().engine.explain("e00000004");
  REQUIRE(outcome.has_value());
  Run json = cli("explain --json e00000004 " + db.arg());
  CHECK(json.exit_code == 0);
  CHECK(json.out.find(R"("rules":[{"rule":"base","line":)") != std::string::npos);
  std::size_t fired = 0;
  for (const auto& r : outcome->rules) fired += r.verdict == loyalty::Verdict::fired;
  std::size_t pos = 0, found = 0;
  while ((pos = json.out.find(R"("verdict":"fired")", pos)) != std::string::npos) ++found, ++pos;
  CHECK(found == fired);
  Run text = cli("explain e00000004 " + db.arg());
  CHECK(text.out.find("silver_bonus") != std::string::npos);
  CHECK(text.out.find("condition false") != std::string::npos);
  Run missing = cli("explain nope " + db.arg());
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "loyalty: no applied event 'nope'\n");
}

TEST_CASE("tick does the day's work; backup copies the database while it is open") {
  Database db("tick");
  Database copy("copy");
  REQUIRE(cli("run " + db.arg() + " " + kRules + " " + kEvents).exit_code == 0);
  Run tick = cli("tick --json 2027-01-01T00:00:00Z " + db.arg());
  CHECK(tick.exit_code == 0);
  CHECK(tick.out == R"({"time":"2027-01-01T00:00:00Z","members":25,"expired_points":0,"tier_changes":0,"stage_changes":0,"daily_rules_fired":0,"rejected":[]})"
                    "\n");
  CHECK(cli("tick 2026-06-01T00:00:00Z " + db.arg()).exit_code == 1);  // before the last tick
  Run backup = cli("backup --json " + copy.path.string() + " " + db.arg());
  CHECK(backup.exit_code == 0);
  CHECK(backup.out == R"({"database":")" + db.path.string() + R"(","backup":")" + copy.path.string() + "\"}\n");
  const std::string at = " --at 2027-01-01T00:00:00Z";
  CHECK(cli("stats --json " + copy.arg() + at).out == cli("stats --json " + db.arg() + at).out);
}

TEST_CASE("simulate reports per rule and changes no database") {
  Database db("simulate");
  Run run = cli("simulate --json " + std::string(kRules) + " " + kEvents);
  CHECK(run.exit_code == 0);
  CHECK(field(run.out, "applied") == "300");
  CHECK(field(run.out, "cost") == std::to_string(expected().awarded - expected().taken));
  CHECK(run.out.find(R"("welcome":{"fired":25,"awarded":12500,"deducted":0})") != std::string::npos);
  CHECK_FALSE(fs::exists("loyalty.db"));
  Run text = cli("simulate " + std::string(kRules) + " " + kEvents);
  CHECK(text.out.find("welcome                                   25        12,500             0") != std::string::npos);
}

TEST_CASE("errors: a missing database, unreadable files, bad arguments; --help everywhere") {
  Run missing = cli("stats --db /nonexistent/dir/x.db");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no database at '/nonexistent/dir/x.db'") != std::string::npos);
  CHECK(cli("member m1 --db /nonexistent/x.db").exit_code == 1);
  CHECK(cli("run --db /tmp/x.db /nonexistent.jsonl").exit_code == 2);
  CHECK(cli("redeem m1 notanumber --ref r").exit_code == 2);
  CHECK(cli("redeem m1 10").exit_code == 2);  // --ref is required
  // Arguments a command finds wrong after parsing are usage errors too.
  Run no_rules_given = cli(std::string("simulate ") + kEvents);
  CHECK(no_rules_given.exit_code == 2);
  CHECK(no_rules_given.err.find("loyalty: simulate needs RULES") == 0);
  CHECK(cli(std::string("run --db /tmp/never.db ") + kRules).exit_code == 2);  // no events
  CHECK(cli(std::string("run --db /tmp/never.db --rules ") + kRules + " " + kRules + " " + kEvents)
            .exit_code == 2);
  CHECK_FALSE(fs::exists("/tmp/never.db"));
  Database db("norules");
  Run no_rules = cli("run " + db.arg() + " " + kEvents);
  CHECK(no_rules.exit_code == 1);
  CHECK(no_rules.err.find("holds no program") != std::string::npos);
  for (const char* command : {"check", "run", "tick", "member", "redeem", "adjust", "explain",
                              "simulate", "stats", "export", "forget", "backup", "inspect"}) {
    Run help = cli(std::string(command) + " --help");
    CHECK_MESSAGE(help.exit_code == 0, command);
    CHECK_MESSAGE(help.out.find("Usage") != std::string::npos, command);
  }
}
