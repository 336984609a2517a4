"""Reading cost per source: rows/s and peak RSS of every reader on the full road-fines log.

The full log (150,370 traces, 561,470 events) is read from ``../shared/data/road-fines/`` next
to the checkout when it is there; otherwise this prints "skipped" and exits 0. From the log,
once (cached in bench/data/, untimed), the same 561,470 events are written as the other
sources an auditor gets: a date-sorted Windows-1252 semicolon CSV with separate date and time
columns (cases interleaved), an XLSX workbook, a Parquet file and a SQLite database. Each reader
then runs in a fresh subprocess (so peak RSS is its own):

- ``xes-zip``: compliance.sources.xes.read_xes on the .xes.zip as published;
- ``csv``: compliance.sources.encoding.delimited_rows (cp1252);
- ``csv+grouping``: the same, grouped into cases by compliance.sources.grouping.group_rows
  (spills to SQLite past its in-memory threshold);
- ``xlsx-calamine`` / ``xlsx-openpyxl``: compliance.sources.spreadsheet.xlsx_rows;
- ``parquet``: compliance.sources.parquet.parquet_rows;
- ``sql``: compliance.sources.sql.query_rows against the SQLite database.

Reported: rows (events) read, wall and CPU seconds, rows per CPU second (steadier than wall
time on a shared machine) and peak RSS. ``--verify-sample`` checks that each trace of
fixtures/road-fines/roadtraffic100traces.xes is identical to the same trace of the full log.

Two further measurements need no download:

- ``--audit [--cases N]``: the whole audit (read, map, group, validate, evaluate with the full
  ``dk`` pack, write JSON Lines) of the same generated demo corpus (``compliance demo
  generate``, seed 4242) from every source format — JSON Lines, a JSON array, a long-form
  CSV sorted by date (cases interleaved), XLSX, Parquet and a SQLite table — each in a fresh
  process: wall and CPU seconds, events per CPU second, peak RSS, and the findings, which
  must be the same for every format (the run fails otherwise).
- ``--duplicate-keys``: the parse cost of the duplicate-JSON-key check
  (compliance.sources.duplicate_keys) on the demo corpus, per case, with and without it.

Usage: python bench/sources.py [--only xes-zip,csv,...] [--verify-sample]
       python bench/sources.py --audit [--cases 20000] | --duplicate-keys
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _measure import process_cpu_seconds, process_usage, run_child

ROOT = Path(__file__).resolve().parent.parent
ROAD_FINES = ROOT.parent / "shared" / "data" / "road-fines"
LOG = ROAD_FINES / "Road_Traffic_Fine_Management_Process.xes.zip"
SAMPLE = ROOT / "fixtures" / "road-fines" / "roadtraffic100traces.xes"
DATA = ROOT / "bench" / "data"
HEADER = ["Sagsnr", "Hændelse", "Dato", "Tidspunkt", "Beløb", "Sagsbehandler"]
SOURCES = ["xes-zip", "csv", "csv+grouping", "xlsx-calamine", "xlsx-openpyxl", "parquet", "sql"]


def flat_events() -> list[tuple[str, str, dt.datetime, float | str, str]]:
    """Every event of the full log as (case, activity, instant, amount, resource), by date."""
    from compliance.sources.xes import read_xes

    out = []
    for item in read_xes(str(LOG)):
        assert item.case is not None, item.error
        for ev in item.case["events"]:
            attrs = ev.get("attrs", {})
            amount = attrs.get("amount", attrs.get("paymentAmount", ""))
            who = str(attrs.get("org:resource", ""))
            out.append(
                (item.case["case_id"], ev["type"], dt.datetime.fromisoformat(ev["at"]), amount, who)
            )
    out.sort(key=lambda e: e[2])  # a report module's export: by date, cases interleaved
    return out


def prepare() -> dict[str, Path]:
    paths = {k: DATA / f"road-fines.{k}" for k in ("csv", "xlsx", "parquet", "sqlite")}
    if all(p.exists() for p in paths.values()):
        return paths
    DATA.mkdir(parents=True, exist_ok=True)
    events = flat_events()
    rows = [
        [c, t, at.strftime("%d-%m-%Y"), at.strftime("%H:%M"), amount, who]
        for c, t, at, amount, who in events
    ]
    with open(paths["csv"], "w", encoding="cp1252", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerows(
            [[str(v).replace(".", ",") if isinstance(v, float) else v for v in r] for r in rows]
        )
    _write_xlsx(paths["xlsx"], rows)
    _write_parquet(paths["parquet"], rows)
    with sqlite3.connect(paths["sqlite"]) as db:
        db.execute(
            "CREATE TABLE events (sagsnr, haendelse, dato, tidspunkt, beloeb, sagsbehandler)"
        )
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", rows)
    return paths


def _write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sager")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)


def _write_parquet(path: Path, rows: list[list[Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = list(zip(*rows, strict=True))
    table = pa.table(
        {h: [None if v == "" else v for v in c] for h, c in zip(HEADER, cols, strict=True)}
    )
    pq.write_table(table, path, row_group_size=100_000)


def _count(rows: Iterator[Any]) -> int:
    return sum(1 for _ in rows)


def run(kind: str, paths: dict[str, str]) -> int:
    from compliance.sources import encoding, grouping, parquet, spreadsheet, sql, xes

    if kind == "xes-zip":
        return sum(item.events for item in xes.read_xes(str(LOG)))
    if kind == "csv":
        return _count(encoding.delimited_rows(paths["csv"], encoding="cp1252"))
    if kind == "csv+grouping":
        rows = encoding.delimited_rows(paths["csv"], encoding="cp1252")
        return sum(len(g.rows) for g in grouping.group_rows(rows, "Sagsnr"))
    if kind.startswith("xlsx-"):
        return _count(spreadsheet.xlsx_rows(paths["xlsx"], engine=kind[5:]))  # type: ignore[arg-type]
    if kind == "parquet":
        return _count(parquet.parquet_rows(paths["parquet"]))
    if kind == "sql":
        return _count(sql.query_rows(f"sqlite:///{paths['sqlite']}", "SELECT * FROM events"))
    raise SystemExit(f"unknown source {kind}")


def child(kind: str, paths: dict[str, str]) -> dict[str, Any]:
    t = time.perf_counter()
    n = run(kind, paths)
    rate = round(n / process_cpu_seconds())
    return {"source": kind, "rows": n, "rows_per_cpu_s": rate} | process_usage(t)


def verify_sample() -> None:
    from compliance.sources.xes import read_xes

    sample = {i.case["case_id"]: i.case for i in read_xes(str(SAMPLE)) if i.case}
    found = 0
    for item in read_xes(str(LOG)):
        if item.case and item.case["case_id"] in sample:
            assert item.case == sample[item.case["case_id"]], item.case["case_id"]
            found += 1
    assert found == len(sample) == 100, (found, len(sample))
    print(f"verified: all {found} sample traces are identical to the full log's")


# -- the whole audit per source format (demo corpus) --------------------------------------------

AUDIT_FORMATS = ["jsonl", "json", "csv", "xlsx", "parquet", "sql"]
AS_OF = "2025-06-30"


def long_form_rows(corpus: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The corpus as long-form rows (docs/reference/timelines.md), every cell as text (as a
    CSV export has it), sorted by time across cases as a report module exports them."""
    rows: list[tuple[float, int, dict[str, str]]] = []
    attrs: set[str] = set()
    subject: set[str] = set()
    for line in corpus.open("rb"):
        case = json.loads(line)
        for ev in case["events"]:
            row = {"case_id": case["case_id"], "event_id": ev["id"], "type": ev["type"]}
            row["at"] = ev["at"]
            if ev.get("refs"):
                row["refs"] = " ".join(ev["refs"])
            for k, v in (ev.get("attrs") or {}).items():
                row[f"attr.{k}"] = _cell(v)
                attrs.add(k)
            for k, v in (case.get("subject") or {}).items():
                row[f"subject.{k}"] = _cell(v)
                subject.add(k)
            at = dt.datetime.fromisoformat(ev["at"]) if "T" in ev["at"] else None
            stamp = at.timestamp() if at else dt.date.fromisoformat(ev["at"]).toordinal() * 86400.0
            rows.append((stamp, len(rows), row))
    rows.sort(key=lambda r: (r[0], r[1]))
    header = ["case_id", "event_id", "type", "at", "refs"]
    header += [f"attr.{k}" for k in sorted(attrs)] + [f"subject.{k}" for k in sorted(subject)]
    return header, [r[2] for r in rows]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def prepare_audit(cases: int) -> dict[str, str]:
    """The demo corpus of ``cases`` cases in every audited format (cached in bench/data/)."""
    DATA.mkdir(parents=True, exist_ok=True)
    stem = DATA / f"demo-{cases}"
    paths = {f: f"{stem}.{f}" for f in AUDIT_FORMATS}
    paths["sql"] = f"{stem}.sqlite"
    if all(Path(p).exists() for p in paths.values()):
        return paths
    corpus = Path(paths["jsonl"])
    from compliance.cli import app

    generate = ["demo", "generate", "--cases", str(cases), "--seed", "4242", "-o", str(corpus)]
    app(generate, standalone_mode=False)
    with open(paths["json"], "w", encoding="utf-8") as out:
        out.write("[\n" + ",\n".join(line.strip() for line in corpus.open()) + "\n]\n")
    header, rows = long_form_rows(corpus)
    table = [[r.get(h, "") for h in header] for r in rows]
    with open(paths["csv"], "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(table)
    _write_table_xlsx(Path(paths["xlsx"]), header, table)
    _write_table_parquet(Path(paths["parquet"]), header, table)
    with sqlite3.connect(paths["sql"]) as db:
        columns = ", ".join(f'"{h}"' for h in header)
        db.execute(f"CREATE TABLE events ({columns})")
        marks = ", ".join("?" for _ in header)
        db.executemany(f"INSERT INTO events VALUES ({marks})", table)
    return paths


def _write_table_xlsx(path: Path, header: list[str], table: list[list[str]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sager")
    ws.append(header)
    for r in table:
        ws.append([v if v != "" else None for v in r])
    wb.save(path)


def _write_table_parquet(path: Path, header: list[str], table: list[list[str]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = list(zip(*table, strict=True))
    data = {h: [v if v != "" else None for v in c] for h, c in zip(header, cols, strict=True)}
    pq.write_table(pa.table(data), path, row_group_size=100_000)


def audit_child(fmt: str, paths: dict[str, str]) -> dict[str, Any]:
    """One whole audit in this process (a fresh one per format, so peak RSS is its own)."""
    from compliance.cli import app

    out = f"{paths['jsonl']}.{fmt}.findings.jsonl"
    source = f"sqlite:///{paths['sql']}" if fmt == "sql" else paths[fmt]
    args = ["audit", source, "--rules", "dk", "--as-of", AS_OF, "-o", out, "--no-progress"]
    if fmt == "sql":
        args += ["--query", "SELECT * FROM events"]
    t = time.perf_counter()
    try:
        app(args, standalone_mode=False)
    except SystemExit as exc:  # the audit's own exit code (1: violations found)
        if exc.code not in (0, 1, None):
            raise
    usage = process_usage(t)  # before the findings are loaded back for the comparison
    findings = [json.loads(line) for line in Path(out).read_text(encoding="utf-8").splitlines()]
    digest = sorted(
        (f["case_id"], f["rule"], f.get("trigger"), f["status"], f.get("due")) for f in findings
    )
    return {
        "format": fmt,
        **usage,
        "findings": len(findings),
        "digest": hashlib.sha256(json.dumps(digest).encode()).hexdigest()[:16],
    }


def audit_all(cases: int) -> None:
    paths = prepare_audit(cases)
    lines = Path(paths["jsonl"]).read_bytes().splitlines()
    events = sum(len(json.loads(line)["events"]) for line in lines if line.strip())
    print(f"{cases:,} cases, {events:,} events, dk pack, as of {AS_OF}")
    print("| source | wall s | CPU s | events per CPU s | peak RSS MB | findings |")
    print("|---|---:|---:|---:|---:|---:|")
    digests = set()
    for fmt in AUDIT_FORMATS:
        r, error = run_child(__file__, ["--audit-child", fmt, "--paths", json.dumps(paths)])
        if r is None:
            print(error, file=sys.stderr)
            print(f"| {fmt} | failed | | | | |", flush=True)
            continue
        digests.add(r["digest"])
        rate = round(events / r["cpu_s"]) if r["cpu_s"] else 0
        print(
            f"| {fmt} | {r['s']} | {r['cpu_s']} | {rate:,} | {r['peak_rss_mb']} "
            f"| {r['findings']:,} |",
            flush=True,
        )
    if len(digests) > 1:
        raise SystemExit("the formats gave different findings")
    print("findings identical for every format")


# -- the duplicate-key check's parse cost ---------------------------------------------------------


def duplicate_key_cost(rounds: int = 7) -> None:
    """Per case: orjson parse alone, and parse + duplicate-key check (Item.parsed), best of
    ``rounds`` CPU times on the demo corpus."""
    import orjson

    from compliance.sources.item import Item, case_item

    corpus = ROOT / "fixtures" / "demo" / "cases.jsonl"
    lines = [line for line in corpus.open("rb") if line.strip()]

    def plain() -> None:
        for line in lines:
            case_item(orjson.loads(line), 1, "x")

    def checked() -> None:
        for line in lines:
            Item(1, "x", raw=line).parsed()

    best = {}
    for name, fn in (("parse", plain), ("parse + check", checked)):
        times = []
        for _ in range(rounds):
            t = time.process_time()
            fn()
            times.append(time.process_time() - t)
        best[name] = min(times) / len(lines) * 1e6
    size = sum(len(line) for line in lines) / len(lines)
    print(f"demo corpus: {len(lines):,} cases, {size:,.0f} bytes per case")
    for name, us in best.items():
        print(f"{name}: {us:.1f} µs per case")
    print(f"check: +{best['parse + check'] - best['parse']:.1f} µs per case")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=",".join(SOURCES))
    ap.add_argument("--verify-sample", action="store_true")
    ap.add_argument("--audit", action="store_true")
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--duplicate-keys", action="store_true")
    ap.add_argument("--child")
    ap.add_argument("--audit-child")
    ap.add_argument("--paths")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, json.loads(a.paths))))
        return
    if a.audit_child:
        print(json.dumps(audit_child(a.audit_child, json.loads(a.paths))))
        return
    if a.audit:
        audit_all(a.cases)
        return
    if a.duplicate_keys:
        duplicate_key_cost()
        return
    if not LOG.exists():
        print(f"skipped: the road-fines log is not at {LOG}")
        return
    if a.verify_sample:
        verify_sample()
        return
    paths = json.dumps({k: str(v) for k, v in prepare().items()})
    print("| source | rows | wall s | CPU s | rows per CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in a.only.split(","):
        r, error = run_child(__file__, ["--child", kind, "--paths", paths])
        if r is None:
            print(f"| {kind} | failed: {error} |", flush=True)
            continue
        print(
            f"| {kind} | {r['rows']:,} | {r['s']} | {r['cpu_s']} | {r['rows_per_cpu_s']:,} "
            f"| {r['peak_rss_mb']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
