"""Suspension periods that stop the clock of a term (docs/adr/0013-suspension-periods.md).

Some law stops periods from running on certain days without closing them: the Italian summer
suspension of judicial terms (L. 742/1969 art. 1: 1 August - 15 September each year, 1 - 31
August from 2015 after D.L. 132/2014 art. 16) or a one-off emergency suspension. A calendar
declares them (``calendar: {country: IT, tz: Europe/Rome, suspended: [...]}``) and every period
counted on that calendar obeys them (:func:`compliance.due.due_after`):

- a period whose start day falls inside a suspension starts at the suspension's last day (which,
  like every start day, is not counted): "ove il decorso abbia inizio durante il periodo di
  sospensione, l'inizio stesso è differito alla fine di detto periodo";
- suspended days between the start and the end are not counted: the end moves on by as many
  days as were suspended (the suspension's own days never count, so the walk goes on past any
  further suspension it reaches);
- the end-day roll (``roll: next_business_day``) happens after that.

A suspension is either ``yearly`` (month-day to month-day, in the years named by ``years``) or
one span of ``dates``. Both name the ``law`` that makes it, so explanations can cite it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Span",
    "SuspensionSpec",
    "Suspensions",
    "deferred_start",
    "span_at",
    "stop_the_clock",
    "suspension_words",
]

_DAY = dt.timedelta(days=1)
_LEAP = 2000  # month-days are checked on a leap year, so 02-29 is allowed


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MonthDays(_Frozen):
    """``{from: "08-01", until: "09-15"}``: a span inside one calendar year, both days in."""

    from_: str = Field(alias="from", pattern=r"^\d{2}-\d{2}$", description="MM-DD, first day")
    until: str = Field(pattern=r"^\d{2}-\d{2}$", description="MM-DD, last day (inclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> MonthDays:
        first, last = _month_day(self.from_), _month_day(self.until)
        if last < first:
            raise ValueError(
                f"suspended.yearly: until {self.until} is before from {self.from_} "
                "(a yearly suspension must lie inside one year; split it in two)"
            )
        return self


class Years(_Frozen):
    """``{from: 1970, until: 2014}``: the years in which a yearly suspension applies."""

    from_: int | None = Field(default=None, alias="from", ge=1900, le=2200)
    until: int | None = Field(default=None, ge=1900, le=2200)

    @model_validator(mode="after")
    def _ordered(self) -> Years:
        if self.from_ is not None and self.until is not None and self.until < self.from_:
            raise ValueError(f"suspended.years: until {self.until} is before from {self.from_}")
        return self


class Dates(_Frozen):
    """``{from: 2020-03-09, until: 2020-05-11}``: one span of days, both included."""

    from_: dt.date = Field(alias="from")
    until: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Dates:
        if self.until < self.from_:
            raise ValueError(f"suspended.dates: until {self.until} is before from {self.from_}")
        if (self.until - self.from_).days > 366:
            raise ValueError("suspended.dates: a suspension longer than a year is not credible")
        return self


class SuspensionSpec(_Frozen):
    """One suspension a calendar declares: ``law`` and either ``yearly`` (+ ``years``) or
    ``dates``."""

    law: str = Field(
        min_length=3, description="the law that suspends, cited (e.g. L. 742/1969 art. 1)"
    )
    yearly: MonthDays | None = None
    years: Years | None = None
    dates: Dates | None = None

    @model_validator(mode="after")
    def _one_form(self) -> SuspensionSpec:
        if (self.yearly is None) == (self.dates is None):
            raise ValueError("suspended: give either 'yearly' (with optional 'years') or 'dates'")
        if self.years is not None and self.yearly is None:
            raise ValueError("suspended: 'years' only goes with 'yearly'")
        return self

    def spans_in(self, year: int) -> list[Span]:
        if self.dates is not None:
            d = self.dates
            if d.from_.year <= year <= d.until.year:
                return [Span(d.from_, d.until, self.law)]
            return []
        assert self.yearly is not None
        years = self.years or Years()
        if (years.from_ is not None and year < years.from_) or (
            years.until is not None and year > years.until
        ):
            return []
        first, last = _month_day(self.yearly.from_), _month_day(self.yearly.until)
        return [Span(_on(year, first), _on(year, last), self.law)]


def _month_day(text: str) -> tuple[int, int]:
    month, day = (int(x) for x in text.split("-"))
    try:
        dt.date(_LEAP, month, day)
    except ValueError:
        raise ValueError(f"suspended: {text!r} is not a month-day (MM-DD)") from None
    return month, day


def _on(year: int, month_day: tuple[int, int]) -> dt.date:
    month, day = month_day
    if (month, day) == (2, 29) and not (year % 4 == 0 and (year % 100 or year % 400 == 0)):
        day = 28
    return dt.date(year, month, day)


@dataclass(frozen=True, slots=True)
class Span:
    """One concrete suspension: first and last day (both suspended) and the law."""

    first: dt.date
    last: dt.date
    law: str

    def __str__(self) -> str:
        return f"{self.first}..{self.last} ({self.law})"


#: A calendar's suspensions, hashable (calendars are cache keys).
Suspensions = tuple[SuspensionSpec, ...]


@lru_cache(maxsize=4096)
def suspension_spans(suspensions: Suspensions, year: int) -> tuple[Span, ...]:
    """The suspensions touching ``year`` (one-off spans may cross a year end), by first day."""
    spans = {s for spec in suspensions for s in spec.spans_in(year)}
    return tuple(sorted(spans, key=lambda s: (s.first, s.last)))


def span_at(suspensions: Suspensions, day: dt.date) -> Span | None:
    """The suspension ``day`` falls in (the one ending latest when several overlap), or None."""
    hits = [s for s in suspension_spans(suspensions, day.year) if s.first <= day <= s.last]
    return max(hits, key=lambda s: s.last) if hits else None


def merged_spans(suspensions: Suspensions, first: dt.date, last: dt.date) -> list[Span]:
    """The suspended spans meeting [first, last], overlapping ones merged, in order."""
    raw = sorted(
        (s for y in range(first.year, last.year + 1) for s in suspension_spans(suspensions, y)),
        key=lambda s: (s.first, s.last),
    )
    out: list[Span] = []
    for s in raw:
        if s.last < first or s.first > last:
            continue
        if out and s.first <= out[-1].last + _DAY:
            top = out[-1]
            laws = top.law if s.law in top.law else f"{top.law}; {s.law}"
            out[-1] = Span(top.first, max(top.last, s.last), laws)
        else:
            out.append(s)
    return out


def deferred_start(suspensions: Suspensions, start: dt.date) -> tuple[dt.date, Span | None]:
    """A start inside a suspension moves to the suspension's last day (still not counted)."""
    hits = merged_spans(suspensions, start, start)
    if not hits or hits[0].last == start:
        return start, None
    return hits[0].last, hits[0]


