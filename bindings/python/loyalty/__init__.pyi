"""Type stubs for the loyalty package (the compiled loyalty._loyalty and its Python helpers)."""

import datetime
import decimal
import os
from typing import Any, Iterable, Literal, Mapping, Optional, Union, overload

__version__: str
HAVE_SQLITE: bool
"""True when the module was built with the SQLite store."""

# An event as in the JSON Lines format: str keys; values str, int, bool, None,
# decimal.Decimal, an aware datetime, a date, or nested dicts and lists of those.
# A float is refused (EventError): money must stay exact.
EventDict = Mapping[str, Any]
# An aware datetime, or an RFC 3339 string such as "2026-01-01T09:00:00Z".
TimeLike = Union[datetime.datetime, str]
PathLike = Union[str, os.PathLike[str]]

EffectKind = Literal["award", "deduct", "reverse", "redeem", "adjust", "expire", "tag", "untag",
                     "set", "emit", "tier_change", "stage_change", "enroll"]
Verdict = Literal["fired", "condition false", "outside active", "limit reached", "budget spent",
                  "group taken", "after stop"]
Status = Literal["applied", "duplicate", "rejected"]
LedgerKind = Literal["award", "deduct", "reverse", "redeem", "adjust", "expire"]

# ---------------------------------------------------------------------------- exceptions

