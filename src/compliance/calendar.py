"""Calendars: a time zone plus the days that count as business days.

The ``dk`` calendar follows CONTRACT §4: Europe/Copenhagen; business days are Monday–Friday
that are not Danish public holidays (taken from the ``holidays`` package, which knows that
Store Bededag was a holiday through 2023 and not from 2024), nor Grundlovsdag (5 June),
24 December or 31 December. Those three are not official holidays but are closed days for
deadline purposes (forældelsesloven § 27, stk. 2).

``dk-saturday`` is the other reading of "hverdage": Monday–Saturday with the same closures.
See docs/adr/0002-calendar-policy.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = ["CALENDARS", "Calendar", "calendar_lookup", "get_calendar"]

#: Fixed-date closure days named by forældelsesloven § 27, stk. 2 (not in the public-holiday table).
DK_FRIST_CLOSURES: tuple[tuple[int, int], ...] = ((6, 5), (12, 24), (12, 31))


@lru_cache(maxsize=256)
def _dk_public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("DK", years=year).keys())


@dataclass(frozen=True)
class Calendar:
    """A named calendar. Immutable and safe to share between threads."""

    name: str
    tz_name: str = "Europe/Copenhagen"
    country: str | None = "DK"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    fixed_closures: tuple[tuple[int, int], ...] = DK_FRIST_CLOSURES
    extra_closures: frozenset[dt.date] = field(default_factory=frozenset)

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.tz_name)

    def is_holiday(self, day: dt.date) -> bool:
        """True for public holidays and configured closure days (weekday or not)."""
        if (day.month, day.day) in self.fixed_closures or day in self.extra_closures:
            return True
        return self.country == "DK" and day in _dk_public_holidays(day.year)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and not self.is_holiday(day)

    def add_business_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th business day after ``start`` (``start`` itself never counts)."""
        if n < 0:
            raise ValueError("business days must be non-negative")
        return _add_business_days(self, start, n)

    def _walk(self, start: dt.date, n: int) -> dt.date:
        day = start
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_business_day(day):
                n -= 1
        return day

    def next_business_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a business day, else the first business day after it."""
        while not self.is_business_day(day):
            day += dt.timedelta(days=1)
        return day

    def with_closures(self, days: Iterable[dt.date]) -> Calendar:
        """A copy with extra closure days (e.g. a municipality's own closing days)."""
        return Calendar(
            name=self.name,
            tz_name=self.tz_name,
            country=self.country,
            workdays=self.workdays,
            fixed_closures=self.fixed_closures,
            extra_closures=self.extra_closures | frozenset(days),
        )


@lru_cache(maxsize=65536)
def _add_business_days(cal: Calendar, start: dt.date, n: int) -> dt.date:
    return cal._walk(start, n)


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


CALENDARS: dict[str, Calendar] = {
    "dk": Calendar("dk"),
    "dk-saturday": Calendar("dk-saturday", workdays=frozenset({0, 1, 2, 3, 4, 5})),
}


def get_calendar(name: str, overrides: dict[str, Calendar] | None = None) -> Calendar:
    if overrides and name in overrides:
        return overrides[name]
    try:
        return CALENDARS[name]
    except KeyError:
        raise KeyError(
            f"unknown calendar {name!r}; known: {', '.join(sorted(CALENDARS))}"
        ) from None


def calendar_lookup(overrides: dict[str, Calendar] | None = None) -> Callable[[str], Calendar]:
    """Calendars by name, a host's ``overrides`` first (``Engine(calendars=...)``)."""
    return lambda name: get_calendar(name, overrides)
