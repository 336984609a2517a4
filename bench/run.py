"""``make bench``: speed and memory of compliance, as ratios measured in one run.

Every measurement runs in a fresh subprocess (so peak RSS is its own) over deterministic
corpora from the demo generator; the modes of one comparison run in interleaved rounds (the
order rotating each round) and each is reported as min / median of wall and CPU time — the
machine is shared, and the CPU time of a process is the steadier figure. Reported:

1. the audit (read + validate + evaluate with the dk and municipal packs + write JSONL to a
   file) vs only parsing the same file with orjson and with the standard library's ``json``
   — targets: audit ≤ 3× the ``json`` parse, ≤ 10× the orjson parse. When ``compliance audit
   --help`` lists ``--engine``, the columnar audit (``--engine columnar``) runs in the same
   rounds as a mode of its own. Start-up (interpreter, imports, loading the rule packs) is
   excluded from the audit time: each audit child first audits the corpus's first case, and
   the start-up is reported on its own (a whole ``compliance audit`` of one case, from
   process start). bench/road_fines_audit.py does the same on the road-fines log;
2. single-case Engine.evaluate latency, p50/p99 µs, wall and thread CPU time, full dk pack, on
   the demo corpus — target: p50 < 60 µs, p99 < 250 µs, validation included;
3. --workers 2 vs --workers 1, against this machine's ceiling for two CPU-bound processes;
4. the same per-case obligations with durable-rules vs this engine, comparing every field
   both produce: time ratio and peak RSS of both;
5. peak RSS of the audit at each size — it must stay flat (streaming);
6. near-linear cost in events per case and in rules (bench/scaling.py);
7. ``compliance --help`` and ``--version``, from process start — target: under 0.3 s.

Results are printed as Markdown and written to bench/results/latest.json; bench/targets.py
judges them against issue 18's targets.
Usage: python bench/run.py [--sizes 2000,20000,100000] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import scaling
from _measure import Clock, demo_corpus, interleaved, min_median, peak_rss_mb
from _measure import child as run_script

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
AS_OF = "2025-06-30"
#: the issue's "dk + municipal packs": the packs `make audit` uses on the demo corpus
DEMO_RULES = ("dk", "municipal/slagelse", "municipal/morsoe")
COLUMNAR = "audit-columnar"


def child(kind: str, *args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; it prints a JSON line."""
    return run_script(__file__, ["--child", kind, *args])


def measure(args: Sequence[str]) -> dict[str, Any]:
    return child(*args)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- children ---------------------------------------------------------------------------------


def c_parse(path: str, parser: str) -> dict[str, Any]:
    import json as stdlib_json

    import orjson

    loads = orjson.loads if parser == "orjson" else stdlib_json.loads
    clock = Clock()
    n = 0
    with open(path, "rb") as fh:
        for line in fh:
            loads(line)
            n += 1
    return clock.stop(cases=n)


def c_spin(n: str) -> dict[str, Any]:
    clock = Clock()
    x = 0
    for i in range(int(n)):
        x += i
    return clock.stop()


def cpu_ceiling(rounds: int) -> dict[str, float]:
    """How much faster two independent CPU-bound Python processes finish than one after the
    other on this machine: the most --workers 2 can give here (min/median over rounds)."""
    ratios = []
    for _ in range(rounds):
        one = child("spin", "20000000")["seconds"]
        t = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, "--child", "spin", "20000000"],
                stdout=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        for p in procs:
            p.wait()
        ratios.append(2 * one / (time.perf_counter() - t))
    return min_median(ratios)


def _audit(path: str, output: str, options: list[str]) -> None:
    from compliance.cli import app

    argv = ["audit", path, "--format", "jsonl", "-o", output, "--no-progress", *options]
    with contextlib.suppress(SystemExit):  # exit 1: violations found
        app(argv, standalone_mode=False)


