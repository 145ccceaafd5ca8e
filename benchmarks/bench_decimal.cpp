// Micro benchmarks of Decimal on the shapes the retail-v1 rules use: money parsed from
// strings, amount * 0.25, floor to points, sums of item lines.

#include <benchmark/benchmark.h>

#include <array>

#include "loyalty/decimal.hpp"

namespace {

using loyalty::Decimal;
using loyalty::Rounding;

const std::array<const char*, 8> amounts = {"30.00",  "129.90", "0.10",    "4521.37",
                                            "15.00",  "999.99", "1234.50", "7.25"};

void parse_money(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Decimal::parse(amounts[i++ & 7]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(parse_money);

void bonus_points(benchmark::State& state) {
  std::array<Decimal, 8> values;
  for (std::size_t k = 0; k < values.size(); ++k) values[k] = Decimal::parse(amounts[k]);
  const Decimal quarter = Decimal::parse("0.25");
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize((values[i++ & 7] * quarter).to_int64(Rounding::floor));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bonus_points);

void line_totals(benchmark::State& state) {
  std::array<Decimal, 8> prices;
  for (std::size_t k = 0; k < prices.size(); ++k) prices[k] = Decimal::parse(amounts[k]);
  for (auto _ : state) {
    Decimal total;
    for (std::size_t k = 0; k < prices.size(); ++k) {
      total += Decimal(static_cast<std::int64_t>(k + 1)) * prices[k];
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * 8);
}
BENCHMARK(line_totals);

void divide(benchmark::State& state) {
  const Decimal a = Decimal::parse("129.90"), b = Decimal(7);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a / b);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(divide);

}  // namespace

BENCHMARK_MAIN();
