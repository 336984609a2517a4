"""An hour deadline's due timestamp by one addition (``due._instant_due``, issue 18 round
five) equals ``datetime.timestamp()`` of the due instant, bit for bit: across offsets and
zones, fractional seconds, and the edges of the float spacing it relies on (2004-01-10 and
2038-01-19 UTC), where it must fall back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from compliance.calendar import CALENDARS
from compliance.due import Counting, due_after
from compliance.model import normalize
from compliance.periods import parse_period

TZ = ZoneInfo("Europe/Copenhagen")
COUNTING = Counting(CALENDARS["dk"], "clamp", False)
EDGES = [dt.datetime(2004, 1, 10, 13, 37, 4), dt.datetime(2038, 1, 19, 3, 14, 8)]
INSTANTS = st.one_of(
    st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2090, 1, 1)),
    st.sampled_from(EDGES).flatmap(
        lambda edge: st.integers(-400_000, 400_000).map(
            lambda s: edge + dt.timedelta(seconds=s // 7, microseconds=(s * 7919) % 1_000_000)
        )
    ),
)
OFFSETS = st.sampled_from(["+00:00", "+01:00", "+02:00", "-05:00", "+05:45", "Z"])


@settings(max_examples=1500, deadline=None)
@given(INSTANTS, OFFSETS, st.integers(0, 5000))
@example(dt.datetime(2038, 1, 18, 3, 14, 7, 999999), "+00:00", 24)
@example(dt.datetime(2004, 1, 10, 13, 37, 3, 999999), "+00:00", 1)
@example(dt.datetime(2004, 1, 10, 13, 37, 4, 1), "+00:00", 1)
@example(dt.datetime(2072, 10, 19, 6, 0), "+05:45", 264)  # due in the autumn fold, 02:15+02:00
def test_hour_due_timestamp_is_the_instants_own(
    naive: dt.datetime, offset: str, hours: int
) -> None:
    text = naive.isoformat(timespec="microseconds") + offset
    case = normalize({"case_id": "c", "events": [{"id": "e", "type": "t", "at": text}]}, TZ)
    start = case.events[0]
    due = due_after(parse_period(f"{hours} hours"), start, None, COUNTING, [])
    assert due.instant is not None
    assert due.ts == due.instant.timestamp()
    # the same instant, compared in UTC: an aware datetime in a fold (an hour the zone lives
    # twice) is never == one in another zone (PEP 495), even for the same instant
    utc = dt.UTC
    assert due.instant.astimezone(utc) == (start.instant + dt.timedelta(hours=hours)).astimezone(
        utc
    )
    assert due.date == due.instant.astimezone(TZ).date()
