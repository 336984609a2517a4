"""Due dates and the arithmetic that produces them: a period added to a start event under a
rule's counting policy (calendar, month ends, whether the start day counts), then rolled off
closed days. Shared by every kind that has a due date."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from compliance.calendar import Calendar
from compliance.periods import Period
from compliance.suspension import Span, Suspensions, deferred_start, span_at, stop_the_clock

if TYPE_CHECKING:
    from compliance.model import CaseEvent

__all__ = [
    "AsOf",
    "Counting",
    "Due",
    "add_periods",
    "dated_due_after",
    "due_after",
    "rolled",
    "suspended_end",
]

_DAY = dt.timedelta(days=1)
_MICROSECOND = dt.timedelta(microseconds=1)
_MIDNIGHT = dt.time(0)
_DAY_SECONDS = 86_400.0
MonthEnd = Literal["clamp", "next_day", "error"]


@dataclass(frozen=True, slots=True)
class AsOf:
    """The instant of evaluation and its local date on the rules' calendar."""

    at: dt.datetime
    day: dt.date


@dataclass(slots=True, init=False)
class Due:
    """A due date: a local date (day precision), or an exact instant (hour deadlines)."""

    date: dt.date  # local date (for instants: the local date of the instant)
    instant: dt.datetime | None  # set for hour deadlines with a precise start
    ts: float  # POSIX timestamp of ``instant`` (computed; 0.0 without one)
    _text: str | None

    def __init__(
        self,
        date: dt.date,
        instant: dt.datetime | None = None,
        ts: float = 0.0,
        _text: str | None = None,
    ) -> None:  # the dataclass's own, with its __post_init__ inline (one per finding)
        self.date, self.instant, self._text = date, instant, _text
        self.ts = instant.timestamp() if instant is not None else ts

    def text(self) -> str:
        if self._text is None:
            self._text = (
                self.instant.isoformat() if self.instant is not None else self.date.isoformat()
            )
        return self._text

    def in_time(self, event: CaseEvent) -> bool:
        if self.instant is not None and event.precise:
            return event.key[0] <= self.ts
        return event.date <= self.date

    def passed(self, as_of: AsOf) -> bool:
        if self.instant is not None:
            return as_of.at > self.instant
        return as_of.day > self.date

    def passes_at(self, tz: ZoneInfo) -> dt.datetime:
        """The first instant at which :meth:`passed` is true: just after an instant deadline,
        local midnight after a day deadline."""
        if self.instant is not None:
            return self.instant + _MICROSECOND
        return dt.datetime.combine(self.date + _DAY, _MIDNIGHT, tzinfo=tz)

    def days_after(self, event: CaseEvent | None, as_of: AsOf) -> int:
        """Days late: of ``event`` (or of ``as_of`` when nothing happened), at least 1 for an
        instant deadline, at least 0 by date."""
        if self.instant is not None and (event is None or event.precise):
            # exact elapsed time between the two instants (POSIX seconds): subtracting aware
            # datetimes of one zone in Python ignores a DST shift between them, so the result
            # would depend on whether ``as_of`` arrived as a zone or as a fixed offset.
            when = event.key[0] if event is not None else as_of.at.timestamp()
            return max(1, math.ceil((when - self.ts) / _DAY_SECONDS))
        day = event.date if event is not None else as_of.day
        return max(0, (day - self.date).days)


#: Key of a memoised due date: the period (amount, unit, text), the start date, the roll.
DueKey = tuple[int, str, str, dt.date, str | None]
#: How many due dates a rule's counting keeps (then the memo starts afresh: bounded memory).
DUE_MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Counting:
    """How a rule counts periods: its calendar, month-end policy and whether the start day is
    day 1 (``count_from: trigger_day``). ``memo`` holds the date-based due dates already
    computed under this counting (with their explanation lines): most triggers of a corpus
    share their dates. A memoised ``Due`` (a date-only one: nothing in it changes but the
    text it caches) is returned to every trigger of that date, so its text is formatted once.
    Writes are idempotent, so sharing between threads is safe."""

    calendar: Calendar
    month_end: MonthEnd
    inclusive: bool
    memo: dict[DueKey, tuple[Due, tuple[str, ...]]] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )
    #: the calendar's zone, looked up once
    zone: ZoneInfo = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", self.calendar.tz)


def rolled(day: dt.date, roll: str | None, counting: Counting, explain: list[str]) -> Due:
    """``day`` as a due date, moved to the next business day when the rule says so."""
    if roll == "next_business_day":
        moved = counting.calendar.next_business_day(day)
        if moved != day:
            explain.append(
                f"{day} is not a business day ({counting.calendar.name}); rolled to {moved}"
            )
            day = moved
    return Due(day)


#: ``timedelta(hours=n)`` per n a rule uses (building one with keywords costs ~1 µs).
_HOURS: dict[int, dt.timedelta] = {}


def _hours_later(instant: dt.datetime, hours: int) -> dt.datetime:
    """Exact elapsed hours after an aware instant: in its own offset when that is fixed (one
    conversion fewer), else in UTC (a zone's wall clock is not elapsed time across DST)."""
    step = _HOURS.get(hours)
    if step is None:
        step = _HOURS[hours] = dt.timedelta(hours=hours)
    if type(instant.tzinfo) is dt.timezone:
        return instant + step
    return instant.astimezone(dt.UTC) + step


