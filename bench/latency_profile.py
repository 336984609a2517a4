"""Where one ``Engine.evaluate`` spends its time (issue 18's per-case target: p50 < 60 µs,
p99 < 250 µs, full dk pack, validation included).

Loads the dk pack and the valid demo cases (``fixtures/demo/cases.jsonl``), then reports this
thread's CPU time per call, p50 / p99 in µs (best of three passes, as ``bench/run.py``'s
latency mode), of (a) ``Engine.prepare`` (validation: ``model.normalize``), (b)
``Engine.evaluate`` of a freshly prepared case (a new ``CaseEvents`` per call, so nothing a
previous evaluation cached on it is reused), (c) ``Engine.evaluate`` end to end (a parsed
dict in); then a cProfile of (c) sorted by own time.

``--instructions`` counts the instructions executed instead (valgrind ``callgrind``,
deterministic whatever the load): collection is switched on only inside one
``functools.reduce`` over the cases, after a warm pass, for (a) ``normalize``, (b)
``prepared`` and (c) ``full``; with ``--against SRC`` for that tree too. Slow (minutes per
measure under valgrind).

``--against SRC`` compares two source trees (e.g. a snapshot of main's ``src``): each round
runs one fresh child process per tree, their order alternating, and the report gives min /
median per tree and the ratio of the medians. Usage::

    python bench/latency_profile.py [--rounds 3] [--top 30] [--no-profile]
    python bench/latency_profile.py --against /tmp/base/src --rounds 5 --no-profile
    python bench/latency_profile.py --instructions full [--against /tmp/base/src]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "demo" / "cases.jsonl"
AS_OF = "2025-06-30"
MEASURES = ("normalize", "prepared", "full")


def percentiles(fn: Callable[[Any], Any], items: list[Any], passes: int = 3) -> tuple[float, float]:
    """(p50, p99) of one call per item in µs of this thread's CPU time, the best of ``passes``
    (``bench/run.py``'s measure)."""
    from run import percentiles as run_percentiles

    p = run_percentiles(fn, items, time.thread_time_ns, passes)
    return p["p50_us"], p["p99_us"]


def setup() -> tuple[Any, Any, list[dict[str, Any]]]:
    from compliance import Engine, load_rules
    from compliance.engine import parse_as_of

    sys.path.insert(0, str(ROOT / "bench"))
    from run import valid_cases

    engine = Engine(load_rules("dk"))
    as_of = parse_as_of(AS_OF, engine.tz)
    return engine, as_of, valid_cases(str(CASES), engine)


def measure() -> dict[str, Any]:
    """The three measures of one process (the caches warm, as in a long-running host)."""
    engine, as_of, cases = setup()
    for case in cases:  # warm: the engine's memos, the parse cache, the interpreter
        engine.evaluate(case, as_of=as_of)

    # (b) times only the evaluation: prepare outside the clock, one fresh case per call (each
    # pass takes the next of three prepared batches)
    fresh = deque(engine.prepare(c) for _ in range(3) for c in cases)
    prepared = percentiles(lambda _: engine.evaluate(fresh.popleft(), as_of=as_of), cases)
    result = {
        "normalize": percentiles(engine.prepare, cases),
        "prepared": prepared,
        "full": percentiles(lambda c: engine.evaluate(c, as_of=as_of), cases),
    }
    events = sorted(len(c["events"]) for c in cases)
    return {
        **{k: {"p50_us": round(v[0], 1), "p99_us": round(v[1], 1)} for k, v in result.items()},
        "cases": len(cases),
        "median_events": events[len(events) // 2],
        "rules": len(engine.rules),
    }


def profile(top: int, repeat: int, sort: str = "tottime") -> str:
    engine, as_of, cases = setup()
    for case in cases:  # warm (calendars' holidays are built on first use): steady state only
        engine.evaluate(case, as_of=as_of)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        for case in cases:
            engine.evaluate(case, as_of=as_of)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    return out.getvalue()


def reduce_over_cases(measure_name: str) -> None:
    """One warm pass, then the measured one inside ``functools.reduce`` (callgrind's
    ``--toggle-collect=functools_reduce`` counts only what runs in it)."""
    engine, as_of, cases = setup()
    for case in cases:
        engine.evaluate(case, as_of=as_of)
    if measure_name == "normalize":
        functools.reduce(lambda _, c: engine.prepare(c), cases, None)
        return
    items = [engine.prepare(c) for c in cases] if measure_name == "prepared" else cases
    functools.reduce(lambda _, c: engine.evaluate(c, as_of=as_of), items, None)


def instructions(measure_name: str, src: str | None) -> int:
    """Instructions executed by ``reduce_over_cases(measure_name)`` under callgrind."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--reduce",
                measure_name,
            ],
            capture_output=True,
            check=True,
            cwd=ROOT,
            env=env,
        )
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no summary")


def child(src: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, __file__, "--child"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def summary(runs: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """Per measure and percentile: [min, median] over the rounds."""
    out: dict[str, dict[str, list[float]]] = {}
    for m in MEASURES:
        out[m] = {}
        for p in ("p50_us", "p99_us"):
            xs = sorted(r[m][p] for r in runs)
            out[m][p] = [xs[0], round(statistics.median(xs), 1)]
    return out


def compare(rounds: int, against: str | None) -> None:
    trees = {"this": str(ROOT / "src")} | ({"against": against} if against else {})
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    load0 = os.getloadavg()
    names = list(trees)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            runs[name].append(child(trees[name]))
    load1 = os.getloadavg()
    print(f"load average {load0[0]:.2f} at start, {load1[0]:.2f} at end; {rounds} rounds")
    print(
        f"{runs['this'][0]['cases']} cases, median {runs['this'][0]['median_events']} events, "
        f"{runs['this'][0]['rules']} rules; CPU µs per call, min / median of the rounds"
    )
    sums = {name: summary(xs) for name, xs in runs.items()}
    for m in MEASURES:
        for p in ("p50_us", "p99_us"):
            line = f"{m:>9} {p[:3]}:"
            for name in names:
                rounds_text = ", ".join(f"{x[m][p]:.0f}" for x in runs[name])
                lo, med = sums[name][m][p]
                line += f"  {name} {lo:.0f} / {med:.0f} ({rounds_text})"
            if against:
                ratio = sums["against"][m][p][1] / sums["this"][m][p][1]
                line += f"  against ÷ this {ratio:.2f}×"
            print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--against", help="another source tree (a src/ directory) to compare")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3, help="passes over the cases, profiled")
    ap.add_argument("--sort", default="tottime", help="the profile's order (pstats keys)")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument(
        "--instructions",
        choices=MEASURES,
        help="count instructions of one measure under callgrind instead of timing",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--reduce", choices=MEASURES, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(measure()))
        return
    if a.reduce:
        reduce_over_cases(a.reduce)
        return
    if a.instructions:
        trees = {"this": str(ROOT / "src")} | ({"against": a.against} if a.against else {})
        for name, src in trees.items():
            n = instructions(a.instructions, src)
            cases = len(setup()[2])
            print(f"{a.instructions} {name}: {n:,} instructions, {n // cases:,} per case")
        return
    compare(a.rounds, a.against)
    if not a.no_profile:
        print(profile(a.top, a.repeat, a.sort))


if __name__ == "__main__":
    main()