class Diagnostic:
    """One problem found while compiling a program."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def length(self) -> int: ...
    @property
    def message(self) -> str: ...
    @property
    def hint(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

class Error(Exception):
    """Base of every exception loyalty raises."""

    code: str
    """A stable name for the kind of failure ("invalid_event", "store", ...)."""
    def __init__(self, message: str, code: Optional[str] = ...) -> None: ...
    @property
    def message(self) -> str: ...

class NumberError(Error, ValueError):
    """A number is malformed, overflows, or is divided by zero."""

class TimeError(Error, ValueError):
    """A date, time, offset or duration is malformed or out of range."""

class EventError(Error):
    """An event is malformed, or an operation was refused; `reason` says why."""

    @property
    def reason(self) -> str: ...

class IoError(Error, OSError):
    """A file could not be opened or read."""

class StoreError(Error):
    """The storage backend failed."""

class InsufficientPoints(Error):
    """A redemption larger than the available balance was refused."""

class RuleError(Error):
    """A program does not compile; `diagnostics` holds every problem found."""

    diagnostics: list[Diagnostic]
    def __init__(self, message: str, code: Optional[str] = ...,
                 diagnostics: Optional[list[Diagnostic]] = ...) -> None: ...

# ---------------------------------------------------------------------------- programs

class Program:
    """A compiled program: immutable, shareable between engines and threads."""

    @property
    def name(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def rule_names(self) -> list[str]: ...
    @property
    def tier_names(self) -> list[str]: ...
    @property
    def stage_names(self) -> list[str]: ...

def compile(text: str, file: str = "<rules>", *, max_expression_depth: int = 64,
            max_diagnostics: int = 100) -> Program:
    """Compiles a program from its text; raises RuleError."""

def compile_file(path: PathLike, *, max_expression_depth: int = 64,
                 max_diagnostics: int = 100) -> Program:
    """Compiles the program in a file; raises IoError or RuleError."""

def set_huge_pages(enabled: bool) -> bool:
    """Whether bulk runs (process_many, process_file, simulate) back the C heap with
    transparent huge pages as it grows; process-wide, on by default. Returns the setting
    before."""

# ---------------------------------------------------------------------------- outcomes

class Effect:
    """One effect of an event, with the rule that made it."""

    @property
    def kind(self) -> EffectKind: ...
    @property
    def rule(self) -> Optional[str]: ...
    @property
    def points(self) -> int: ...
    @property
    def asked(self) -> int: ...
    @property
    def label(self) -> Optional[str]: ...
    @property
    def name(self) -> Optional[str]: ...
    @property
    def value(self) -> Any:
        """set: the new value; emit: the message's data (a dict); else None."""
    @property
    def from_(self) -> Optional[str]: ...
    @property
    def to(self) -> Optional[str]: ...
    @property
    def available_at(self) -> Optional[datetime.datetime]: ...
    @property
    def expires_at(self) -> Optional[datetime.datetime]: ...
    @property
    def depth(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

class RuleTrace:
    """One rule considered for an event, and why it fired or not."""

    @property
    def rule(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def verdict(self) -> Verdict: ...
    @property
    def fired(self) -> bool: ...
    @property
    def depth(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

class Outcome:
    """What happened to one event, redemption or adjustment."""

    @property
    def status(self) -> Status: ...
    @property
    def event(self) -> str: ...
    @property
    def member(self) -> str: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def effects(self) -> list[Effect]: ...
    @property
    def rules(self) -> list[RuleTrace]: ...
    @property
    def points(self) -> int: ...
    @property
    def pending_points(self) -> int: ...
    @property
    def tier(self) -> Optional[str]: ...
    @property
    def stage(self) -> Optional[str]: ...
    @property
    def program_version(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

# ---------------------------------------------------------------------------- member views

class Lot:
    """A lot of points with points left."""

    @property
    def id(self) -> int: ...
    @property
    def points(self) -> int: ...
    @property
    def remaining(self) -> int: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def available_at(self) -> datetime.datetime: ...
    @property
    def expires_at(self) -> Optional[datetime.datetime]: ...
    @property
    def event(self) -> str: ...
    @property
    def rule(self) -> Optional[str]: ...
    @property
    def program_version(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

class LedgerEntry:
    """One line of a member's ledger; points signed."""

    @property
    def kind(self) -> LedgerKind: ...
    @property
    def points(self) -> int: ...
    @property
    def asked(self) -> int: ...
    @property
    def time(self) -> datetime.datetime: ...
    @property
    def event(self) -> Optional[str]: ...
    @property
    def rule(self) -> Optional[str]: ...
    @property
    def label(self) -> Optional[str]: ...
    @property
    def program_version(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

class OutboxMessage:
    """A message the member's events wrote to the outbox."""

    @property
    def sequence(self) -> int: ...
    @property
    def event(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def time(self) -> datetime.datetime: ...
    def to_dict(self) -> dict[str, Any]: ...

class Member:
    """A member's view, judged at `at`: money as Decimal, times as aware datetimes in UTC."""

    @property
    def id(self) -> str: ...
    @property
    def at(self) -> datetime.datetime: ...
    @property
    def enrolled_at(self) -> datetime.datetime: ...
    @property
    def tier(self) -> Optional[str]: ...
    @property
    def tier_since(self) -> Optional[datetime.datetime]: ...
    @property
    def tier_kept_until(self) -> Optional[datetime.datetime]: ...
    @property
    def stage(self) -> Optional[str]: ...
    @property
    def stage_since(self) -> Optional[datetime.datetime]: ...
    @property
    def points(self) -> int: ...
    @property
    def pending_points(self) -> int: ...
    @property
    def expiring_points(self) -> int: ...
    @property
    def expiring_window(self) -> str: ...
    @property
    def debt(self) -> int: ...
    @property
    def earned(self) -> int: ...
    @property
    def purchases(self) -> int: ...
    @property
    def spend(self) -> decimal.Decimal: ...
    @property
    def last_purchase_at(self) -> Optional[datetime.datetime]: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def attributes(self) -> dict[str, Any]: ...
    @property
    def pii(self) -> list[str]: ...
    @property
    def lots(self) -> list[Lot]: ...
    @property
    def ledger(self) -> list[LedgerEntry]: ...
    @property
    def outbox(self) -> list[OutboxMessage]: ...
    @property
    def program_version(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

# ---------------------------------------------------------------------------- summaries

class TickSummary:
    """What a tick did."""

    @property
    def time(self) -> datetime.datetime: ...
    @property
    def members(self) -> int: ...
    @property
    def expired_points(self) -> int: ...
    @property
    def tier_changes(self) -> int: ...
    @property
    def stage_changes(self) -> int: ...
    @property
    def daily_rules_fired(self) -> int: ...
    @property
    def rejected(self) -> list[Outcome]: ...
    def to_dict(self) -> dict[str, Any]: ...

class RuleTally:
    """One rule's share of a run."""

    @property
    def fired(self) -> int: ...
    @property
    def awarded(self) -> int: ...
    @property
    def deducted(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

class Reject:
    """An event that was not applied, and why."""

    @property
    def index(self) -> Optional[int]: ...
    @property
    def line(self) -> Optional[int]: ...
    @property
    def event(self) -> Optional[str]: ...
    @property
    def reason(self) -> str: ...
    @property
    def text(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...

class Summary:
    """What process_many or process_file did."""

    @property
    def events(self) -> int: ...
    @property
    def applied(self) -> int: ...
    @property
    def duplicates(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def rejected_by_reason(self) -> dict[str, int]: ...
    @property
    def points_awarded(self) -> int: ...
    @property
    def points_taken(self) -> int: ...
    @property
    def rules(self) -> dict[str, RuleTally]: ...
    @property
    def rejects(self) -> list[Reject]: ...
    @property
    def latest_time(self) -> Optional[datetime.datetime]: ...
    def to_dict(self) -> dict[str, Any]: ...

# ---------------------------------------------------------------------------- stores, engine

class Store:
    """Where an engine keeps its data: a MemoryStore or a SqliteStore."""

    @property
    def path(self) -> Optional[str]: ...

class MemoryStore(Store):
    """A new, empty in-memory store."""

    def __init__(self) -> None: ...

class SqliteStore(Store):
    """The SQLite store: one database file."""

    def __init__(self, path: PathLike, *, commit_every_events: int = 1000,
                 commit_every_ms: int = 200, busy_timeout_ms: int = 5000) -> None: ...
    def backup(self, destination: PathLike) -> None:
        """An online copy of the database to `destination`."""

class Engine:
    """Processes events against a program, writing their effects through a store."""

    @overload
    def __init__(self, program: Program, store: Optional[Store] = None) -> None:
        """An engine running `program` on `store` (a new MemoryStore when None)."""
    @overload
    def __init__(self, store: Store) -> None:
        """An engine running the latest program stored in `store`."""
    @property
    def program(self) -> Program: ...
    @property
    def program_version(self) -> int: ...
    @property
    def store(self) -> Store: ...
    def process(self, event: EventDict) -> Outcome:
        """Processes one event; raises EventError when it is malformed."""
    def process_many(self, events: Iterable[EventDict]) -> Summary:
        """Processes events in order, releasing the GIL while the engine works."""
    def process_file(self, path: PathLike) -> Summary:
        """Processes a JSON Lines file in C++."""
    def dry_run(self, event: EventDict) -> Outcome:
        """The outcome process() would give, applying nothing."""
    def explain(self, event_id: str) -> Optional[Outcome]:
        """The outcome of an applied event with every rule considered, or None."""
    def tick(self, time: TimeLike) -> TickSummary:
        """The day's work at `time` for every member."""
    def redeem(self, member: str, points: int, reference: str,
               at: Optional[TimeLike] = None) -> Outcome:
        """Spends points; raises InsufficientPoints when the balance is short."""
    def adjust(self, member: str, points: int, reason: str,
               at: Optional[TimeLike] = None) -> Outcome:
        """A manual correction with its reason."""
    def member(self, id: str, at: Optional[TimeLike] = None,
               expiring_window: str = "30 days") -> Optional[Member]:
        """The member's view at `at` (None: now), or None for an unknown member."""
    def stats(self, at: Optional[TimeLike] = None) -> dict[str, Any]:
        """{'events', 'members', 'points_total', 'tiers', 'stages', 'tags'} at `at`."""
    def forget(self, id: str) -> bool:
        """Erases the member's personal data; False for an unknown member."""
    def flush(self) -> None:
        """Makes everything processed so far durable."""
    def replace_program(self, program: Program) -> None:
        """Runs `program` from now on, as the next version."""

# ---------------------------------------------------------------------------- simulation

class RuleCost:
    """One rule's share of a simulation."""

    rule: str
    fired: int
    awarded: int
    deducted: int
    def __init__(self, rule: str, fired: int = 0, awarded: int = 0, deducted: int = 0) -> None: ...
    @property
    def points(self) -> int: ...

class Simulation:
    """Per-rule firings and points, the total cost, and the tier, stage and tag mix."""

    program: str
    summary: Summary
    rules: list[RuleCost]
    tiers: dict[str, int]
    stages: dict[str, int]
    tags: dict[str, int]
    members: int
    points_outstanding: int
    @property
    def cost(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    def table(self) -> str: ...

def simulate(program: Program, events: Union[PathLike, Iterable[EventDict]]) -> Simulation:
    """Runs `program` over `events` on a fresh MemoryStore and reports what it cost."""
