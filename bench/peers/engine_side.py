"""This engine's side of the peers comparison (runs in the project venv, one round per call).

Times, in one process and after all imports (import time is reported on its own):

- ``xes_s``: streaming the XES into timeline dicts (bench/peers/xes_to_jsonl.py's reader);
- ``jsonl_s``: parsing the converted JSON Lines file with orjson into the same dicts;
- ``evaluate_s``: ``Engine.evaluate`` for every case with the two benchmark rules
  (validation of each dict included), as of ``--as-of``.

Each figure is wall time and CPU time of this process. Per-case verdicts go to ``--out``.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

_T0 = time.perf_counter()
_C0 = time.process_time()

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import orjson  # noqa: E402
from clock import Clock  # noqa: E402
from verdicts import DUTIES, engine_verdict, write_verdicts  # noqa: E402
from xes_to_jsonl import open_log, read_cases  # noqa: E402

from compliance import Engine, load_rules  # noqa: E402

RULES = HERE / "rules"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, "rb") as fh:
        return [orjson.loads(line) for line in fh]


def load_xes(path: Path) -> list[dict[str, Any]]:
    with open_log(path) as fh:
        return list(read_cases(fh))


def case_rows(
    case_id: str, findings: list[tuple[str, str, str, str, str]]
) -> list[tuple[str, str, str, str]]:
    rows = []
    for duty in DUTIES:
        mine = [f for f in findings if f[0] == duty.rule]
        detail = ";".join(f"{st}@{trig}>{sat or '-'}/due {due}" for _, st, trig, sat, due in mine)
        rows.append((case_id, duty.key, engine_verdict(f[1] for f in mine), detail))
    return rows


def run(xes: Path | None, jsonl: Path, as_of: str, out: Path | None) -> dict[str, Any]:
    imports = (time.perf_counter() - _T0, time.process_time() - _C0)
    eng = Engine(load_rules(RULES))
    res: dict[str, Any] = {"import_s": imports, "rules": [r.id for r in eng.rules]}
    clock = Clock()
    if xes is not None:
        from_xes = load_xes(xes)
        res["xes_s"] = clock.lap()
        res["xes_cases"] = len(from_xes)
        del from_xes
        clock.lap()
    cases = load_jsonl(jsonl)
    res["jsonl_s"] = clock.lap()
    results = [eng.evaluate(c, as_of=as_of) for c in cases]
    res["evaluate_s"] = clock.lap()
    res["cases"] = len(cases)
    res["events"] = sum(len(c["events"]) for c in cases)
    res["findings"] = sum(len(r.findings) for r in results)
    res["ignored_future_events"] = sum(r.ignored_future_events for r in results)
    if out is not None:
        rows = []
        for r in results:
            found = [
                (f.rule, f.status, f.triggered_at or "", f.satisfied_at or "", f.due or "")
                for f in r.findings
            ]
            rows.extend(case_rows(r.case_id, found))
        write_verdicts(out, rows)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jsonl", type=Path, required=True)
    ap.add_argument("--xes", type=Path, help="also time reading the XES itself")
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--out", type=Path, help="per-case verdicts (TSV)")
    a = ap.parse_args()
    print(json.dumps(run(a.xes, a.jsonl, a.as_of, a.out)))


if __name__ == "__main__":
    main()
