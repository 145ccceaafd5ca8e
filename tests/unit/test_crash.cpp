// Crash safety of `loyalty run` on SQLite: the real binary is killed with SIGKILL at random
// points, several times, then run on the same input to the end. The database must then equal
// that of an uninterrupted run: same totals, same members, same ledgers, entry by entry, and
// the same outbox. Nothing lost, nothing applied twice.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include <algorithm>

#include "loyalty/engine.hpp"
#include "loyalty/store.hpp"
#include "store/store.hpp"
#include "store_testing.hpp"

namespace {

const char* kRules = "../rules/retail.rules";
const char* kEvents = "data/retail_10k.jsonl";

// Starts `loyalty run` on `db` with its output thrown away.
pid_t start_run(const std::string& db) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    std::vector<std::string> args = {LOYALTY_BINARY, "run", "--db", db, "--commit-every", "50",
                                     kRules, kEvents};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(LOYALTY_BINARY, argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid`; its exit code, or -signal when a signal ended it.
int wait_for(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::uint64_t applied_events(const std::string& db) {
  return loyalty::open_sqlite_store(db)->totals().events;
}

// Events committed to `db` so far, read as another process would (WAL: the writer goes on).
std::int64_t committed_events(const std::string& db) {
  sqlite3* handle = nullptr;
  std::int64_t count = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(handle, 1000);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle, "SELECT count(*) FROM events", -1, &statement, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(handle);
  return count;
}

// Whether `pid` has ended (reaping it), with its wait status in `status`.
bool ended(pid_t pid, int& status) { return ::waitpid(pid, &status, WNOHANG) == pid; }

}  // namespace

TEST_CASE("loyalty run killed with SIGKILL, then run again, equals an uninterrupted run") {
  store_testing::TempDir dir;
  const std::string reference = dir.file("reference.db");
  const std::string crashed = dir.file("crashed.db");

  REQUIRE(wait_for(start_run(reference)) == 0);
  REQUIRE(applied_events(reference) == 10000);

  // Kill a run once it has committed past a random point, five times, each point past the last:
  // every restart goes on from what was committed before (and reads the rest as duplicates).
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> point(300, 9700);
  std::vector<int> points;
  for (int i = 0; i < 5; ++i) points.push_back(point(rng));
  std::sort(points.begin(), points.end());
  int interrupted_midway = 0;
  for (int target : points) {
    const pid_t pid = start_run(crashed);
    int status = 0;
    bool finished = false;
    while (!(finished = ended(pid, status))) {
      if (std::filesystem::exists(crashed) && committed_events(crashed) >= target) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!finished) {
      ::kill(pid, SIGKILL);
      REQUIRE(::waitpid(pid, &status, 0) == pid);
    }
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    const std::uint64_t done = applied_events(crashed);
    MESSAGE("target " << target << ": " << std::string(killed ? "killed" : "had finished")
                      << " with " << done << " events committed");
    if (killed && done > 0 && done < 10000) ++interrupted_midway;
  }
  CHECK(interrupted_midway >= 3);  // the runs were killed in the middle, not after the end
  REQUIRE(wait_for(start_run(crashed)) == 0);

  auto a = loyalty::open_sqlite_store(reference);
  auto b = loyalty::open_sqlite_store(crashed);
  CHECK(a->totals().events == b->totals().events);
  CHECK(a->totals().members == b->totals().members);
  const loyalty::Instant at = loyalty::Instant::parse("2027-01-01T00:00:00Z");
  loyalty::Engine ea(a);
  loyalty::Engine eb(b);
  const loyalty::Stats sa = ea.stats(at);
  const loyalty::Stats sb = eb.stats(at);
  CHECK(sa.points_total == 3756780);
  CHECK(sa.points_total == sb.points_total);
  CHECK(sa.tiers == sb.tiers);
  CHECK(sa.tags == sb.tags);
  const auto ids = a->member_ids();
  REQUIRE(ids == b->member_ids());
  REQUIRE(ids.size() == 1000);
  for (const std::string& id : ids) {
    auto ma = a->load_member(id);
    auto mb = b->load_member(id);
    REQUIRE(ma.has_value());
    REQUIRE(mb.has_value());
    store_testing::check_same(*ma, *mb);
  }
  const auto oa = a->outbox();
  const auto ob = b->outbox();
  CHECK(oa.size() == ob.size());
  // An event's outcome is the same whichever run applied it.
  for (const char* event : {"e00000001", "e00005000", "e00010000"}) {
    auto xa = ea.explain(event);
    auto xb = eb.explain(event);
    REQUIRE(xa.has_value());
    REQUIRE(xb.has_value());
    CHECK(*xa == *xb);
  }
}
