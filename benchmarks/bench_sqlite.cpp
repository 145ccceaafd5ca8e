// retail-v1 through the whole engine into a fresh SQLite file in /tmp, batched (the default
// SqliteOptions), one thread:
//   parsed:    events parsed beforehand, then processed (the engine and the store);
//   from_file: read from the JSON Lines file and processed, as `loyalty run` does.
// Outcomes are counted into a Tally a batch at a time, as `loyalty run` does
// (Engine::process(events, tally)).
// Each run ends with flush() (everything durable) inside the timing, checks the retail-v1
// checksum line, and reports the file's size per member once the store is closed.
//
//   build/benchmarks/bench_sqlite [google-benchmark flags] [EVENTS_FILE [RULES_FILE]]

#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/event_reader.hpp"
#include "read_batches.hpp"
#include "loyalty/store.hpp"

namespace {

std::string events_file = "build/retail-v1.jsonl";
std::string rules_file = "rules/retail.rules";

std::string checksum(const loyalty::Stats& s) {
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

// A fresh directory for one run's database, removed with it.
class Scratch {
 public:
  Scratch() {
    std::string pattern = "/tmp/loyalty-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
  }
  ~Scratch() { std::filesystem::remove_all(dir_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] std::string database() const { return dir_ + "/retail.db"; }

 private:
  std::string dir_;
};

// Prints the checksum (once per distinct line) and the database's size per member, the store
// being closed: its write-ahead log is checkpointed into the file then.
void report(benchmark::State& state, std::unique_ptr<loyalty::Engine>& engine,
            const std::string& database, loyalty::Instant last, std::size_t events) {
  static std::string printed;
  const loyalty::Stats stats = engine->stats(last);
  const std::string line = checksum(stats);
  if (line != printed) {
    std::fprintf(stderr, "%s\n", line.c_str());
    printed = line;
  }
  engine.reset();
  const auto bytes = std::filesystem::file_size(database);
  state.counters["events"] = static_cast<double>(events);
  state.counters["bytes_per_member"] =
      static_cast<double>(bytes) / static_cast<double>(stats.members);
}

void parsed(benchmark::State& state) {
  std::vector<loyalty::Event> events;
  {
    loyalty::EventReader reader(events_file);
    loyalty::Event event;
    while (reader.next(event) == loyalty::EventReader::Status::event) events.push_back(event);
  }
  auto program = loyalty::compile_file(rules_file);
  for (auto _ : state) {
    state.PauseTiming();
    Scratch scratch;
    auto engine =
        std::make_unique<loyalty::Engine>(program, loyalty::open_sqlite_store(scratch.database()));
    state.ResumeTiming();
    loyalty::Tally tally;
    engine->process(events, tally);
    engine->flush();
    if (tally.rejected != 0) state.SkipWithError("an event was rejected");
    state.PauseTiming();
    report(state, engine, scratch.database(), events.back().time, events.size());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
}
BENCHMARK(parsed)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void from_file(benchmark::State& state) {
  auto program = loyalty::compile_file(rules_file);
  std::size_t count = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Scratch scratch;
    auto engine =
        std::make_unique<loyalty::Engine>(program, loyalty::open_sqlite_store(scratch.database()));
    state.ResumeTiming();
    loyalty::EventReader reader(events_file);
    loyalty::Instant last;
    loyalty::Tally tally;
    count = loyalty::bench::read_batches(reader, [&](std::span<const loyalty::Event> events) {
      engine->process(events, tally);
      last = events.back().time;
    });
    engine->flush();
    if (tally.rejected != 0) state.SkipWithError("an event was rejected");
    state.PauseTiming();
    report(state, engine, scratch.database(), last, count);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}
BENCHMARK(from_file)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (const char* env = std::getenv("LOYALTY_EVENTS")) events_file = env;
  if (argc > 1) events_file = argv[1];
  if (argc > 2) rules_file = argv[2];
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
