"""The integrator guide's walkthrough, run for real: add a municipal rule, test it, lint it,
break it three ways, see its impact, collect it with the pytest plugin."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app

runner = CliRunner()

RULE = """\
id: mytown.notification.assess-12h
title:
  da: Underretninger vurderes inden 12 timer
  en: Notifications assessed within 12 hours
kind: deadline
severity: low
versions:
  - valid: {from: 2025-01-01}
    source: {document: "Mytown kvalitetsstandard 2025", municipality: Mytown}
trigger: notification_received
satisfied_by: notification_assessed
within: 12 hours
"""
TESTS = """\
rule: mytown.notification.assess-12h
cases:
  - name: met
    as_of: "2025-03-05"
    timeline: {case_id: t1, subject: {municipality: Mytown}, events: [
      {id: e1, type: notification_received, at: "2025-03-03T08:00:00+01:00"},
      {id: e2, type: notification_assessed, at: "2025-03-03T19:00:00+01:00"}]}
    expect: [{status: met, due: "2025-03-03T20:00:00+01:00"}]
  - name: late
    as_of: "2025-03-05"
    timeline: {case_id: t2, subject: {municipality: Mytown}, events: [
      {id: e1, type: notification_received, at: "2025-03-03T08:00:00+01:00"},
      {id: e2, type: notification_assessed, at: "2025-03-03T21:00:00+01:00"}]}
    expect: [{status: late, lateness_days: 1}]
"""
PACK = "name: municipal/mytown\nrequires: [dk]\nscope: {municipality: Mytown}\n"


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "mytown"
    (root / "tests").mkdir(parents=True)
    (root / "pack.yaml").write_text(PACK, encoding="utf-8")
    (root / "assess-fast.yaml").write_text(RULE, encoding="utf-8")
    (root / "tests" / "assess-fast.yaml").write_text(TESTS, encoding="utf-8")
    return root


def test_new_rule_passes_test_and_lint(pack: Path, tmp_path: Path) -> None:
    junit = tmp_path / "j.xml"
    res = runner.invoke(app, ["rules", "test", str(pack), "--junit-xml", str(junit)])
    assert res.exit_code == 0, res.output
    assert "2 passed, 0 failed" in res.output
    suites = ET.parse(junit).getroot()
    assert suites.get("tests") == "2" and suites.get("failures") == "0"
    res = runner.invoke(app, ["rules", "lint", str(pack), "--strict"])
    assert res.exit_code == 0, res.output


def test_break_1_typo_in_period(pack: Path) -> None:
    (pack / "assess-fast.yaml").write_text(RULE.replace("12 hours", "12 hurs"), encoding="utf-8")
    res = runner.invoke(app, ["rules", "lint", str(pack)])
    assert res.exit_code == 1
    assert (
        f"{pack / 'assess-fast.yaml'}:12: error invalid: within: unknown unit 'hurs'" in res.output
    )
    assert "did you mean 'hours'" in res.output
    res = runner.invoke(app, ["rules", "test", str(pack)])
    assert res.exit_code == 2 and "assess-fast.yaml:12" in res.stderr


def test_break_2_unknown_event_type(pack: Path) -> None:
    (pack / "assess-fast.yaml").write_text(
        RULE.replace("satisfied_by: notification_assessed", "satisfied_by: notification_assesed"),
        encoding="utf-8",
    )
    res = runner.invoke(app, ["rules", "lint", str(pack), "--format", "json"])
    assert res.exit_code == 1
    [problem] = json.loads(res.stdout)
    assert problem["line"] == 11 and problem["level"] == "error"
    assert "unknown event type 'notification_assesed'" in problem["message"]
    assert "did you mean 'notification_assessed'" in problem["message"]


def test_break_3_wrong_expected_status(pack: Path, tmp_path: Path) -> None:
    (pack / "tests" / "assess-fast.yaml").write_text(
        TESTS.replace("expect: [{status: late", "expect: [{status: met"), encoding="utf-8"
    )
    junit = tmp_path / "j.xml"
    res = runner.invoke(app, ["rules", "test", str(pack), "--junit-xml", str(junit)])
    assert res.exit_code == 1
    assert "FAIL" in res.output and ":: late" in res.output
    assert (
        "expected, not found: {rule: 'mytown.notification.assess-12h', status: 'met'" in res.output
    )
    assert "status: 'late'" in res.output  # the actual finding is shown, with its explanation
    failure = ET.parse(junit).getroot().find(".//failure")
    assert failure is not None and "expected, not found" in (failure.text or "")


def test_impact_of_a_statutory_change(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    new = tmp_path / "dk"
    import shutil

    shutil.copytree(root / "rules" / "dk", new)
    rule = new / "investigation-complete.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("within: 4 months", "within: 3 months"),
        encoding="utf-8",
    )
    res = runner.invoke(
        app,
        [
            "rules",
            "diff",
            "--old",
            str(root / "rules" / "dk"),
            "--new",
            str(new),
            "--cases",
            str(root / "fixtures" / "demo" / "cases.jsonl"),
            "--as-of",
            "2025-06-30",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 1  # something changed
    report = json.loads(res.stdout)
    assert set(report["per_rule"]) == {"dk.investigation.complete"}
    assert report["per_rule"]["dk.investigation.complete"]["met→late"] > 0
    assert all(
        c["old"]["due"] > c["new"]["due"] for c in report["changes"] if c["old"] and c["new"]
    )
    same = runner.invoke(
        app,
        [
            "rules",
            "diff",
            "--old",
            str(root / "rules" / "dk"),
            "--new",
            str(root / "rules" / "dk"),
            "--cases",
            str(root / "fixtures" / "demo" / "cases.jsonl"),
            "--as-of",
            "2025-06-30",
        ],
    )
    assert same.exit_code == 0 and "0 finding(s) changed" in same.stdout


def test_pytest_plugin_collects_rule_fixtures(pack: Path, tmp_path: Path) -> None:
    (tmp_path / "test_nothing.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")

    def run_pytest() -> subprocess.CompletedProcess[str]:
        args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--compliance-rules", str(pack)]
        return subprocess.run(
            [sys.executable, *args, str(tmp_path / "test_nothing.py")],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )

    out = run_pytest()
    assert "3 passed" in out.stdout, out.stdout + out.stderr
    (pack / "tests" / "assess-fast.yaml").write_text(
        TESTS.replace("expect: [{status: late", "expect: [{status: met"), encoding="utf-8"
    )
    out = run_pytest()
    assert "1 failed, 2 passed" in out.stdout and "expected, not found" in out.stdout
