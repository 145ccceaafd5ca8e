"""SqliteStore: what persists across a reopen, and the backup."""

from __future__ import annotations

from pathlib import Path

import pytest

import loyalty
from conftest import enroll, purchase

pytestmark = pytest.mark.skipif(not loyalty.HAVE_SQLITE, reason="built without the SQLite store")

LATER = "2026-02-01T00:00:00Z"


def test_members_and_programs_persist_across_a_reopen(shop_program: loyalty.Program,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "loyalty.db"
    store = loyalty.SqliteStore(path)
    assert store.path == str(path) and repr(store) == f"SqliteStore({str(path)!r})"
    engine = loyalty.Engine(shop_program, store)
    engine.process(enroll("m1"))
    engine.process(purchase("p1", amount="20.00"))
    engine.flush()
    del engine, store

    reopened = loyalty.Engine(loyalty.SqliteStore(path))  # runs the stored program
    assert reopened.program.name == "Python shop" and reopened.program_version == 1
    view = reopened.member("m1", at=LATER)
    assert (view.points, view.spend) == (120, 20)


def test_duplicates_are_detected_after_a_reopen(shop_program: loyalty.Program,
                                                tmp_path: Path) -> None:
    path = tmp_path / "loyalty.db"
    engine = loyalty.Engine(shop_program, loyalty.SqliteStore(path, commit_every_events=1))
    engine.process(enroll("m1"))
    first = engine.process(purchase("p1", amount="20.00"))
    del engine

    engine = loyalty.Engine(shop_program, loyalty.SqliteStore(path))
    again = engine.process(purchase("p1", amount="20.00"))
    assert again.status == "duplicate" and again.effects == first.effects
    assert engine.process(purchase("p1", amount="21.00")).status == "rejected"
    assert engine.redeem("m1", 10, "ref-1", at=LATER).status == "applied"
    del engine
    engine = loyalty.Engine(loyalty.SqliteStore(path))
    assert engine.redeem("m1", 10, "ref-1", at=LATER).status == "duplicate"
    assert engine.member("m1", at=LATER).points == 110


def test_backup_copies_the_database(shop_program: loyalty.Program, tmp_path: Path) -> None:
    store = loyalty.SqliteStore(tmp_path / "live.db")
    engine = loyalty.Engine(shop_program, store)
    engine.process_many([enroll(f"m{i}") for i in range(50)])
    store.backup(tmp_path / "copy.db")
    copy = loyalty.Engine(loyalty.SqliteStore(tmp_path / "copy.db"))
    assert copy.stats(LATER)["members"] == 50


def test_a_file_that_is_not_a_database_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "not.db"
    path.write_bytes(b"this is not a SQLite database, not even close" * 100)
    with pytest.raises(loyalty.StoreError):
        loyalty.Engine(loyalty.SqliteStore(path))


def test_process_many_stops_at_a_store_failure(shop_program: loyalty.Program,
                                               tmp_path: Path) -> None:
    # The store refuses one write (a trigger stands in for a full disk): that event rolls
    # back alone, the error reaches the caller, and no later event goes in, though the next
    # chunk was converted while the failing one was processed.
    import sqlite3
    path = tmp_path / "loyalty.db"
    engine = loyalty.Engine(shop_program, loyalty.SqliteStore(path))
    engine.process(enroll("m1"))
    engine.flush()
    del engine
    with sqlite3.connect(path) as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = 'p500' "
                   "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END")
    db.close()
    engine = loyalty.Engine(loyalty.SqliteStore(path))
    events = [purchase(f"p{i}", amount="1.00") for i in range(3000)]
    with pytest.raises(loyalty.StoreError, match="the disk is full"):
        engine.process_many(events)
    stats = engine.stats(LATER)
    assert stats["events"] == 1 + 500  # the enrollment, and p0 to p499 of the first chunk
    assert engine.member("m1", at=LATER).points == 100 + 500
