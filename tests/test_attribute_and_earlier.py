"""Issue 15 language additions, through the public API: kind ``attribute`` (the trigger itself
must carry a decision) and ``requires_earlier`` (a trigger counts only after an earlier event,
optionally at least a period before it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compliance import Engine, load_rules
from compliance.ruletools.lint import lint_paths
from rule_files import load_error, write

ATTRIBUTE = """\
id: x.first-follow-up-sets-a-date
title: {en: First follow-up decides the next date}
kind: attribute
partition: measure_id
once: true
versions:
  - valid: {from: 2024-01-01}
    source: {law: Barnets Lov, ref: "§ 95, stk. 3"}
trigger: follow_up
requires: [next_due]
excused_by: party_hearing_waived
"""

EARLIER = """\
id: x.offer-after-plan
title: {en: Revision offered when a parents' plan exists}
kind: deadline
partition: measure_id
versions:
  - valid: {from: 2024-01-01}
    source: {law: Barnets Lov, ref: "§ 79, stk. 2"}
trigger: measure_started
requires_earlier:
  event: plan_created
  where: {plan: parents}
satisfied_by: plan_revision_offered
within: 3 months
"""


def statuses(tmp_path: Path, text: str, events: list[dict[str, Any]], as_of: str) -> list[Any]:
    engine = Engine(load_rules(write(tmp_path, text)))
    result = engine.evaluate({"case_id": "c", "events": events}, as_of=as_of)
    return [(f.trigger, f.status, f.partition) for f in result.findings]


def ev(eid: str, etype: str, at: str, **attrs: Any) -> dict[str, Any]:
    return {"id": eid, "type": etype, "at": at, "attrs": attrs}


def test_attribute_met_missed_and_excused(tmp_path: Path) -> None:
    events = [
        ev("f1", "follow_up", "2024-03-01", measure_id="a", next_due="2024-09-01"),
        ev("f2", "follow_up", "2024-03-02", measure_id="b"),
        ev("w3", "party_hearing_waived", "2024-03-03", measure_id="c"),
        ev("f3", "follow_up", "2024-03-04", measure_id="c"),
        ev("f4", "follow_up", "2024-03-05", measure_id="b", next_due="2024-09-01"),
    ]
    assert statuses(tmp_path, ATTRIBUTE, events, "2024-06-01") == [
        ("f1", "met", "a"),
        ("f2", "missed", "b"),  # only the first per measure is judged (once)
        ("f3", "excused", "c"),
    ]


def test_attribute_empty_value_is_missing(tmp_path: Path) -> None:
    events = [ev("f1", "follow_up", "2024-03-01", measure_id="a", next_due="")]
    assert statuses(tmp_path, ATTRIBUTE, events, "2024-06-01") == [("f1", "missed", "a")]


def test_attribute_once_takes_the_first_in_the_data_before_choosing_a_version(
    tmp_path: Path,
) -> None:
    """A first trigger before the rule's first version raises nothing, and a later one is not
    promoted to "first"."""
    events = [
        ev("f1", "follow_up", "2023-12-31", measure_id="a"),
        ev("f2", "follow_up", "2024-03-01", measure_id="a"),
        ev("f3", "follow_up", "2024-03-01", measure_id="b"),
    ]
    assert statuses(tmp_path, ATTRIBUTE, events, "2024-06-01") == [("f3", "missed", "b")]


def test_attribute_needs_requires_and_warns_about_unread_fields(tmp_path: Path) -> None:
    err = load_error(tmp_path, ATTRIBUTE.replace("requires: [next_due]\n", ""))
    assert "requires" in str(err)
    write(tmp_path, ATTRIBUTE + "within: 3 months\n")
    codes = [(p.code, p.message) for p in lint_paths([str(tmp_path)])]
    assert any(code == "ignored-field" and "'within'" in msg for code, msg in codes), codes


def test_requires_earlier_gates_the_trigger(tmp_path: Path) -> None:
    events = [
        ev("s0", "measure_started", "2024-01-10", measure_id="m0"),  # before any plan
        ev("p1", "plan_created", "2024-02-01", plan="child"),  # not a parents' plan
        ev("s1", "measure_started", "2024-02-05", measure_id="m1"),
        ev("p2", "plan_created", "2024-03-01", plan="parents"),
        ev("s2", "measure_started", "2024-03-01", measure_id="m2"),  # same day counts
        ev("s3", "measure_started", "2024-04-01", measure_id="m3"),
    ]
    assert statuses(tmp_path, EARLIER, events, "2024-05-01") == [
        ("s2", "due", "m2"),
        ("s3", "due", "m3"),
    ]


def test_requires_earlier_at_least_and_partition(tmp_path: Path) -> None:
    text = EARLIER.replace(
        "  where: {plan: parents}\n", "  where: {plan: parents}\n  at_least: 1 year\n"
    )
    events = [
        ev("p1", "plan_created", "2023-03-01", plan="parents", measure_id="m1"),
        ev("s1", "measure_started", "2024-02-29", measure_id="m1"),  # a day short of a year
        ev("s2", "measure_started", "2024-03-01", measure_id="m1"),  # exactly a year
        ev("s3", "measure_started", "2024-03-02", measure_id="m9"),  # the plan is m1's
    ]
    assert statuses(tmp_path, text, events, "2024-05-01") == [("s2", "due", "m1")]


def test_requires_earlier_event_types_are_checked_against_the_vocabulary(
    tmp_path: Path,
) -> None:
    (rule,) = load_rules(write(tmp_path, EARLIER))
    assert "plan_created" in rule.event_types()
    err = load_error(tmp_path, EARLIER.replace("plan_created", "plan_creatd"))
    assert "unknown event type 'plan_creatd'" in str(err) and err.line == 9


def test_requires_earlier_refuses_a_zero_period(tmp_path: Path) -> None:
    text = EARLIER.replace(
        "  where: {plan: parents}\n", "  where: {plan: parents}\n  at_least: 0 days\n"
    )
    assert "zero" in str(load_error(tmp_path, text))
