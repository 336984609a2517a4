"""This engine's side of the peers comparison (runs in the project venv, one round per call).

Times, in one process and after all imports (import time is reported on its own):

- ``xes_s``: streaming the XES into timeline dicts (bench/peers/xes_to_jsonl.py's reader);
- ``jsonl_s``: parsing the converted JSON Lines file with orjson into the same dicts;
- ``evaluate_s``: ``Engine.evaluate`` for every case with the two benchmark rules
  (validation of each dict included), as of ``--as-of``; it is the sum of
- ``prepare_s``: validating every dict into the engine's form (``Engine.prepare``: timestamps
  parsed and placed in the calendar's zone, ids, refs, attributes checked, events sorted) —
  the counterpart of the typed DataFrame pm4py's XES import builds before its check — and
- ``check_s``: ``Engine.evaluate`` of every validated case, the counterpart of the peers'
  check on the data they hold;
- ``columnar_s`` (``--columnar``): the columnar batch path (``compliance.columnar``, the path
  of ``audit --engine columnar``) on the same dicts, findings with their explanations, in
  chunks of 20,000 cases; its findings must be the ones ``Engine.evaluate`` gave, case by
  case (``columnar_differences`` counts the cases where they are not).

Each figure is wall time and CPU time of this process. Before each phase the objects that
exist already (the parsed cases, then the validated ones) are moved out of the cyclic garbage
collector's sight (``gc.freeze``): this process holds all 150,370 cases at once, which an
audit never does (it streams), and the collector's passes over that heap moved each phase by
±20–30 % from run to run. Objects a phase makes are collected as usual. Per-case verdicts go
to ``--out``.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
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


def _frozen(clock: Clock) -> None:
    """What exists now is left out of the collector's passes; the time this takes is no
    phase's."""
    gc.collect()
    gc.freeze()
    clock.lap()


def case_rows(
    case_id: str, findings: list[tuple[str, str, str, str, str]]
) -> list[tuple[str, str, str, str]]:
    rows = []
    for duty in DUTIES:
        mine = [f for f in findings if f[0] == duty.rule]
        detail = ";".join(f"{st}@{trig}>{sat or '-'}/due {due}" for _, st, trig, sat, due in mine)
        rows.append((case_id, duty.key, engine_verdict(f[1] for f in mine), detail))
    return rows


def columnar(
    eng: Engine, cases: list[dict[str, Any]], as_of: str, results: list[Any], clock: Clock
) -> dict[str, Any]:
    """The columnar check of the same cases, timed, and its findings against ``results``."""
    from compliance.audit import Emit
    from compliance.columnar.run import PathCounts, run_columnar
    from compliance.engine import parse_as_of
    from compliance.sources import Item

    clock.lap()
    at = parse_as_of(as_of, eng.tz)
    items = [Item(i + 1, "jsonl", case=c) for i, c in enumerate(cases)]
    outcomes = list(run_columnar(eng, at, items, Emit(), PathCounts()))
    timed = clock.lap()
    differences = sum(
        [f.to_dict() for f in o.findings] != [f.to_dict() for f in r.findings]
        for o, r in zip(outcomes, results, strict=True)
    )
    return {"columnar_s": timed, "columnar_differences": differences}


def run(
    xes: Path | None, jsonl: Path, as_of: str, out: Path | None, with_columnar: bool = False
) -> dict[str, Any]:
    imports = (time.perf_counter() - _T0, time.process_time() - _C0)
    if with_columnar:
        import polars  # noqa: F401  (start-up, reported with the imports)

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
    _frozen(clock)
    prepared = [eng.prepare(c) for c in cases]
    res["prepare_s"] = clock.lap()
    _frozen(clock)
    results = [eng.evaluate(p, as_of=as_of) for p in prepared]
    res["check_s"] = clock.lap()
    del prepared
    # Engine.evaluate of a dict is exactly prepare + evaluate of the prepared case
    res["evaluate_s"] = tuple(a + b for a, b in zip(res["prepare_s"], res["check_s"], strict=True))
    res["cases"] = len(cases)
    res["events"] = sum(len(c["events"]) for c in cases)
    res["findings"] = sum(len(r.findings) for r in results)
    res["ignored_future_events"] = sum(r.ignored_future_events for r in results)
    if with_columnar:
        res.update(columnar(eng, cases, as_of, results, clock))
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
    ap.add_argument("--columnar", action="store_true", help="also time the columnar path")
    a = ap.parse_args()
    print(json.dumps(run(a.xes, a.jsonl, a.as_of, a.out, a.columnar)))


if __name__ == "__main__":
    main()
