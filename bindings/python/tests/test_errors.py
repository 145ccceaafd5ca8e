"""The exception hierarchy under loyalty.Error, and the translation of every C++ exception."""

from __future__ import annotations

import pytest

import loyalty
from loyalty import _loyalty

CLASSES = {
    "number": (loyalty.NumberError, "invalid_number"),
    "time": (loyalty.TimeError, "invalid_time"),
    "event": (loyalty.EventError, "invalid_event"),
    "io": (loyalty.IoError, "io"),
    "store": (loyalty.StoreError, "store"),
    "insufficient_points": (loyalty.InsufficientPoints, "insufficient_points"),
    "rule": (loyalty.RuleError, "invalid_rules"),
}


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_every_cpp_exception_becomes_its_python_class(kind: str) -> None:
    cls, code = CLASSES[kind]
    with pytest.raises(cls) as caught:
        _loyalty._raise_error(kind, "it went wrong")
    assert isinstance(caught.value, loyalty.Error)
    assert caught.value.code == code
    if kind != "rule":  # a RuleError's message is its formatted diagnostics
        assert str(caught.value) == "it went wrong"


def test_the_base_class_catches_the_rest() -> None:
    with pytest.raises(loyalty.Error) as caught:
        _loyalty._raise_error("other", "plain")
    assert type(caught.value) is loyalty.Error


def test_error_classes_fit_python_conventions() -> None:
    assert issubclass(loyalty.IoError, OSError)
    assert issubclass(loyalty.NumberError, ValueError)
    assert issubclass(loyalty.TimeError, ValueError)
    for cls, _ in CLASSES.values():
        assert issubclass(cls, loyalty.Error)
        assert cls.__module__ == "loyalty._errors"


def test_event_error_has_the_reason(shop: loyalty.Engine) -> None:
    with pytest.raises(loyalty.EventError) as caught:
        shop.process({"id": "e1", "type": "purchase", "member": "m1",
                      "time": "2026-01-01T00:00:00Z"})
    assert caught.value.reason == "missing field 'amount'"


def test_rule_error_from_the_translator_has_diagnostics() -> None:
    with pytest.raises(loyalty.RuleError) as caught:
        _loyalty._raise_error("rule", "no such thing")
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("t.rules", 1, 2)
    assert diagnostic.message == "no such thing"


def test_time_error_for_a_bad_time(shop: loyalty.Engine) -> None:
    with pytest.raises(loyalty.TimeError):
        shop.tick("yesterday")
    with pytest.raises(loyalty.TimeError):
        shop.member("m1", at="2026-01-01T00:00:00Z", expiring_window="a while")


def test_store_error_for_an_engine_on_a_store_without_a_program() -> None:
    with pytest.raises(loyalty.StoreError) as caught:
        loyalty.Engine(loyalty.MemoryStore())
    assert "no program" in str(caught.value)
