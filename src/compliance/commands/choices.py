"""Options with a closed set of values, checked before anything is read.

A value outside the set is the user's mistake: a ``ComplianceError`` naming the option, the
value, the closest choice ("did you mean …?") and every choice; the CLI prints it and exits 2.
Without this an ``--status overdu`` gave empty output and a misspelt ``explain --rule`` said
"no obligation", both with exit 0."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

from compliance.errors import ComplianceError

__all__ = [
    "LANGUAGES",
    "STRATA",
    "check_choice",
    "check_choices",
    "check_input_format",
    "check_positive",
    "closest_time_zone",
]

LANGUAGES = ("da", "en")
STRATA = ("rule", "status", "none")


def check_choice(option: str, value: str, choices: Collection[str]) -> str:
    """``value`` if it is one of ``choices``, else a ComplianceError with a suggestion."""
    if value in choices:
        return value
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(choices) if len(choices) <= 12 else f"{len(choices)} choices"
    raise ComplianceError(f"unknown {option} {value!r} ({listed}){hint}")


def check_choices(option: str, values: Iterable[str], choices: Collection[str]) -> frozenset[str]:
    """A comma-separated option's values, each one of ``choices``; none left is a mistake too."""
    kept = frozenset(check_choice(option, v, choices) for v in values if v)
    if not kept:
        raise ComplianceError(f"{option}: no value given (choices: {', '.join(choices)})")
    return kept


def check_positive(option: str, value: int) -> int:
    if value < 1:
        raise ComplianceError(f"{option} must be at least 1, not {value}")
    return value


def check_input_format(value: str | None) -> str | None:
    """``--input-format``: one of the sources' names (``compliance.sources.SOURCES``), or None
    (by the file's ending)."""
    if value is None:
        return None
    from compliance.sources import SOURCES

    return check_choice("--input-format", value, [source.name for source in SOURCES])


def closest_time_zone(name: str) -> str:
    """``; did you mean 'Europe/Copenhagen'?`` for a misspelt IANA zone, else empty."""
    import zoneinfo

    zones = sorted(zoneinfo.available_timezones())
    close = difflib.get_close_matches(name, zones, n=1, cutoff=0.6)
    if not close:  # case only: europe/copenhagen
        close = [z for z in zones if z.lower() == name.lower()][:1]
    return f"; did you mean {close[0]!r}?" if close else ""
