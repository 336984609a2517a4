"""The input layer (issue 11): every source through one path, tested through the CLI."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from compliance.cli import app

ROOT = Path(__file__).resolve().parent.parent
CPH = ZoneInfo("Europe/Copenhagen")
DANISH = {
    "notification_received": "Underretning modtaget",
    "notification_assessed": "Underretning vurderet",
    "notification_acknowledged": "Kvittering sendt",
    "investigation_started": "Børnefaglig undersøgelse påbegyndt",
    "investigation_completed": "Børnefaglig undersøgelse afsluttet",
    "case_closed": "Sag lukket",
}
MAPPING = """\
encoding: cp1252
delimiter: ";"
date_format: "%d-%m-%Y"
timezone: Europe/Copenhagen
columns: {case_id: Sagsnr, type: Hændelse, at: [Dato, Tidspunkt]}
subject: {birth_date: Fødselsdato}
types:
""" + "".join(f"  {da}: {ours}\n" for ours, da in DANISH.items())

KEEP = ("case_id", "rule", "status", "due", "lateness_days")


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def _cases() -> list[dict[str, object]]:
    """Clean timelines: no ids needed, no refs, local times in Copenhagen."""
    out = []
    for n in range(40):
        start = dt.datetime(2024, 1, 2, 9, 0, tzinfo=CPH) + dt.timedelta(days=n * 3, minutes=n)
        steps = [("notification_received", 0), ("notification_assessed", 1 + n % 3)]
        if n % 2:
            steps += [("notification_acknowledged", 4 + n % 9)]
        if n % 4 == 0:
            steps += [("investigation_started", 5), ("investigation_completed", 90 + n * 3)]
        events = [
            {
                "id": f"e{i + 1}",
                "type": t,
                "at": (start + dt.timedelta(days=d, hours=i)).isoformat(),
            }
            for i, (t, d) in enumerate(steps)
        ]
        out.append(
            {
                "case_id": f"S-{n:03d}",
                "subject": {"birth_date": f"2015-0{1 + n % 9}-1{n % 10}"},
                "events": events,
            }
        )
    return out


def _write_export(path: Path, cases: list[dict[str, object]]) -> None:
    rows = []
    for case in cases:
        born = dt.date.fromisoformat(case["subject"]["birth_date"])  # type: ignore[index]
        for e in case["events"]:  # type: ignore[attr-defined]
            at = dt.datetime.fromisoformat(e["at"])
            rows.append((at, case["case_id"], DANISH[e["type"]], born))
    rows.sort(key=lambda r: r[0])  # date-sorted: cases interleaved
    lines = ["Sagsnr;Hændelse;Dato;Tidspunkt;Fødselsdato"] + [
        f"{cid};{kind};{at:%d-%m-%Y};{at:%H:%M};{born:%d-%m-%Y}" for at, cid, kind, born in rows
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def _findings(stdout: str) -> list[tuple[object, ...]]:
    return sorted(tuple(f.get(k) for k in KEEP) for f in map(json.loads, stdout.splitlines()))


def test_danish_windows_export_audits_like_clean_json_lines(tmp_path: Path) -> None:
    cases = _cases()
    clean = tmp_path / "cases.jsonl"
    clean.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    export = tmp_path / "eksport.csv"
    _write_export(export, cases)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    want = run("audit", str(clean), "--as-of", "2024-12-31")
    got = run("audit", str(export), "--mapping", str(mapping), "--as-of", "2024-12-31")
    assert got.exit_code == 0, got.output  # type: ignore[attr-defined]
    assert "cases read 40 = evaluated 40 + rejected 0" in got.stderr  # type: ignore[attr-defined]
    assert _findings(got.stdout) == _findings(want.stdout)  # type: ignore[attr-defined]
    assert len(_findings(got.stdout)) > 40  # type: ignore[attr-defined]


def test_wrong_encoding_is_named(tmp_path: Path) -> None:
    export = tmp_path / "eksport.csv"
    _write_export(export, _cases()[:3])
    res = run("audit", str(export), "--as-of", "2024-12-31")
    assert res.exit_code == 2
    assert "not valid utf-8" in res.output and "encoding:" in res.output  # type: ignore[attr-defined]


def test_bad_date_names_field_and_format(tmp_path: Path) -> None:
    export = tmp_path / "e.csv"
    export.write_text(
        "Sagsnr;Hændelse;Dato;Tidspunkt;Fødselsdato\r\nS-1;Sag lukket;2024/03/01;09:00;01-01-2015\r\n",
        encoding="cp1252",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.replace("%d-%m-%Y", "%d-%m-%Y"), encoding="utf-8")
    res = run("convert", str(export), "--mapping", str(mapping))
    assert "rejected:" in res.stderr and "line 2" in res.stderr  # type: ignore[attr-defined]
    assert "case S-1" in res.stderr and "%d-%m-%Y" in res.stderr  # type: ignore[attr-defined]


def test_every_command_reads_xes_and_explain_picks_a_case() -> None:
    xes = str(ROOT / "fixtures/road-fines/roadtraffic100traces.xes")
    res = run("convert", xes)
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 100  # type: ignore[attr-defined]
    for command in ("audit", "indicators", "agenda", "sample"):
        res = run(command, xes, "--as-of", "2010-01-01")
        assert res.exit_code == 0, (command, res.output)  # type: ignore[attr-defined]
    res = run("explain", xes, "--case", "A17641", "--as-of", "2010-01-01")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    res = run("explain", xes, "--as-of", "2010-01-01")
    assert res.exit_code == 2 and "--case" in res.output  # type: ignore[attr-defined]


def test_sql_source_and_empty_input(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE h (case_id, type, at)")
        con.execute("INSERT INTO h VALUES ('c1', 'notification_received', '2024-03-01')")
    url = f"sqlite:///{db}"
    res = run("audit", url, "--query", "SELECT * FROM h", "--as-of", "2024-03-05")
    assert res.exit_code == 0 and "cases read 1" in res.stderr, res.output  # type: ignore[attr-defined]
    empty = tmp_path / "e.csv"
    empty.write_text("case_id,type,at\n", encoding="utf-8")
    res = run("audit", str(empty))
    assert res.exit_code == 2 and "no case read" in res.output  # type: ignore[attr-defined]


def test_a_query_for_a_file_is_refused_not_ignored(tmp_path: Path) -> None:
    src = tmp_path / "cases.csv"
    src.write_text("case_id,type,at\nc1,notification_received,2024-03-01\n", encoding="utf-8")
    for command in ("audit", "indicators", "agenda", "sample", "convert"):
        res = run(command, str(src), "--query", "SELECT * FROM h")
        out = res.output  # type: ignore[attr-defined]
        assert res.exit_code == 2 and "--query applies to a database" in out, (command, out)  # type: ignore[attr-defined]
