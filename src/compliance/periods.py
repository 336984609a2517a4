"""Periods ("24 hours", "4 months", "17 years 6 months", "6 business_days") and their arithmetic.

Semantics (docs/reference/time.md, docs/adr/0001-month-arithmetic.md):

* ``hours`` are exact elapsed time from the trigger instant, so DST changes are respected.
* ``days`` and ``weeks`` are added to the trigger's *local date*.
* ``months`` and ``years`` go to the same day of month; where that day does not exist the
  ``month_end`` policy decides: ``clamp`` (default; last day of the month, as Danish law counts
  months), ``next_day`` (first day of the following month) or ``error``. All months of a
  compound period are added in one step (``17 years 6 months`` = +210 months).
* ``business_days`` are counted on a calendar; the start day never counts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from dateutil.relativedelta import relativedelta

from compliance.calendar import Calendar

__all__ = ["MonthEndError", "Period", "PeriodError", "parse_period"]

Unit = Literal["hours", "days", "weeks", "months", "business_days"]
MonthEnd = Literal["clamp", "next_day", "error"]

_UNIT_ALIASES: dict[str, str] = {
    "hour": "hours",
    "hours": "hours",
    "h": "hours",
    "day": "days",
    "days": "days",
    "d": "days",
    "week": "weeks",
    "weeks": "weeks",
    "w": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
    "y": "years",
    "business_day": "business_days",
    "business_days": "business_days",
    "business day": "business_days",
    "business days": "business_days",
}
_TOKEN = re.compile(r"\s*(\d+)\s*([a-z_]+(?: days?)?)\s*", re.IGNORECASE)


class PeriodError(ValueError):
    """A period string that cannot be understood."""


class MonthEndError(ValueError):
    """Month arithmetic landed on a day that does not exist and the rule says ``error``."""


@dataclass(frozen=True, slots=True)
class Period:
    """A length of time in exactly one unit family (compound only for years+months)."""

    amount: int
    unit: Unit
    text: str

    @property
    def is_hours(self) -> bool:
        return self.unit == "hours"

    @property
    def is_calendar_days(self) -> bool:
        return self.unit in ("days", "weeks")

    def as_days_ceiling(self) -> int:
        """An hour period seen at day precision: ceil(N/24) days (docs/reference/time.md)."""
        if self.unit != "hours":
            raise PeriodError(f"{self.text!r} is not an hour period")
        return -(-self.amount // 24)

    def add_to_instant(self, start: dt.datetime) -> dt.datetime:
        """Exact elapsed hours from an aware instant, as a UTC instant (DST-correct)."""
        if self.unit != "hours":
            raise PeriodError(f"{self.text!r} cannot be added to an instant; it is date based")
        if start.tzinfo is None:
            raise ValueError("instant must be time-zone aware")
        # aware arithmetic in UTC is exact elapsed time; the caller converts to its zone
        return start.astimezone(dt.UTC) + dt.timedelta(hours=self.amount)

    def add_to_date(
        self,
        start: dt.date,
        calendar: Calendar | None = None,
        *,
        month_end: MonthEnd = "clamp",
        inclusive: bool = False,
    ) -> dt.date:
        """The due date for a period starting on local date ``start``.

        ``inclusive`` (``count_from: trigger_day``) makes the start day day 1, so the period
        ends one day earlier. It does not apply to business days, where the start day never
        counts.
        """
        if self.unit == "hours":
            end = start + dt.timedelta(days=self.as_days_ceiling())
        elif self.unit == "days":
            end = start + dt.timedelta(days=self.amount)
        elif self.unit == "weeks":
            end = start + dt.timedelta(weeks=self.amount)
        elif self.unit == "months":
            end = _add_months(start, self.amount, month_end)
        else:
            if calendar is None:
                raise PeriodError(f"{self.text!r} needs a calendar")
            return calendar.add_business_days(start, self.amount)
        return end - dt.timedelta(days=1) if inclusive else end

    def subtract_from_date(self, end: dt.date) -> dt.date:
        """The start of a look-back window ending on ``end`` (months clamp)."""
        if self.unit in ("hours",):
            return end - dt.timedelta(days=self.as_days_ceiling())
        if self.unit == "days":
            return end - dt.timedelta(days=self.amount)
        if self.unit == "weeks":
            return end - dt.timedelta(weeks=self.amount)
        if self.unit == "months":
            return end - relativedelta(months=self.amount)
        raise PeriodError(f"{self.text!r} cannot be used as a look-back")

    def __str__(self) -> str:
        return self.text


@lru_cache(maxsize=65536)
def _add_months(start: dt.date, months: int, month_end: MonthEnd) -> dt.date:
    end: dt.date = start + relativedelta(months=months)  # dateutil clamps to the month end
    if end.day == start.day or month_end == "clamp":
        return end
    if month_end == "next_day":
        return end + dt.timedelta(days=1)
    raise MonthEndError(
        f"{start.isoformat()} + {months} months: day {start.day} does not exist in "
        f"{end.year}-{end.month:02d} (month_end: error)"
    )


def parse_period(text: str | int) -> Period:
    """Parse ``"4 months"``, ``"24 hours"``, ``"17 years 6 months"``, ``"6 business_days"``."""
    if isinstance(text, int) or not isinstance(text, str):
        raise PeriodError(f"period must be text like '4 months', got {text!r}")
    raw = text.strip()
    pos, parts = 0, []
    while pos < len(raw):
        m = _TOKEN.match(raw, pos)
        if not m or m.end() == pos:
            raise PeriodError(f"cannot read period {text!r} (expected e.g. '4 months', '24 hours')")
        unit = _UNIT_ALIASES.get(m.group(2).lower())
        if unit is None:
            suggestion = _suggest(m.group(2).lower())
            hint = f"; did you mean '{suggestion}'?" if suggestion else ""
            raise PeriodError(
                f"unknown unit {m.group(2)!r} in period {text!r}{hint} "
                "(units: hours, days, weeks, months, years, business_days)"
            )
        parts.append((int(m.group(1)), unit))
        pos = m.end()
    if not parts:
        raise PeriodError(f"empty period {text!r}")
    units = [u for _, u in parts]
    if len(parts) > 1 and (set(units) - {"years", "months"} or len(set(units)) != len(units)):
        raise PeriodError(f"period {text!r}: only 'N years M months' may be combined")
    if set(units) <= {"years", "months"}:
        months = sum(n * 12 if u == "years" else n for n, u in parts)
        return Period(months, "months", raw)
    n, unit = parts[0]
    return Period(n, unit, raw)  # type: ignore[arg-type]


def _suggest(word: str) -> str | None:
    import difflib

    names = ["hours", "days", "weeks", "months", "years", "business_days"]
    hits = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return hits[0] if hits else None
