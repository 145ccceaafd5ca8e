"""process_many and process_file: summaries, rejects, the retail-v1 checksum, and the GIL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest

import loyalty
from conftest import RETAIL_10K, RETAIL_10K_CHECKSUM, RETAIL_RULES, checksum, enroll, purchase


def test_process_many_counts_and_lists_rejects(shop: loyalty.Engine) -> None:
    events = [
        enroll("m1"),
        purchase("p1", amount="10.00"),
        purchase("p2", amount=1.5),                # a float: not read
        purchase("p3", member="nobody"),           # rejected by the engine
        purchase("p1", amount="10.00"),            # a duplicate
        {"id": "x", "type": "purchase"},           # malformed
        purchase("p4", amount="1200.00"),
    ]
    summary = shop.process_many(events)
    assert (summary.events, summary.applied, summary.duplicates, summary.rejected) == (7, 3, 1, 3)
    assert summary.points_awarded == 100 + 10 + 1200 + 50
    assert summary.points_taken == 0
    assert [(r.index, r.event) for r in summary.rejects] == [(2, "p2"), (3, "p3"), (5, None)]
    assert all(r.line is None and r.text is None for r in summary.rejects)
    assert "not exact" in summary.rejects[0].reason
    assert summary.rejects[2].reason == "missing field 'member'"
    assert summary.rules["base"].to_dict() == {"fired": 2, "awarded": 1210, "deducted": 0}
    assert summary.rules["gold_welcome"].fired == 1
    assert sum(summary.rejected_by_reason.values()) == 3
    assert summary.latest_time is not None
    assert repr(summary) == ("Summary(events=7, applied=3, duplicates=1, rejected=3, "
                             "points_awarded=1360, points_taken=0)")


def test_process_many_lists_rejects_in_the_order_of_the_events(shop: loyalty.Engine) -> None:
    # An event the engine refuses, before one that cannot be converted, in the same chunk.
    events = [enroll("m1"), purchase("p1", member="nobody"), purchase("p2", amount=1.5),
              purchase("p3", member="nobody"), {"id": "x", "type": "purchase"}]
    summary = shop.process_many(events)
    assert [(r.index, r.event) for r in summary.rejects] == [
        (1, "p1"), (2, "p2"), (3, "p3"), (4, None)]


def test_process_many_takes_any_iterable(shop: loyalty.Engine) -> None:
    def events() -> Iterator[dict[str, Any]]:
        yield enroll("m1")
        for i in range(3000):  # more than one chunk
            yield purchase(f"p{i}", amount="1.00", time=f"2026-01-02T10:{i // 60 % 60:02}:{i % 60:02}Z")
    summary = shop.process_many(events())
    assert (summary.events, summary.applied) == (3001, 3001)
    assert shop.member("m1", at="2026-02-01T00:00:00Z").points == 100 + 3000 + 50  # gold_welcome


def test_process_many_keeps_the_order_across_chunks(shop: loyalty.Engine) -> None:
    # Chunks are converted while the one before is processed: the rejects still come in the
    # order of the events, and every event before a failing item goes in.
    def events() -> Iterator[dict[str, Any]]:
        yield enroll("m1")
        for i in range(1, 2600):
            if i == 300 or i == 2100:
                yield purchase(f"p{i}", member="nobody")  # the engine refuses it
            elif i == 1500:
                yield purchase(f"p{i}", amount=1.5)  # a float: not read
            else:
                yield purchase(f"p{i}", amount="1.00",
                               time=f"2026-01-02T{i // 3600:02}:{i // 60 % 60:02}:{i % 60:02}Z")
        yield "not an event"
        yield purchase("never")
    with pytest.raises(TypeError, match="an event is a dict"):
        shop.process_many(events())
    assert shop.stats("2026-02-01T00:00:00Z")["events"] == 2600 - 3
    assert shop.member("m1", at="2026-02-01T00:00:00Z").points == 100 + 2596 + 50
    summary = shop.process_many(
        [purchase(f"q{i}", member="nobody") if i % 1000 == 999 else purchase(f"q{i}", amount=1.5)
         if i % 1000 == 500 else purchase(f"q{i}", amount="1.00") for i in range(3000)])
    assert [r.index for r in summary.rejects] == [500, 999, 1500, 1999, 2500, 2999]
    assert (summary.events, summary.applied, summary.rejected) == (3000, 2994, 6)


def test_process_many_stops_at_an_item_that_is_not_a_mapping(shop: loyalty.Engine) -> None:
    with pytest.raises(TypeError, match="an event is a dict"):
        shop.process_many([enroll("m1"), purchase("p1"), "not an event", purchase("p2")])
    # The events before it went in.
    assert shop.stats("2026-02-01T00:00:00Z")["events"] == 2


def test_process_many_passes_on_the_iterables_error(shop: loyalty.Engine) -> None:
    def events() -> Iterator[dict[str, Any]]:
        yield enroll("m1")
        raise RuntimeError("the feed broke")
    with pytest.raises(RuntimeError, match="the feed broke"):
        shop.process_many(events())
    assert shop.stats("2026-02-01T00:00:00Z")["events"] == 1


def test_process_file_reports_lines_and_reasons(shop: loyalty.Engine, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(enroll("m1")), "not json", "", json.dumps(purchase("p1")),
             json.dumps(purchase("p2", member="nobody"))]
    path.write_text("\n".join(lines) + "\n")
    summary = shop.process_file(path)
    assert (summary.events, summary.applied, summary.rejected) == (4, 2, 2)
    first, second = summary.rejects
    assert (first.line, first.index, first.event, first.text) == (2, None, None, "not json")
    assert first.reason.startswith("invalid JSON")
    assert (second.line, second.event, second.text) == (5, "p2", None)
    assert summary.to_dict()["rejects"][0]["line"] == 2


def test_process_file_of_a_missing_file_raises_io_error(shop: loyalty.Engine,
                                                        tmp_path: Path) -> None:
    with pytest.raises(loyalty.IoError):
        shop.process_file(tmp_path / "missing.jsonl")


def test_retail_10k_checksum_through_every_path(retail: loyalty.Program) -> None:
    from_file = loyalty.Engine(retail)
    summary = from_file.process_file(RETAIL_10K)
    assert (summary.applied, summary.rejected) == (10000, 0)
    assert checksum(from_file, summary.latest_time) == RETAIL_10K_CHECKSUM

    events = [json.loads(line, parse_float=Decimal) for line in RETAIL_10K.open()]
    from_dicts = loyalty.Engine(retail)
    summary_dicts = from_dicts.process_many(events)
    assert checksum(from_dicts, summary_dicts.latest_time) == RETAIL_10K_CHECKSUM
    assert summary_dicts.to_dict() == {**summary.to_dict(), "rejects": []}

    one_by_one = loyalty.Engine(retail)
    for event in events[:500]:
        assert one_by_one.process(event) == from_file.explain(event["id"])


def review_events(members: int, reviews: int) -> list[dict[str, Any]]:
    """Cheap retail events: enrollments, then reviews spread over the members."""
    events = [enroll(f"m{i}", time="2026-01-01T00:00:00Z", birthday="1990-01-01")
              for i in range(members)]
    events += [{"id": f"r{i}", "type": "review_posted", "member": f"m{i % members}",
                "time": f"2026-01-02T{i // 3600 % 24:02}:{i // 60 % 60:02}:{i % 60:02}Z"}
               for i in range(reviews)]
    return events


def test_process_many_releases_the_gil(retail: loyalty.Program) -> None:
    # A second thread records when it runs. Had process_many held the GIL throughout, that
    # thread could not run a single bytecode between the call's start and end (the events
    # are a list: no Python code of ours runs inside the call), so the samples within it
    # prove the GIL was let go while the engine worked.
    margin = 0.02  # around the call's edges, where a thread switch may fall either way
    reviews = 20_000
    while True:
        events = review_events(100, reviews)
        engine = loyalty.Engine(retail)
        samples: list[float] = []
        stop = threading.Event()

        def spin() -> None:
            count = 0
            while not stop.is_set():
                count += 1
                if count % 200 == 0:
                    samples.append(time.perf_counter())

        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        thread = threading.Thread(target=spin)
        thread.start()
        try:
            time.sleep(0.01)
            start = time.perf_counter()
            summary = engine.process_many(events)
            end = time.perf_counter()
        finally:
            stop.set()
            thread.join()
            sys.setswitchinterval(interval)
        assert summary.applied == len(events)
        if end - start > 10 * margin or reviews >= 640_000:
            break
        reviews *= 4  # too fast to tell on this machine: a longer run
    inside = [s for s in samples if start + margin < s < end - margin]
    assert end - start > 10 * margin
    assert len(inside) >= 10, f"{len(inside)} samples in {end - start:.3f} s"


def test_threads_share_one_engine_safely(retail: loyalty.Program) -> None:
    engine = loyalty.Engine(retail)
    engine.process_many(enroll(f"m{i}", time="2026-01-01T00:00:00Z", birthday="1990-01-01")
                        for i in range(4))
    summaries: list[loyalty.Summary] = []

    def work(member: str) -> None:
        summaries.append(engine.process_many(
            {"id": f"{member}-r{i}", "type": "review_posted", "member": member,
             "time": "2026-01-02T00:00:00Z"} for i in range(2000)))

    threads = [threading.Thread(target=work, args=(f"m{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [s.applied for s in summaries] == [2000] * 4
    stats = engine.stats("2026-02-01T00:00:00Z")
    assert stats["events"] == 4 + 8000
    assert stats["points_total"] == 4 * (500 + 2000 * 50)


HEAP_FLAGS = """
import sys, loyalty
if sys.argv[3] == "off":
    print(loyalty.set_huge_pages(False), loyalty.set_huge_pages(False))
