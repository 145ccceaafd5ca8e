#!/usr/bin/env bash
# Writes the retail-v1 workload (shared/bench/RETAIL_V1.md) to build/retail-v1.jsonl unless it
# is there already: 100,000 members, 1,000,000 events, seed 7. Arguments override the counts:
#   benchmarks/retail-v1.sh [MEMBERS EVENTS [OUT]]
set -euo pipefail
cd "$(dirname "$0")/.."
members=${1:-100000}
events=${2:-1000000}
out=${3:-build/retail-v1.jsonl}
generator=${LOYALTY_RETAIL_GENERATOR:-../shared/bench/gen_retail.py}
if [[ -s $out ]]; then
  exit 0
fi
if [[ ! -f $generator ]]; then
  echo "retail-v1.sh: no generator at $generator (set LOYALTY_RETAIL_GENERATOR)" >&2
  exit 2
fi
mkdir -p "$(dirname "$out")"
echo "retail-v1.sh: writing $out ($members members, $events events, seed 7)" >&2
/usr/bin/python3 "$generator" --members "$members" --events "$events" --seed 7 > "$out.tmp"
mv "$out.tmp" "$out"
