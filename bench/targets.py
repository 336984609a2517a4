"""Issue 18's targets, judged from the results the bench runs wrote (the last step of
``make bench``): one row per target with the measured figure, the command that produced it
and MET / NOT MET (or NOT RUN when its run is missing, REPORTED for a comparison with no
threshold). Ratios are between medians of the same interleaved run, judged on CPU time (the
steadier figure on a shared machine; wall time is shown beside it).

Reads bench/results/latest.json (bench/run.py), road-fines.json (bench/road_fines_audit.py),
peers.json (bench/peers/compare.py) and profile.txt (bench/profile_evaluate.py); writes
bench/results/targets.md and prints it. When a speed target is not met, the top of the
profile is appended: it shows where the time goes.

    python bench/targets.py [--results bench/results]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MET, NOT_MET, NOT_RUN, REPORTED = "✅ MET", "❌ NOT MET", "NOT RUN", "REPORTED"
COLUMNAR = "audit-columnar"
PEERS_CMD = "python bench/peers/compare.py"


@dataclass(frozen=True)
class Target:
    target: str
    measured: str
    command: str
    status: str


def judge(value: float, limit: float, compare: Callable[[float, float], bool]) -> str:
    return MET if compare(value, limit) else NOT_MET


def at_most(value: float, limit: float) -> str:
    return judge(value, limit, operator.le)


def at_least(value: float, limit: float) -> str:
    return judge(value, limit, operator.ge)


def below(value: float, limit: float) -> str:
    return judge(value, limit, operator.lt)


def missing(target: str, why: str, command: str) -> Target:
    return Target(target, why, command, NOT_RUN)


# -- the audit against the parse ---------------------------------------------------------------


def audit_targets(row: dict[str, Any] | None, corpus: str, command: str) -> list[Target]:
    """≤ 3× json, stretch ≤ 2× json, ≤ 10× orjson: for each audit mode the run had."""
    goals = (("json", 3.0, ""), ("json", 2.0, " (stretch)"), ("orjson", 10.0, ""))
    if row is None:
        return [
            missing(f"audit ≤ {limit:g}× {parser} parse{extra}, {corpus}", "no run", command)
            for parser, limit, extra in goals
        ]
    out = []
    for mode in ("audit", COLUMNAR):
        if f"{mode}_vs_json_cpu" not in row:
            continue
        for parser, limit, extra in goals:
            cpu, wall = row[f"{mode}_vs_{parser}_cpu"], row[f"{mode}_vs_{parser}_wall"]
            out.append(
                Target(
                    f"{mode} ≤ {limit:g}× {parser} parse{extra}, {corpus}",
                    f"{cpu:.1f}× CPU ({wall:.1f}× wall)",
                    command,
                    at_most(cpu, limit),
                )
            )
    return out


def flat_rss(sizes: list[dict[str, Any]], command: str) -> list[Target]:
    """Peak RSS of each audit mode at the largest size ≤ 1.25× that at the smallest."""
    name = "flat RSS in cases (largest ≤ 1.25× smallest size's peak)"
    if len(sizes) < 2:
        return [missing(name, "needs two sizes", command)]
    small, big = sizes[0], sizes[-1]
    out = []
    for mode in ("audit", COLUMNAR):
        if mode not in small["modes"] or mode not in big["modes"]:
            continue
        a, b = small["modes"][mode]["rss_mb"], big["modes"][mode]["rss_mb"]
        out.append(
            Target(
                f"{mode}: {name}",
                f"{a:.0f} MB at {small['cases']:,} → {b:.0f} MB at {big['cases']:,} cases",
                command,
                at_most(b / a, 1.25),
            )
        )
    return out


# -- one process, one case ---------------------------------------------------------------------


def latency_targets(lat: dict[str, Any], command: str) -> list[Target]:
    cpu, wall = lat["cpu"]["full"], lat["wall"]["full"]
    where = f"{lat['rules']} rules, {lat['cases']:,} demo cases"
    return [
        Target(
            f"Engine.evaluate p{p} < {limit} µs (validation included)",
            f"{cpu[f'p{p}_us']:.0f} µs CPU ({wall[f'p{p}_us']:.0f} µs wall), {where}",
            command,
            below(cpu[f"p{p}_us"], limit),
        )
        for p, limit in ((50, 60), (99, 250))
    ]


def scaling_targets(res: dict[str, Any], command: str) -> list[Target]:
    out = []
    e = res.get("events_scaling")
    if e:
        out.append(
            Target(
                "8× the events of one case ≤ 10× the time",
                f"{e['events'][0]:,} → {e['events'][1]:,} events: {e['ratio']['cpu']:.2f}× CPU "
                f"({e['ratio']['wall']:.2f}× wall; again with warm caches "
                f"{e.get('ratio_warm', float('nan')):.2f}×, collector paused "
                f"{e.get('ratio_gc_paused', float('nan')):.2f}× CPU)",
                command,
                at_most(e["ratio"]["cpu"], 10.0),
            )
        )
    r = res.get("rules_scaling")
    if r:
        out.append(
            Target(
                "10× the rules of the same kinds ≤ 10× the time",
                f"{r['rules'][0]} → {r['rules'][1]} rules: {r['ratio']['cpu']:.2f}× CPU "
                f"({r['ratio']['wall']:.2f}× wall)",
                command,
                at_most(r["ratio"]["cpu"], 10.0),
            )
        )
    return out


def startup_targets(startup: dict[str, Any], command: str) -> list[Target]:
    out = []
    for name in ("compliance --help", "compliance --version"):
        m = startup[name]
        out.append(
            Target(
                f"`{name}` < 0.3 s",
                f"{m['cpu']['median']:.2f} s CPU ({m['wall']['median']:.2f} s wall), median",
                command,
                below(m["cpu"]["median"], 0.3),
            )
        )
    return out


def durable_target(res: dict[str, Any], command: str) -> list[Target]:
    name = "durable-rules comparison: equal work, every finding field compared"
    d = res.get("durable")
    if d is None:
        return [missing(name, "durable-rules not installed", command)]
    same = "identical" if d["identical_results"] else "DIFFERENT"
    return [
        Target(
            name,
            f"{d['findings']:,} findings {same}; durable-rules {d['ratio_cpu']:.2f}× the CPU time "
            f"({d['ratio_wall']:.2f}× wall)",
            command,
            REPORTED if d["identical_results"] else NOT_MET,
        )
    ]


# -- peers ---------------------------------------------------------------------------------------


def peer_targets(peers: dict[str, Any] | None) -> list[Target]:
    goals = (("declare4py", "Declare4Py", 10.0), ("pm4py", "pm4py", 3.0))
    if peers is None:
        return [
            missing(f"≥ {limit:g}× faster than {label}", "no peers run", PEERS_CMD)
            for _, label, limit in goals
        ] + [missing("same verdicts as the peers, case by case", "no peers run", PEERS_CMD)]
    sample = " --sample" if "100traces" in peers.get("log", "") else ""
    cmd = f"{PEERS_CMD}{sample} --rounds {peers['rounds']}"
    cpu, wall = peers["ratios"]["cpu_median"], peers["ratios"]["wall_median"]
    phases = [("check", "the check alone, validation included")]
    if "declare4py_check_validated" in cpu:  # validation counted as reading, as for the peers
        phases.append(("check_validated", "the check alone, of validated cases"))
    phases.append(("end_to_end", "read the XES + check"))
    out = []
    for key, label, limit in goals:
        for phase, what in phases:
            r = f"{key}_{phase}"
            out.append(
                Target(
                    f"≥ {limit:g}× faster than {label} ({what})",
                    f"{cpu[r]:.1f}× CPU ({wall[r]:.1f}× wall)",
                    cmd,
                    at_least(cpu[r], limit),
                )
            )
    return [*out, verdict_target(peers, cmd)]


def verdict_target(peers: dict[str, Any], cmd: str) -> Target:
    """Met when every case-duty where a peer differs falls in an explained category."""
    v = peers["verdicts"]
    parts, unexplained = [], 0
    for peer in ("declare4py", "pm4py"):
        total = sum(sum(t.values()) for t in v[peer]["verdicts"].values())
        agree = sum(v[peer]["agree"].values())
        unexplained += sum(
            d["cases"] for d in v[peer]["differences"] if d["category"] == "UNEXPLAINED"
        )
        parts.append(f"{peer} {agree:,} of {total:,} ({100 * agree / total:.2f} %)")
    measured = "; ".join(parts) + f"; unexplained differences: {unexplained}"
    status = MET if unexplained == 0 else NOT_MET
    return Target("same verdicts as the peers, every difference explained", measured, cmd, status)


# -- the table -------------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def all_targets(
    latest: dict[str, Any] | None, road: dict[str, Any] | None, peers: dict[str, Any] | None
) -> list[Target]:
    run_cmd = (latest or {}).get("command", "python bench/run.py")
    road_cmd = "python bench/road_fines_audit.py" + (f" --rounds {road['rounds']}" if road else "")
    out: list[Target] = []
    if latest is None:
        out.append(missing("bench/run.py targets", "no bench/results/latest.json", run_cmd))
    else:
        big = latest["sizes"][-1]
        demo = f"demo {big['cases']:,} cases, {' + '.join(big.get('rules', ['dk']))}"
        out += audit_targets(big, demo, run_cmd)
    out += audit_targets(road["row"] if road else None, "road-fines log, it pack", road_cmd)
    if latest is not None:
        out += latency_targets(latest["latency"], run_cmd)
        out += scaling_targets(latest, run_cmd)
        out += flat_rss(latest["sizes"], run_cmd)
        out += startup_targets(latest["startup"], run_cmd)
    out += peer_targets(peers)
    if latest is not None:
        out += durable_target(latest, run_cmd)
    return out


EVENTS_TARGET = "8× the events of one case ≤ 10× the time"
#: the profile that explains each unmet target: the per-case evaluation for the speed
#: targets, one large timeline for the events-per-case target
PROFILES = {
    "profile.txt": (
        "`python bench/profile_evaluate.py --repeat 1` (Engine.evaluate, full dk pack, demo "
        "corpus; own time): where the per-case time of the audit and of Engine.evaluate goes"
    ),
    "profile-case.txt": (
        "`python bench/scaling.py --profile EVENTS` (one worst-case timeline of the larger "
        "size measured; own time): where the time of a large case goes"
    ),
}


def explaining(rows: list[Target]) -> list[str]:
    """The profiles (PROFILES keys) that explain the targets not met."""
    unmet = [r.target for r in rows if r.status == NOT_MET]
    out = []
    if any(t != EVENTS_TARGET and ("audit" in t or "Engine.evaluate" in t) for t in unmet):
        out.append("profile.txt")
    if EVENTS_TARGET in unmet:
        out.append("profile-case.txt")
    return out


def render(rows: list[Target], notes: list[str], profiles: dict[str, str]) -> str:
    """The table; then the top of each profile given (PROFILES key → text): the reason why."""
    lines = [
        "# Issue 18 targets",
        "",
        *notes,
        "",
        "| target | measured | command | |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.target} | {r.measured} | `{r.command}` | {r.status} |" for r in rows]
    met = sum(r.status == MET for r in rows)
    unmet = sum(r.status == NOT_MET for r in rows)
    lines += ["", f"{met} met, {unmet} not met, {sum(r.status == NOT_RUN for r in rows)} not run."]
    for name, top in profiles.items():
        lines += ["", f"## Why: {PROFILES[name]}", "", "```text", top.strip(), "```"]
    return "\n".join(lines) + "\n"


def run_notes(
    latest: dict[str, Any] | None, road: dict[str, Any] | None, peers: dict[str, Any] | None
) -> list[str]:
    notes = []
    if latest is not None:
        m = latest["machine"]
        quick = " (a --quick smoke run: small sizes)" if latest.get("quick") else ""
        notes.append(
            f"- bench/run.py{quick}: {latest['rounds']} interleaved rounds, load average "
            f"{m['load_average_at_start'][0]:.1f} at start, {m['load_average_at_end'][0]:.1f} at "
            f"end, {m['cpus']} CPUs, Python {m['python']}; audit modes: "
            f"{', '.join(latest.get('audit_modes', ['audit']))}."
        )
    if road is not None:
        load = road["row"]["load_average"]
        notes.append(
            f"- road-fines: {road['cases']:,} cases, {road['rounds']} interleaved rounds, load "
            f"average {load[0][0]:.1f} at start, {load[1][0]:.1f} at end."
        )
    if peers is not None:
        notes.append(
            f"- peers: {peers['cases']:,} cases, {peers['rounds']} rounds, load average "
            f"{min(peers['load']):.1f}–{max(peers['load']):.1f}."
        )
    return notes


def written(results: Path) -> list[str]:
    """When each result file was written (UTC): one `make bench` writes them all within hours."""
    stamps = []
    for name in ("latest.json", "road-fines.json", "peers.json", *PROFILES):
        path = results / name
        if path.exists():
            when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            stamps.append(f"{name} {when:%Y-%m-%d %H:%M}")
    return [f"- written (UTC): {', '.join(stamps)}."] if stamps else []


def _profile_top(path: Path, lines: int = 30) -> str | None:
    """The header and first rows of a pstats listing (the rows after "ncalls")."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8").replace(f"{ROOT}/", "").splitlines()
    start = next((i for i, line in enumerate(text) if "ncalls" in line), 0)
    return "\n".join(text[start : start + lines])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--peers", type=Path, help="the peers' results (default: RESULTS/peers.json)")
    a = ap.parse_args()
    latest = _read(a.results / "latest.json")
    road = _read(a.results / "road-fines.json")
    peers = _read(a.peers or a.results / "peers.json")
    notes = run_notes(latest, road, peers) + written(a.results)
    rows = all_targets(latest, road, peers)
    profiles = {n: top for n in explaining(rows) if (top := _profile_top(a.results / n))}
    text = render(rows, notes, profiles)
    a.results.mkdir(parents=True, exist_ok=True)
    (a.results / "targets.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