engine = loyalty.Engine(loyalty.compile_file(sys.argv[1]))
assert engine.process_file(sys.argv[2]).applied == 10000
# The VmFlags of each mapping of the C heap ([heap]) in /proc/self/smaps.
inside = False
for line in open("/proc/self/smaps"):
    fields = line.split()
    if "-" in fields[0] and not fields[0].endswith(":"):
        inside = fields[-1] == "[heap]"
    elif inside and fields[0] == "VmFlags:":
        print(" ".join(fields[1:]))
"""


@pytest.mark.skipif(not Path("/sys/kernel/mm/transparent_hugepage/enabled").exists(),
                    reason="a system without transparent huge pages (Linux only)")
def test_bulk_runs_ask_for_huge_pages_unless_told_not_to(retail: loyalty.Program) -> None:
    # Each run in a fresh interpreter: the setting, and the heap, are the process's.
    def heap_flags(setting: str) -> list[str]:
        result = subprocess.run([sys.executable, "-c", HEAP_FLAGS, str(RETAIL_RULES),
                                 str(RETAIL_10K), setting],
                                check=True, capture_output=True, text=True)
        return result.stdout.splitlines()
    on = heap_flags("on")
    assert any("hg" in flags.split() for flags in on), on  # MADV_HUGEPAGE
    off = heap_flags("off")
    assert off[0] == "True False"  # set_huge_pages returns the setting before
    assert off[1:] and not any("hg" in flags.split() for flags in off[1:]), off
