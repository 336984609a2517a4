"""What every bench script shares: one measurement per fresh child process, reported as one
JSON line, and interleaved rounds of several such measurements summarised as min / median.

A child measures itself (``Clock`` around the work, or ``process_usage`` for the whole
process) and prints one JSON object as its last line of stdout; the parent runs it with
``run_child`` (or ``child`` when a failure must stop the run). Peak RSS is the child's own
``VmHWM``: ``ru_maxrss`` keeps the forking parent's peak across exec on Linux, which inflates
the figure of a small child started by a big parent.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"


def peak_rss_mb() -> float:
    """This process's own peak resident set size in MB (VmHWM where Linux has it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_cpu_seconds() -> float:
    """User + system CPU time of this whole process so far (imports included)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def process_usage(started: float) -> dict[str, Any]:
    """Wall seconds since ``started`` (a ``perf_counter`` value), this process's CPU seconds
    and peak RSS, rounded for a report: the summary of a child that measures all it does."""
    return {
        "s": round(time.perf_counter() - started, 1),
        "cpu_s": round(process_cpu_seconds(), 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }


class Clock:
    """Wall and CPU time of this process from creation to ``stop()``."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self, **extra: Any) -> dict[str, Any]:
        return {
            "seconds": time.perf_counter() - self.wall,
            "cpu_seconds": time.process_time() - self.cpu,
            "rss_mb": peak_rss_mb(),
            **extra,
        }


def run_child(
    script: str | Path, args: Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[dict[str, Any] | None, str]:
    """Run ``python script *args`` in a fresh interpreter from the repository root: (its last
    stdout line as JSON, "") or, when it fails, (None, the last line of its stderr)."""
    out = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=None if env is None else dict(env),
    )
    if out.returncode:
        return None, (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1]
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result, ""


def child(script: str | Path, args: Sequence[str]) -> dict[str, Any]:
    """``run_child`` for a measurement the run cannot do without: a failure stops it."""
    result, error = run_child(script, args)
    if result is None:
        raise SystemExit(f"{Path(script).name} {' '.join(args[:2])} failed: {error}")
    return result


def min_median(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"min": ordered[0], "median": statistics.median(ordered), "n": len(ordered)}


def rotations(names: Sequence[str], rounds: int) -> list[list[str]]:
    """The order of the modes in each round: every mode once per round, the first mode of
    round r being the r-th (so no mode always runs first, or right after the same one)."""
    n = len(names)
    return [[names[(r + k) % n] for k in range(n)] for r in range(rounds)]


def interleaved(
    modes: Mapping[str, Sequence[str]],
    rounds: int,
    measure: Callable[[Sequence[str]], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Each mode measured once per round by ``measure(args)`` (a child answering ``seconds``,
    ``cpu_seconds`` and ``rss_mb``), the order rotating; per mode the min / median of wall and
    CPU seconds, the largest peak RSS, every round's answer (``runs``) and the last one."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in modes}
    for order in rotations(list(modes), rounds):
        for name in order:
            runs[name].append(measure(modes[name]))
    return {
        name: {
            "wall": min_median([x["seconds"] for x in xs]),
            "cpu": min_median([x["cpu_seconds"] for x in xs]),
            "rss_mb": max(x["rss_mb"] for x in xs),
            "rounds_cpu": [x["cpu_seconds"] for x in xs],
            "runs": xs,
            "last": xs[-1],
        }
        for name, xs in runs.items()
    }


def demo_corpus(n: int) -> Path:
    """bench/data/cases-N.jsonl: ``compliance demo generate``'s cases, seed 4242 (made once)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"cases-{n}.jsonl"
    if not path.exists():
        import orjson

        from compliance.demo import generate

        tmp = path.with_suffix(".partial")
        with open(tmp, "wb") as fh:
            for case in generate(n, seed=4242):
                fh.write(orjson.dumps(case) + b"\n")
        tmp.replace(path)
    return path
