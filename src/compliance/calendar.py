"""Calendars: a time zone plus the days that count as business days.

Calendars are data. A rule (or its pack's ``pack.yaml``) names one: ``calendar: dk`` (the
default), or a mapping built from the ``holidays`` package, e.g. ``{country: IT, tz: Europe/Rome}``
or ``{country: DE, subdivision: BY, tz: Europe/Berlin, extra_closed: [2025-12-24]}``
(:class:`CalendarSpec`; checked when the rule is loaded). Nothing below is specific to a country
except the named entries of :data:`CALENDARS`.

The ``dk`` calendar follows docs/reference/time.md: Europe/Copenhagen; business days are Monday–Friday
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
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, model_validator

from compliance.suspension import Suspensions, SuspensionSpec

__all__ = [
    "CALENDARS",
    "Calendar",
    "CalendarRef",
    "CalendarSpec",
    "calendar_lookup",
    "check_calendar_name",
    "get_calendar",
]

#: Fixed-date closure days named by forældelsesloven § 27, stk. 2 (not in the public-holiday table).
DK_FRIST_CLOSURES: tuple[tuple[int, int], ...] = ((6, 5), (12, 24), (12, 31))


@lru_cache(maxsize=1024)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


@dataclass(frozen=True)
class Calendar:
    """A named calendar. Immutable and safe to share between threads."""

    name: str
    tz_name: str = "UTC"
    country: str | None = None  # public holidays of this country (holidays package)
    subdivision: str | None = None
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    fixed_closures: tuple[tuple[int, int], ...] = ()  # (month, day) closed every year
    extra_closures: frozenset[dt.date] = field(default_factory=frozenset)
    #: spans in which periods do not run (compliance.suspension; docs/adr/0013)
    suspensions: Suspensions = ()

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.tz_name)

    def is_holiday(self, day: dt.date) -> bool:
        """True for public holidays and configured closure days (weekday or not)."""
        if (day.month, day.day) in self.fixed_closures or day in self.extra_closures:
            return True
        return self.country is not None and day in _public_holidays(
            self.country, self.subdivision, day.year
        )

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
            subdivision=self.subdivision,
            workdays=self.workdays,
            fixed_closures=self.fixed_closures,
            extra_closures=self.extra_closures | frozenset(days),
            suspensions=self.suspensions,
        )


@lru_cache(maxsize=65536)
def _add_business_days(cal: Calendar, start: dt.date, n: int) -> dt.date:
    return cal._walk(start, n)


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_DK = Calendar("dk", tz_name="Europe/Copenhagen", country="DK", fixed_closures=DK_FRIST_CLOSURES)

#: Calendars by the name a rule may give. Hosts may add their own before loading rules.
CALENDARS: dict[str, Calendar] = {
    "dk": _DK,
    "dk-saturday": Calendar(
        "dk-saturday",
        tz_name=_DK.tz_name,
        country=_DK.country,
        fixed_closures=_DK.fixed_closures,
        workdays=frozenset({0, 1, 2, 3, 4, 5}),
    ),
}


class CalendarSpec(BaseModel):
    """A calendar a rule or pack declares: a country's public holidays (the ``holidays``
    package), optionally a subdivision, extra closed days and the time zone of its dates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(description="ISO 3166-1 alpha-2 code known to the holidays package")
    subdivision: str | None = Field(default=None, description="e.g. BY for Bavaria")
    tz: str = Field(description="IANA time zone of the calendar's local dates")
    extra_closed: tuple[dt.date, ...] = Field(default=(), description="further closed days")
    workdays: Literal["monday-friday", "monday-saturday"] = "monday-friday"
    suspended: tuple[SuspensionSpec, ...] = Field(
        default=(),
        description="spans in which periods do not run (e.g. the summer suspension of judicial "
        "terms): each {law, yearly: {from: MM-DD, until: MM-DD}, years?: {from, until}} or "
        "{law, dates: {from, until}}",
    )

    @model_validator(mode="after")
    def _known(self) -> CalendarSpec:
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(f"calendar: unknown country {self.country!r} (holidays package)")
        subdivisions = supported[self.country]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            raise ValueError(
                f"calendar: {self.country} has no subdivision {self.subdivision!r} "
                f"(known: {', '.join(subdivisions) or 'none'})"
            )
        try:
            _zone(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"calendar: unknown time zone {self.tz!r}") from None
        return self

    @property
    def name(self) -> str:
        return self.country + (f"-{self.subdivision}" if self.subdivision else "")


#: What a rule's ``calendar:`` may hold: a name from CALENDARS or a declared calendar.
CalendarRef = str | CalendarSpec


def check_calendar_name(name: str) -> str:
    """A calendar name must be one of CALENDARS (checked when rules are loaded)."""
    if name not in CALENDARS:
        raise ValueError(
            f"unknown calendar {name!r}; known: {', '.join(sorted(CALENDARS))}, or a mapping "
            "such as {country: IT, tz: Europe/Rome}"
        )
    return name


@lru_cache(maxsize=64)
def calendar_from_spec(spec: CalendarSpec) -> Calendar:
    workdays = {0, 1, 2, 3, 4} | ({5} if spec.workdays == "monday-saturday" else set())
    return Calendar(
        name=spec.name,
        tz_name=spec.tz,
        country=spec.country,
        subdivision=spec.subdivision,
        workdays=frozenset(workdays),
        fixed_closures=(),
        extra_closures=frozenset(spec.extra_closed),
        suspensions=spec.suspended,
    )


def get_calendar(name: CalendarRef, overrides: dict[str, Calendar] | None = None) -> Calendar:
    if isinstance(name, CalendarSpec):
        return calendar_from_spec(name)
    if overrides and name in overrides:
        return overrides[name]
    try:
        return CALENDARS[name]
    except KeyError:
        raise KeyError(
            f"unknown calendar {name!r}; known: {', '.join(sorted(CALENDARS))}"
        ) from None


def calendar_lookup(
    overrides: dict[str, Calendar] | None = None,
) -> Callable[[CalendarRef], Calendar]:
    """Calendars by name, a host's ``overrides`` first (``Engine(calendars=...)``)."""
    return lambda name: get_calendar(name, overrides)
