// retail-v1 through the whole engine on the memory store, one thread:
//   in_memory: events parsed beforehand, then processed (the engine alone);
//   from_file: read from the JSON Lines file and processed, as `loyalty run` does.
// Both count outcomes into a Tally, as `loyalty run` and `simulate` do (the bulk path);
// the *_outcomes variants build each event's whole Outcome instead, as process(event,
// outcome) does for a host that wants it. Each run starts from an empty store and checks the
// retail-v1 checksum line.
//
//   build/benchmarks/bench_engine [google-benchmark flags] [EVENTS_FILE [RULES_FILE]]

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/event_reader.hpp"

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

// One event through the engine: counted (the bulk path) or with its whole Outcome.
template <bool kOutcomes>
struct Feed {
  loyalty::Outcome outcome;
  loyalty::Tally tally;
  void operator()(loyalty::Engine& engine, const loyalty::Event& event) {
    if constexpr (kOutcomes) {
      engine.process(event, outcome);
      benchmark::DoNotOptimize(outcome);
    } else {
      benchmark::DoNotOptimize(engine.process(event, tally));
    }
  }
};

template <bool kOutcomes>
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
    Feed<kOutcomes> feed;
    for (const auto& event : events) feed(*engine, event);
    state.PauseTiming();
    report(state, *engine, events.back().time, events.size());
    engine.reset();  // freeing a million events' state is not processing them
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
}
BENCHMARK_TEMPLATE(in_memory, false)->Name("in_memory")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK_TEMPLATE(in_memory, true)->Name("in_memory_outcomes")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

template <bool kOutcomes>
void from_file(benchmark::State& state) {
  auto program = loyalty::compile_file(rules_file);
  std::size_t count = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::make_unique<loyalty::Engine>(program, loyalty::make_memory_store());
    state.ResumeTiming();
    loyalty::EventReader reader(events_file);
    loyalty::Event event;
    count = 0;
    loyalty::Instant last;
    Feed<kOutcomes> feed;
    while (reader.next(event) == loyalty::EventReader::Status::event) {
      feed(*engine, event);
      last = event.time;
      ++count;
    }
    state.PauseTiming();
    report(state, *engine, last, count);
    engine.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}
BENCHMARK_TEMPLATE(from_file, false)->Name("from_file")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK_TEMPLATE(from_file, true)->Name("from_file_outcomes")->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

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
