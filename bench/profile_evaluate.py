"""The top of the profile of ``Engine.evaluate`` (issue 18: profile first, publish the top).

Evaluates every valid case of a corpus (default: the demo corpus) with a rule pack (default:
the full dk pack), validation included, under cProfile, and prints the functions with the most
own time. Usage: python bench/profile_evaluate.py [--cases FILE] [--rules dk] [--top 25]
[--repeat 3]"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2025-06-30"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=str(ROOT / "fixtures" / "demo" / "cases.jsonl"))
    ap.add_argument("--rules", action="append")
    ap.add_argument("--as-of", default=AS_OF)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sort", default="tottime")
    a = ap.parse_args()

    from compliance import Engine, load_rules
    from compliance.engine import parse_as_of

    sys.path.insert(0, str(ROOT / "bench"))
    from run import valid_cases

    rules = load_rules(*(a.rules or ["dk"]))
    engine = Engine(rules)
    as_of = parse_as_of(a.as_of, engine.tz)
    cases = valid_cases(a.cases, engine)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(a.repeat):
        for case in cases:
            engine.evaluate(case, as_of=as_of)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(a.sort).print_stats(a.top)
    print(f"{len(cases)} cases × {a.repeat}, {len(engine.rules)} rules", file=sys.stderr)
    print(out.getvalue())


if __name__ == "__main__":
    main()
