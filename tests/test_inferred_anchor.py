"""``infer_anchor``: where a ``first_ref`` clock starts when the trigger refs nothing — the rule
language construct, its validation, lint, schema and catalogue wording, and the ``anchor`` mark
on findings (docs/adr/0015-inferred-anchor.md). The Danish investigation rule's own cases are
in rules/dk/tests/investigation-complete.yaml."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from compliance import Engine, load_rules
from compliance.cli import app
from rule_files import load_error, write

INVESTIGATION = """\
id: x.investigation
title: {da: Undersøgelse, en: Investigation}
kind: deadline
versions:
  - valid: {from: 2024-01-01}
    source: {law: Barnets Lov, ref: "§ 20, stk. 3"}
trigger: investigation_started
satisfied_by: investigation_completed
within: 4 months
anchor: first_ref
"""
INFER = """\
infer_anchor:
  event: notification_received
  since_last: investigation_completed
"""


def findings(
    tmp_path: Path, rule: str, events: list[dict[str, Any]], as_of: str
) -> list[dict[str, Any]]:
    engine = Engine(load_rules(write(tmp_path, rule)))
    result = engine.evaluate({"case_id": "c", "events": events}, as_of)
    return [f.to_dict() for f in result.findings]


def ev(id_: str, type_: str, at: str, **more: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "at": at, **more}


NOTIFIED_THEN_STARTED = [
    ev("n1", "notification_received", "2024-03-01"),
    ev("n2", "notification_received", "2024-03-03"),
    ev("i1", "investigation_started", "2024-03-04"),
]


def test_without_infer_anchor_a_trigger_without_refs_is_marked_fallback(tmp_path: Path) -> None:
    (f,) = findings(tmp_path, INVESTIGATION, NOTIFIED_THEN_STARTED, "2024-05-01")
    assert (f["anchor"], f["anchored_at"], f["due"]) == ("fallback", None, "2024-07-04")
    assert any("under-reported" in step for step in f["explain"])


def test_earliest_candidate_starts_the_clock_and_the_finding_says_inferred(
    tmp_path: Path,
) -> None:
    (f,) = findings(tmp_path, INVESTIGATION + INFER, NOTIFIED_THEN_STARTED, "2024-05-01")
    assert (f["anchor"], f["anchored_at"], f["due"]) == ("inferred", "2024-03-01", "2024-07-01")
    assert any("anchor inferred" in step and "earliest of 2" in step for step in f["explain"])


def test_pick_latest_takes_the_last_candidate_before_the_trigger(tmp_path: Path) -> None:
    rule = INVESTIGATION + INFER + "  pick: latest\n"
    (f,) = findings(tmp_path, rule, NOTIFIED_THEN_STARTED, "2024-05-01")
    assert (f["anchor"], f["anchored_at"]) == ("inferred", "2024-03-03")


def test_refs_win_over_inference(tmp_path: Path) -> None:
    events = [*NOTIFIED_THEN_STARTED[:2], {**NOTIFIED_THEN_STARTED[2], "refs": ["n2"]}]
    (f,) = findings(tmp_path, INVESTIGATION + INFER, events, "2024-05-01")
    assert (f["anchor"], f["anchored_at"]) == ("ref", "2024-03-03")


def test_a_clock_anchored_at_the_trigger_by_rule_has_no_anchor_mark(tmp_path: Path) -> None:
    rule = INVESTIGATION.replace("anchor: first_ref\n", "")
    (f,) = findings(tmp_path, rule, NOTIFIED_THEN_STARTED, "2024-05-01")
    assert (f["anchor"], f["anchored_at"]) == (None, None)


def test_candidates_before_the_last_closing_event_are_not_used(tmp_path: Path) -> None:
    events = [
        ev("n1", "notification_received", "2024-01-02"),
        ev("i1", "investigation_started", "2024-01-03", refs=["n1"]),
        ev("c1", "investigation_completed", "2024-02-01"),
        ev("i2", "investigation_started", "2024-03-04"),
    ]
    by_trigger = {
        f["trigger"]: f for f in findings(tmp_path, INVESTIGATION + INFER, events, "2024-05-01")
    }
    assert by_trigger["i2"]["anchor"] == "fallback"
    assert by_trigger["i2"]["due"] == "2024-07-04"


def test_partitions_keep_candidates_apart_and_unpartitioned_ones_apply_to_all(
    tmp_path: Path,
) -> None:
    rule = INVESTIGATION + INFER + "partition: child\n"
    events = [
        ev("n0", "notification_received", "2024-02-01"),
        ev("na", "notification_received", "2024-01-10", attrs={"child": "a"}),
        ev("nb", "notification_received", "2024-02-20", attrs={"child": "b"}),
        ev("ia", "investigation_started", "2024-03-04", attrs={"child": "a"}),
        ev("ib", "investigation_started", "2024-03-04", attrs={"child": "b"}),
    ]
    by_trigger = {f["trigger"]: f for f in findings(tmp_path, rule, events, "2024-05-01")}
    assert by_trigger["ia"]["anchored_at"] == "2024-01-10"  # its own, earliest
    assert by_trigger["ib"]["anchored_at"] == "2024-02-01"  # the case-wide n0 is earlier


def test_inference_is_causal(tmp_path: Path) -> None:
    """Only events at or before the trigger are looked at: the same finding for every as_of."""
    events = [*NOTIFIED_THEN_STARTED, ev("n9", "notification_received", "2024-03-20")]
    early = findings(tmp_path, INVESTIGATION + INFER, events, "2024-03-10")
    late = findings(tmp_path, INVESTIGATION + INFER, events, "2024-12-31")
    assert early[0]["anchored_at"] == late[0]["anchored_at"] == "2024-03-01"


def test_many_rounds_in_one_case_each_infer_their_own_notification(tmp_path: Path) -> None:
    """2,000 rounds of notification, start and completion in one case: each start's window is
    bounded by the previous completion, so each infers its own notification."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    events = []
    for k in range(2000):
        at = start + dt.timedelta(hours=k)
        events += [
            ev(f"n{k}", "notification_received", at.isoformat()),
            ev(f"i{k}", "investigation_started", (at + dt.timedelta(minutes=10)).isoformat()),
            ev(f"c{k}", "investigation_completed", (at + dt.timedelta(minutes=20)).isoformat()),
        ]
    out = findings(tmp_path, INVESTIGATION + INFER, events, "2030-01-01")
    assert len(out) == 2000
    assert all(f["anchor"] == "inferred" and f["status"] == "met" for f in out)
    assert [f["anchored_at"] for f in out] == [e["at"] for e in events if e["id"][0] == "n"]


