"""A ``where`` compiled with its plain conditions fused into one loop (``compile_where``, issue
18 round five) answers exactly as one compiled check per condition (``generic_where``), for
every kind of condition, mixed in any order, on events holding any scalar attribute."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.matching import _fused_check, compile_where, generic_where
from compliance.model import CaseEvent

TZ = ZoneInfo("Europe/Copenhagen")
ATTRS = ("x", "y", "z")
SCALARS = st.one_of(
    st.sampled_from(["a", "b", "2025-01-02", "1", "true", "", "1.0"]),
    st.integers(-2, 2),
    st.sampled_from([0.0, 1.0, 2.5, float("nan")]),
    st.booleans(),
    st.sampled_from([dt.date(2025, 1, 2), dt.date(2025, 1, 3)]),
)
CONDITIONS = st.one_of(
    SCALARS,
    st.builds(lambda v: {"not": v}, SCALARS),
    st.builds(lambda vs: {"in": vs}, st.lists(SCALARS, max_size=3)),
    st.builds(lambda vs: {"not_in": vs}, st.lists(SCALARS, max_size=3)),
    st.builds(lambda v: {"gte": v}, st.integers(-2, 2)),
    st.builds(lambda v: {"exists": v}, st.booleans()),
    st.builds(lambda v, w: {"not": v, "in": [w]}, SCALARS, SCALARS),
)
AGES = st.sampled_from([{"lt": "18 years"}, {"gte": "2 years", "lt": "20 years"}])


def event(attrs: dict[str, Any]) -> CaseEvent:
    instant = dt.datetime(2025, 1, 2, 12, tzinfo=TZ)
    return CaseEvent("e", "t", instant, instant.date(), True, (), attrs, (instant.timestamp(), "e"))


@settings(max_examples=800, deadline=None)
@given(
    st.dictionaries(st.sampled_from(ATTRS), CONDITIONS, min_size=1, max_size=3),
    st.one_of(st.none(), AGES),
    st.dictionaries(st.sampled_from(ATTRS), SCALARS, max_size=3),
    st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2024, 1, 1))),
)
def test_fused_where_answers_as_the_generic_one(
    where: dict[str, Any], age: dict[str, str] | None, attrs: dict[str, Any], birth: Any
) -> None:
    if age is not None:
        where = {**where, "subject_age": age}
    fused, generic = compile_where(where), generic_where(where)
    assert fused is not None and generic is not None
    ev = event(attrs)
    assert fused(ev, birth) == generic(ev, birth)


def test_plain_conditions_are_fused_and_the_others_are_not() -> None:
    """The fast path is taken (so the property above compares two different codes)."""
    assert _fused_check("x", "a") is not None
    assert _fused_check("x", {"not": True}) is not None
    assert _fused_check("x", {"in": ["a", 1]}) is not None
    assert _fused_check("x", {"in": [float("nan")]}) is None
    assert _fused_check("x", {"in": [dt.date(2025, 1, 2)]}) is None
    assert _fused_check("x", dt.date(2025, 1, 2)) is None
    assert _fused_check("x", {"gte": 1}) is None
    assert _fused_check("x", {"not": 1, "in": [1]}) is None


def test_fields_written_alike_share_one_matcher() -> None:
    """Closers written alike in many rules are one matcher (so a case indexes them once);
    values that differ in type keep their own matcher."""
    from compliance.matching import Matcher
    from compliance.rules.fields import EventMatch

    def of(event: str | list[str], where: dict[str, Any]) -> Matcher | None:
        return Matcher.of([EventMatch(event=event, where=where)])

    assert of("case_closed", {}) is of("case_closed", {})
    assert of("a", {"x": 1}) is of("a", {"x": 1})
    ones = [of("a", {"x": v}) for v in (1, 1.0, True, "1")]
    assert len({id(m) for m in ones}) == 4
    assert of(["a", "b"], {}) is not of(["a"], {})
