"""The exceptions of loyalty: one base, loyalty.Error, and a class per kind of failure.

The compiled module raises these for the C++ library's exceptions (loyalty::Error and its
subclasses), so ``except loyalty.Error`` catches everything the library refuses.
"""

from __future__ import annotations

__all__ = [
    "Error",
    "NumberError",
    "TimeError",
    "EventError",
    "IoError",
    "StoreError",
    "InsufficientPoints",
    "RuleError",
]


class Error(Exception):
    """Base of every exception loyalty raises.

    ``code`` is a stable name for the kind of failure ("invalid_event", "store", ...), the
    same as the C++ library's ErrorCode names, so callers can branch without parsing messages.
    """

    code: str = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        """The message for people."""
        return str(self.args[0]) if self.args else ""


class NumberError(Error, ValueError):
    """A number is malformed, overflows exact decimal range, or is divided by zero."""

    code = "invalid_number"


class TimeError(Error, ValueError):
    """A date, time, offset or duration is malformed or outside the years 0001 to 9999."""

    code = "invalid_time"


class EventError(Error):
    """An event is malformed, or an operation on the engine was refused; ``reason`` says why."""

    code = "invalid_event"

    @property
    def reason(self) -> str:
        """Why the event or operation was refused."""
        return self.message


class IoError(Error, OSError):
    """A file could not be opened or read (also an OSError)."""

    code = "io"


class StoreError(Error):
    """The storage backend failed: a database that cannot be opened, is busy, or is unreadable."""

    code = "store"


class InsufficientPoints(Error):
    """A redemption was refused: the member's available balance is short of it."""

    code = "insufficient_points"


class RuleError(Error):
    """A program of rules does not compile.

    ``diagnostics`` holds every problem found, in source order, each with ``file``, ``line``,
    ``column`` (1-based, in bytes), ``length``, ``message`` and ``hint``; ``str(error)`` is them
    all, formatted as a compiler prints them.
    """

    code = "invalid_rules"

    def __init__(
        self, message: str, code: str | None = None, diagnostics: list | None = None
    ) -> None:
        super().__init__(message, code)
        self.diagnostics = list(diagnostics or [])
