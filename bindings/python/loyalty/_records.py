"""Readable reprs and to_dict() for the records the compiled module returns.

The records (Outcome, Effect, Member, ...) are C++ values that convert a field when it is
read. What they look like to people is decided here, in one table: each class's fields in
order, and which of them a repr shows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Callable

from . import _loyalty as _m


def from_json(text: str) -> Any:
    """JSON text as Python values, numbers exact: those with a fraction or an exponent as
    decimal.Decimal, whole ones as int. The compiled module decodes JSON fields with it."""
    return json.loads(text, parse_float=Decimal)


# Effects that carry points: their repr shows `points` (and `asked` when it differs).
_POINT_KINDS = frozenset({"award", "deduct", "reverse", "redeem", "adjust", "expire"})

# Per class: every field, in order, as to_dict() gives them. A field named with a trailing
# underscore (Effect.from_) appears in the dict without it ("from").
_FIELDS: dict[type, tuple[str, ...]] = {
    _m.Effect: ("kind", "rule", "points", "asked", "label", "name", "value", "from_", "to",
                "available_at", "expires_at", "depth"),
    _m.RuleTrace: ("rule", "line", "verdict", "depth"),
    _m.Outcome: ("status", "event", "member", "reason", "effects", "rules", "points",
                 "pending_points", "tier", "stage", "program_version"),
    _m.Lot: ("id", "points", "remaining", "created_at", "available_at", "expires_at", "event",
             "rule", "program_version"),
    _m.LedgerEntry: ("kind", "points", "asked", "time", "event", "rule", "label",
                     "program_version"),
    _m.OutboxMessage: ("sequence", "event", "rule", "name", "data", "time"),
    _m.Member: ("id", "at", "enrolled_at", "tier", "tier_since", "tier_kept_until", "stage",
                "stage_since", "points", "pending_points", "expiring_points", "expiring_window",
                "debt", "earned", "purchases", "spend", "last_purchase_at", "tags", "attributes",
                "pii", "lots", "ledger", "outbox", "program_version"),
    _m.TickSummary: ("time", "members", "expired_points", "tier_changes", "stage_changes",
                     "daily_rules_fired", "rejected"),
    _m.RuleTally: ("fired", "awarded", "deducted"),
    _m.Reject: ("index", "line", "event", "reason", "text"),
    _m.Summary: ("events", "applied", "duplicates", "rejected", "rejected_by_reason",
                 "points_awarded", "points_taken", "rules", "rejects", "latest_time"),
}


def _plain(value: Any) -> Any:
    """A field's value with records turned into dicts, recursively."""
    if type(value) in _FIELDS:
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _to_dict(self: Any) -> dict[str, Any]:
    """The record as a dict of plain values (records nested in it as dicts). Money stays
    decimal.Decimal and times aware datetimes: json.dumps(..., default=str) writes it."""
    return {name.rstrip("_"): _plain(getattr(self, name)) for name in _FIELDS[type(self)]}


def _repr_of(shown: Callable[[Any], list[str]]) -> Callable[[Any], str]:
    """A __repr__ showing `shown(self)`'s fields as keyword arguments."""

    def __repr__(self: Any) -> str:
        args = ", ".join(f"{name.rstrip('_')}={getattr(self, name)!r}" for name in shown(self))
        return f"{type(self).__name__}({args})"

    return __repr__


def _set_fields(names: tuple[str, ...]) -> Callable[[Any], list[str]]:
    """The named fields that hold something (not None, not empty)."""

    def shown(self: Any) -> list[str]:
        return [n for n in names if getattr(self, n) not in (None, "", [], {})]

    return shown


def _effect_fields(effect: Any) -> list[str]:
    names = ["kind"] + (["rule"] if effect.rule is not None else [])
    if effect.kind in _POINT_KINDS:
        names.append("points")
        if effect.asked != effect.points:
            names.append("asked")
    if effect.kind in ("tier_change", "stage_change"):
        names += ["from_", "to"]  # shown even when None: "from no tier" says something
    names += [n for n in ("label", "name", "value", "expires_at")
              if getattr(effect, n) is not None]
    return names + (["depth"] if effect.depth else [])


def _outcome_fields(outcome: Any) -> list[str]:
    if outcome.status == "rejected":
        return ["status", "event", "member", "reason"]
    names = ["status", "event", "member", "points"]
    if outcome.pending_points:
        names.append("pending_points")
    names += [n for n in ("tier", "stage") if getattr(outcome, n) is not None]
    return names + ["effects"]


_REPR_FIELDS: dict[type, Callable[[Any], list[str]]] = {
    _m.Effect: _effect_fields,
    _m.RuleTrace: lambda t: ["rule", "line", "verdict"] + (["depth"] if t.depth else []),
    _m.Outcome: _outcome_fields,
    _m.Lot: _set_fields(("id", "points", "remaining", "available_at", "expires_at", "event",
                         "rule")),
    _m.LedgerEntry: _set_fields(("kind", "points", "time", "event", "rule", "label")),
    _m.OutboxMessage: _set_fields(("sequence", "name", "data", "event", "rule", "time")),
    _m.Member: lambda v: ["id", "tier", "stage", "points", "pending_points", "earned",
                          "purchases", "spend", "tags"],
    _m.TickSummary: lambda t: ["time", "members", "expired_points", "tier_changes",
                               "stage_changes", "daily_rules_fired"]
    + (["rejected"] if t.rejected else []),
    _m.RuleTally: lambda t: ["fired", "awarded", "deducted"],
    _m.Reject: _set_fields(("index", "line", "event", "reason")),
    _m.Summary: lambda s: ["events", "applied", "duplicates", "rejected", "points_awarded",
                           "points_taken"],
}


def _program_repr(self: Any) -> str:
    return f"<loyalty.Program {self.name!r} from {self.file!r}, {len(self.rule_names)} rules>"


def _engine_repr(self: Any) -> str:
    return (f"<loyalty.Engine running {self.program.name!r} version {self.program_version} "
            f"on {self.store!r}>")


def install() -> None:
    """Adds to_dict() and __repr__ to the compiled classes (once, at import)."""
    for cls, shown in _REPR_FIELDS.items():
        cls.to_dict = _to_dict
        cls.__repr__ = _repr_of(shown)
    _m.Program.__repr__ = _program_repr
    _m.Engine.__repr__ = _engine_repr
