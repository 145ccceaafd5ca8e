"""Every call of the Engine, one event or one operation at a time."""

from __future__ import annotations

import datetime as dt

import pytest

import loyalty
from conftest import enroll, purchase

UTC = dt.timezone.utc
LATER = "2026-02-01T00:00:00Z"


def test_process_returns_the_outcome_with_effects_and_rules(shop: loyalty.Engine) -> None:
    outcome = shop.process(enroll("m1"))
    assert outcome.status == "applied"
    assert (outcome.event, outcome.member, outcome.reason) == ("enroll-m1", "m1", None)
    assert [e.kind for e in outcome.effects] == ["enroll", "award"]
    award = outcome.effects[1]
    assert (award.rule, award.points, award.asked, award.label) == ("welcome", 100, 100, "welcome")
    assert [r.rule for r in outcome.rules] == ["welcome"] and outcome.rules[0].fired
    assert (outcome.points, outcome.tier, outcome.stage) == (100, "basic", "new")
    assert outcome.program_version == 1


def test_chained_effects_carry_their_depth(member_m1: loyalty.Engine) -> None:
    outcome = member_m1.process(purchase("p1", amount="1200.00"))
    kinds = [(e.kind, e.rule, e.depth) for e in outcome.effects]
    assert kinds == [("award", "base", 0), ("tag", "big_basket", 0), ("emit", "big_basket", 0),
                     ("tier_change", None, 1), ("award", "gold_welcome", 1)]
    change = outcome.effects[3]
    assert (change.from_, change.to) == ("basic", "gold")
    assert change.to_dict()["from"] == "basic"
    assert outcome.effects[2].value == {"order": "p1", "amount": 1200}
    assert outcome.tier == "gold"


def test_reprs_are_readable_and_to_dict_is_plain(member_m1: loyalty.Engine) -> None:
    outcome = member_m1.process(purchase("p1", amount="10.00"))
    assert repr(outcome.effects[0]) == ("Effect(kind='award', rule='base', points=10, "
                                        "expires_at=datetime.datetime(2027, 1, 2, 10, 0, "
                                        "tzinfo=datetime.timezone.utc))")
    assert repr(outcome).startswith("Outcome(status='applied', event='p1', member='m1', "
                                    "points=110, tier='basic', stage='new', effects=[")
    as_dict = outcome.to_dict()
    assert as_dict["effects"][0]["rule"] == "base"
    assert as_dict["rules"][0] == {"rule": "base", "line": 36, "verdict": "fired", "depth": 0}
    assert outcome == member_m1.explain("p1")


def test_a_rejected_event_is_an_outcome_not_an_exception(shop: loyalty.Engine) -> None:
    outcome = shop.process(purchase("p1", member="nobody"))
    assert outcome.status == "rejected"
    assert "nobody" in outcome.reason
    assert repr(outcome).startswith("Outcome(status='rejected'")
    assert shop.stats()["events"] == 0


def test_a_repeated_event_is_a_duplicate(member_m1: loyalty.Engine) -> None:
    first = member_m1.process(purchase("p1"))
    again = member_m1.process(purchase("p1"))
    assert again.status == "duplicate"
    assert again.effects == first.effects
    conflict = member_m1.process(purchase("p1", amount="5.00"))
    assert conflict.status == "rejected"


def test_dry_run_applies_nothing(member_m1: loyalty.Engine) -> None:
    outcome = member_m1.dry_run(purchase("p1", amount="50.00"))
    assert outcome.status == "applied" and outcome.points == 150
    assert member_m1.member("m1", at=LATER).points == 100
    assert member_m1.explain("p1") is None


def test_explain_tells_why_each_rule_fired_or_not(member_m1: loyalty.Engine) -> None:
    member_m1.process(purchase("p1", amount="20.00"))
    outcome = member_m1.explain("p1")
    assert outcome is not None
    verdicts = {r.rule: r.verdict for r in outcome.rules}
    assert verdicts == {"base": "fired", "big_basket": "condition false"}
    assert member_m1.explain("no-such-event") is None


def test_tick_does_the_days_work(member_m1: loyalty.Engine) -> None:
    summary = member_m1.tick(dt.datetime(2026, 2, 15, tzinfo=UTC))
    assert (summary.members, summary.stage_changes, summary.expired_points) == (1, 1, 0)
    assert summary.time == dt.datetime(2026, 2, 15, tzinfo=UTC)
    assert summary.rejected == []
    assert member_m1.member("m1", at="2026-02-15T00:00:00Z").stage == "active"
    assert summary.to_dict()["stage_changes"] == 1
    with pytest.raises(loyalty.EventError):
        member_m1.tick("2026-02-01T00:00:00Z")  # before the last tick


def test_tick_expires_points(member_m1: loyalty.Engine) -> None:
    summary = member_m1.tick("2027-01-02T00:00:00Z")
    assert summary.expired_points == 100
    view = member_m1.member("m1", at="2027-01-02T00:00:00Z")
    assert view.points == 0 and view.ledger[-1].kind == "expire"


