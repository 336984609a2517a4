"""The columnar batch path against the per-case engine and the JSON parse, in one run.

For each corpus, interleaved rounds (the order of the modes rotates each round), each mode in a
fresh process with its imports done before the clock starts (import time is reported apart):

- ``json``: the standard library's ``json.loads`` of every line;
- ``orjson``: ``orjson.loads`` of every line;
- ``case``: ``compliance audit --engine case`` of the file to JSON Lines (in-process
  ``commands.audit.run``, to a real file);
- ``columnar``: the same with ``--engine columnar``;
- with ``--workers N``: also ``case-wN`` and ``columnar-wN``, the two audits with ``--workers N``.
  Their CPU time is the whole process tree's (the workers' CPU, reaped when the pool ends, is
  added from ``RUSAGE_CHILDREN``); peak RSS is the parent's and, apart, the largest worker's.

Corpora: the demo corpus (``compliance demo generate``, seed 4242, as bench/run.py makes it) with
the dk + municipal packs; and, when ../shared/data/road-fines holds the log, the full road-fines
log converted to JSON Lines with the peers pack (bench/peers/rules: both duties columnar) and, as
``compliance convert`` reads the XES, with the Italian pack. All audits' outputs are compared
byte for byte. Results: bench/results/columnar.json and a table (CPU and wall min/median,
ratios to the json and orjson parse on the CPU medians, peak RSS, load average).

    python bench/columnar.py [--rounds 3] [--cases 20000] [--corpora demo,road-fines,road-fines-it]
                             [--workers 2]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _measure import child as run_script
from _measure import demo_corpus, min_median, peak_rss_mb, rotations

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
ROAD_FINES = ROOT.parent / "shared" / "data" / "road-fines"
MODES = ("json", "orjson", "case", "columnar")
AUDITS = ("case", "columnar")


# -- corpora ----------------------------------------------------------------------------------


def road_fines_peers() -> Path | None:
    """The full log in the peers' vocabulary (bench/peers/compare.py's conversion, cached)."""
    if not (ROAD_FINES / "Road_Traffic_Fine_Management_Process.xes.zip").is_file():
        return None
    sys.path.insert(0, str(ROOT / "bench" / "peers"))
    from compare import prepare

    return Path(prepare(ROAD_FINES, sample=False)[1])


def road_fines_it() -> Path | None:
    """The full log as the product's XES reader gives it (``compliance convert``), cached."""
    peers = road_fines_peers()
    if peers is None:
        return None
    xes, path = DATA / "road-fines.xes", DATA / "road-fines-it.jsonl"
    if not path.exists():
        cli = Path(sys.executable).with_name("compliance")
        tmp = path.with_suffix(".partial.jsonl")
        subprocess.run([str(cli), "convert", str(xes), "-o", str(tmp)], check=True)
        tmp.replace(path)
    return path


CORPORA: dict[str, tuple[Any, list[str], str]] = {
    # name: (path maker, rule packs, as_of)
    "demo": (None, ["dk", "municipal"], "2025-06-30"),
    "road-fines": (road_fines_peers, [str(ROOT / "bench" / "peers" / "rules")], "2013-06-18"),
    "road-fines-it": (road_fines_it, ["it/road-fines"], "2013-06-18"),
}


# -- one measurement in a fresh process ---------------------------------------------------------


def workers_cpu() -> float:
    """User + system CPU of this process's reaped children (an audit's workers)."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def engine_and_workers(mode: str) -> tuple[str, int]:
    """``columnar-w2`` -> ("columnar", 2); ``case`` -> ("case", 1)."""
    engine, _, workers = mode.partition("-w")
    return engine, int(workers or 1)


def measure(mode: str, path: str, specs: list[str], as_of: str, out: str) -> dict[str, Any]:
    """Runs in the child: imports first, then the clock (the workers' CPU included)."""
    t0, c0 = time.perf_counter(), time.process_time()
    import orjson

    from compliance.commands.audit import AuditOptions, run
    from compliance.commands.inputs import as_of_instant

    if mode.startswith("columnar"):
        import polars  # noqa: F401  (start-up, reported apart)
    imports = (time.perf_counter() - t0, time.process_time() - c0)
    t0, c0, w0 = time.perf_counter(), time.process_time(), workers_cpu()
    if mode in ("json", "orjson"):
        loads = json.loads if mode == "json" else orjson.loads
        with open(path, "rb") as fh:
            n = sum(1 for line in fh if loads(line))
    else:
        engine, workers = engine_and_workers(mode)
        options = AuditOptions("jsonl", out, engine=engine, workers=workers)
        n = run([path], specs, as_of_instant(as_of), options).cases_read
    worker_rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "wall": time.perf_counter() - t0,
        "cpu": time.process_time() - c0 + workers_cpu() - w0,
        "workers_cpu": workers_cpu() - w0,
        "import": imports,
        "cases": n,
        "rss_mb": peak_rss_mb(),
        "worker_rss_mb": worker_rss_kb / 1024 if mode not in ("json", "orjson") else 0.0,
    }