def test_infer_anchor_needs_first_ref(tmp_path: Path) -> None:
    err = load_error(tmp_path, INVESTIGATION.replace("anchor: first_ref\n", "") + INFER)
    assert "infer_anchor needs anchor: first_ref" in str(err)


def test_an_unknown_event_in_infer_anchor_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.yaml").write_text(
        "events:\n  notification_recieved: {en: typo}\n", encoding="utf-8"
    )
    rule = INVESTIGATION + INFER.replace("event: notification_received", "event: notifcation")
    err = load_error(tmp_path, rule)
    assert "infer_anchor.event: unknown event type 'notifcation'" in str(err)
    assert err.line == 12


def test_schema_and_catalogue_describe_infer_anchor(tmp_path: Path) -> None:
    runner = CliRunner()
    schema = json.loads(runner.invoke(app, ["schema", "rules"]).output)
    assert "infer_anchor" in schema["$defs"]["DeadlineRule"]["properties"]
    assert set(schema["$defs"]["InferAnchor"]["properties"]) == {"event", "since_last", "pick"}
    path = write(tmp_path, INVESTIGATION + INFER)
    out = runner.invoke(app, ["rules", "catalogue", str(path)]).output
    assert "without refs, from the earliest `notification_received` since the last " in out
    assert "(finding marked anchor: inferred)" in out
