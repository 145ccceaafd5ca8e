// Compiling programs: the retail-v1 program, and generated programs of 1,000 and 10,000 rules
// mixing the shapes real programs use (conditions over items, tiers, windows, options).

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "loyalty/program.hpp"

namespace {

std::string generated_program(int rules) {
  std::string text =
      "program \"Generated\"\n"
      "settings {\n  timezone = \"+08:00\"\n  points_expire = 12 months\n}\n"
      "member {\n  birthday: date\n  email: string pii\n  home_store: string optional\n}\n"
      "event review_posted {\n  stars: number\n}\n"
      "tiers by member.earned {\n  bronze from 0\n  silver from 2000\n  gold from 8000\n"
      "  keep 12 months\n}\n"
      "lifecycle {\n  new when days_since(member.enrolled_at) < 30\n"
      "  active when days_since(member.last_purchase_at) <= 90\n  dormant otherwise\n}\n";
  for (int i = 0; i < rules; ++i) {
    switch (i % 4) {
      case 0:
        text += "rule r" + std::to_string(i) + " on purchase when event.amount >= " +
                std::to_string(i % 500) + " and member.tier >= silver {\n  award event.amount * " +
                std::to_string(i % 9) + ".5 points as \"bonus " + std::to_string(i) + "\"\n}\n";
        break;
      case 1:
        text += "rule r" + std::to_string(i) +
                " on purchase when any(event.items where item.category == \"coffee\")\n"
                "  limit 3 per member per 30 days\n  priority " +
                std::to_string(i % 7) + "\n{\n  award 5 * sum(event.items, item.qty where "
                "item.category == \"coffee\") points pending 14 days\n}\n";
        break;
      case 2:
        text += "rule r" + std::to_string(i) +
                " on review_posted when event.stars >= 4 and purchases(90 days) > 2\n"
                "  budget 100000 points\n  group \"g" +
                std::to_string(i % 13) + "\"\n{\n  award 50 points\n  tag \"reviewer\"\n}\n";
        break;
      default:
        text += "rule r" + std::to_string(i) +
                " on purchase when weekday(event.time) in [sat, sun]\n"
                "  active from 2026-12-01 to 2026-12-31\n{\n  award floor(event.amount / 10) "
                "points expiring in 90 days\n  emit \"weekend_buyer\" { amount: event.amount }\n}\n";
    }
  }
  return text;
}

void compile_generated(benchmark::State& state) {
  const std::string text = generated_program(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(loyalty::compile(text, "generated.rules"));
  }
  state.counters["rules"] = static_cast<double>(state.range(0));
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(compile_generated)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void compile_retail(benchmark::State& state) {
  std::ifstream in("rules/retail.rules");
  std::stringstream text;
  text << in.rdbuf();
  const std::string source = text.str();
  for (auto _ : state) {
    benchmark::DoNotOptimize(loyalty::compile(source, "retail.rules"));
  }
}
BENCHMARK(compile_retail)->Unit(benchmark::kMicrosecond);

// A 10 MB file of garbage bytes: rejected, quickly.
void reject_garbage(benchmark::State& state) {
  std::string text(10u << 20, ' ');
  std::uint64_t x = 88172645463325252ull;
  for (char& c : text) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x & 0x7f);
  }
  for (auto _ : state) {
    try {
      loyalty::compile(text, "garbage.rules");
    } catch (const loyalty::RuleError& e) {
      benchmark::DoNotOptimize(e.diagnostics().size());
    }
  }
}
BENCHMARK(reject_garbage)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
