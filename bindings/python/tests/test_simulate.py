"""simulate(), and examples/campaign.py which uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import loyalty
from conftest import RETAIL_10K, SOURCE_DIR, enroll, purchase


def test_simulate_a_file_reports_cost_per_rule(retail: loyalty.Program) -> None:
    report = loyalty.simulate(retail, RETAIL_10K)
    assert report.program == "Retail v1"
    assert [r.rule for r in report.rules] == retail.rule_names
    rules = {r.rule: r for r in report.rules}
    assert rules["welcome"].fired == 1000 and rules["welcome"].points == 500_000
    assert rules["vip"].points == 0 and report.tags == {"vip": 14}
    assert report.summary.applied == 10000
    assert report.cost == report.summary.points_awarded - report.summary.points_taken
    assert sum(r.awarded for r in report.rules) == report.summary.points_awarded
    assert report.tiers == {"bronze": 450, "silver": 439, "gold": 111}
    assert (report.members, report.points_outstanding) == (1000, 3756780)
    table = report.table()
    assert table.splitlines()[0].split() == ["rule", "fired", "points"]
    assert "cost (net)" in table
    assert report.to_dict()["rules"][0]["rule"] == "base"


def test_simulate_dicts_matches_the_file(retail: loyalty.Program) -> None:
    events = [json.loads(line, parse_float=Decimal) for line in RETAIL_10K.open()][:2000]
    from_dicts = loyalty.simulate(retail, events)
    assert from_dicts.summary.applied == 2000
    assert from_dicts.cost > 0


def test_simulate_changes_nothing_outside(shop_program: loyalty.Program) -> None:
    engine = loyalty.Engine(shop_program)
    report = loyalty.simulate(engine.program, [enroll("m1"), purchase("p1", amount="5.00")])
    assert report.cost == 105 and engine.stats()["members"] == 0
    assert {r.rule: r.fired for r in report.rules}["chargeback"] == 0


def test_the_campaign_example_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(SOURCE_DIR / "examples" / "campaign.py")],
        capture_output=True, text=True, check=True, env=dict(os.environ), cwd=SOURCE_DIR,
        timeout=120)
    out = result.stdout
    assert "Retail v1" in out and "welcome" in out and "cost (net)" in out
    assert "coffee_week" in out  # the campaign's own rule
