"""cProfile of ``columnar.run.run_columnar`` over the first N cases of a JSON Lines file, as a
streamed audit runs it (``Emit(jsonl=True, keep_findings=False)``), cumulative, top 45.

    python bench/profile_columnar.py RULES N AS_OF [FILE]
    python bench/profile_columnar.py bench/peers/rules 30000 2013-06-18 bench/data/road-fines.jsonl
"""

from __future__ import annotations

import cProfile
import itertools
import pstats
import sys

import orjson

from compliance import Engine, load_rules
from compliance.audit import Emit
from compliance.columnar.run import PathCounts, run_columnar
from compliance.engine import parse_as_of
from compliance.sources import Item


def main() -> None:
    rules, n, as_of = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    path = sys.argv[4] if len(sys.argv) > 4 else "bench/data/road-fines.jsonl"
    engine = Engine(load_rules(*rules.split(",")))
    with open(path, "rb") as fh:
        cases = [orjson.loads(line) for line in itertools.islice(fh, n)]
    at = parse_as_of(as_of, engine.tz)
    items = [Item(i + 1, "jsonl", case=c) for i, c in enumerate(cases)]
    emit = Emit(jsonl=True, keep_findings=False)
    profile = cProfile.Profile()
    profile.enable()
    for _ in run_columnar(engine, at, items, emit, PathCounts()):
        pass
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
