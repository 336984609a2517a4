"""Near-linear cost (issue 18): in events per case and in rules, as CPU-time ratios measured in
interleaved rounds of fresh processes (bench/_measure.py).

- **Events per case**: one case of n events and one of 8n events, the matching worst case the
  near-linear tests use (tests/matching_cases.py: all triggers first, then all fulfilments,
  with a deadline, a recurring duty and a limit), evaluated with ``Engine.evaluate`` (validation
  included), garbage collector on. Target: the 8n case ≤ 10× the time of the n case.
- **Rules**: every valid case of the demo corpus evaluated with the full dk pack, and with the
  same pack ten times over — each rule copied nine times under a new id (``<id>.copy-<k>``),
  so the same kinds, triggers and periods. Target: 10× the rules ≤ 10× the time.

Each child prints one JSON line (``seconds``, ``cpu_seconds``, ``rss_mb`` of the measured work
only, after imports and set-up). Used by bench/run.py; on its own:

    python bench/scaling.py [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import json
import pstats
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _measure import Clock, child, interleaved

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo" / "cases.jsonl"
AS_OF = "2025-06-30"
EVENTS_FACTOR = 8
RULES_FACTOR = 10


def replicated(rules: Any, copies: int) -> Any:
    """The rule set with every rule ``copies`` times: the originals, then copies under new ids."""
    loaded = list(rules.loaded)
    for k in range(1, copies):
        loaded += [
            dataclasses.replace(
                lr, rule=lr.rule.model_copy(update={"id": f"{lr.rule.id}.copy-{k}"})
            )
            for lr in rules.loaded
        ]
    return dataclasses.replace(rules, loaded=tuple(loaded))


def c_rules(copies: str, limit: str) -> dict[str, Any]:
    """Engine.evaluate of the first ``limit`` valid demo cases with the dk pack × ``copies``."""
    from run import valid_cases

    from compliance import Engine, load_rules
    from compliance.engine import parse_as_of

    engine = Engine(replicated(load_rules("dk"), int(copies)))
    as_of = parse_as_of(AS_OF, engine.tz)
    cases = valid_cases(str(DEMO), engine)[: int(limit)]
    clock = Clock()
    findings = sum(len(engine.evaluate(c, as_of=as_of).findings) for c in cases)
    return clock.stop(rules=len(engine.rules), cases=len(cases), findings=findings)


def _case_engine() -> tuple[Any, Any]:
    """The near-linear tests' engine (budgets lifted) and their worst-case timeline builder."""
    sys.path.insert(0, str(ROOT / "tests"))
    from compliance import Engine, load_rules
    from matching_cases import MATCH_RULES, big_case

    with tempfile.TemporaryDirectory() as tmp:
        for name, text in MATCH_RULES.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        engine = Engine(load_rules(tmp), max_case_events=10**7, max_case_findings=10**7)
    return engine, big_case


def c_case(events: str) -> dict[str, Any]:
    """Engine.evaluate of one worst-case timeline of ``events`` events (validation included),
    garbage collector on (what a user gets: the figure judged); then twice more, both with
    the engine's date caches warm, once with the collector on and once paused, to tell the
    collector's share of any growth from the matching's."""
    engine, big_case = _case_engine()
    case = big_case(int(events))
    gc.collect()
    clock = Clock()
    findings = len(engine.evaluate(case, as_of="2999-12-31").findings)
    result = clock.stop(events=int(events), findings=findings)
    for key, collect in (("cpu_seconds_warm", True), ("cpu_seconds_gc_paused", False)):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            again = Clock()
            engine.evaluate(case, as_of="2999-12-31")
            result[key] = again.stop()["cpu_seconds"]
        finally:
            gc.enable()
    return result


