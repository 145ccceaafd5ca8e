#!/usr/bin/env python3
"""Throughput of the Python package on retail-v1 (a benchmark, not a test).

Measures, each on a fresh MemoryStore:
  process_many   the events as Python dicts (json.loads'ed beforehand, not timed)
  process_file   the JSON Lines file, read and processed in C++
  (both best of --repeat runs in this process), then, each as the first run of a new process:
  process_file   again
  CLI            `loyalty simulate RULES EVENTS` (the same work in memory; the figure it
                 prints itself), when the binary exists
and prints events per second, with the retail-v1 checksum line of the first two.

    PYTHONPATH=build/python /usr/bin/python3 bindings/python/bench_process_many.py \\
        [--events build/retail-v1.jsonl] [--cli build/src/cli/loyalty] [--limit N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

# This file sits beside the package's sources, which lack the compiled module: import the
# built package (PYTHONPATH) rather than that folder.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
import loyalty  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def checksum(engine: loyalty.Engine, at: Any) -> str:
    stats = engine.stats(at)
    fields = {"events": stats["events"], "members": stats["members"],
              "points_total": stats["points_total"],
              **{t: stats["tiers"].get(t, 0) for t in ("bronze", "silver", "gold")},
              "vip": stats["tags"].get("vip", 0)}
    return json.dumps(fields, separators=(",", ":"))


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=Path, default=ROOT / "build" / "retail-v1.jsonl")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules" / "retail.rules")
    parser.add_argument("--cli", type=Path, default=ROOT / "build" / "src" / "cli" / "loyalty")
    parser.add_argument("--limit", type=int, default=0, help="only the first N events")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts")
    args = parser.parse_args()

    events_file = args.events
    if args.limit:  # a prefix of the file, so that every path reads the same events
        events_file = Path(f"/tmp/bench_process_many_{args.limit}.jsonl")
        with args.events.open() as source, events_file.open("w") as out:
            out.writelines(itertools.islice(source, args.limit))

    program = loyalty.compile_file(args.rules)
    load_seconds, events = timed(
        lambda: [json.loads(line, parse_float=Decimal) for line in events_file.open()])
    count = len(events)
    print(f"{count:,} events from {events_file} (json.loads: {load_seconds:.2f} s, not counted)")

    def best(name: str, run: Callable[[loyalty.Engine], loyalty.Summary]) -> float:
        seconds = []
        for _ in range(args.repeat):
            engine = loyalty.Engine(program, loyalty.MemoryStore())
            elapsed, summary = timed(lambda: run(engine))
            seconds.append(elapsed)
            line = checksum(engine, summary.latest_time)
        rate = count / min(seconds)
        print(f"{name:<28} {min(seconds):8.2f} s  {rate:>12,.0f} events/s  {line}")
        return rate

    many = best("process_many", lambda engine: engine.process_many(events))
    events.clear()  # memory back for the rest
    from_file = best("process_file", lambda engine: engine.process_file(events_file))

    # A fresh process's first run pays for growing its heap (page faults), which a process
    # that has run before does not: the CLI is compared with process_file run the same way.
    cold_code = ("import sys, time, loyalty\n"
                 "engine = loyalty.Engine(loyalty.compile_file(sys.argv[1]))\n"
                 "start = time.perf_counter()\n"
                 "summary = engine.process_file(sys.argv[2])\n"
                 "print(summary.events / (time.perf_counter() - start))\n")
    def fresh(env: dict[str, str] | None = None) -> float:
        return max(float(subprocess.run([sys.executable, "-c", cold_code, str(args.rules),
                                         str(events_file)], check=True, capture_output=True,
                                        text=True, cwd=ROOT, env=env).stdout)
                   for _ in range(args.repeat))
    cold = fresh()
    print(f"{'process_file, fresh process':<28} {count / cold:8.2f} s  {cold:>12,.0f} events/s")
    # The CLI's allocator backs the heap with transparent huge pages (jemalloc, thp:always);
    # Python's is the C library's, which does so when this tunable is set at its start.
    huge = fresh({**os.environ, "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"})
    print(f"{'  the same, huge pages':<28} {count / huge:8.2f} s  {huge:>12,.0f} events/s"
          "  (GLIBC_TUNABLES=glibc.malloc.hugetlb=1)")
    if args.cli.exists():
        # The CLI's own figure: its run, without starting the process or freeing the engine.
        rates = []
        for _ in range(args.repeat):
            result = subprocess.run([str(args.cli), "simulate", str(args.rules), str(events_file)],
                                    check=True, capture_output=True, text=True)
            rates.append(float(re.search(r"\(([\d,]+) events/s\)", result.stdout)
                               .group(1).replace(",", "")))
        cli = max(rates)
        print(f"{'CLI simulate, fresh process':<28} {count / cli:8.2f} s  {cli:>12,.0f} events/s")
        print(f"process_file / CLI, both fresh: {cold / cli:.2f}; with huge pages: {huge / cli:.2f}")
    print(f"process_many / process_file: {many / from_file:.2f}")


if __name__ == "__main__":
    main()
