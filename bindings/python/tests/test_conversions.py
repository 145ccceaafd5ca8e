"""Values crossing between Python and the engine: events in as dicts, Decimal and datetime out."""

from __future__ import annotations

import collections
import datetime as dt
import types
from decimal import Decimal

import pytest

import loyalty
from conftest import enroll, purchase

UTC = dt.timezone.utc


def points_for(engine: loyalty.Engine, amount: object) -> int:
    outcome = engine.process(purchase("p1", amount=amount))
    assert outcome.status == "applied", outcome.reason
    return outcome.effects[0].points


@pytest.mark.parametrize("amount", ["129.90", Decimal("129.90"), 129, Decimal("1.2990E+2")])
def test_money_goes_in_exactly_as_str_int_or_decimal(member_m1: loyalty.Engine,
                                                     amount: object) -> None:
    assert points_for(member_m1, amount) == 129
    assert member_m1.member("m1", at="2026-01-03T00:00:00Z").spend == Decimal(str(amount))


def test_a_float_is_refused_with_a_clear_reason(member_m1: loyalty.Engine) -> None:
    with pytest.raises(loyalty.EventError) as caught:
        member_m1.process(purchase("p1", amount=129.90))
    assert caught.value.reason == ("field 'amount': a number of type 'float' is not exact: "
                                   "send numbers as int, str or decimal.Decimal")
    # Nested values are named by their path.
    with pytest.raises(loyalty.EventError, match=r"field 'items\[0\]\.price'"):
        member_m1.process(purchase("p1", items=[{"sku": "A", "qty": 1, "price": 0.5}]))


def test_a_non_finite_decimal_is_refused(member_m1: loyalty.Engine) -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(loyalty.EventError, match="not a finite number"):
            member_m1.process(purchase("p1", amount=value))


def test_money_comes_out_as_decimal(member_m1: loyalty.Engine) -> None:
    member_m1.process(purchase("p1", amount="1200.50"))
    view = member_m1.member("m1", at="2026-01-03T00:00:00Z")
    assert isinstance(view.spend, Decimal) and view.spend == Decimal("1200.50")
    assert str(view.spend) == "1200.50"  # the scale is kept
    [message] = view.outbox
    assert message.data == {"order": "p1", "amount": Decimal("1200.50")}
    assert isinstance(message.data["amount"], Decimal)


def test_times_come_out_as_aware_utc_datetimes(member_m1: loyalty.Engine) -> None:
    view = member_m1.member("m1", at="2026-01-03T00:00:00Z")
    assert view.enrolled_at == dt.datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert view.enrolled_at.tzinfo is UTC
    assert view.at == dt.datetime(2026, 1, 3, tzinfo=UTC)
    award = member_m1.explain("enroll-m1").effects[1]
    assert award.expires_at == dt.datetime(2027, 1, 1, 9, tzinfo=UTC)  # points_expire = 12 months


def test_times_go_in_as_aware_datetimes_at_any_offset(shop: loyalty.Engine) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    shop.process(enroll("m1", time=dt.datetime(2026, 1, 1, 17, 0, 0, 999_999, tzinfo=shanghai)))
    view = shop.member("m1", at=dt.datetime(2026, 1, 2, tzinfo=shanghai))
    # 17:00:00.999999 at +08:00 is 09:00:00 UTC: fractions go to the earlier second.
    assert view.enrolled_at == dt.datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert view.at == dt.datetime(2026, 1, 1, 16, tzinfo=UTC)


def test_a_naive_datetime_is_refused(shop: loyalty.Engine) -> None:
    with pytest.raises(loyalty.EventError, match="field 'time': a naive datetime"):
        shop.process(enroll("m1", time=dt.datetime(2026, 1, 1, 9)))
    with pytest.raises(TypeError, match="naive datetime"):
        shop.stats(dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="aware datetime or an RFC 3339 str"):
        shop.stats(1767258000)


def test_dates_bools_none_and_nested_values(shop: loyalty.Engine) -> None:
    shop.process(enroll("m1", email=None, score=Decimal("0.83"), joined=dt.date(2025, 12, 24),
                        prefs={"newsletter": True, "channels": ["app", "web"]}))
    attributes = shop.member("m1", at="2026-01-02T00:00:00Z").attributes
    assert attributes["email"] is None
    assert attributes["score"] == Decimal("0.83")
    assert attributes["joined"] == "2025-12-24"
    assert attributes["prefs"] == {"newsletter": True, "channels": ["app", "web"]}


def test_any_mapping_and_tuples_are_accepted(member_m1: loyalty.Engine) -> None:
    event = types.MappingProxyType(purchase("p1", amount="10.00",
                                            items=({"sku": "A", "qty": 2, "price": "5.00"},)))
    assert member_m1.process(event).status == "applied"
    ordered = collections.OrderedDict(purchase("p2", amount="10.00"))
    assert member_m1.process(ordered).status == "applied"


def test_strings_are_escaped_and_unicode_kept(shop: loyalty.Engine) -> None:
    member = 'm"\\\n\t\x01 会员 🎉'
    outcome = shop.process(enroll(member, note="line\nbreak"))
    assert outcome.status == "applied" and outcome.member == member
    assert shop.member(member, at="2026-01-02T00:00:00Z").attributes["note"] == "line\nbreak"


def test_wide_integers_and_exact_decimals(member_m1: loyalty.Engine) -> None:
    # 0.1 + 0.2 is exactly 0.3 when it never meets binary floating point.
    member_m1.process(purchase("p1", amount=Decimal("0.1")))
    member_m1.process(purchase("p2", amount="0.2", time="2026-01-02T11:00:00Z"))
    assert member_m1.member("m1", at="2026-01-03T00:00:00Z").spend == Decimal("0.3")
    with pytest.raises(loyalty.EventError, match="field 'amount'"):
        member_m1.process(purchase("p3", amount=10**80))  # beyond Decimal's 64 digits


def test_other_values_and_keys_are_refused(shop: loyalty.Engine) -> None:
    with pytest.raises(loyalty.EventError, match="a value of type 'set'"):
        shop.process(enroll("m1", tags={"a"}))
    with pytest.raises(loyalty.EventError, match="a key of type 'int'"):
        shop.process({**enroll("m1"), 1: "x"})
    with pytest.raises(TypeError, match="an event is a dict"):
        shop.process(["not", "an", "event"])  # type: ignore[arg-type]
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(loyalty.EventError, match="nested too deeply"):
        shop.process(enroll("m1", loop=looped))


def test_the_dict_path_validates_exactly_as_json_lines(shop: loyalty.Engine) -> None:
    # The reasons are the JSON Lines reader's own.
    with pytest.raises(loyalty.EventError, match="missing field 'time'"):
        shop.process({"id": "e1", "type": "enroll", "member": "m1"})
    with pytest.raises(loyalty.EventError, match="field 'amount'"):
        shop.process(purchase("p1", amount="12,50"))
