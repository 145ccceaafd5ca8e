#!/usr/bin/env python3
"""What would a campaign cost? Simulate a program with and without it over a sample of events.

Loads the retail-v1 program, adds a one-week "coffee week" campaign rule to it, simulates both
over a retail-v1 sample on fresh in-memory stores, and prints each rule's firings and points,
the campaign's extra cost and how it moves members between tiers. Nothing is written anywhere.

    PYTHONPATH=build/python /usr/bin/python3 examples/campaign.py [--rules R] [--events E]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import loyalty

ROOT = Path(__file__).resolve().parents[1]

# The campaign under study: ten points per coffee item for a week in March, capped at 20,000
# points over all members. Rules come last in a program, so it is appended to the base text.
CAMPAIGN = """
rule coffee_week on purchase
  when any(event.items where item.category == "coffee")
  active from 2026-03-02 to 2026-03-08
  budget 20000 points
{
  award 10 * sum(event.items, item.qty where item.category == "coffee") points as "coffee week"
}
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=ROOT / "rules" / "retail.rules",
                        help="the program (default: rules/retail.rules)")
    parser.add_argument("--events", type=Path, default=ROOT / "tests" / "data" /
                        "retail_10k.jsonl", help="JSON Lines events (default: the 10k sample)")
    args = parser.parse_args(argv)

    base = loyalty.compile_file(args.rules)
    with_campaign = loyalty.compile(base.text + CAMPAIGN, f"{base.file} + coffee week")

    before = loyalty.simulate(base, args.events)
    after = loyalty.simulate(with_campaign, args.events)

    print(f"{base.name} with coffee week, over {after.summary.applied:,} events "
          f"({after.summary.rejected:,} rejected), {after.members:,} members")
    print()
    print(after.table())
    print()
    extra = after.cost - before.cost
    share = 100 * extra / before.cost if before.cost else 0
    print(f"the campaign costs {extra:,} points ({share:.2f} % more than without it)")
    print("tiers without -> with:", ", ".join(
        f"{tier} {before.tiers.get(tier, 0):,} -> {after.tiers.get(tier, 0):,}"
        for tier in base.tier_names))


if __name__ == "__main__":
    main()