def child(mode: str, path: Path, specs: list[str], as_of: str, out: Path) -> dict[str, Any]:
    return run_script(__file__, ["--child", mode, str(path), ",".join(specs), as_of, str(out)])


# -- rounds and the table -----------------------------------------------------------------------


def bench_corpus(
    name: str, path: Path, specs: list[str], as_of: str, rounds: int, workers: int = 1
) -> dict[str, Any]:
    modes = MODES + (tuple(f"{m}-w{workers}" for m in AUDITS) if workers > 1 else ())
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    outs = {m: DATA / f"columnar-{name}-{m}.jsonl" for m in modes if m not in ("json", "orjson")}
    loads = []
    for i, order in enumerate(rotations(modes, rounds)):
        loads.append(os.getloadavg())
        for mode in order:
            runs[mode].append(child(mode, path, specs, as_of, outs.get(mode, DATA / "unused")))
            print(f"{name} round {i + 1}/{rounds}: {mode} done", file=sys.stderr)
    identical = all(filecmp.cmp(outs["case"], out, shallow=False) for out in outs.values())
    for out in outs.values():
        out.unlink()
    summary = {mode: mode_summary(rs) for mode, rs in runs.items()}
    for mode in outs:
        for base in ("json", "orjson"):
            ratio = summary[mode]["cpu_median"] / summary[base]["cpu_median"]
            summary[mode][f"x_{base}_cpu_median"] = ratio
        engine, n = engine_and_workers(mode)
        if engine == "columnar":  # beside the per-case audit with as many workers
            same = "case" if n == 1 else f"case-w{n}"
            for what in ("cpu", "wall"):
                ratio = summary[mode][f"{what}_median"] / summary[same][f"{what}_median"]
                summary[mode][f"x_case_{what}_median"] = ratio
        if n > 1:  # beside itself in one process
            for what in ("cpu", "wall"):
                ratio = summary[mode][f"{what}_median"] / summary[engine][f"{what}_median"]
                summary[mode][f"x_one_process_{what}_median"] = ratio
    return {
        "file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
        "cases": runs["case"][0]["cases"],
        "rules": specs,
        "as_of": as_of,
        "rounds": rounds,
        "identical_outputs": identical,
        "load_average": loads,
        "modes": summary,
    }


def mode_summary(rs: list[dict[str, Any]]) -> dict[str, Any]:
    """CPU (the whole process tree) and wall min / median, peak RSS, import CPU of one mode."""
    spread = {what: min_median([r[what] for r in rs]) for what in ("cpu", "wall")}
    return {
        f"{what}_{stat}": spread[what][stat]
        for what in ("cpu", "wall")
        for stat in ("min", "median")
    } | {
        "rss_mb": max(r["rss_mb"] for r in rs),
        "worker_rss_mb": max(r.get("worker_rss_mb", 0.0) for r in rs),
        "workers_cpu_median": statistics.median(r.get("workers_cpu", 0.0) for r in rs),
        "import_cpu": rs[0]["import"][1],
    }


