"""Time to evaluate ONE case as it grows (issue 17: quadratic matching inside a case), and the
demo corpus as the rule set grows (issue 18: 10x the rules of the same kinds <= 10x the time).

The case holds n events: half of them triggers of a deadline (and a limit), then the other
half fulfilling events, plus one recurring duty whose chain runs through all fulfilments — the
worst order for a per-obligation scan. Prints seconds per size, with the cyclic garbage
collector on (what a user sees) and paused (the matching alone).

    .venv/bin/python bench/case_size.py 8000 64000 200000
    .venv/bin/python bench/case_size.py --rules 1 10      # the dk pack once, then 10 copies

``--rules`` evaluates every valid demo case (validation included) with k copies of every dk
rule (ids suffixed, everything else equal) and prints the CPU time of the best of three passes
and its ratio to the first k.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from compliance import Engine, load_rules

# the rules and the case shape are the near-linear tests' own (one definition for both)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from matching_cases import MATCH_RULES as RULES
from matching_cases import big_case as case_of

ROOT = Path(__file__).resolve().parent.parent


def timed(engine: Engine, prepared: Any, collect: bool) -> float:
    gc.collect()
    if not collect:
        gc.disable()
    try:
        t0 = time.perf_counter()
        engine.evaluate(prepared, as_of="2999-12-31")
        return time.perf_counter() - t0
    finally:
        gc.enable()


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in RULES.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        try:
            engine = Engine(load_rules(tmp), max_case_events=10**7, max_case_findings=10**7)
        except TypeError:  # an engine from before the per-case budget (for before/after)
            engine = Engine(load_rules(tmp))
    print("events  findings  seconds(gc on)  seconds(gc paused)")
    for n in sizes:
        prepared = engine.prepare(case_of(n))
        on = timed(engine, prepared, True)
        off = timed(engine, prepared, False)
        found = len(engine.evaluate(prepared, as_of="2999-12-31").findings)
        print(f"{n:>7} {found:>9} {on:>15.2f} {off:>19.2f}", flush=True)


def copies(k: int) -> list[Any]:
    """Every dk rule k times, the copies differing only in their id."""
    rules = load_rules("dk").rules
    return [r.model_copy(update={"id": f"{r.id}.copy{i}"}) for i in range(k) for r in rules]


def corpus_seconds(engine: Engine, cases: list[Any]) -> float:
    """CPU seconds of the best of three passes over the cases."""
    best = float("inf")
    for _ in range(3):
        t0 = time.thread_time()
        for case in cases:
            engine.evaluate(case, as_of="2025-06-30")
        best = min(best, time.thread_time() - t0)
    return best


def rules_scaling(ks: list[int]) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import valid_cases

    cases = valid_cases(str(ROOT / "fixtures" / "demo" / "cases.jsonl"), Engine(copies(1)))
    print("rules  CPU seconds (best of 3)  ratio to the first")
    first = None
    for k in ks:
        engine = Engine(copies(k))
        seconds = corpus_seconds(engine, cases)
        first = first or seconds
        print(f"{len(engine.rules):>5} {seconds:>24.2f} {seconds / first:>19.2f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rules"]:
        rules_scaling([int(a) for a in sys.argv[2:]] or [1, 10])
    else:
        main([int(a) for a in sys.argv[1:]] or [8_000, 64_000, 200_000])
