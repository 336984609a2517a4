"""``make bench``: speed and memory of compliance, as ratios measured in one run.

Every measurement runs in a fresh subprocess (so peak RSS is its own) over deterministic
corpora from the demo generator. Reported:

1. full audit (read + validate + evaluate with the dk pack + write JSONL) vs only parsing the
   same file with orjson — target: audit ≤ 3× parse;
2. single-case Engine.evaluate latency, p50/p99 µs, full dk pack, on the demo corpus —
   target: p50 < 100 µs;
3. --workers 2 vs --workers 1 — target: ≥ 1.7× on 2 cores;
4. the same per-case obligations with durable-rules (one ruleset, a session per case, state
   deleted after each case) vs this engine: time ratio and peak RSS of both;
5. peak RSS of the audit at each size — it must stay flat (streaming).

Results are printed as a Markdown table and written to bench/results/latest.json.
Usage: python bench/run.py [--sizes 2000,20000,100000] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
AS_OF = "2025-06-30"


def corpus(n: int) -> Path:
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


def child(kind: str, *args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; it prints a JSON line."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- children ---------------------------------------------------------------------------------


def c_parse(path: str) -> dict[str, Any]:
    import orjson

    t = time.perf_counter()
    n = 0
    with open(path, "rb") as fh:
        for line in fh:
            orjson.loads(line)
            n += 1
    return {"seconds": time.perf_counter() - t, "cases": n, "rss_mb": _rss_mb()}


def c_validate(path: str) -> dict[str, Any]:
    """Context baseline: parse and validate each case with the pydantic Timeline model."""
    from compliance.model import Timeline

    t = time.perf_counter()
    with open(path, "rb") as fh:
        for line in fh:
            with contextlib.suppress(ValueError):
                Timeline.model_validate_json(line)
    return {"seconds": time.perf_counter() - t, "rss_mb": _rss_mb()}


def c_spin(n: str) -> dict[str, Any]:
    t = time.perf_counter()
    x = 0
    for i in range(int(n)):
        x += i
    return {"seconds": time.perf_counter() - t}


def cpu_ceiling() -> float:
    """How much faster two independent CPU-bound Python processes finish than one after the
    other on this machine: the most --workers 2 can give here."""
    one = child("spin", "20000000")["seconds"]
    t = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", "spin", "20000000"], stdout=subprocess.DEVNULL
        )
        for _ in range(2)
    ]
    for p in procs:
        p.wait()
    return 2 * one / (time.perf_counter() - t)


def c_audit(path: str, workers: str) -> dict[str, Any]:
    from compliance.cli import app

    t = time.perf_counter()
    with contextlib.suppress(SystemExit):
        app(
            [
                "audit",
                path,
                "--rules",
                "dk",
                "--as-of",
                AS_OF,
                "--format",
                "jsonl",
                "-o",
                os.devnull,
                "--workers",
                workers,
                "--no-progress",
            ],
            standalone_mode=False,
        )
    return {"seconds": time.perf_counter() - t, "rss_mb": _rss_mb()}


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


def c_latency(path: str) -> dict[str, Any]:
    from compliance import Engine, load_rules
    from compliance.engine import parse_as_of

    eng = Engine(load_rules("dk"))
    as_of = parse_as_of(AS_OF, eng.tz)
    cases = valid_cases(path, eng)

    def percentiles(fn: Any, items: list[Any]) -> tuple[float, float]:
        best = (1e9, 1e9)
        for _ in range(3):
            lat = []
            for x in items:
                t = time.perf_counter()
                fn(x)
                lat.append(time.perf_counter() - t)
            lat.sort()
            p = (lat[len(lat) // 2] * 1e6, lat[int(len(lat) * 0.99)] * 1e6)
            best = min(best, p)
        return best

    full = percentiles(lambda c: eng.evaluate(c, as_of=as_of), cases)
    prepared = [eng.prepare(c) for c in cases]
    prep = percentiles(lambda p: eng.evaluate(p, as_of=as_of), prepared)
    events = sorted(len(c["events"]) for c in cases)
    return {
        "p50_us": full[0],
        "p99_us": full[1],
        "prepared_p50_us": prep[0],
        "prepared_p99_us": prep[1],
        "cases": len(cases),
        "median_events": events[len(events) // 2],
        "rules": len(eng.rules),
    }


def c_durable(path: str, which: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from durable_compare import RULES, as_of_instant, evaluate_durable, evaluate_ours

    from compliance import Engine, load_rules

    eng = Engine([r for r in load_rules("dk").rules if r.id in RULES])
    as_of = as_of_instant(AS_OF)
    cases = valid_cases(path, eng)
    rss0 = _rss_mb()
    t = time.perf_counter()
    results = [
        evaluate_durable(c, as_of) if which == "durable" else evaluate_ours(eng, c, as_of)
        for c in cases
    ]
    secs = time.perf_counter() - t
    digest = hash(tuple(tuple(r) for r in results))
    return {
        "seconds": secs,
        "cases": len(cases),
        "rss_mb": _rss_mb(),
        "rss_before_mb": rss0,
        "digest": digest,
        "findings": sum(len(r) for r in results),
    }


CHILDREN = {
    "parse": c_parse,
    "validate": c_validate,
    "audit": c_audit,
    "latency": c_latency,
    "durable": c_durable,
    "spin": c_spin,
}


def startup(rounds: int = 7) -> dict[str, Any]:
    """``compliance --help`` and ``--version`` as a user runs them (the installed console
    script, a fresh process each), with a bare ``python -c pass`` for scale: rounds interleaved,
    wall and CPU (user + system of the child) per call, min and median."""
    script = str(Path(sys.executable).with_name("compliance"))
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "compliance --help": [script, "--help"],
        "compliance --version": [script, "--version"],
    }
    samples: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            samples[name]["wall"].append(wall)
            samples[name]["cpu"].append(cpu)
    return {name: {k: min_median(v) for k, v in s.items()} for name, s in samples.items()}


def min_median(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"min": ordered[0], "median": ordered[len(ordered) // 2], "n": len(ordered)}


# -- driver ------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs="+")
    ap.add_argument("--sizes", default="2000,20000,100000", help="corpus sizes in cases")
    ap.add_argument("--quick", action="store_true", help="sizes 1000,5000 (for a smoke run)")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(CHILDREN[a.child[0]](*a.child[1:])))
        return
    sizes = [1000, 5000] if a.quick else [int(x) for x in a.sizes.split(",")]
    os.environ["PYTHONHASHSEED"] = "0"  # the durable/ours digests must be comparable
    res: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "sizes": [],
    }
    for n in sizes:
        path = str(corpus(n))
        with open(path, encoding="utf-8") as fh:
            events = sum(len(json.loads(line)["events"]) for line in fh)
        parse = child("parse", path)
        validate = child("validate", path)
        audit = child("audit", path, "1")
        row = {
            "cases": n,
            "events": events,
            "bytes": os.path.getsize(path),
            "parse_s": parse["seconds"],
            "parse_rss_mb": parse["rss_mb"],
            "audit_s": audit["seconds"],
            "audit_rss_mb": audit["rss_mb"],
            "audit_vs_parse": audit["seconds"] / parse["seconds"],
            "validate_s": validate["seconds"],
            "audit_vs_validate": audit["seconds"] / validate["seconds"],
            "cases_per_s": n / audit["seconds"],
        }
        if n == sizes[-1] or len(sizes) == 1:
            w2 = child("audit", path, "2")
            row["audit2_s"] = w2["seconds"]
            row["workers_speedup"] = audit["seconds"] / w2["seconds"]
        res["sizes"].append(row)
        print(
            f"size {n}: audit {audit['seconds']:.2f}s vs parse {parse['seconds']:.2f}s "
            f"= {row['audit_vs_parse']:.1f}x; RSS {audit['rss_mb']:.0f} MB",
            file=sys.stderr,
        )
    res["startup"] = startup()
    res["cpu_ceiling_2"] = cpu_ceiling()
    demo = str(ROOT / "fixtures" / "demo" / "cases.jsonl")
    res["latency"] = child("latency", demo)
    d = child("durable", demo, "durable")
    o = child("durable", demo, "ours")
    res["durable"] = {
        "durable_s": d["seconds"],
        "ours_s": o["seconds"],
        "ratio": d["seconds"] / o["seconds"],
        "durable_rss_mb": d["rss_mb"],
        "ours_rss_mb": o["rss_mb"],
        "cases": d["cases"],
        "findings": d["findings"],
        "identical_results": d["digest"] == o["digest"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(report(res))


def report(res: dict[str, Any]) -> str:
    lines = [
        "| cases | events | MB | orjson parse s | pydantic validate s | audit s | audit ÷ parse "
        "| audit ÷ validate | cases/s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in res["sizes"]:
        lines.append(
            f"| {r['cases']:,} | {r['events']:,} | {r['bytes'] / 1e6:.1f} | {r['parse_s']:.2f} | "
            f"{r['validate_s']:.2f} | {r['audit_s']:.2f} | {r['audit_vs_parse']:.0f}× | "
            f"{r['audit_vs_validate']:.1f}× | {r['cases_per_s']:,.0f} | {r['audit_rss_mb']:.0f} |"
        )
    big = res["sizes"][-1]
    lat, d = res["latency"], res["durable"]
    lines += [
        "",
        f"- workers 2 vs 1 ({big['cases']:,} cases): {big.get('workers_speedup', float('nan')):.2f}× "
        f"({big['audit_s']:.2f}s → {big.get('audit2_s', float('nan')):.2f}s); this machine's ceiling "
        f"for two CPU-bound Python processes: {res['cpu_ceiling_2']:.2f}×",
        f"- Engine.evaluate, full dk pack ({lat['rules']} rules), demo corpus ({lat['cases']:,} cases, "
        f"median {lat['median_events']} events): p50 {lat['p50_us']:.0f} µs, p99 {lat['p99_us']:.0f} µs "
        f"(validation included); prepared case p50 {lat['prepared_p50_us']:.0f} µs, p99 {lat['prepared_p99_us']:.0f} µs",
        f"- durable-rules vs this engine (3 rules, {d['cases']:,} cases, {d['findings']:,} findings, "
        f"identical results: {d['identical_results']}): {d['ratio']:.1f}× the time; "
        f"peak RSS {d['durable_rss_mb']:.0f} MB vs {d['ours_rss_mb']:.0f} MB",
    ]
    for name, m in res["startup"].items():
        lines.append(
            f"- start-up, {name}: wall min {m['wall']['min']:.2f} s / median "
            f"{m['wall']['median']:.2f} s, CPU min {m['cpu']['min']:.2f} s / median "
            f"{m['cpu']['median']:.2f} s ({m['wall']['n']} interleaved rounds)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
