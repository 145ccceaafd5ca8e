"""compile, compile_file, Program, and RuleError's diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

import loyalty
from conftest import RETAIL_RULES

BAD = """program "Bad"

rule base on purchase {
  award event.amout points
}

rule other on purchase when member.teir == gold {
  award 1 points
}
"""


def test_compile_text_gives_a_program() -> None:
    program = loyalty.compile('program "Tiny"\nrule base on purchase { award event.amount points }',
                              "tiny.rules")
    assert program.name == "Tiny"
    assert program.file == "tiny.rules"
    assert program.rule_names == ["base"]
    assert program.tier_names == []
    assert program.text.startswith('program "Tiny"')
    assert repr(program) == "<loyalty.Program 'Tiny' from 'tiny.rules', 1 rules>"


def test_compile_file_takes_str_and_pathlike() -> None:
    by_str = loyalty.compile_file(str(RETAIL_RULES))
    by_path = loyalty.compile_file(Path(RETAIL_RULES))
    assert by_str.name == by_path.name == "Retail v1"
    assert by_path.tier_names == ["bronze", "silver", "gold"]
    assert "welcome" in by_path.rule_names
    assert by_str.text == RETAIL_RULES.read_text()


def test_rule_error_carries_every_diagnostic_with_line_and_column() -> None:
    with pytest.raises(loyalty.RuleError) as caught:
        loyalty.compile(BAD, "bad.rules")
    error = caught.value
    assert isinstance(error, loyalty.Error)
    assert error.code == "invalid_rules"
    assert len(error.diagnostics) >= 2
    first = error.diagnostics[0]
    assert (first.file, first.line, first.column) == ("bad.rules", 4, 15)
    assert first.message == "unknown attribute 'amout' of event purchase"
    assert first.hint == "did you mean 'amount'?"
    assert first.length == len("amout")
    assert error.diagnostics[1].line == 7
    # str(error) is every diagnostic as a compiler prints it, source line and caret included.
    assert "bad.rules:4:15: error: unknown attribute 'amout'" in str(error)
    assert "^~~~~" in str(error)
    assert first.to_dict()["line"] == 4
    assert "line=4" in repr(first)


def test_compile_file_of_a_missing_file_raises_io_error(tmp_path: Path) -> None:
    with pytest.raises(loyalty.IoError) as caught:
        loyalty.compile_file(tmp_path / "missing.rules")
    assert isinstance(caught.value, OSError)  # IoError is also an OSError
    assert caught.value.code == "io"


def test_compile_limits_are_options() -> None:
    deep = 'program "Deep"\nrule r on purchase when ' + "(" * 40 + "true" + ")" * 40 + \
        " { award 1 points }"
    loyalty.compile(deep)
    with pytest.raises(loyalty.RuleError):
        loyalty.compile(deep, max_expression_depth=8)
