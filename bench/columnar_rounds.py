"""Interleaved rounds of ``audit --engine case`` and ``--engine columnar`` for one or more
source trees (e.g. a copy of the previous commit's ``src`` and this one's), each audit in a
fresh process with its imports done before the clock starts; CPU min/median per (tree, engine,
corpus), the columnar ÷ case ratio on the CPU medians, the load average, and every output
compared byte for byte with the first tree's case audit.

    python bench/columnar_rounds.py --rounds 3 --src OLD/src --src src \\
        --corpus rf=FILE:bench/peers/rules:2013-06-18 --corpus demo=FILE:dk,municipal:2025-06-30
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import sys, time, json
from compliance.commands.audit import AuditOptions, run
from compliance.commands.inputs import as_of_instant
import polars  # start-up apart
path, specs, as_of, out, engine = sys.argv[1:6]
c0 = time.process_time()
n = run([path], specs.split(","), as_of_instant(as_of), AuditOptions("jsonl", out, engine=engine)).cases_read
print(json.dumps({"cpu": time.process_time() - c0, "cases": n}))
"""


def once(src: str, engine: str, path: str, specs: str, as_of: str, out: str) -> float:
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run(
        ["nice", "-n", "5", sys.executable, "-c", CHILD, path, specs, as_of, out, engine],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["cpu"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--src", action="append", required=True)
    ap.add_argument("--corpus", action="append", required=True, help="name=file:specs:as_of")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="columnar-rounds-"))
    corpora = {}
    for c in a.corpus:
        name, rest = c.split("=", 1)
        corpora[name] = rest.split(":")
    times: dict[tuple[str, str, str], list[float]] = {}
    modes = [(s, e) for s in a.src for e in ("case", "columnar")]
    for r in range(a.rounds):
        order = modes[r % len(modes) :] + modes[: r % len(modes)]
        for name, (path, specs, as_of) in corpora.items():
            for src, engine in order:
                out = tmp / f"{name}-{a.src.index(src)}-{engine}.jsonl"
                times.setdefault((name, src, engine), []).append(
                    once(src, engine, path, specs, as_of, str(out))
                )
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {a.rounds} rounds")
    for name in corpora:
        ref = tmp / f"{name}-0-case.jsonl"
        for s_no, src in enumerate(a.src):
            meds = {}
            for engine in ("case", "columnar"):
                t = times[(name, src, engine)]
                meds[engine] = statistics.median(t)
                same = filecmp.cmp(ref, tmp / f"{name}-{s_no}-{engine}.jsonl", shallow=False)
                print(
                    f"{name:6} {src:28} {engine:9} min {min(t):6.2f} med {meds[engine]:6.2f}"
                    f"  identical={same}"
                )
            print(f"{name:6} {src:28} columnar/case {meds['columnar'] / meds['case']:.2f}")


if __name__ == "__main__":
    main()
