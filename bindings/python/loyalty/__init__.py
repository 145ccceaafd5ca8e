"""loyalty: an embeddable loyalty-rules engine, from Python.

A program of rules is compiled once; an engine applies it to events (plain dicts, exactly as
in the JSON Lines format) and writes their effects through a store::

    import loyalty
    program = loyalty.compile_file("rules/retail.rules")      # raises loyalty.RuleError
    engine = loyalty.Engine(program, loyalty.SqliteStore("loyalty.db"))
    outcome = engine.process({"id": "e1", "type": "enroll", "member": "m1",
                              "time": "2026-01-01T09:00:00Z"})
    outcome.effects       # [Effect(kind='award', rule='welcome', points=500, ...)]
    engine.member("m1")   # the member's view; money as decimal.Decimal
    engine.process_many(events)   # any iterable of dicts; releases the GIL while it works

Numbers cross exactly: money comes back as decimal.Decimal, and an event's numbers go in as
int, str or decimal.Decimal. A Python float in an event is refused (EventError), because
binary floating point cannot hold most amounts of money; read JSON with
``json.loads(line, parse_float=decimal.Decimal)`` if its numbers are not strings already.
Times come back as aware datetimes in UTC, and go in as aware datetimes or RFC 3339 strings.

Every error is a loyalty.Error: RuleError (with .diagnostics), EventError (with .reason),
StoreError, InsufficientPoints, IoError, NumberError, TimeError.
"""

from __future__ import annotations

from ._errors import (
    Error,
    EventError,
    InsufficientPoints,
    IoError,
    NumberError,
    RuleError,
    StoreError,
    TimeError,
)
from ._loyalty import (
    HAVE_SQLITE,
    Diagnostic,
    Effect,
    Engine,
    LedgerEntry,
    Lot,
    Member,
    MemoryStore,
    OutboxMessage,
    Outcome,
    Program,
    Reject,
    RuleTally,
    RuleTrace,
    SqliteStore,
    Store,
    Summary,
    TickSummary,
    compile,
    compile_file,
    set_huge_pages,
)
from ._records import install as _install_records
from ._simulate import RuleCost, Simulation, simulate

_install_records()

__version__ = "0.1.0"

__all__ = [
    "HAVE_SQLITE",
    "Diagnostic",
    "Effect",
    "Engine",
    "Error",
    "EventError",
    "InsufficientPoints",
    "IoError",
    "LedgerEntry",
    "Lot",
    "Member",
    "MemoryStore",
    "NumberError",
    "OutboxMessage",
    "Outcome",
    "Program",
    "Reject",
    "RuleCost",
    "RuleError",
    "RuleTally",
    "RuleTrace",
    "Simulation",
    "SqliteStore",
    "Store",
    "StoreError",
    "Summary",
    "TickSummary",
    "TimeError",
    "compile",
    "compile_file",
    "set_huge_pages",
    "simulate",
]
