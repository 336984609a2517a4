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

Usage: python bench/sources.py [--only xes-zip,csv,...] [--verify-sample]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    wall = time.perf_counter() - t
    use = resource.getrusage(resource.RUSAGE_SELF)
    cpu = use.ru_utime + use.ru_stime
    return {
        "source": kind,
        "rows": n,
        "s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "rows_per_cpu_s": round(n / cpu),
        "peak_rss_mb": round(use.ru_maxrss / 1024),
    }


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=",".join(SOURCES))
    ap.add_argument("--verify-sample", action="store_true")
    ap.add_argument("--child")
    ap.add_argument("--paths")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, json.loads(a.paths))))
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
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--paths", paths],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if out.returncode:
            print(
                f"| {kind} | failed: {(out.stderr.strip().splitlines() or ['?'])[-1]} |", flush=True
            )
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {kind} | {r['rows']:,} | {r['s']} | {r['cpu_s']} | {r['rows_per_cpu_s']:,} "
            f"| {r['peak_rss_mb']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
