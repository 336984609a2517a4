"""Hypothesis properties of the engine over generated timelines (dk pack)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance import Engine

TYPES = [
    "notification_received",
    "notification_assessed",
    "notification_acknowledged",
    "investigation_started",
    "investigation_completed",
    "plan_created",
    "decision",
    "measure_started",
    "measure_ended",
    "follow_up",
    "supervision_visit",
    "committee_decision",
    "parties_notified",
    "complaint_received",
    "complaint_forwarded",
    "case_closed",
    "access_request_received",
    "access_decided",
]
ATTRS = {
    "notification_received": st.fixed_dictionaries(
        {"reporter": st.sampled_from(["professional", "citizen"])}
    ),
    "decision": st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["measure", "placement", "aftercare"]),
            "consent": st.booleans(),
            "provisional": st.booleans(),
            "decided_by": st.sampled_from(["caseworker", "chair"]),
            "urgent": st.booleans(),
        }
    ),
    "measure_started": st.fixed_dictionaries(
        {
            "measure_id": st.sampled_from(["m1", "m2"]),
            "measure": st.sampled_from(["placement", "support"]),
        }
    ),
    "measure_ended": st.fixed_dictionaries({"measure_id": st.sampled_from(["m1", "m2"])}),
    "follow_up": st.fixed_dictionaries({"measure_id": st.sampled_from(["m1", "m2"])}),
    "supervision_visit": st.fixed_dictionaries({"measure_id": st.sampled_from(["m1", "m2"])}),
    "committee_decision": st.fixed_dictionaries(
        {"kind": st.sampled_from(["approval", "placement_without_consent", "renewal"])}
    ),
}
START = dt.datetime(2023, 6, 1, tzinfo=dt.UTC)


@st.composite
def timelines(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 14))
    events = []
    for i in range(n):
        t = draw(st.sampled_from(TYPES))
        minutes = draw(st.integers(0, 60 * 24 * 800))
        when = START + dt.timedelta(minutes=minutes)
        at = when.isoformat() if draw(st.booleans()) else when.date().isoformat()
        ev: dict[str, Any] = {"id": f"e{i}", "type": t, "at": at}
        if t in ATTRS:
            ev["attrs"] = draw(ATTRS[t])
        events.append(ev)
    birth = draw(st.dates(dt.date(2005, 1, 1), dt.date(2023, 1, 1)))
    return {"case_id": "p", "subject": {"birth_date": birth.isoformat()}, "events": events}


as_ofs = st.integers(0, 60 * 24 * 900).map(lambda m: START + dt.timedelta(minutes=m))
SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def dicts(res: Any) -> list[dict[str, Any]]:
    return sorted((f.to_dict() for f in res.findings), key=repr)


@SETTINGS
@given(tl=timelines(), as_of=as_ofs)
def test_causality_events_after_as_of_change_nothing(
    dk_engine: Engine, tl: dict[str, Any], as_of: dt.datetime
) -> None:
    full = dk_engine.evaluate(tl, as_of=as_of)
    case = dk_engine.prepare(tl)
    kept = [e for e in tl["events"] if case.by_id[e["id"]].instant <= as_of]
    kept_ids = {e["id"] for e in kept}
    trimmed = {**tl, "events": [e for e in kept if all(r in kept_ids for r in e.get("refs", []))]}
    assert dicts(full) == dicts(dk_engine.evaluate(trimmed, as_of=as_of))


@SETTINGS
@given(tl=timelines(), as_of=as_ofs, seed=st.integers(0, 10_000))
def test_input_order_does_not_matter(
    dk_engine: Engine, tl: dict[str, Any], as_of: dt.datetime, seed: int
) -> None:
    shuffled = list(tl["events"])
    random.Random(seed).shuffle(shuffled)
    assert dicts(dk_engine.evaluate(tl, as_of=as_of)) == dicts(
        dk_engine.evaluate({**tl, "events": shuffled}, as_of=as_of)
    )


@SETTINGS
@given(tl=timelines(), as_of=as_ofs, minutes=st.integers(0, 60 * 24 * 900))
def test_unrelated_event_changes_nothing(
    dk_engine: Engine, tl: dict[str, Any], as_of: dt.datetime, minutes: int
) -> None:
    extra = {
        "id": "zz",
        "type": "survey_response",
        "at": (START + dt.timedelta(minutes=minutes)).isoformat(),
        "attrs": {"respondent": "user"},
    }
    before = dicts(dk_engine.evaluate(tl, as_of=as_of))
    after = dk_engine.evaluate({**tl, "events": [*tl["events"], extra]}, as_of=as_of)
    assert before == dicts(after)


@SETTINGS
@given(tl=timelines(), a=as_ofs, b=as_ofs)
def test_met_and_late_never_flip_as_time_moves_on(
    dk_engine: Engine, tl: dict[str, Any], a: dt.datetime, b: dt.datetime
) -> None:
    early, late = min(a, b), max(a, b)
    key = lambda f: (f.rule, f.trigger, f.partition, f.occurrence)  # noqa: E731
    later = {key(f): f for f in dk_engine.evaluate(tl, as_of=late).findings}
    for f in dk_engine.evaluate(tl, as_of=early).findings:
        if f.status in ("met", "late"):
            assert later[key(f)].status == f.status, (f.to_dict(), later[key(f)].to_dict())


@SETTINGS
@given(tl=timelines(), as_of=as_ofs)
def test_every_violation_is_due_before_as_of(
    dk_engine: Engine, tl: dict[str, Any], as_of: dt.datetime
) -> None:
    res = dk_engine.evaluate(tl, as_of=as_of)
    local = as_of.astimezone(dk_engine.tz)
    for f in res.violations:
        if f.status == "breached":
            continue  # a limit is breached when exceeded, whatever its window's end
        assert f.due is not None
        if "T" in f.due:
            assert dt.datetime.fromisoformat(f.due) < as_of
        else:
            assert dt.date.fromisoformat(f.due) < local.date() or (
                f.status == "missed" and dt.date.fromisoformat(f.due) <= local.date()
            )
    for f in res.upcoming:
        assert f.status == "due"


def _known_at(engine: Engine, tl: dict[str, Any], as_of: dt.datetime) -> dict[str, Any]:
    """The timeline as known at as_of: later events (and refs to them) dropped."""
    case = engine.prepare(tl)
    kept = [e for e in tl["events"] if case.by_id[e["id"]].instant <= as_of]
    ids = {e["id"] for e in kept}
    return {**tl, "events": [e for e in kept if all(r in ids for r in e.get("refs", []))]}


def statuses(engine: Engine, tl: dict[str, Any], as_of: dt.datetime) -> dict[Any, str]:
    res = engine.evaluate(tl, as_of=as_of)
    return {(f.rule, f.trigger, f.partition, f.occurrence): f.status for f in res.findings}


@SETTINGS
@given(tl=timelines(), as_of=as_ofs)
def test_next_change_at_is_the_first_instant_the_findings_change(
    dk_engine: Engine, tl: dict[str, Any], as_of: dt.datetime
) -> None:
    known = _known_at(dk_engine, tl, as_of)
    now = statuses(dk_engine, known, as_of)
    change = dk_engine.evaluate(known, as_of=as_of).next_change_at
    if change is None:
        assert statuses(dk_engine, known, as_of + dt.timedelta(days=3650)) == now
        return
    assert change > as_of
    assert statuses(dk_engine, known, change - dt.timedelta(microseconds=1)) == now
    assert statuses(dk_engine, known, change) != now
