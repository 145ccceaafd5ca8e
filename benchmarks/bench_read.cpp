// Reads a retail-v1 JSON Lines file (benchmarks/retail-v1.sh makes it) with EventReader, the
// way `loyalty run` does: one reused Event, every field decoded, money parsed exactly.
//
//   build/benchmarks/bench_read [google-benchmark flags] [EVENTS_FILE]
//
// The file defaults to $LOYALTY_EVENTS, then build/retail-v1.jsonl.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "loyalty/event_reader.hpp"

namespace {

std::string events_file = "build/retail-v1.jsonl";

void read_file(benchmark::State& state) {
  std::uint64_t events = 0, rejected = 0, items = 0;
  for (auto _ : state) {
    loyalty::EventReader reader(events_file);
    loyalty::Event event;
    for (;;) {
      auto status = reader.next(event);
      if (status == loyalty::EventReader::Status::end) break;
      if (status == loyalty::EventReader::Status::rejected) {
        ++rejected;
        continue;
      }
      ++events;
      items += event.items.size();
      benchmark::DoNotOptimize(event.amount);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events + rejected));
  state.counters["events"] = benchmark::Counter(static_cast<double>(events) /
                                                static_cast<double>(state.iterations()));
  state.counters["rejected"] = benchmark::Counter(static_cast<double>(rejected));
  state.counters["items"] = benchmark::Counter(static_cast<double>(items) /
                                               static_cast<double>(state.iterations()));
}
BENCHMARK(read_file)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (const char* env = std::getenv("LOYALTY_EVENTS")) events_file = env;
  if (argc > 1) events_file = argv[1];
  if (std::FILE* f = std::fopen(events_file.c_str(), "rb")) {
    std::fclose(f);
  } else {
    std::fprintf(stderr, "bench_read: no events file at %s (run benchmarks/retail-v1.sh)\n",
                 events_file.c_str());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
