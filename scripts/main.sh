#!/usr/bin/env bash
# The main job, from a fresh machine: install what is missing, build, and run the retail-v1
# workload (1,000,000 events) through loyalty.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
benchmarks/retail-v1.sh
echo "== loyalty inspect build/retail-v1.jsonl"
build/src/cli/loyalty inspect build/retail-v1.jsonl
