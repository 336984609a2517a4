"""The CLI as a user runs it (in-process via typer's runner, plus one real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from compliance.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "fixtures/timelines/example.json")
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_help_lists_commands() -> None:
    out = run("--help").output
    for cmd in ("audit", "agenda", "explain", "indicators", "rules", "schema", "sample", "demo"):
        assert cmd in out


def test_audit_jsonl_has_contract_fields() -> None:
    res = run("audit", EXAMPLE, "--rules", "dk", "--as-of", "2024-07-13", "--format", "jsonl")
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    inv = next(f for f in lines if f["rule"] == "dk.investigation.complete")
    assert inv["status"] == "overdue" and inv["due"] == "2024-07-01" and inv["lateness_days"] == 12
    assert inv["source"]["law"] == "Barnets Lov"
    assert "cases read 1 = evaluated 1 + rejected 0" in res.stderr


def test_status_filter() -> None:
    res = run("audit", EXAMPLE, "--as-of", "2024-07-13", "--status", "met")
    statuses = {json.loads(x)["status"] for x in res.stdout.splitlines() if x.startswith("{")}
    assert statuses == {"met"}


def test_explain() -> None:
    res = run("explain", EXAMPLE, "--rule", "dk.investigation.complete", "--as-of", "2024-07-13")
    assert res.exit_code == 0
    assert "OVERDUE (due 2024-07-01; Barnets Lov § 20, stk. 3" in res.stdout
    assert "+4 months -> 2024-07-01" in res.stdout


def test_schema_commands_emit_json() -> None:
    for kind in ("rules", "timeline"):
        res = run("schema", kind)
        assert res.exit_code == 0
        assert json.loads(res.stdout)["$schema"].startswith("https://json-schema.org/")


def test_errors_are_one_line_and_nonzero(tmp_path: Path) -> None:
    res = run("audit", str(tmp_path / "missing.jsonl"), "--as-of", "2024-01-01")
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and res.stderr.startswith("error: ")
    res = run("audit", EXAMPLE, "--rules", "nope", "--as-of", "2024-01-01")
    assert res.exit_code == 2 and "no rule pack" in res.stderr
    res = run("audit", EXAMPLE, "--as-of", "yesterday")
    assert res.exit_code == 2 and "as_of" in res.stderr


def test_broken_cases_become_error_records_and_totals_reconcile(tmp_path: Path) -> None:
    good = json.loads(Path(EXAMPLE).read_text())
    bad_date = {
        **good,
        "case_id": "b1",
        "events": [{"id": "e1", "type": "notification_received", "at": "2024-13-01"}],
    }
    naive = {
        **good,
        "case_id": "b2",
        "events": [{"id": "e1", "type": "notification_received", "at": "2024-03-01T10:00"}],
    }
    lines = [
        json.dumps(good),
        json.dumps(bad_date),
        "{not json",
        json.dumps({**good, "case_id": "g2"}),
        json.dumps(naive),
    ]
    p = tmp_path / "batch.jsonl"
    p.write_text("\n".join(lines) + "\n")
    res = run("audit", str(p), "--as-of", "2024-07-13")
    assert res.exit_code == 0
    assert "cases read 5 = evaluated 2 + rejected 3 (reconciled)" in res.stderr
    assert f"{p}:2: case b1: events[0] (e1).at" in res.stderr
    assert f"{p}:3:" in res.stderr and "invalid JSON" in res.stderr
    assert "without UTC offset" in res.stderr
    cases = {json.loads(x)["case_id"] for x in res.stdout.splitlines() if x.startswith("{")}
    assert cases == {"2024-0042", "g2"}
    assert run("audit", str(p), "--as-of", "2024-07-13", "--strict").exit_code == 1


def test_real_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "compliance"
    out = subprocess.run(
        [str(exe), "audit", EXAMPLE, "--as-of", "2024-07-13"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len([x for x in out.stdout.splitlines() if x.startswith("{")]) == 3


def test_catalogue_is_up_to_date() -> None:
    from compliance.ruletools.catalogue import render_catalogue

    current = (ROOT / "docs/rules/dk.md").read_text(encoding="utf-8")
    assert render_catalogue([str(ROOT / "rules/dk")]).replace(str(ROOT) + "/", "") == current, (
        "docs/rules/dk.md is out of date: run `make catalogue`"
    )


def test_rules_test_and_junit(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    junit = tmp_path / "junit.xml"
    res = run(
        "rules",
        "test",
        str(ROOT / "rules/dk"),
        "--junit-xml",
        str(junit),
        "-k",
        "dk.investigation.complete",
    )
    assert res.exit_code == 0, res.output
    root = ET.parse(junit).getroot()
    assert (
        root.tag == "testsuites"
        and int(root.get("tests", "0")) == 21
        and root.get("failures") == "0"
    )


def test_rules_lint_dk_is_clean() -> None:
    res = run("rules", "lint", str(ROOT / "rules/dk"), "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout) == []


def test_help_loads_no_engine_and_no_heavy_libraries() -> None:
    """Startup stays cheap: commands import the engine, pydantic and openpyxl only when they
    run (help is plain click text: rich is not imported either, see tests/test_startup.py)."""
    code = (
        "import sys\n"
        "from compliance.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['compliance.engine', 'compliance.model', 'pydantic', 'openpyxl',"
        " 'compliance.commands.audit', 'yaml']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_every_command_refuses_an_unknown_output_format() -> None:
    for command, choices in (
        ("audit", "jsonl, json, csv, html, xlsx"),
        ("agenda", "table, jsonl, ics"),
        ("indicators", "table, json, csv"),
        ("sample", "table, jsonl"),
    ):
        res = run(command, EXAMPLE, "--as-of", "2024-07-13", "--format", "pdf")
        assert res.exit_code == 2, (command, res.output)
        assert f"error: unknown --format 'pdf' ({choices})" in res.stderr
