"""Calendar and period arithmetic: DST, month ends, leap years, holidays, business days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from compliance.calendar import CALENDARS
from compliance.periods import MonthEndError, PeriodError, parse_period

CPH = ZoneInfo("Europe/Copenhagen")
D = dt.date


def test_24_hours_across_march_dst_is_exact_elapsed_time() -> None:
    start = dt.datetime(2024, 3, 30, 14, 0, tzinfo=CPH)
    due = parse_period("24 hours").add_to_instant(start)
    assert due.astimezone(CPH).isoformat() == "2024-03-31T15:00:00+02:00"
    assert due.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=24)


def test_24_hours_across_october_dst() -> None:
    start = dt.datetime(2024, 10, 26, 14, 0, tzinfo=CPH)
    due = parse_period("24 hours").add_to_instant(start)
    assert due.astimezone(CPH).isoformat() == "2024-10-27T13:00:00+01:00"


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        (D(2024, 1, 31), "1 month", D(2024, 2, 29)),  # leap year clamp
        (D(2023, 1, 31), "1 month", D(2023, 2, 28)),
        (D(2024, 2, 29), "1 year", D(2025, 2, 28)),
        (D(2024, 2, 29), "4 years", D(2028, 2, 29)),
        (D(2023, 10, 31), "4 months", D(2024, 2, 29)),
        (D(2007, 3, 15), "17 years 6 months", D(2024, 9, 15)),
        (D(2006, 8, 31), "17 years 6 months", D(2024, 2, 29)),  # one step, then clamp
        (D(2024, 3, 6), "4 weeks", D(2024, 4, 3)),
        (D(2024, 5, 10), "7 days", D(2024, 5, 17)),
    ],
)
def test_period_addition(start: dt.date, period: str, expected: dt.date) -> None:
    assert parse_period(period).add_to_date(start) == expected


def test_month_addition_is_not_associative_and_we_add_in_one_step() -> None:
    # 31 Aug + 6 months = 28/29 Feb; (31 Aug + 3 months) + 3 months = 30 Nov + 3 = 28 Feb
    p = parse_period("6 months")
    assert p.add_to_date(D(2023, 8, 31)) == D(2024, 2, 29)
    three = parse_period("3 months")
    assert three.add_to_date(three.add_to_date(D(2023, 8, 31))) == D(2024, 2, 29)
    # ... but month-by-month from 31 Jan drifts to the 29th
    one = parse_period("1 month")
    d = D(2024, 1, 31)
    for _ in range(2):
        d = one.add_to_date(d)
    assert d == D(2024, 3, 29)
    assert parse_period("2 months").add_to_date(D(2024, 1, 31)) == D(2024, 3, 31)


def test_month_end_policies() -> None:
    p = parse_period("1 month")
    assert p.add_to_date(D(2024, 1, 31), month_end="next_day") == D(2024, 3, 1)
    assert p.add_to_date(D(2024, 1, 15), month_end="error") == D(2024, 2, 15)
    with pytest.raises(MonthEndError):
        p.add_to_date(D(2024, 1, 31), month_end="error")


def test_inclusive_counting() -> None:
    assert parse_period("7 days").add_to_date(D(2024, 5, 10), inclusive=True) == D(2024, 5, 16)


def test_business_days_across_easter_2024() -> None:
    dk = CALENDARS["dk"]
    assert dk.add_business_days(D(2024, 3, 27), 6) == D(2024, 4, 9)


def test_business_days_across_christmas_and_new_year() -> None:
    dk = CALENDARS["dk"]
    assert dk.add_business_days(D(2024, 12, 20), 6) == D(2025, 1, 6)
    assert not dk.is_business_day(D(2024, 12, 24))
    assert not dk.is_business_day(D(2024, 12, 31))


def test_store_bededag_2023_vs_2024() -> None:
    dk = CALENDARS["dk"]
    assert not dk.is_business_day(D(2023, 5, 5))  # Store Bededag 2023
    assert dk.is_business_day(D(2024, 4, 26))  # would have been Store Bededag; abolished
    assert dk.add_business_days(D(2023, 5, 3), 6) == D(2023, 5, 12)
    assert dk.add_business_days(D(2024, 4, 24), 6) == D(2024, 5, 2)


def test_grundlovsdag_is_closed_but_1_may_is_not() -> None:
    dk = CALENDARS["dk"]
    assert not dk.is_business_day(D(2024, 6, 5))
    assert dk.is_business_day(D(2024, 5, 1))
    assert dk.add_business_days(D(2024, 6, 4), 6) == D(2024, 6, 13)


def test_saturday_reading_of_hverdage() -> None:
    sat = CALENDARS["dk-saturday"]
    assert sat.add_business_days(D(2024, 3, 1), 6) == D(2024, 3, 8)  # Sat 2 Mar counts
    assert CALENDARS["dk"].add_business_days(D(2024, 3, 1), 6) == D(2024, 3, 11)


def test_next_business_day_and_extra_closures() -> None:
    dk = CALENDARS["dk"]
    assert dk.next_business_day(D(2024, 3, 29)) == D(2024, 4, 2)
    local = dk.with_closures([D(2024, 4, 2)])
    assert local.next_business_day(D(2024, 3, 29)) == D(2024, 4, 3)


@pytest.mark.parametrize(
    "bad", ["4 moths", "four months", "", "3", "4 months 2 days", "2 weeks 1 week"]
)
def test_bad_periods_are_clear(bad: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_typo_suggests_the_unit() -> None:
    with pytest.raises(PeriodError, match="did you mean 'months'"):
        parse_period("4 moths")
