// retail-v1 through the whole engine on the memory store, one thread:
//   in_memory: events parsed beforehand, then processed (the engine alone);
//   from_file: read from the JSON Lines file and processed, as `loyalty run` does.
// Both count outcomes into a Tally in batches, as `loyalty run` and `simulate` do (the bulk
// path); the *_each variants make one call per event, and the *_outcomes variants build each
// event's whole Outcome instead, as process(event, outcome) does for a host that wants it. Each run starts from an empty store and checks the
// retail-v1 checksum line.
//
//   build/benchmarks/bench_engine [google-benchmark flags] [EVENTS_FILE [RULES_FILE]]

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/event_reader.hpp"
#include "read_batches.hpp"

namespace {

std::string events_file = "build/retail-v1.jsonl";
std::string rules_file = "rules/retail.rules";

std::string checksum(const loyalty::Engine& engine, loyalty::Instant at) {
  loyalty::Stats s = engine.stats(at);
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

void report(benchmark::State& state, const loyalty::Engine& engine, loyalty::Instant last,
            std::size_t events) {
  static std::string printed;
  std::string line = checksum(engine, last);
  if (line != printed) {
    std::fprintf(stderr, "%s\n", line.c_str());
    printed = line;
  }
  state.counters["events"] = static_cast<double>(events);
}

// How events go through the engine: in batches, counted (the bulk path: process(events,
// tally)); one call per event, counted (process(event, tally)); or one call per event with
// its whole Outcome built (process(event, outcome)), as for a host that wants it.
enum class Mode { batch, each, outcomes };

struct Feed {
  Mode mode = Mode::batch;
  loyalty::Outcome outcome;
  loyalty::Tally tally;
  void operator()(loyalty::Engine& engine, std::span<const loyalty::Event> events) {
    switch (mode) {
      case Mode::batch: engine.process(events, tally); return;
      case Mode::each:
        for (const auto& event : events) benchmark::DoNotOptimize(engine.process(event, tally));
        return;
      case Mode::outcomes:
        for (const auto& event : events) {
          engine.process(event, outcome);
          benchmark::DoNotOptimize(outcome);
        }
        return;
    }
  }
};

template <Mode kMode>
void in_memory(benchmark::State& state) {
  std::vector<loyalty::Event> events;
  {
    loyalty::EventReader reader(events_file);
    loyalty::Event event;
    while (reader.next(event) == loyalty::EventReader::Status::event) events.push_back(event);
  }
  auto program = loyalty::compile_file(rules_file);
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::make_unique<loyalty::Engine>(program, loyalty::make_memory_store());
    state.ResumeTiming();
    Feed feed;
    feed.mode = kMode;
    feed(*engine, events);
    if (feed.tally.rejected != 0) state.SkipWithError("an event was rejected");
    state.PauseTiming();
    report(state, *engine, events.back().time, events.size());
    engine.reset();  // freeing a million events' state is not processing them
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
}
BENCHMARK_TEMPLATE(in_memory, Mode::batch)->Name("in_memory")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK_TEMPLATE(in_memory, Mode::each)->Name("in_memory_each")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK_TEMPLATE(in_memory, Mode::outcomes)->Name("in_memory_outcomes")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

// Reads the file as `loyalty run` does: a batch of events at a time.
template <Mode kMode>
void from_file(benchmark::State& state) {
  auto program = loyalty::compile_file(rules_file);
  std::size_t count = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::make_unique<loyalty::Engine>(program, loyalty::make_memory_store());
    state.ResumeTiming();
    loyalty::EventReader reader(events_file);
    loyalty::Instant last;
    Feed feed;
    feed.mode = kMode;
    count = loyalty::bench::read_batches(reader, [&](std::span<const loyalty::Event> events) {
      feed(*engine, events);
      last = events.back().time;
    });
    if (feed.tally.rejected != 0) state.SkipWithError("an event was rejected");
    state.PauseTiming();
    report(state, *engine, last, count);
    engine.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}
BENCHMARK_TEMPLATE(from_file, Mode::batch)->Name("from_file")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK_TEMPLATE(from_file, Mode::each)->Name("from_file_each")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK_TEMPLATE(from_file, Mode::outcomes)->Name("from_file_outcomes")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

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
