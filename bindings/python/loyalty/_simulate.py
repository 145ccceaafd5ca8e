"""simulate(): what a program would cost over a set of events, on a fresh in-memory store."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Union

from ._loyalty import Engine, MemoryStore, Program, Summary

EventSource = Union[str, "os.PathLike[str]", Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class RuleCost:
    """One rule's share of a simulation."""

    rule: str
    fired: int = 0  #: events it fired for (chained firings included)
    awarded: int = 0  #: points its awards gave
    deducted: int = 0  #: points its deductions took (positive)

    @property
    def points(self) -> int:
        """Points the rule costs: awarded less deducted."""
        return self.awarded - self.deducted


@dataclass(frozen=True)
class Simulation:
    """What simulate() found: per-rule firings and points, the total cost, and the tier,
    stage and tag mix at the time of the latest event."""

    program: str  #: the program's name
    summary: Summary  #: the run: applied, duplicates, rejects, points awarded and taken
    rules: list[RuleCost]  #: every rule of the program, in file order
    tiers: dict[str, int] = field(default_factory=dict)  #: members by tier
    stages: dict[str, int] = field(default_factory=dict)  #: members by lifecycle stage
    tags: dict[str, int] = field(default_factory=dict)  #: members by tag
    members: int = 0
    points_outstanding: int = 0  #: the sum of available balances at the end

    @property
    def cost(self) -> int:
        """Points awarded, net of the points taken back (deductions, refund reversals)."""
        return self.summary.points_awarded - self.summary.points_taken

    def to_dict(self) -> dict[str, Any]:
        """The simulation as a dict of plain values."""
        return {
            "program": self.program,
            "summary": self.summary.to_dict(),
            "rules": [
                {"rule": r.rule, "fired": r.fired, "awarded": r.awarded,
                 "deducted": r.deducted, "points": r.points}
                for r in self.rules
            ],
            "cost": self.cost,
            "tiers": dict(self.tiers),
            "stages": dict(self.stages),
            "tags": dict(self.tags),
            "members": self.members,
            "points_outstanding": self.points_outstanding,
        }

    def table(self) -> str:
        """Per-rule firings and points as a text table, with the total cost under it."""
        width = max([len("rule")] + [len(r.rule) for r in self.rules])
        lines = [f"{'rule':<{width}}  {'fired':>9}  {'points':>12}"]
        lines += [f"{r.rule:<{width}}  {r.fired:>9,}  {r.points:>12,}" for r in self.rules]
        lines.append(f"{'cost (net)':<{width}}  {'':>9}  {self.cost:>12,}")
        return "\n".join(lines)


def simulate(program: Program, events: EventSource) -> Simulation:
    """Runs `program` over `events` on a fresh MemoryStore and reports what it cost.

    `events` is a JSON Lines file (a str or os.PathLike path, read in C++) or an iterable of
    event dicts. Nothing outside the simulation changes.
    """
    engine = Engine(program, MemoryStore())
    if isinstance(events, (str, os.PathLike)):
        summary = engine.process_file(events)
    else:
        summary = engine.process_many(events)
    # Judged at the latest event's time (now, when there was none), as `loyalty simulate`.
    stats = engine.stats(summary.latest_time)
    fired = summary.rules
    names = list(program.rule_names)
    names += sorted(set(fired) - set(names))  # none expected; kept rather than dropped
    rules = [
        RuleCost(name, fired[name].fired, fired[name].awarded, fired[name].deducted)
        if name in fired else RuleCost(name)
        for name in names
    ]
    return Simulation(
        program=program.name,
        summary=summary,
        rules=rules,
        tiers=stats["tiers"],
        stages=stats["stages"],
        tags=stats["tags"],
        members=stats["members"],
        points_outstanding=stats["points_total"],
    )