def profile_case(events: int, top: int = 25) -> str:
    """The top of the profile (own time) of evaluating one worst-case timeline."""
    engine, big_case = _case_engine()
    case = big_case(events)
    profiler = cProfile.Profile()
    profiler.enable()
    engine.evaluate(case, as_of="2999-12-31")
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return f"one timeline of {events:,} events (bench/scaling.py --profile {events})\n" + (
        out.getvalue()
    )


CHILDREN = {"rules": c_rules, "case": c_case}


def measure(args: Sequence[str]) -> dict[str, Any]:
    return child(__file__, ["--child", *args])


def _ratio(modes: dict[str, dict[str, Any]], big: str, small: str) -> dict[str, float]:
    return {
        clock: modes[big][clock]["median"] / modes[small][clock]["median"]
        for clock in ("cpu", "wall")
    }


def events_scaling(rounds: int, base: int) -> dict[str, Any]:
    """One case of ``base`` events against one of 8 × ``base`` (CPU and wall, medians)."""
    big = base * EVENTS_FACTOR
    m = interleaved({"n": ("case", str(base)), "8n": ("case", str(big))}, rounds, measure)
    return {
        "events": [base, big],
        "findings": [m["n"]["last"]["findings"], m["8n"]["last"]["findings"]],
        "modes": m,
        "factor": EVENTS_FACTOR,
        "ratio": _ratio(m, "8n", "n"),
        "ratio_warm": _median(m, "8n", "cpu_seconds_warm") / _median(m, "n", "cpu_seconds_warm"),
        "ratio_gc_paused": (
            _median(m, "8n", "cpu_seconds_gc_paused") / _median(m, "n", "cpu_seconds_gc_paused")
        ),
    }


def _median(modes: dict[str, dict[str, Any]], name: str, key: str) -> float:
    """The median over rounds of one figure of a mode's children."""
    return float(statistics.median(x[key] for x in modes[name]["runs"]))


def rules_scaling(rounds: int, limit: int) -> dict[str, Any]:
    """The dk pack against the same pack ten times over, on the same demo cases."""
    modes = {"1x": ("rules", "1", str(limit)), "10x": ("rules", str(RULES_FACTOR), str(limit))}
    m = interleaved(modes, rounds, measure)
    return {
        "rules": [m["1x"]["last"]["rules"], m["10x"]["last"]["rules"]],
        "cases": m["1x"]["last"]["cases"],
        "findings": [m["1x"]["last"]["findings"], m["10x"]["last"]["findings"]],
        "modes": m,
        "factor": RULES_FACTOR,
        "ratio": _ratio(m, "10x", "1x"),
    }


def report(events: dict[str, Any], rules: dict[str, Any]) -> list[str]:
    e, r = events, rules
    return [
        f"- events per case: {e['events'][0]:,} → {e['events'][1]:,} events "
        f"({e['findings'][0]:,} → {e['findings'][1]:,} findings): "
        f"{e['ratio']['cpu']:.2f}× the CPU time, {e['ratio']['wall']:.2f}× the wall time "
        f"(medians; target ≤ 10× for 8×); evaluated again with warm caches "
        f"{e['ratio_warm']:.2f}×, and with the garbage collector paused "
        f"{e['ratio_gc_paused']:.2f}× the CPU time",
        f"- rules: {r['rules'][0]} → {r['rules'][1]} rules, {r['cases']:,} demo cases "
        f"({r['findings'][0]:,} → {r['findings'][1]:,} findings): "
        f"{r['ratio']['cpu']:.2f}× the CPU time, {r['ratio']['wall']:.2f}× the wall time "
        f"(medians; target ≤ 10× for 10×)",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--child", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--profile", type=int, metavar="EVENTS", help="profile one such timeline")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(CHILDREN[a.child[0]](*a.child[1:])))
        return
    if a.profile:
        print(profile_case(a.profile))
        return
    events = events_scaling(a.rounds, 1_000 if a.quick else 8_000)
    rules = rules_scaling(a.rounds, 200 if a.quick else 100_000)
    print("\n".join(report(events, rules)))


if __name__ == "__main__":
    main()