def _first_case(path: str, into: Path) -> str:
    with open(path, "rb") as src:
        into.write_bytes(src.readline())
    return str(into)


def c_audit(
    path: str, workers: str, rules: str = ",".join(DEMO_RULES), as_of: str = AS_OF, engine: str = ""
) -> dict[str, Any]:
    """The audit of ``path`` after a warm-up audit of its first case (imports, rule packs,
    calendars): the start-up is measured on its own. ``engine`` is passed as ``--engine`` when
    given. The findings go to a real file; their count per rule and status is taken after the
    clock stops, and the file deleted."""
    out = DATA / "out"
    out.mkdir(parents=True, exist_ok=True)
    output = str(out / f"audit-{os.getpid()}.jsonl")
    options = ["--as-of", as_of, "--workers", workers]
    for r in rules.split(","):
        options += ["--rules", r]
    if engine:
        options += ["--engine", engine]
    try:
        _audit(_first_case(path, out / f"first-{os.getpid()}.jsonl"), output, options)
        clock = Clock()
        _audit(path, output, options)
        result = clock.stop(output_bytes=os.path.getsize(output))
        if workers != "1":  # the workers' CPU time, which process_time does not see
            kids = resource.getrusage(resource.RUSAGE_CHILDREN)
            result["children_cpu_seconds"] = kids.ru_utime + kids.ru_stime
        return result | {"findings": _count_findings(output)}
    finally:
        for f in (output, str(out / f"first-{os.getpid()}.jsonl")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f)


def _count_findings(output: str) -> dict[str, int]:
    """Findings per "rule status" in a JSON Lines report."""
    import orjson

    counts: dict[str, int] = {}
    with open(output, "rb") as fh:
        for line in fh:
            f = orjson.loads(line)
            key = f"{f['rule']} {f['status']}"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def valid_cases(path: str, eng: Any) -> list[dict[str, Any]]:
    """The corpus's cases that the engine accepts (the demo corpus holds a few broken ones)."""
    import orjson

    from compliance import ComplianceError

    cases = []
    with open(path, "rb") as fh:
        for line in fh:
            c = orjson.loads(line)
            try:
                eng.prepare(c)
            except ComplianceError:
                continue
            cases.append(c)
    return cases


