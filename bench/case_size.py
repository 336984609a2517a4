"""Time to evaluate ONE case as it grows (issue 17: quadratic matching inside a case).

The case holds n events: half of them triggers of a deadline (and a limit), then the other
half fulfilling events, plus one recurring duty whose chain runs through all fulfilments — the
worst order for a per-obligation scan. Prints seconds per size, with the cyclic garbage
collector on (what a user sees) and paused (the matching alone).

    .venv/bin/python bench/case_size.py 8000 64000 200000
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


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [8_000, 64_000, 200_000])
