"""Validation's fast paths (issue 18, round four) give exactly the answers of the plain code:
events that arrive in time order are grouped by type as they come (others are sorted first),
and an ``at`` text is placed once and then read from a memo."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.model import CaseEvents, _placed, normalize

TZ = ZoneInfo("Europe/Copenhagen")

AT = st.one_of(
    st.dates(dt.date(2024, 3, 29), dt.date(2024, 4, 1)).map(dt.date.isoformat),
    st.builds(
        lambda day, hour, minute, micro, offset: (
            f"{day.isoformat()}T{hour:02d}:{minute:02d}:00"
            + (f".{micro:06d}" if micro else "")
            + offset
        ),
        st.dates(dt.date(2024, 3, 29), dt.date(2024, 4, 1)),
        st.sampled_from([0, 1, 2, 3, 22, 23]),
        st.sampled_from([0, 30, 59]),
        st.sampled_from([0, 0, 1, 500000]),
        st.sampled_from(["+01:00", "+02:00", "Z", "-05:00"]),
    ),
)


@st.composite
def timelines(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(0, 12))
    events = [
        {"id": f"e{i}", "type": draw(st.sampled_from("abc")), "at": draw(AT)} for i in range(n)
    ]
    return {"case_id": "c", "events": events}


def _shape(case: CaseEvents) -> tuple[Any, ...]:
    return (
        [(e.id, e.type, e.instant, e.date, e.key, e.precise) for e in case.events],
        {t: [e.id for e in evs] for t, evs in case.by_type.items()},
        sorted(case.by_id),
    )


@settings(max_examples=300, deadline=None)
@given(timelines(), st.randoms(use_true_random=False))
def test_any_input_order_gives_the_sorted_case(
    timeline: dict[str, Any], rnd: random.Random
) -> None:
    case = normalize(timeline, TZ)
    assert [e.key for e in case.events] == sorted(e.key for e in case.events)
    for t, evs in case.by_type.items():
        assert evs == [e for e in case.events if e.type == t]
    shuffled = dict(timeline, events=timeline["events"][:])
    rnd.shuffle(shuffled["events"])
    in_order = dict(
        timeline,
        events=[
            {
                "id": e.id,
                "type": e.type,
                "at": next(r["at"] for r in timeline["events"] if r["id"] == e.id),
            }
            for e in case.events
        ],
    )
    assert _shape(normalize(shuffled, TZ)) == _shape(case)
    assert _shape(normalize(in_order, TZ)) == _shape(case)


@settings(max_examples=300, deadline=None)
@given(AT)
def test_a_placed_text_is_the_same_from_the_memo(text: str) -> None:
    expected = _placed(text, TZ, None)
    for _ in range(2):  # a miss, then (for texts the memo keeps) a hit
        (event,) = normalize(
            {"case_id": "c", "events": [{"id": "e", "type": "a", "at": text}]}, TZ
        ).events
        assert (event.instant, event.date, event.key[0], event.precise) == expected
        assert event.instant.utcoffset() == expected[0].utcoffset()


def test_every_field_of_a_validated_event_is_set_as_its_init_sets_it() -> None:
    """normalize builds a CaseEvent without the dataclass's __init__ (round five): every
    field must still be set, to what __init__ would set (a field added to CaseEvent and
    forgotten there fails here: reading an unset slot raises AttributeError)."""
    import dataclasses

    from compliance.model import CaseEvent

    case = normalize(
        {
            "case_id": "c",
            "events": [
                {"id": "a", "type": "t", "at": "2025-01-02"},
                {
                    "id": "b",
                    "type": "u",
                    "at": "2025-01-02T10:00:00+01:00",
                    "refs": ["a"],
                    "attrs": {"x": 1},
                },
            ],
        },
        TZ,
    )
    names = [f.name for f in dataclasses.fields(CaseEvent)]
    for ev in case.events:
        values = {n: getattr(ev, n) for n in names}  # AttributeError if one is unset
        built = CaseEvent(
            ev.id, ev.type, ev.instant, ev.date, ev.precise, ev.refs, ev.attrs, ev.key
        )
        assert values == {n: getattr(built, n) for n in names}
        assert ev == built
    assert case.events[1].refs == ("a",) and case.events[1].attrs == {"x": 1}