def percentiles(fn: Any, items: list[Any], clock: Any, passes: int = 3) -> dict[str, float]:
    """p50/p99 of one call per item in µs, the best of ``passes`` passes."""
    best: tuple[float, float] | None = None
    for _ in range(passes):
        lat = []
        for x in items:
            t = clock()
            fn(x)
            lat.append(clock() - t)
        lat.sort()
        p = (lat[len(lat) // 2] / 1e3, lat[int(len(lat) * 0.99)] / 1e3)
        best = p if best is None else min(best, p)
    assert best is not None
    return {"p50_us": best[0], "p99_us": best[1]}


def c_latency(path: str) -> dict[str, Any]:
    """Engine.evaluate per case: end to end (a parsed dict in, validation included) and on a
    prepared case; wall time and this thread's CPU time (immune to the machine's other load)."""
    from compliance import Engine, load_rules
    from compliance.engine import parse_as_of

    eng = Engine(load_rules("dk"))
    as_of = parse_as_of(AS_OF, eng.tz)
    cases = valid_cases(path, eng)
    prepared = [eng.prepare(c) for c in cases]
    result: dict[str, Any] = {}
    for clock_name, clock in (("wall", time.perf_counter_ns), ("cpu", time.thread_time_ns)):
        full = percentiles(lambda c: eng.evaluate(c, as_of=as_of), cases, clock)
        prep = percentiles(lambda p: eng.evaluate(p, as_of=as_of), prepared, clock)
        result[clock_name] = {"full": full, "prepared": prep}
    events = sorted(len(c["events"]) for c in cases)
    return result | {
        "cases": len(cases),
        "median_events": events[len(events) // 2],
        "rules": len(eng.rules),
    }


def c_durable(path: str, which: str) -> dict[str, Any]:
    from durable_compare import RULES, as_of_instant, evaluate_durable, evaluate_ours

    from compliance import Engine, load_rules

    eng = Engine([r for r in load_rules("dk").rules if r.id in RULES])
    as_of = as_of_instant(AS_OF)
    cases = valid_cases(path, eng)
    rss0 = peak_rss_mb()
    clock = Clock()
    results = [
        evaluate_durable(c, as_of) if which == "durable" else evaluate_ours(eng, c, as_of)
        for c in cases
    ]
    timed = clock.stop(cases=len(cases), rss_before_mb=rss0)
    path_out = DATA / "out" / f"durable-{which}.json"  # for a field-by-field comparison
    path_out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results)
    path_out.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return timed | {"digest": digest, "findings": sum(len(r) for r in results)}


CHILDREN = {
    "parse": c_parse,
    "audit": c_audit,
    "latency": c_latency,
    "durable": c_durable,
    "spin": c_spin,
}


def startup(rounds: int = 7) -> dict[str, Any]:
    """``compliance --help``, ``--version`` and an audit of one case as a user runs them (the
    installed console script, a fresh process each), with a bare ``python -c pass`` for
    scale: rounds interleaved, wall and CPU (user + system of the child), min and median."""
    script = str(Path(sys.executable).with_name("compliance"))
    out = DATA / "out" / "startup.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    one = [str(demo_corpus(1)), "--rules", "dk", "--as-of", AS_OF, "-o", str(out), "--no-progress"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "compliance --help": [script, "--help"],
        "compliance --version": [script, "--version"],
        "compliance audit (one case)": [script, "audit", *one],
    }
    samples: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            samples[name]["wall"].append(wall)
            samples[name]["cpu"].append(cpu)
    out.unlink(missing_ok=True)
    return {name: {k: min_median(v) for k, v in s.items()} for name, s in samples.items()}


# -- driver ------------------------------------------------------------------------------------


def audit_engines() -> list[str]:
    """The audit modes this checkout has: the per-case audit, and the columnar one when
    ``compliance audit --help`` lists ``--engine`` (detected, not required)."""
    script = str(Path(sys.executable).with_name("compliance"))
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    out = subprocess.run(
        [script, "audit", "--help"], capture_output=True, text=True, env=env, check=False
    )
    return ["audit", COLUMNAR] if "--engine" in out.stdout else ["audit"]


def _events(path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(len(json.loads(line)["events"]) for line in fh)


def compare_audit(
    path: str, rules: Sequence[str], as_of: str, rounds: int, engines: Sequence[str], workers: bool
) -> dict[str, Any]:
    """The parses and the audit mode(s) of one file in interleaved rounds; every audit mode's
    ratio to each parse, on CPU and on wall medians."""
    audit = ("audit", path, "1", ",".join(rules), as_of)
    modes: dict[str, tuple[str, ...]] = {
        "orjson": ("parse", path, "orjson"),
        "json": ("parse", path, "json"),
        "audit": audit,
    }
    if COLUMNAR in engines:
        modes[COLUMNAR] = (*audit, "columnar")
    if workers:
        modes["audit2"] = ("audit", path, "2", ",".join(rules), as_of)
    load0 = load_average()
    m = interleaved(modes, rounds, measure)
    row: dict[str, Any] = {"events": _events(path), "bytes": os.path.getsize(path), "modes": m}
    row["rules"], row["as_of"], row["load_average"] = list(rules), as_of, [load0, load_average()]
    for name in ("audit", COLUMNAR):
        if name not in m:
            continue
        for clock in ("wall", "cpu"):
            for parser in ("orjson", "json"):
                ratio = m[name][clock]["median"] / m[parser][clock]["median"]
                row[f"{name}_vs_{parser}_{clock}"] = ratio
    if workers:
        row["workers_speedup"] = m["audit"]["wall"]["median"] / m["audit2"]["wall"]["median"]
    return row


def size_row(n: int, rounds: int, workers: bool, engines: Sequence[str]) -> dict[str, Any]:
    path = str(demo_corpus(n))
    row = {"cases": n} | compare_audit(path, DEMO_RULES, AS_OF, rounds, engines, workers)
    m = row["modes"]
    row["cases_per_cpu_s"] = n / m["audit"]["cpu"]["median"]
    print(
        f"size {n}: audit {m['audit']['cpu']['median']:.2f} s CPU = "
        f"{row['audit_vs_json_cpu']:.1f}x json, {row['audit_vs_orjson_cpu']:.1f}x orjson",
        file=sys.stderr,
    )
    return row


def durable_rows(rounds: int) -> dict[str, Any]:
    demo = str(ROOT / "fixtures" / "demo" / "cases.jsonl")
    m = interleaved(
        {"durable": ("durable", demo, "durable"), "ours": ("durable", demo, "ours")},
        rounds,
        measure,
    )
    d, o = m["durable"]["last"], m["ours"]["last"]
    from durable_compare import FIELDS, differences

    out = DATA / "out"
    ours, theirs = (
        json.loads((out / f"durable-{w}.json").read_text()) for w in ("ours", "durable")
    )
    diff: dict[str, int] = {}
    for a, b in zip(ours, theirs, strict=True):
        for k, n in differences([tuple(x) for x in a], [tuple(x) for x in b]).items():
            diff[k] = diff.get(k, 0) + n
    return {
        "fields_compared": list(FIELDS),
        "field_differences": diff,
        "modes": {
            k: {"wall": v["wall"], "cpu": v["cpu"], "rss_mb": v["rss_mb"]} for k, v in m.items()
        },
        "ratio_cpu": m["durable"]["cpu"]["median"] / m["ours"]["cpu"]["median"],
        "ratio_wall": m["durable"]["wall"]["median"] / m["ours"]["wall"]["median"],
        "cases": d["cases"],
        "findings": d["findings"],
        "identical_results": d["digest"] == o["digest"],
    }


def measure_all(sizes: list[int], rounds: int, quick: bool, durable: bool) -> dict[str, Any]:
    engines = audit_engines()
    res: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
        },
        "rounds": rounds,
        "audit_modes": engines,
        "sizes": [size_row(n, rounds, n == sizes[-1], engines) for n in sizes],
    }
    res["cpu_ceiling_2"] = cpu_ceiling(rounds)
    res["startup"] = startup(max(rounds, 5))
    res["latency"] = child("latency", str(ROOT / "fixtures" / "demo" / "cases.jsonl"))
    res["events_scaling"] = scaling.events_scaling(rounds, 1_000 if quick else 8_000)
    res["rules_scaling"] = scaling.rules_scaling(rounds, 200 if quick else 100_000)
    if durable:
        try:
            import durable as _durable  # noqa: F401
        except ImportError:
            print("bench: durable-rules not installed; comparison skipped", file=sys.stderr)
        else:
            res["durable"] = durable_rows(rounds)
    res["machine"]["load_average_at_end"] = os.getloadavg()
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs="+")
    ap.add_argument("--sizes", default="2000,20000,100000", help="corpus sizes in cases")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per comparison")
    ap.add_argument("--quick", action="store_true", help="sizes 1000,5000 (for a smoke run)")
    ap.add_argument("--no-durable", action="store_true", help="skip the durable-rules side")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(CHILDREN[a.child[0]](*a.child[1:])))
        return
    sizes = [1000, 5000] if a.quick else [int(x) for x in a.sizes.split(",")]
    os.environ["PYTHONHASHSEED"] = "0"  # every child iterates sets in the same order
    res = measure_all(sizes, a.rounds, a.quick, not a.no_durable)
    res["quick"] = a.quick
    res["command"] = " ".join(["python bench/run.py", *sys.argv[1:]])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(report(res))


