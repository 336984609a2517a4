"""Grouping rows of interleaved cases at scale: SQLite spill vs DuckDB spill vs in memory.

Feeds N synthetic rows (a date-sorted export: every case's rows spread over the whole file,
round-robin, the worst case) through each strategy in a fresh subprocess, and prints wall time,
rows/s and peak RSS. The figures are in docs/adr/0009-grouping-large-exports.md.

Usage: python bench/grouping.py [--rows 10000000] [--per-case 10] [--only sqlite,duckdb,memory]
Needs duckdb for the DuckDB strategy (pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from _measure import process_cpu_seconds, process_usage, run_child

from compliance.sources.grouping import CaseRows, group_rows
from compliance.sources.rows import Row

TYPES = ("Underretning modtaget", "Kvittering sendt", "Undersøgelse startet", "Afgørelse")


def rows(n: int, per_case: int) -> Iterator[Row]:
    """n rows of n // per_case cases; row k belongs to case k % cases (fully interleaved)."""
    cases = max(1, n // per_case)
    for k in range(n):
        c, i = k % cases, k // cases
        day = 1 + (k * 28) // n
        values = {
            "Sagsnr": f"S{c:08d}",
            "Hændelse": TYPES[i % len(TYPES)],
            "Dato": f"{day:02d}-03-2024",
            "Tidspunkt": f"{9 + i % 8:02d}:30",
        }
        yield Row(values, "export.csv", f"line {k + 2}", k + 2)


def _duckdb_groups(source: Iterator[Row]) -> Iterator[CaseRows]:
    import duckdb
    import pyarrow as pa

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(f"{tmp}/rows.duckdb")
        con.execute(f"SET temp_directory = '{tmp}/spill'; SET memory_limit = '512MB'")
        con.execute("SET threads = 2; SET preserve_insertion_order = false")
        con.execute("CREATE TABLE rows (seq BIGINT, case_id VARCHAR, row BLOB)")
        seq, batch = 0, []
        for row in source:
            batch.append(row)
            if len(batch) == 100_000:
                _duck_insert(con, pa, seq, batch)
                seq += len(batch)
                batch = []
        _duck_insert(con, pa, seq, batch)
        cur = con.execute(
            "SELECT r.case_id, r.row FROM rows r JOIN (SELECT case_id, min(seq) AS first "
            "FROM rows GROUP BY case_id) f USING (case_id) ORDER BY f.first, r.seq"
        )
        current: str | None = None
        acc: list[Row] = []
        while chunk := cur.fetchmany(50_000):
            for case_id, blob in chunk:
                if case_id != current and current is not None:
                    yield CaseRows(current, acc)
                    acc = []
                current = case_id
                acc.append(Row(*pickle.loads(blob)))
        if current is not None:
            yield CaseRows(current, acc)
        con.close()


def _duck_insert(con: Any, pa: Any, seq: int, batch: list[Row]) -> None:
    if not batch:
        return
    arrow_batch = pa.table(  # noqa: F841 - read by DuckDB's replacement scan
        {
            "seq": pa.array(range(seq, seq + len(batch)), pa.int64()),
            "case_id": [r.values["Sagsnr"] for r in batch],
            "row": pa.array(
                [pickle.dumps((r.values, r.source, r.location, r.line), 5) for r in batch],
                pa.binary(),
            ),
        }
    )
    con.execute("INSERT INTO rows SELECT * FROM arrow_batch")


def child(strategy: str, n: int, per_case: int) -> dict[str, Any]:
    t = time.perf_counter()
    source = rows(n, per_case)
    if strategy == "generate":
        groups: Iterator[CaseRows] = (CaseRows(r.values["Sagsnr"], [r]) for r in source)
    elif strategy == "duckdb":
        groups = _duckdb_groups(source)
    else:
        limit = n + 1 if strategy == "memory" else 100_000
        groups = group_rows(source, "Sagsnr", max_in_memory=limit)
    cases = events = 0
    for g in groups:
        cases += 1
        events += len(g.rows)
    rate = round(events / process_cpu_seconds())
    return {"strategy": strategy, "rows": events, "cases": cases, "rows_per_cpu_s": rate} | (
        process_usage(t)
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--per-case", type=int, default=10)
    ap.add_argument("--only", default="generate,sqlite,duckdb,memory")
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        result = json.dumps(child(a.child, a.rows, a.per_case))
        print(result, file=sys.stderr)  # kept in the log even if the parent fails
        print(result)
        return
    print(f"{a.rows:,} rows, {a.per_case} per case, fully interleaved\n")
    print("| strategy | wall s | CPU s | rows per CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for strategy in a.only.split(","):
        args = ["--child", strategy, "--rows", str(a.rows), "--per-case", str(a.per_case)]
        r, error = run_child(__file__, args)
        if r is None:
            print(f"| {strategy} | failed: {error} | | | |")
            continue
        print(
            f"| {strategy} | {r['s']} | {r['cpu_s']} | {r['rows_per_cpu_s']:,} "
            f"| {r['peak_rss_mb']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
