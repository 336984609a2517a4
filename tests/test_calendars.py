"""Calendars are data a rule or pack declares; the loader checks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance import Engine, RuleError, load_rules
from compliance.ruletools.lint import lint_paths

RULE = """\
id: x.cal
title: {da: Test, en: Test}
kind: deadline
versions:
  - valid: {from: 2020-01-01}
    source: {law: Test, ref: "§ 1"}
trigger: investigation_started
satisfied_by: investigation_completed
within: 1 business_days
"""


def write(tmp_path: Path, text: str, name: str = "rule.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def due(tmp_path: Path, calendar: str, started: str) -> str | None:
    path = write(tmp_path, RULE + calendar)
    timeline = {
        "case_id": "c",
        "events": [{"id": "e1", "type": "investigation_started", "at": started}],
    }
    (finding,) = Engine(load_rules(path)).evaluate(timeline, as_of=started).findings
    return finding.due


def test_an_unknown_calendar_name_is_a_located_rule_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as exc:
        load_rules(write(tmp_path, RULE + "calendar: it\n"))
    assert exc.value.line == 10 and "unknown calendar 'it'" in str(exc.value)
    (problem,) = [p for p in lint_paths([str(tmp_path)]) if p.level == "error" and p.line]
    assert problem.line == 10 and "unknown calendar 'it'" in problem.message


def test_country_and_subdivision_from_the_holidays_package(tmp_path: Path) -> None:
    # 6 January (Epiphany) is a holiday in Bavaria, not in Berlin
    bavaria = "calendar: {country: DE, subdivision: BY, tz: Europe/Berlin}\n"
    berlin = "calendar: {country: DE, subdivision: BE, tz: Europe/Berlin}\n"
    assert due(tmp_path, bavaria, "2025-01-03") == "2025-01-07"
    assert due(tmp_path, berlin, "2025-01-03") == "2025-01-06"
    # 25 April (Liberation Day) in Italy
    assert due(tmp_path, "calendar: {country: IT, tz: Europe/Rome}\n", "2024-04-24") == "2024-04-26"


def test_extra_closed_days(tmp_path: Path) -> None:
    spec = "calendar: {country: IT, tz: Europe/Rome, extra_closed: [2024-04-26]}\n"
    assert due(tmp_path, spec, "2024-04-24") == "2024-04-29"


def test_dk_is_the_default_and_keeps_its_closed_days(tmp_path: Path) -> None:
    # Grundlovsdag (5 June) and 24 December are closed on dk
    assert due(tmp_path, "", "2024-06-04") == "2024-06-06"
    assert due(tmp_path, "calendar: dk\n", "2024-12-23") == "2024-12-27"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{country: XX, tz: UTC}", "unknown country 'XX'"),
        ("{country: DE, subdivision: ZZ, tz: Europe/Berlin}", "has no subdivision 'ZZ'"),
        ("{country: IT, tz: Mars/Olympus}", "unknown time zone"),
        ("{country: IT}", "calendar.tz"),
    ],
)
def test_bad_calendar_mappings_are_located(tmp_path: Path, spec: str, message: str) -> None:
    with pytest.raises(RuleError) as exc:
        load_rules(write(tmp_path, RULE + f"calendar: {spec}\n"))
    assert exc.value.line == 10 and message in str(exc.value)


def test_a_pack_declares_the_calendar_of_its_rules(tmp_path: Path) -> None:
    write(tmp_path, "calendar: {country: IT, tz: Europe/Rome}\n", "pack.yaml")
    write(tmp_path, RULE)
    timeline = {
        "case_id": "c",
        "events": [{"id": "e1", "type": "investigation_started", "at": "2024-04-24"}],
    }
    engine = Engine(load_rules(tmp_path))
    assert str(engine.tz) == "Europe/Rome"
    assert engine.evaluate(timeline, as_of="2024-04-24").findings[0].due == "2024-04-26"


def test_lint_of_one_rule_file_reports_no_false_fixture_error() -> None:
    root = Path(__file__).resolve().parents[1] / "rules/dk"
    problems = lint_paths([str(root / "access-decide.yaml")])
    assert [p for p in problems if p.level == "error"] == []