#: Timestamps in [2**30, 2**31) seconds (2004-01-10 to 2038-01-19 UTC) are floats with one
#: spacing (2**-22 s); whole seconds are multiples of it.
_SAME_SPACING = (2.0**30, 2.0**31)
_new_object = object.__new__


def _instant_due(local: dt.datetime, start_ts: float, hours: int) -> Due:
    """``Due(local.date(), local)`` for ``local`` = the start + ``hours``, its timestamp by
    one addition instead of ``local.timestamp()`` (~6k instructions) where that is exact:
    ``start_ts`` is the start's exact instant rounded to the float grid, and adding whole
    seconds within one spacing of that grid neither rounds again nor rounds differently
    from the exact sum (tests/test_percase_due.py compares the two)."""
    due = _new_object(Due)
    due.date, due.instant, due._text = local.date(), local, None
    ts = start_ts + hours * 3600
    low, high = _SAME_SPACING
    if hours < 0 or start_ts < low or ts >= high:
        ts = local.timestamp()
    due.ts = ts
    return due


def due_after(
    period: Period, start: CaseEvent, roll: str | None, counting: Counting, explain: list[str]
) -> Due:
    """``start`` + ``period`` with the rule's counting, month-end and roll policies."""
    if period.unit == "hours" and start.precise:  # Period.add_to_instant, inline
        local = _hours_later(start.instant, period.amount).astimezone(counting.zone)
        due = _instant_due(local, start.key[0], period.amount)
        explain.append(f"+{period.text} (exact elapsed time) -> {due.text()}")
        return due
    key = (period.amount, period.unit, period.text, start.date, roll)
    memo = counting.memo
    found = memo.get(key)
    if found is None:
        lines: list[str] = []
        found = (dated_due_after(period, start.date, roll, counting, lines), tuple(lines))
        if len(memo) >= DUE_MEMO_SIZE:
            memo.clear()
        memo[key] = found
    explain.extend(found[1])
    return found[0]


def dated_due_after(
    period: Period, start: dt.date, roll: str | None, counting: Counting, explain: list[str]
) -> Due:
    """:func:`due_after` from a local date (a date-only start, or any period but hours): what
    the memo of ``Counting`` holds, computed afresh."""
    if period.is_hours:
        day = period.add_to_date(start)
        explain.append(
            f"+{period} at day precision (date-only event) = +{period.as_days_ceiling()} days"
            f" -> {day}"
        )
        return Due(day)
    business = period.unit == "business_days"
    inclusive = counting.inclusive and not business
    first = start
    suspensions = counting.calendar.suspensions
    if suspensions:
        first, span = deferred_start(suspensions, first)
        if span is not None:
            explain.append(f"{start} is in the suspension {span}: the period starts {first}")
    day = period.add_to_date(
        first, counting.calendar, month_end=counting.month_end, inclusive=inclusive
    )
    how = " (start day counts as day 1)" if inclusive else ""
    if business:
        how = f" on calendar {counting.calendar.name} (start day never counts)"
    explain.append(f"+{period}{how} -> {day}")
    if suspensions:
        day = suspended_end(suspensions, first, day, counting.calendar, business, explain)
    return rolled(day, roll, counting, explain)


def suspended_end(
    suspensions: Suspensions,
    start: dt.date,
    end: dt.date,
    calendar: Calendar,
    business: bool,
    explain: list[str],
) -> dt.date:
    """``end`` moved on past the suspended days between ``start`` and it (docs/adr/0013): in
    calendar days, or in business days of ``calendar`` for business-day periods."""
    if business:
        moved, added, spans = _suspended_business_end(suspensions, start, end, calendar)
        unit = "business days"
    else:
        moved, added, spans = stop_the_clock(suspensions, start, end)
        unit = "days"
    if added:
        where = "; ".join(str(s) for s in spans)
        explain.append(f"clock stopped {added} {unit} in {where} -> {moved}")
    return moved


def _suspended_business_end(
    suspensions: Suspensions, start: dt.date, end: dt.date, calendar: Calendar
) -> tuple[dt.date, int, list[Span]]:
    def counted(day: dt.date) -> bool:
        return calendar.is_business_day(day) and span_at(suspensions, day) is None

    owed, spans, day = 0, [], start
    while day < end:
        day += _DAY
        span = span_at(suspensions, day)
        if span is not None and calendar.is_business_day(day):
            owed += 1
            spans.append(span)
    added = owed
    while owed:
        day += _DAY
        owed -= counted(day)
        span = span_at(suspensions, day)
        if span is not None and calendar.is_business_day(day):
            added += 1
            spans.append(span)
    return day, added, list(dict.fromkeys(spans))


def add_periods(period: Period, start: dt.date, n: int, calendar: Calendar) -> dt.date:
    """start + n periods, computed from the start each time (no month drift)."""
    if n == 0:
        return start
    if period.unit == "months":
        return Period(period.amount * n, "months", period.text).add_to_date(start)
    if period.unit in ("days", "weeks", "hours"):
        return start + (period.add_to_date(start) - start) * n
    day = start
    for _ in range(n):
        day = period.add_to_date(day, calendar)
    return day