def table(results: dict[str, Any]) -> str:
    lines = []
    for name, r in results["corpora"].items():
        lines.append(
            f"\n{name}: {r['cases']:,} cases, rules {' + '.join(r['rules'])}, "
            f"{r['rounds']} rounds, outputs identical: {r['identical_outputs']}, "
            f"load {r['load_average'][0][0]:.2f}"
        )
        lines.append(
            "| mode | CPU min s | CPU median s | wall min s | wall median s | ÷ json | ÷ orjson "
            "| peak RSS MB (largest worker) |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for mode, m in r["modes"].items():
            xj = f"{m['x_json_cpu_median']:.2f}×" if "x_json_cpu_median" in m else ""
            xo = f"{m['x_orjson_cpu_median']:.1f}×" if "x_orjson_cpu_median" in m else ""
            worker = f" ({m['worker_rss_mb']:.0f})" if m["worker_rss_mb"] else ""
            lines.append(
                f"| {mode} | {m['cpu_min']:.2f} | {m['cpu_median']:.2f} | {m['wall_min']:.2f} | "
                f"{m['wall_median']:.2f} | {xj} | {xo} | {m['rss_mb']:.0f}{worker} |"
            )
        for mode, m in r["modes"].items():
            if "x_case_cpu_median" in m:
                lines.append(
                    f"{mode} ÷ {mode.replace('columnar', 'case')} (median): CPU "
                    f"{m['x_case_cpu_median']:.2f}, wall {m['x_case_wall_median']:.2f}"
                )
            if "x_one_process_cpu_median" in m:
                lines.append(
                    f"{mode} ÷ one process (median): CPU {m['x_one_process_cpu_median']:.2f}, "
                    f"wall {m['x_one_process_wall_median']:.2f}"
                )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, file, packs, day, out = sys.argv[2:7]
        print(json.dumps(measure(mode, file, packs.split(","), day, out)))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", type=int, default=20_000, help="demo corpus size")
    ap.add_argument("--corpora", default="demo,road-fines,road-fines-it")
    ap.add_argument("--libraries", action="store_true", help="only time polars against DuckDB")
    ap.add_argument(
        "--workers", type=int, default=1, help="also both audits with --workers N (N > 1)"
    )
    a = ap.parse_args()
    if a.libraries:
        path = road_fines_peers() or demo_corpus(a.cases)
        _, specs, as_of = CORPORA["road-fines" if "road-fines" in path.name else "demo"]
        found = libraries(path, specs, as_of, max(a.rounds, 5))
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "columnar-libraries.json").write_text(json.dumps(found, indent=2) + "\n")
        print(json.dumps(found, indent=2))
        return
    results: dict[str, Any] = {"corpora": {}}
    for name in a.corpora.split(","):
        make, specs, as_of = CORPORA[name]
        path = demo_corpus(a.cases) if make is None else make()
        if path is None:
            print(f"{name}: no log in {ROAD_FINES}; skipped", file=sys.stderr)
            continue
        results["corpora"][name] = bench_corpus(name, path, specs, as_of, a.rounds, a.workers)
    RESULTS.mkdir(parents=True, exist_ok=True)
    result_file = "columnar.json" if a.workers <= 1 else f"columnar-workers{a.workers}.json"
    (RESULTS / result_file).write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))


# -- polars or DuckDB: the same small job -----------------------------------------------------


def libraries(path: Path, specs: list[str], as_of: str, rounds: int) -> dict[str, Any]:
    """The core join of the columnar deadline (per obligation, the earliest satisfying event at
    or after its trigger) on the obligations and candidates of ``path``'s cases, in polars and
    in DuckDB (both from the same Arrow columns; the time includes taking the answer back)."""
    import duckdb
    import orjson
    import polars as pl
    import pyarrow as pa

    from compliance import Engine, load_rules
    from compliance.columnar.table import EventsTable
    from compliance.engine import parse_as_of

    engine = Engine(load_rules(*specs))
    at = parse_as_of(as_of, engine.tz)
    table = EventsTable()
    rules = [r for r in engine.rules if r.kind == "deadline"]
    with open(path, "rb") as fh:
        for i, line in enumerate(fh):
            table.add_case(i, engine.prepare(orjson.loads(line)).upto(at), rules)  # type: ignore[arg-type]
    c, s = table.columns, table.satisfiers
    obs = pa.table(
        {"ob": range(len(c.group)), "grp": c.group, "t_ts": c.trigger_ts, "t_day": c.trigger_day}
    )
    sats = pa.table({"grp": s.group, "ts": s.ts, "day": s.day, "id": s.id})
    sql = """
        SELECT ob, arg_min(id, (ts, id)) AS first_id
        FROM sats JOIN obs USING (grp) WHERE ts >= t_ts GROUP BY ob
    """

    def with_polars() -> int:
        o, c2 = pl.from_arrow(obs).lazy(), pl.from_arrow(sats).lazy()  # type: ignore[union-attr]
        out = (
            c2.join(o, on="grp")
            .filter(pl.col("ts") >= pl.col("t_ts"))
            .sort("ob", "ts", "id")
            .group_by("ob", maintain_order=True)
            .first()
            .collect()
        )
        return len(out["id"].to_list())

    def with_duckdb() -> int:
        con = duckdb.connect()
        con.register("obs", obs)
        con.register("sats", sats)
        return len(con.execute(sql).fetchall())

    times: dict[str, list[float]] = {"polars": [], "duckdb": []}
    answers = {}
    for i in range(rounds):
        for name, job in sorted({"polars": with_polars, "duckdb": with_duckdb}.items())[
            :: 1 - 2 * (i % 2)
        ]:
            c0 = time.process_time()
            answers[name] = job()
            times[name].append(time.process_time() - c0)
    return {
        "obligations": len(c.group),
        "candidates": len(s.group),
        "answers": answers,
        "cpu_min": {k: min(v) for k, v in times.items()},
        "cpu_median": {k: statistics.median(v) for k, v in times.items()},
        "versions": {"polars": pl.__version__, "duckdb": duckdb.__version__},
    }


if __name__ == "__main__":
    main()
