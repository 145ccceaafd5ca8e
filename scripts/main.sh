#!/usr/bin/env bash
# The main job, from a fresh machine: install what is missing, build, write the retail-v1
# workload (1,000,000 events, 100,000 members), run it through `loyalty run` into a SQLite
# database, then show the totals and one member's view.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
benchmarks/retail-v1.sh
loyalty=build/src/cli/loyalty
db=build/retail-v1.db
rm -f "$db" "$db-wal" "$db-shm"
echo "== loyalty run rules/retail.rules build/retail-v1.jsonl --db $db"
"$loyalty" run rules/retail.rules build/retail-v1.jsonl --db "$db"
at=2027-01-01T00:00:00Z  # after the workload's last event
echo "== loyalty stats --json --db $db --at $at"
"$loyalty" stats --json --db "$db" --at "$at"
echo "== loyalty member m0000042 --db $db --at $at"
"$loyalty" member m0000042 --db "$db" --at "$at"
