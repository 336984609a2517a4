"""Audit the full road-fines log (../shared/data/road-fines, when present) straight from its
.xes.zip with the Italian pack (rules/it/road-fines): findings per rule and status, events/s and
peak RSS of the audit process. Skips cleanly when the log is not beside the repository.

    python bench/road_fines_audit.py [--data DIR] [--as-of 2013-06-18]
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = "Road_Traffic_Fine_Management_Process.xes.zip"
EVENTS = 561_470  # events in the full log (its README)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/road-fines")
    p.add_argument("--as-of", default="2013-06-18", help="the log's last day")
    a = p.parse_args()
    log = a.data / LOG
    if not log.is_file():
        print(f"road-fines audit: no log at {log}; skipped")
        return
    cli = Path(sys.executable).with_name("compliance")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "findings.jsonl"
        args = [str(cli), "audit", str(log), "--rules", "it/road-fines", "--as-of", a.as_of]
        start = time.perf_counter()
        done = subprocess.run(
            [*args, "-f", "jsonl", "-o", str(out)], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"audit failed ({done.returncode}): {done.stderr.strip()}")
        counts: collections.Counter[tuple[str, str]] = collections.Counter()
        with out.open() as fh:
            for line in fh:
                finding = json.loads(line)
                counts[(finding["rule"], finding["status"])] += 1
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"road-fines audit, as of {a.as_of}: {seconds:.1f} s, {EVENTS / seconds:,.0f} events/s, "
        f"peak RSS {peak_mb:.0f} MB"
    )
    print(done.stderr.strip().splitlines()[-1])
    print("| rule | status | findings |\n|---|---|---:|")
    for (rule, status), n in sorted(counts.items()):
        print(f"| {rule} | {status} | {n:,} |")


if __name__ == "__main__":
    main()