def _mm(m: dict[str, float], fmt: str = ".2f") -> str:
    return f"{m['min']:{fmt}} / {m['median']:{fmt}}"


def ratio_table(rows: list[dict[str, Any]], label: str = "cases") -> list[str]:
    """One line per corpus and audit mode: parse and audit CPU, ratios, throughput, RSS."""
    lines = [
        f"| {label} | mode | events | MB | json parse CPU | orjson parse CPU | audit CPU "
        "| audit wall | audit ÷ json (CPU, wall) | audit ÷ orjson (CPU, wall) | peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        m = r["modes"]
        corpus = f"{r['cases']:,}" if "cases" in r else r.get("label", "")
        for name in ("audit", COLUMNAR):
            if name not in m:
                continue
            lines.append(
                f"| {corpus} | {name} | {r['events']:,} "
                f"| {r['bytes'] / 1e6:.1f} | {_mm(m['json']['cpu'])} | {_mm(m['orjson']['cpu'])} "
                f"| {_mm(m[name]['cpu'])} | {_mm(m[name]['wall'])} "
                f"| {r[f'{name}_vs_json_cpu']:.1f}×, {r[f'{name}_vs_json_wall']:.1f}× "
                f"| {r[f'{name}_vs_orjson_cpu']:.1f}×, {r[f'{name}_vs_orjson_wall']:.1f}× "
                f"| {m[name]['rss_mb']:.0f} |"
            )
    return lines


def report(res: dict[str, Any]) -> str:
    lines = [
        f"Interleaved rounds: {res['rounds']}; times min / median, s. Load average "
        f"{res['machine']['load_average_at_start'][0]:.1f} at start, "
        f"{res['machine']['load_average_at_end'][0]:.1f} at end. Demo corpus, packs "
        f"{', '.join(DEMO_RULES)}, as of {AS_OF}.",
        "",
        *ratio_table(res["sizes"]),
    ]
    big = res["sizes"][-1]
    lat = res["latency"]
    ceiling = res["cpu_ceiling_2"]
    lines += [
        "",
        f"- workers 2 vs 1 ({big['cases']:,} cases, wall medians): {big['workers_speedup']:.2f}×; "
        f"this machine's ceiling for two CPU-bound processes: {_mm(ceiling)}×",
        f"- Engine.evaluate, full dk pack ({lat['rules']} rules), demo corpus ({lat['cases']:,} "
        f"cases, median {lat['median_events']} events), validation included: CPU p50 "
        f"{lat['cpu']['full']['p50_us']:.0f} µs, p99 {lat['cpu']['full']['p99_us']:.0f} µs "
        f"(wall {lat['wall']['full']['p50_us']:.0f} / {lat['wall']['full']['p99_us']:.0f} µs); "
        f"prepared case CPU p50 {lat['cpu']['prepared']['p50_us']:.0f} µs, p99 "
        f"{lat['cpu']['prepared']['p99_us']:.0f} µs",
        *scaling.report(res["events_scaling"], res["rules_scaling"]),
    ]
    if "durable" in res:
        d = res["durable"]
        lines.append(
            f"- durable-rules vs this engine (3 rules, {d['cases']:,} cases, {d['findings']:,} "
            f"findings; {len(d['fields_compared'])} fields compared, identical: "
            f"{d['identical_results']}, differences per field: {d['field_differences']}): "
            f"{d['ratio_cpu']:.2f}× the CPU time, {d['ratio_wall']:.2f}× the wall time (medians); "
            f"peak RSS {d['modes']['durable']['rss_mb']:.0f} MB vs {d['modes']['ours']['rss_mb']:.0f} MB"
        )
    for name, m in res["startup"].items():
        lines.append(
            f"- start-up, {name}: CPU {_mm(m['cpu'])} s, wall {_mm(m['wall'])} s "
            f"({m['wall']['n']} interleaved rounds)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