def test_redeem_spends_points_once_per_reference(member_m1: loyalty.Engine) -> None:
    outcome = member_m1.redeem("m1", 30, "order-9", at=LATER)
    assert outcome.status == "applied" and outcome.points == 70
    assert [(e.kind, e.points) for e in outcome.effects] == [("redeem", -30)]
    assert member_m1.redeem("m1", 30, "order-9", at=LATER).status == "duplicate"
    assert member_m1.member("m1", at=LATER).points == 70
    with pytest.raises(loyalty.EventError):
        member_m1.redeem("m1", 31, "order-9", at=LATER)  # same reference, other content


def test_redeem_beyond_the_balance_raises_insufficient_points(member_m1: loyalty.Engine) -> None:
    with pytest.raises(loyalty.InsufficientPoints) as caught:
        member_m1.redeem("m1", 101, "order-1", at=LATER)
    assert caught.value.code == "insufficient_points"
    assert member_m1.member("m1", at=LATER).points == 100  # no record left
    with pytest.raises(loyalty.EventError):
        member_m1.redeem("nobody", 1, "order-2", at=LATER)


def test_adjust_corrects_with_a_reason(member_m1: loyalty.Engine) -> None:
    up = member_m1.adjust("m1", 25, "goodwill", at=LATER)
    assert up.points == 125 and up.effects[0].label == "goodwill"
    down = member_m1.adjust("m1", -5, "typo", at=LATER)
    assert down.points == 120
    view = member_m1.member("m1", at=LATER)
    assert [(e.kind, e.points, e.label) for e in view.ledger[-2:]] == [
        ("adjust", 25, "goodwill"), ("adjust", -5, "typo")]
    assert view.earned == 100  # adjustments do not change earned
    with pytest.raises(loyalty.EventError):
        member_m1.adjust("m1", 0, "nothing", at=LATER)


def test_times_default_to_now(member_m1: loyalty.Engine) -> None:
    view = member_m1.member("m1")
    now = dt.datetime.now(UTC)
    assert view is not None and abs((view.at - now).total_seconds()) < 5
    assert member_m1.adjust("m1", 1, "now").status == "applied"


def test_a_view_refuses_to_rewind(member_m1: loyalty.Engine) -> None:
    with pytest.raises(loyalty.EventError):
        member_m1.member("m1", at="2025-12-31T00:00:00Z")


def test_member_view(member_m1: loyalty.Engine) -> None:
    member_m1.process(purchase("p1", amount="1200.00"))
    view = member_m1.member("m1", at=LATER)
    assert (view.id, view.tier, view.stage, view.points, view.earned) == ("m1", "gold", "new",
                                                                          1350, 1350)
    assert view.tags == ["big_spender"] and view.purchases == 1
    assert view.tier_since == dt.datetime(2026, 1, 2, 10, tzinfo=UTC)
    assert view.last_purchase_at == dt.datetime(2026, 1, 2, 10, tzinfo=UTC)
    assert view.pii == ["email"] and view.attributes["email"] == "a@b.cn"
    assert [lot.rule for lot in view.lots] == ["welcome", "base", "gold_welcome"]
    assert sum(lot.remaining for lot in view.lots) == view.points
    assert view.outbox[0].name == "thank_you"
    assert view.expiring_window == "30 days"
    # Within 30 days of 2026-12-02 12:00 only the welcome lot expires (2027-01-01 09:00).
    assert member_m1.member("m1", at="2026-12-02T12:00:00Z").expiring_points == 100
    assert member_m1.member("nobody", at=LATER) is None
    as_dict = view.to_dict()
    assert as_dict["ledger"][0]["kind"] == "award" and as_dict["spend"] == view.spend
    assert repr(view).startswith("Member(id='m1', tier='gold'")


def test_stats_are_shaped_like_the_cli_json(member_m1: loyalty.Engine) -> None:
    member_m1.process(enroll("m2"))
    assert member_m1.stats(LATER) == {"events": 2, "members": 2, "points_total": 200,
                                      "tiers": {"basic": 2}, "stages": {"new": 2}, "tags": {}}


def test_forget_erases_personal_data(member_m1: loyalty.Engine) -> None:
    assert member_m1.forget("m1") is True
    view = member_m1.member("m1", at=LATER)
    assert view.attributes["email"] is None and view.points == 100
    assert member_m1.forget("nobody") is False


def test_replace_program_runs_the_next_version(member_m1: loyalty.Engine) -> None:
    assert member_m1.program_version == 1
    member_m1.replace_program(loyalty.compile(
        'program "Shop 2"\nrule base on purchase { award event.amount * 2 points }'))
    assert member_m1.program_version == 2 and member_m1.program.name == "Shop 2"
    outcome = member_m1.process(purchase("p1", amount="10.00"))
    assert outcome.effects[0].points == 20 and outcome.program_version == 2


def test_engines_share_a_store_and_its_program(shop_program: loyalty.Program) -> None:
    store = loyalty.MemoryStore()
    first = loyalty.Engine(shop_program, store)
    first.process(enroll("m1"))
    first.flush()
    second = loyalty.Engine(store)  # the store's latest program
    assert second.program.name == "Python shop" and second.program_version == 1
    assert second.store is store
    assert second.member("m1", at=LATER).points == 100
    assert repr(second) == ("<loyalty.Engine running 'Python shop' version 1 "
                            "on MemoryStore()>")
    assert loyalty.Engine(shop_program, store=None).store.path is None
    with pytest.raises(TypeError, match="MemoryStore or loyalty.SqliteStore"):
        loyalty.Engine(shop_program, "loyalty.db")  # type: ignore[arg-type]
