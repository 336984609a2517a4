"""The audit of the full road-fines log with its pack against parsing the same file (issue 18).

The log (``../shared/data/road-fines/`` beside the repository, or ``--data``) is converted
once, untimed, to JSON Lines with this project's own XES reader (compliance.sources.xes: the
very timelines ``compliance audit log.xes.zip`` audits, activity names as event types) and
cached in bench/data/. Then, as bench/run.py does for the demo corpus, in interleaved rounds of
fresh processes: parsing the file with orjson, with the standard library's ``json``, and
``compliance audit --rules it/road-fines --as-of 2013-06-18`` of it (start-up excluded; the
columnar audit too when ``--engine`` exists); ratios between medians of the same run. Also
events per CPU second and the findings per rule and status. Skips cleanly when the log is
absent. Writes bench/results/road-fines.json.

    python bench/road_fines_audit.py [--data DIR] [--as-of 2013-06-18] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from run import COLUMNAR, DATA, RESULTS, ROOT, audit_engines, compare_audit, ratio_table

LOG = "Road_Traffic_Fine_Management_Process.xes.zip"
RULES = ("it/road-fines",)
CASES = DATA / "road-fines-cases.jsonl"


def converted(log: Path) -> tuple[Path, int]:
    """The log as JSON Lines (cached; rebuilt when the log is newer) and its case count."""
    import orjson

    from compliance.sources.xes import read_xes

    if not CASES.exists() or CASES.stat().st_mtime < log.stat().st_mtime:
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = CASES.with_suffix(".partial")
        with open(tmp, "wb") as fh:
            for item in read_xes(str(log)):
                if item.case is None:
                    raise SystemExit(f"road-fines: the reader rejected a trace: {item.error}")
                fh.write(orjson.dumps(item.case) + b"\n")
        tmp.replace(CASES)
    with open(CASES, "rb") as fh:
        return CASES, sum(1 for _ in fh)


def report(res: dict[str, Any]) -> str:
    row = res["row"]
    m = row["modes"]
    lines = [
        f"Road-fines log: {res['cases']:,} cases, {row['events']:,} events, pack "
        f"{', '.join(RULES)}, as of {row['as_of']}; {res['rounds']} interleaved rounds; load "
        f"average {row['load_average'][0][0]:.1f} at start, {row['load_average'][1][0]:.1f} "
        "at end.",
        "",
        *ratio_table([row | {"label": "road-fines"}], label="log"),
        "",
    ]
    for name in ("audit", COLUMNAR):
        if name in m:
            rate = row["events"] / m[name]["cpu"]["median"]
            lines.append(f"- {name}: {rate:,.0f} events per CPU second (median)")
    lines += ["", "| rule | status | findings |", "|---|---|---:|"]
    for key, n in m["audit"]["last"]["findings"].items():
        rule, status = key.split(" ", 1)
        lines.append(f"| {rule} | {status} | {n:,} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/road-fines")
    p.add_argument("--as-of", default="2013-06-18", help="the log's last day")
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    log = a.data / LOG
    if not log.is_file():
        print(f"road-fines audit: no log at {log}; skipped")
        return
    path, cases = converted(log)
    os.environ["PYTHONHASHSEED"] = "0"
    row = compare_audit(str(path), RULES, a.as_of, a.rounds, audit_engines(), workers=False)
    res = {"log": LOG, "cases": cases, "rounds": a.rounds, "row": row}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "road-fines.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(report(res))


if __name__ == "__main__":
    main()
