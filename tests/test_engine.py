"""Engine behaviour through the public API."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from compliance import Engine, Timeline, TimelineError, load_rules
from compliance.calendar import CALENDARS

EXAMPLE: dict[str, Any] = {
    "case_id": "2024-0042",
    "subject": {"birth_date": "2011-05-03"},
    "events": [
        {
            "id": "e1",
            "type": "notification_received",
            "at": "2024-03-01T14:05:00+01:00",
            "attrs": {"reporter": "professional"},
        },
        {
            "id": "e2",
            "type": "notification_assessed",
            "at": "2024-03-02T10:00:00+01:00",
            "refs": ["e1"],
        },
        {"id": "e3", "type": "investigation_started", "at": "2024-03-04", "refs": ["e1"]},
    ],
}


def by_rule(result: Any) -> dict[str, Any]:
    return {f.rule: f for f in result.findings}


def test_contract_example(dk_engine: Engine) -> None:
    res = dk_engine.evaluate(EXAMPLE, as_of="2024-07-13")
    f = by_rule(res)
    assert f["dk.notification.assess"].status == "met"
    assert f["dk.notification.acknowledge"].status == "overdue"
    inv = f["dk.investigation.complete"]
    assert (inv.status, inv.due, inv.lateness_days, inv.version) == (
        "overdue",
        "2024-07-01",
        12,
        "2024-01-01",
    )
    assert inv.source == {
        "law": "Barnets Lov",
        "ref": "§ 20, stk. 3",
        "consolidation": "LBK nr. 282 af 17/03/2025",
        "url": "https://www.lovguiden.dk/loven/bekendtgørelse-af-barnets-lov/20",
    }
    assert inv.explain[0] == "trigger e3 investigation_started 2024-03-04"
    assert {v.rule for v in res.violations} == {
        "dk.notification.acknowledge",
        "dk.investigation.complete",
    }
    d = inv.to_dict()
    for key in (
        "case_id",
        "rule",
        "version",
        "kind",
        "status",
        "severity",
        "partition",
        "trigger",
        "triggered_at",
        "due",
        "satisfied_by",
        "satisfied_at",
        "lateness_days",
        "precision",
        "source",
        "explain",
    ):
        assert key in d


def test_upcoming_is_the_agenda_sorted_by_due(dk_engine: Engine) -> None:
    res = dk_engine.evaluate(EXAMPLE, as_of="2024-03-05")
    assert [f.rule for f in res.upcoming] == [
        "dk.notification.acknowledge",
        "dk.investigation.complete",
    ]
    assert [f.due for f in res.upcoming] == ["2024-03-11", "2024-07-01"]


def test_pydantic_model_input_equals_dict_input(dk_engine: Engine) -> None:
    a = dk_engine.evaluate(EXAMPLE, as_of="2024-07-13")
    b = dk_engine.evaluate(Timeline.model_validate(EXAMPLE), as_of="2024-07-13")
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]


def test_as_of_date_means_end_of_day_and_is_required(dk_engine: Engine) -> None:
    res = dk_engine.evaluate(EXAMPLE, as_of=dt.date(2024, 7, 1))
    assert by_rule(res)["dk.investigation.complete"].status == "due"
    with pytest.raises(TypeError):
        dk_engine.evaluate(EXAMPLE)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["events"][0].update(at="2024-03-01T14:05:00"), "without UTC offset"),
        (lambda c: c["events"][0].update(at="01-03-2024"), "not an ISO 8601"),
        (lambda c: c["events"][1].update(id="e1"), "duplicate event id 'e1'"),
        (lambda c: c["events"][1].update(refs=["nope"]), "refs unknown event 'nope'"),
        (lambda c: c["events"][0].update(refs=["e3"]), "refs name earlier events"),
        (lambda c: c["events"][0].update(attrs={"x": {"nested": 1}}), "must be a string, number"),
        (lambda c: c.update(case_id=""), "case_id"),
        (lambda c: c["subject"].update(birth_date="2011-13-01"), "birth_date"),
    ],
)
def test_bad_timelines_are_located(dk_engine: Engine, mutate: Any, message: str) -> None:
    import copy

    case = copy.deepcopy(EXAMPLE)
    mutate(case)
    with pytest.raises(TimelineError, match=message) as exc:
        dk_engine.evaluate(case, as_of="2024-07-13")
    assert exc.value.location or "case_id" in message


def test_naive_datetimes_with_a_named_default_zone(dk_rules: Any) -> None:
    case = {
        "case_id": "n",
        "events": [{"id": "e1", "type": "notification_received", "at": "2024-03-30T14:00:00"}],
    }
    res = Engine(dk_rules, default_tz="Europe/Copenhagen").evaluate(case, as_of="2024-04-02")
    assert by_rule(res)["dk.notification.assess"].due == "2024-03-31T15:00:00+02:00"


def test_unknown_event_types_are_counted_not_fatal(dk_engine: Engine) -> None:
    case = {
        **EXAMPLE,
        "events": [*EXAMPLE["events"], {"id": "x", "type": "coffee_break", "at": "2024-03-05"}],
    }
    res = dk_engine.evaluate(case, as_of="2024-07-13")
    assert res.unknown_event_types == {"coffee_break": 1}


def test_future_events_are_ignored_and_counted(dk_engine: Engine) -> None:
    case = {
        **EXAMPLE,
        "events": [
            *EXAMPLE["events"],
            {"id": "e4", "type": "investigation_completed", "at": "2024-08-01"},
        ],
    }
    res = dk_engine.evaluate(case, as_of="2024-07-13")
    assert res.ignored_future_events == 1
    assert by_rule(res)["dk.investigation.complete"].status == "overdue"


def test_calendar_override_changes_business_days(dk_rules: Any) -> None:
    case = {
        "case_id": "c",
        "events": [
            {
                "id": "e1",
                "type": "notification_received",
                "at": "2024-03-01",
                "attrs": {"reporter": "professional"},
            }
        ],
    }
    default = Engine(dk_rules).evaluate(case, as_of="2024-03-20")
    saturday = Engine(dk_rules, calendars={"dk": CALENDARS["dk-saturday"]}).evaluate(
        case, as_of="2024-03-20"
    )
    assert by_rule(default)["dk.notification.acknowledge"].due == "2024-03-11"
    assert by_rule(saturday)["dk.notification.acknowledge"].due == "2024-03-08"


def test_dispatch_touches_only_rules_whose_types_occur(dk_engine: Engine) -> None:
    case = {
        "case_id": "c",
        "events": [{"id": "k", "type": "complaint_received", "at": "2024-03-06"}],
    }
    res = dk_engine.evaluate(case, as_of="2024-03-07")
    assert [f.rule for f in res.findings] == ["dk.complaint.reassess"]


def test_engine_is_thread_safe(dk_engine: Engine) -> None:
    expected = [f.to_dict() for f in dk_engine.evaluate(EXAMPLE, as_of="2024-07-13").findings]
    errors: list[str] = []

    def work() -> None:
        for _ in range(200):
            got = [f.to_dict() for f in dk_engine.evaluate(EXAMPLE, as_of="2024-07-13").findings]
            if got != expected:
                errors.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_limit_kind(tmp_path: Any) -> None:
    (tmp_path / "limit.yaml").write_text(
        """\
