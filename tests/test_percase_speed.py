"""The per-case fast paths (issue 18, round three) give exactly the answers of the code they
stand in for: the scan for a few events (``matching.FewEvents``) against the bisection index
(``matching.EventIndex``), and memoised due dates against fresh arithmetic across calendars,
periods and time zones."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.calendar import CALENDARS as CALENDARS_BY_NAME
from compliance.calendar import Calendar, CalendarSpec, get_calendar
from compliance.due import Counting, dated_due_after, due_after
from compliance.matching import EventIndex, FewEvents, _attr_pred, _same
from compliance.model import CaseEvent, normalize
from compliance.periods import MonthEndError, parse_period

TZ = ZoneInfo("Europe/Copenhagen")


@st.composite
def case_events(draw: Any) -> list[CaseEvent]:
    """Up to 8 events over four days: date-only and precise, some at the same instant or day,
    with a partition attribute ``p`` that is 'a', 'b' or missing."""
    n = draw(st.integers(0, 8))
    raw = []
    for i in range(n):
        day = dt.date(2024, 3, 30) + dt.timedelta(days=draw(st.integers(0, 3)))
        if draw(st.booleans()):
            at = day.isoformat()
        else:
            hour = draw(st.sampled_from([0, 1, 12, 23]))
            offset = draw(st.sampled_from(["+01:00", "+02:00", "Z"]))
            at = f"{day.isoformat()}T{hour:02d}:00:00{offset}"
        p = draw(st.sampled_from(["a", "b", None]))
        raw.append({"id": f"e{i}", "type": "x", "at": at, "attrs": {"p": p} if p else {}})
    return normalize({"case_id": "c", "events": raw}, TZ).events


QUERY = st.tuples(
    st.sampled_from(["first", "take", "use", "is_used"]),
    st.integers(0, 7),  # the reference (or the event used)
    st.sampled_from(["a", "b", None]),  # partition
    st.booleans(),  # strict
    st.booleans(),  # exclude the reference
    st.sampled_from([None, 0, 1, 2]),  # accept: events on or before this many days after ref
)


def _ask(index: Any, events: list[CaseEvent], query: tuple[Any, ...]) -> Any:
    op, at, partition, strict, exclude, days = query
    ref = events[at % len(events)]
    if op == "use":
        return index.use(ref) if not index.is_used(ref) else None
    if op == "is_used":
        return index.is_used(ref)
    if op == "take":
        found = index.take(ref, partition, strict=strict, exclude=ref if exclude else None)
    else:
        accept = None if days is None else (lambda e: e.date <= ref.date + dt.timedelta(days))
        found = index.first(
            ref, partition, strict=strict, exclude=ref if exclude else None, accept=accept
        )
    return None if found is None else found.id


@settings(max_examples=400, deadline=None)
@given(
    case_events(),
    st.sampled_from([None, "p"]),
    st.booleans(),
    st.lists(QUERY, max_size=12),
)
def test_the_scan_answers_as_the_index(
    events: list[CaseEvent], attr: str | None, wildcard: bool, queries: list[Any]
) -> None:
    if not events:
        return
    few, index = FewEvents(events, attr, wildcard), EventIndex(events, attr, wildcard)
    for query in queries:
        assert _ask(few, events, query) == _ask(index, events, query), query


# -- memoised due dates -------------------------------------------------------------------------

IT_SUMMER = CalendarSpec(
    country="IT",
    tz="Europe/Rome",
    suspended=({"law": "L. 742/1969 art. 1", "yearly": {"from": "08-01", "until": "09-15"}},),  # type: ignore[arg-type]
)
CALENDARS = [CALENDARS_BY_NAME["dk"], CALENDARS_BY_NAME["dk-saturday"], get_calendar(IT_SUMMER)]
PERIODS = ["3 days", "2 weeks", "1 month", "17 years 6 months", "6 business_days", "25 hours"]


@settings(max_examples=300, deadline=None)
@given(
    st.dates(dt.date(2011, 1, 1), dt.date(2026, 12, 31)),
    st.sampled_from(PERIODS),
    st.sampled_from(CALENDARS),
    st.sampled_from(["clamp", "next_day", "error"]),
    st.booleans(),
    st.sampled_from([None, "next_business_day"]),
)
def test_a_memoised_due_date_is_the_fresh_one(
    day: dt.date,
    period_text: str,
    calendar: Calendar,
    month_end: Any,
    inclusive: bool,
    roll: str | None,
) -> None:
    """Twice through the memo (a miss, then a hit) and once afresh: the same due date and the
    same explanation, for every calendar, month-end policy and roll; an error is never
    memoised."""
    counting = Counting(calendar, month_end, inclusive)
    period = parse_period(period_text)
    start = normalize(
        {"case_id": "c", "events": [{"id": "t", "type": "x", "at": day.isoformat()}]},
        calendar.tz,
    ).events[0]
    try:
        fresh_lines: list[str] = []
        fresh = dated_due_after(period, day, roll, counting, fresh_lines).date
    except MonthEndError:
        for _ in range(2):
            with pytest.raises(MonthEndError):
                due_after(period, start, roll, counting, [])
        return
    for _ in range(2):
        lines: list[str] = ["trigger"]
        assert due_after(period, start, roll, counting, lines).date == fresh
        assert lines == ["trigger", *fresh_lines]


def test_the_memo_is_per_counting() -> None:
    """The same start and period under two calendars, one after the other: each its own due
    date and wording (Thu 12 June 2025 + 2 business days)."""
    start = normalize(
        {"case_id": "c", "events": [{"id": "t", "type": "x", "at": "2025-06-12"}]}, TZ
    ).events[0]
    period = parse_period("2 business_days")
    dk, saturday = (Counting(CALENDARS_BY_NAME[n], "clamp", False) for n in ("dk", "dk-saturday"))
    for _ in range(2):
        first: list[str] = []
        second: list[str] = []
        assert due_after(period, start, None, dk, first).date == dt.date(2025, 6, 16)
        assert due_after(period, start, None, saturday, second).date == dt.date(2025, 6, 14)
        assert first == ["+2 business_days on calendar dk (start day never counts) -> 2025-06-16"]
        assert second == [
            "+2 business_days on calendar dk-saturday (start day never counts) -> 2025-06-14"
        ]


# -- predicates compiled per value type ---------------------------------------------------------

SCALARS = st.one_of(
    st.sampled_from(["a", "b", "2025-01-02", "1", "true", ""]),
    st.integers(-2, 2),
    st.sampled_from([0.0, 1.0, 2.5, float("nan")]),
    st.booleans(),
    st.sampled_from([dt.date(2025, 1, 2), dt.datetime(2025, 1, 2, 3, 4)]),
)
VALUES = st.one_of(SCALARS, st.none(), st.lists(SCALARS, max_size=2))  # subjects hold anything


@settings(max_examples=500, deadline=None)
@given(VALUES, SCALARS, st.lists(SCALARS, max_size=3))
def test_compiled_comparisons_answer_as_same(value: Any, one: Any, among: list[Any]) -> None:
    """``where: {attr: value}``, ``{not: value}`` and ``{in: [...]}``/``{not_in: [...]}``
    compiled for the value's type answer exactly as the generic ``_same``."""
    attrs = {} if value is None else {"x": value}
    expect_eq = _same(attrs.get("x"), one)
    expect_in = any(_same(attrs.get("x"), v) for v in among)
    assert _attr_pred("x", one)(attrs) == expect_eq
    assert _attr_pred("x", {"not": one})(attrs) == (not expect_eq)
    assert _attr_pred("x", {"in": among})(attrs) == expect_in
    assert _attr_pred("x", {"not_in": among})(attrs) == (not expect_in)