def stop_the_clock(
    suspensions: Suspensions, start: dt.date, end: dt.date
) -> tuple[dt.date, int, list[Span]]:
    """The end of a period of ``(end - start)`` calendar days from ``start`` (not counted) when
    suspended days do not count: walk the period's days, jumping over every suspension met.
    Returns the new end, the suspended days jumped and the spans that stopped the clock."""
    day, owed, added = start, (end - start).days, 0
    used: list[Span] = []
    while True:
        ahead = merged_spans(suspensions, day + _DAY, day + dt.timedelta(days=owed))
        if not ahead:
            return day + dt.timedelta(days=owed), added, used
        span = ahead[0]
        first = max(span.first, day + _DAY)
        owed -= (first - day).days - 1
        added += (span.last - first).days + 1
        used.append(span)
        day = span.last


def suspension_words(suspensions: Suspensions) -> str:
    """The suspensions in words, for catalogues and rule texts ('' when there are none)."""
    parts = []
    for s in suspensions:
        if s.dates is not None:
            parts.append(f"{s.dates.from_} to {s.dates.until} ({s.law})")
            continue
        assert s.yearly is not None
        years = s.years or Years()
        when = (f" from {years.from_}" if years.from_ is not None else "") + (
            f" until {years.until}" if years.until is not None else ""
        )
        parts.append(f"{s.yearly.from_} to {s.yearly.until} each year{when} ({s.law})")
    if not parts:
        return ""
    return (
        "periods do not run during " + "; ".join(parts) + " (a period starting inside one "
        "starts at its end; its days are added to a period running through it)"
    )
