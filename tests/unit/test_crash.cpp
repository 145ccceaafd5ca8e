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

#include "loyalty/engine.hpp"
#include "loyalty/store.hpp"
#include "store/store.hpp"
#include "store_testing.hpp"

namespace {

using Clock = std::chrono::steady_clock;

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

}  // namespace

TEST_CASE("loyalty run killed with SIGKILL, then run again, equals an uninterrupted run") {
  store_testing::TempDir dir;
  const std::string reference = dir.file("reference.db");
  const std::string crashed = dir.file("crashed.db");

  const auto started = Clock::now();
  REQUIRE(wait_for(start_run(reference)) == 0);
  const auto full = Clock::now() - started;
  REQUIRE(applied_events(reference) == 10000);

  // Kill at random points of a run's span; each restart goes on from what was committed.
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> percent(5, 95);
  int interrupted_midway = 0;
  for (int kill = 0; kill < 5; ++kill) {
    const pid_t pid = start_run(crashed);
    std::this_thread::sleep_for(full * percent(rng) / 100);
    ::kill(pid, SIGKILL);
    const int ended = wait_for(pid);
    const std::uint64_t done = std::filesystem::exists(crashed) ? applied_events(crashed) : 0;
    MESSAGE("kill " << kill << ": " << std::string(ended == -SIGKILL ? "killed" : "had finished") << " with "
                    << done << " events committed");
    if (ended == -SIGKILL && done > 0 && done < 10000) ++interrupted_midway;
  }
  CHECK(interrupted_midway > 0);  // the test did kill a run in the middle
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