id: t.no-change
title: {da: Ingen skift, en: No change}
kind: limit
versions: [{valid: {from: 2020-01-01}, source: {document: Test standard}}]
trigger: {event: caseworker_assigned, where: {role: responsible}}
once: true
matching: {event: caseworker_assigned, where: {role: responsible}}
count: 0
within: 12 months
cancelled_by: [case_closed]
""",
        encoding="utf-8",
    )
    eng = Engine(load_rules(tmp_path))

    def run(events: list[dict[str, Any]], as_of: str) -> Any:
        return eng.evaluate({"case_id": "l", "events": events}, as_of=as_of).findings

    a = {
        "id": "a",
        "type": "caseworker_assigned",
        "at": "2024-01-10",
        "attrs": {"role": "responsible", "caseworker": "x"},
    }
    b = {
        "id": "b",
        "type": "caseworker_assigned",
        "at": "2024-06-10",
        "attrs": {"role": "responsible", "caseworker": "y"},
    }
    intake = {
        "id": "i",
        "type": "caseworker_assigned",
        "at": "2024-01-01",
        "attrs": {"role": "intake"},
    }
    [f] = run([intake, a], "2024-06-01")
    assert (f.status, f.due, f.count) == ("due", "2025-01-10", 0)
    [f] = run([intake, a], "2025-01-11")
    assert f.status == "met"
    [f] = run([a, b], "2024-07-01")
    assert (f.status, f.satisfied_by) == ("breached", "b")
    [f] = run([a, {"id": "c", "type": "case_closed", "at": "2024-05-01"}], "2025-06-01")
    assert f.status == "met"  # the limit held for the whole life of the case
    [f] = run([a, b, {"id": "c", "type": "case_closed", "at": "2024-07-01"}], "2025-06-01")
    assert f.status == "breached"


def test_excused_by(tmp_path: Any) -> None:
    (tmp_path / "r.yaml").write_text(
        """\
id: t.consult
title: {da: Børnesamtale, en: Child consultation}
kind: deadline
versions: [{valid: {from: 2020-01-01}, source: {law: Barnets Lov, ref: "§ 5"}}]
trigger: investigation_started
satisfied_by: {event: child_consultation, where: {waived: {not: true}}}
excused_by: {event: child_consultation, where: {waived: true}}
within: 4 weeks
""",
        encoding="utf-8",
    )
    eng = Engine(load_rules(tmp_path))
    case = {
        "case_id": "x",
        "events": [
            {"id": "i", "type": "investigation_started", "at": "2024-03-01"},
            {
                "id": "w",
                "type": "child_consultation",
                "at": "2024-03-10",
                "attrs": {"waived": True},
            },
        ],
    }
    [f] = eng.evaluate(case, as_of="2024-05-01").findings
    assert f.status == "excused"


def test_next_change_at_is_when_an_open_deadline_passes(dk_engine: Engine) -> None:
    timeline = {
        "case_id": "n",
        "events": [{"id": "a1", "type": "access_request_received", "at": "2024-03-01"}],
    }
    res = dk_engine.evaluate(timeline, as_of="2024-03-05")
    assert [f.status for f in res.findings] == ["due"] and res.findings[0].due == "2024-03-12"
    assert res.next_change_at == dt.datetime(2024, 3, 13, tzinfo=dk_engine.tz)
    done = {
        **timeline,
        "events": [*timeline["events"], {"id": "a2", "type": "access_decided", "at": "2024-03-04"}],
    }
    assert dk_engine.evaluate(done, as_of="2024-03-05").next_change_at is None
