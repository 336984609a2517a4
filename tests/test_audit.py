"""The auditor's workflow through the CLI: formats, CSV exports, workers, sampling, indicators."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from compliance.cli import app
from compliance.demo import generate

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "fixtures" / "demo" / "cases.jsonl")
runner = CliRunner()


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> str:
    p = tmp_path_factory.mktemp("c") / "small.jsonl"
    with open(p, "w", encoding="utf-8") as fh:
        for case in generate(300, seed=11, broken_rate=0.02):
            fh.write(json.dumps(case) + "\n")
    return str(p)


def test_workers_give_identical_output(small: str, tmp_path: Path) -> None:
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    r1 = run("audit", small, "--as-of", "2025-06-30", "-o", str(one), "--workers", "1")
    r2 = run("audit", small, "--as-of", "2025-06-30", "-o", str(two), "--workers", "2")
    assert r1.exit_code == r2.exit_code == 0  # type: ignore[attr-defined]
    assert one.read_bytes() == two.read_bytes() and one.stat().st_size > 10_000
    assert r1.stderr == r2.stderr  # type: ignore[attr-defined]  # same rejections, same summary


def test_every_format_reconciles(small: str, tmp_path: Path) -> None:
    outs = {}
    for fmt in ("jsonl", "json", "csv", "html", "xlsx"):
        out = tmp_path / f"a.{fmt}"
        res = run(
            "audit",
            small,
            "--rules",
            "dk",
            "--rules",
            "municipal/slagelse",
            "--as-of",
            "2025-06-30",
            "--format",
            fmt,
            "-o",
            str(out),
            "--lang",
            "en",
        )
        assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
        assert "(reconciled)" in res.stderr  # type: ignore[attr-defined]
        outs[fmt] = out
    n_jsonl = len(outs["jsonl"].read_text().splitlines())
    doc = json.loads(outs["json"].read_text())
    assert doc["summary"]["reconciles"] and doc["summary"]["cases_read"] == 300
    assert doc["summary"]["rejected"] == len(doc["errors"]) > 0
    assert len(doc["findings"]) == n_jsonl == sum(doc["summary"]["findings"].values())
    assert {i["indicator"] for i in doc["indicators"]} >= {"slagelse.investigation.within-4-months"}
    rows = list(csv.DictReader(io.StringIO(outs["csv"].read_text())))
    assert len(rows) == n_jsonl and rows[0]["law"] and rows[0]["explain"]
    html = outs["html"].read_text()
    for section in (
        "Reconciliation",
        "Compliance per rule",
        "Violations by month",
        "Indicators against targets",
        "Rejected records",
        "<svg",
    ):
        assert section in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    wb = load_workbook(outs["xlsx"], read_only=True)
    assert wb.sheetnames == [
        "Summary",
        "Per rule",
        "By municipality",
        "Findings",
        "Indicators",
        "Rejected",
    ]
    assert sum(1 for _ in wb["Findings"].iter_rows()) == n_jsonl + 1


def test_csv_long_form_and_foreign_mapping(tmp_path: Path) -> None:
    ours = tmp_path / "export.csv"
    ours.write_text(
        "case_id,event_id,type,at,refs,attr.reporter,subject.birth_date\n"
        "c1,e1,notification_received,2024-03-01T14:05:00+01:00,,professional,2011-05-03\n"
        "c1,e2,notification_assessed,2024-03-02T10:00:00+01:00,e1,,\n"
        "c2,e1,notification_received,2024-03-01,,citizen,\n"
        "c2,e2,notification_received,2024-13-45,,citizen,\n"
        "c3,e1,investigation_started,2024-03-04,,,\n",
        encoding="utf-8",
    )
    res = run("audit", str(ours), "--as-of", "2024-03-05")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    assert "cases read 3 = evaluated 2 + rejected 1 (reconciled)" in res.stderr  # type: ignore[attr-defined]
    assert f"{ours}:4: case c2: events[1] (e2).at" in res.stderr  # type: ignore[attr-defined]
    found = [json.loads(x) for x in res.stdout.splitlines()]  # type: ignore[attr-defined]
    assert {(f["case_id"], f["rule"], f["status"]) for f in found} == {
        ("c1", "dk.notification.assess", "met"),
        ("c1", "dk.notification.acknowledge", "due"),
        ("c3", "dk.investigation.complete", "due"),
    }

    # an Excel-style export: semicolons, Danish headers and type names, dd-mm-yyyy dates
    foreign = tmp_path / "fagsystem.csv"
    foreign.write_text(
        "\ufeffSagsnr;Hændelse;Hændelsestype;Dato;Henvisning;Anmelder\r\n"
        "S-1;H1;Underretning modtaget;01-03-2024;;fagperson\r\n"
        "S-1;H2;Kvittering sendt;12-03-2024;H1;\r\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "delimiter: ';'\n"
        "date_format: '%d-%m-%Y'\n"
        "columns: {case_id: Sagsnr, event_id: Hændelse, type: Hændelsestype, at: Dato, refs: Henvisning}\n"
        "attrs: {reporter: Anmelder}\n"
        "types: {Underretning modtaget: notification_received, Kvittering sendt: notification_acknowledged}\n"
        "values: {reporter: {fagperson: professional}}\n",
        encoding="utf-8",
    )
    res = run(
        "audit",
        str(foreign),
        "--mapping",
        str(mapping),
        "--as-of",
        "2024-03-31",
        "--status",
        "late",
    )
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    [f] = [json.loads(x) for x in res.stdout.splitlines()]  # type: ignore[attr-defined]
    assert (f["rule"], f["due"], f["lateness_days"]) == (
        "dk.notification.acknowledge",
        "2024-03-11",
        1,
    )


def test_interleaved_csv_rows_are_grouped_into_whole_cases(tmp_path: Path) -> None:
    """Issue 11: a date-sorted export interleaves cases; each is evaluated whole, once."""
    p = tmp_path / "x.csv"
    p.write_text(
        "case_id,event_id,type,at\nA,e1,notification_received,2024-03-01\n"
        "B,e1,notification_received,2024-03-01\nA,e2,notification_assessed,2024-03-01\n",
        encoding="utf-8",
    )
    res = run("audit", str(p), "--as-of", "2024-03-05")
    assert "cases read 2 = evaluated 2 + rejected 0" in res.stderr  # type: ignore[attr-defined]
    found = {
        (f["case_id"], f["rule"], f["status"]) for f in map(json.loads, res.stdout.splitlines())
    }  # type: ignore[attr-defined]
    assert ("A", "dk.notification.assess", "met") in found
    assert ("B", "dk.notification.assess", "overdue") in found  # due 2 March, as of 5 March


def test_indicators_command(tmp_path: Path) -> None:
    res = run(
        "indicators",
        DEMO,
        "--rules",
        "municipal/slagelse",
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    )
    assert res.exit_code == 0  # type: ignore[attr-defined]
    results = json.loads(res.stdout)  # type: ignore[attr-defined]
    inv = {
        r["period"]: r
        for r in results
        if r["indicator"] == "slagelse.investigation.within-4-months"
    }
    assert inv["2023"]["denominator"] > 50
    for r in results:
        assert r["status"] in ("met", "missed", "insufficient_data")
        if r["denominator"]:
            assert r["share"] == round(r["numerator"] / r["denominator"], 4)
    table = run("indicators", DEMO, "--rules", "municipal/morsoe", "--as-of", "2025-06-30")
    assert "morsoe.measures.local-95" in table.stdout  # type: ignore[attr-defined]


def test_sample_is_reproducible_and_explains_itself() -> None:
    args = (
        "sample",
        DEMO,
        "--as-of",
        "2025-06-30",
        "--n",
        "20",
        "--seed",
        "5",
        "--format",
        "jsonl",
    )
    a, b = run(*args), run(*args)
    assert a.stdout == b.stdout  # type: ignore[attr-defined]
    rows = [json.loads(x) for x in a.stdout.splitlines()]  # type: ignore[attr-defined]
    assert 15 <= len(rows) <= 20 and len({r["case_id"] for r in rows}) == len(rows)
    assert all(r["reason"].startswith("drawn from stratum dk.") for r in rows)
    assert len({r["stratum"] for r in rows}) >= 5  # every rule with violations is represented
    other = run(
        "sample", DEMO, "--as-of", "2025-06-30", "--n", "20", "--seed", "6", "--format", "jsonl"
    )
    assert other.stdout != a.stdout  # type: ignore[attr-defined]


def test_agenda_lists_what_falls_due(tmp_path: Path) -> None:
    res = run(
        "agenda",
        str(ROOT / "fixtures/timelines/example.json"),
        "--as-of",
        "2024-03-05",
        "--horizon",
        "14d",
        "--format",
        "jsonl",
    )
    rows = [json.loads(x) for x in res.stdout.splitlines()]  # type: ignore[attr-defined]
    assert [(r["rule"], r["due"]) for r in rows] == [("dk.notification.acknowledge", "2024-03-11")]
    ics = run(
        "agenda",
        str(ROOT / "fixtures/timelines/example.json"),
        "--as-of",
        "2024-03-05",
        "--horizon",
        "6 months",
        "--format",
        "ics",
    )
    text = ics.stdout  # type: ignore[attr-defined]
    assert text.startswith("BEGIN:VCALENDAR") and text.count("BEGIN:VEVENT") == 2
    assert "DTSTART;VALUE=DATE:20240701" in text


def test_demo_generator_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for p in (a, b):
        assert run("demo", "generate", "--cases", "200", "--seed", "3", "-o", str(p)).exit_code == 0  # type: ignore[attr-defined]
    assert a.read_bytes() == b.read_bytes()
    cases = [json.loads(x) for x in a.read_text().splitlines()]
    notes = [sum(e["type"] == "notification_received" for e in c["events"]) for c in cases]
    assert 1.5 < sum(notes) / len(notes) < 2.1  # published: 1.79 per notified child
