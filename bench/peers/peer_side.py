"""The peers' side of the comparison: pm4py and Declare4Py on the XES itself (one round per call).

Runs in the peers venv (bench/.peers-venv, made by ``make bench``), never in the project
venv: Declare4Py and pm4py bring pandas/numpy/clingo versions of their own. Standard library
plus the peers only. Times, after all imports (import time reported on its own), as wall
and CPU seconds of this process:

- ``read_s``: ``pm4py.read_xes`` (pm4py's default importer) → a pandas DataFrame;
- ``pm4py_check_s``: per duty, pm4py's LTL checker ``eventually_follows`` (pandas variant)
  with ``timestamp_diff_boundaries = [(0, days × 86,400 s)]`` — the cases in which some
  activation is eventually followed by a target within the window — plus the set of cases
  holding an activation (to tell vacuous from violated);
- ``convert_s``: ``pm4py.convert_to_event_log`` — Declare4Py works on pm4py's EventLog
  (its own ``D4PyEventLog.parse_xes_log`` is exactly read_xes + this conversion);
- ``declare4py_check_s``: Declare4Py's ``MPDeclareAnalyzer`` (MP-Declare conformance) with
  both constraints ``Response[A, B] | | |0,N,d`` in one model, ``consider_vacuity=True``.

Verdicts per case and duty (see verdicts.py): Declare4Py — no activation → vacuous, state
Satisfied → satisfied, Violated → violated (traces are complete: an open activation is a
violation). pm4py — no activation → vacuous, in the positive filter result → satisfied, else
violated (pm4py's check is existential: one answered activation suffices).
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

_T0 = time.perf_counter()
_C0 = time.process_time()
os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
warnings.filterwarnings("ignore")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pm4py  # noqa: E402
from clock import Clock  # noqa: E402
from Declare4Py.D4PyEventLog import D4PyEventLog  # noqa: E402
from Declare4Py.ProcessMiningTasks.ConformanceChecking.MPDeclareAnalyzer import (  # noqa: E402
    MPDeclareAnalyzer,
)
from Declare4Py.ProcessModels.DeclareModel import DeclareModel  # noqa: E402
from pm4py.algo.filtering.pandas.ltl import ltl_checker  # noqa: E402
from verdicts import DUTIES, write_verdicts  # noqa: E402

CASE, ACTIVITY = "case:concept:name", "concept:name"


def pm4py_check(df: Any) -> dict[str, tuple[set[str], set[str]]]:
    """Per duty: (cases with an activation, cases where one is answered within the window)."""
    out = {}
    params = ltl_checker.Parameters
    for duty in DUTIES:
        answered = ltl_checker.eventually_follows(
            df,
            [duty.activation, duty.target],
            parameters={
                params.TIMESTAMP_DIFF_BOUNDARIES: [(0, duty.days * 86400)],
                params.POSITIVE: True,
            },
        )
        activated = df.loc[df[ACTIVITY] == duty.activation, CASE]
        out[duty.key] = (set(activated.unique()), set(answered[CASE].unique()))
    return out


def declare_model() -> Any:
    activities = sorted({a for d in DUTIES for a in (d.activation, d.target)})
    lines = [f"activity {a}" for a in activities] + [d.declare for d in DUTIES]
    return DeclareModel().parse_from_string("\n".join(lines) + "\n")


def declare4py_check(event_log: Any) -> list[tuple[str, list[Any]]]:
    d4p_log = D4PyEventLog(log=event_log)
    results = MPDeclareAnalyzer(d4p_log, declare_model(), consider_vacuity=True).run()
    names = [trace.attributes[ACTIVITY] for trace in event_log]
    return list(zip(names, results.model_check_res, strict=True))


def pm4py_rows(
    cases: list[str], found: dict[str, tuple[set[str], set[str]]]
) -> list[tuple[str, str, str, str]]:
    rows = []
    for case_id in cases:
        for duty in DUTIES:
            activated, answered = found[duty.key]
            verdict = (
                "vacuous"
                if case_id not in activated
                else "satisfied"
                if case_id in answered
                else "violated"
            )
            rows.append((case_id, duty.key, verdict, ""))
    return rows


def declare4py_rows(checked: list[tuple[str, list[Any]]]) -> list[tuple[str, str, str, str]]:
    rows = []
    for case_id, per_constraint in checked:
        for duty, res in zip(DUTIES, per_constraint, strict=True):
            state = res.state.value  # 'Satisfied' | 'Violated'
            verdict = (
                "vacuous"
                if res.num_activations == 0
                else "violated"
                if state == "Violated"
                else "satisfied"
            )
            detail = (
                f"act {res.num_activations} ful {res.num_fulfillments} vio {res.num_violations}"
            )
            rows.append((case_id, duty.key, verdict, detail))
    return rows


def run(xes: Path, out_dir: Path | None, only: str) -> dict[str, Any]:
    res: dict[str, Any] = {
        "import_s": (time.perf_counter() - _T0, time.process_time() - _C0),
        "pm4py": pm4py.__version__,
    }
    clock = Clock()
    df = pm4py.read_xes(str(xes))
    res["read_s"] = clock.lap()
    res["cases"], res["events"] = int(df[CASE].nunique()), len(df)
    if only in ("both", "pm4py"):
        found = pm4py_check(df)
        res["pm4py_check_s"] = clock.lap()
        if out_dir is not None:
            cases = list(dict.fromkeys(df[CASE]))
            write_verdicts(out_dir / "pm4py.tsv", pm4py_rows(cases, found))
            clock.lap()
    if only in ("both", "declare4py"):
        event_log = pm4py.convert_to_event_log(df)
        res["convert_s"] = clock.lap()
        del df
        checked = declare4py_check(event_log)
        res["declare4py_check_s"] = clock.lap()
        if out_dir is not None:
            write_verdicts(out_dir / "declare4py.tsv", declare4py_rows(checked))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--xes", type=Path, required=True)
    ap.add_argument("--out-dir", type=Path, help="write pm4py.tsv and declare4py.tsv here")
    ap.add_argument("--only", choices=("both", "pm4py", "declare4py"), default="both")
    a = ap.parse_args()
    print(json.dumps(run(a.xes, a.out_dir, a.only)))


if __name__ == "__main__":
    main()
