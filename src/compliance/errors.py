"""Exceptions. Every error carries where it happened, so a user can fix the input."""

from __future__ import annotations


class ComplianceError(Exception):
    """Base class; its ``str`` is a complete one-line message."""


class TimelineError(ComplianceError):
    """A case timeline that cannot be evaluated (bad date, duplicate id, dangling ref, ...)."""

    def __init__(
        self,
        reason: str,
        *,
        case_id: str | None = None,
        location: str | None = None,
        line: int | None = None,
        source: str | None = None,
    ) -> None:
        self.reason = reason
        self.case_id = case_id
        self.location = location
        self.line = line
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.source:
            where.append(self.source + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(f"line {self.line}")
        if self.case_id:
            where.append(f"case {self.case_id}")
        if self.location:
            where.append(self.location)
        return (": ".join(where) + ": " if where else "") + self.reason

    def located(self, *, line: int | None = None, source: str | None = None) -> TimelineError:
        return TimelineError(
            self.reason,
            case_id=self.case_id,
            location=self.location,
            line=line if line is not None else self.line,
            source=source if source is not None else self.source,
        )


class RuleError(ComplianceError):
    """A rule file that cannot be loaded: always names the file and, where known, the line."""

    def __init__(self, reason: str, *, path: str | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.path = path
        self.line = line
        loc = f"{path}:{line}" if path and line else (path or "")
        super().__init__(f"{loc}: {reason}" if loc else reason)


class EvaluationError(ComplianceError):
    """A rule could not be applied to a case (e.g. ``month_end: error`` hit a missing day)."""
