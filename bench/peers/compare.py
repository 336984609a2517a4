"""Peers on the road-fines log: this engine vs Declare4Py (MP-Declare) and pm4py (LTL checker),
same duties, verdicts compared case by case, times over interleaved rounds.

Needs the real log (``../shared/data/road-fines/`` beside the repository, or ``--data``) and
a Python with the peers installed (``--peers-python``; ``make bench`` builds
``bench/peers/.venv`` from bench/peers/requirements.txt). Without the data it says so and
exits 0, so ``make bench`` runs everywhere.

Steps: (1) unzip the XES into bench/data/ and convert it once to JSON Lines with
xes_to_jsonl.py (timed); (2) ``--rounds`` rounds, alternating which side goes first, each side
in a fresh process (engine_side.py in this venv, peer_side.py in the peers venv), verdicts
written in the first round; (3) verdicts compared per case and duty, each difference put in
a category computed from the case's own events; (4) a Markdown report on stdout and
bench/results/peers.json.

``as_of`` is the last day of the log (its extraction, as far as the data tells): obligations
still open with time left are ``pending`` for this engine, ``violated`` for the peers, which
treat every trace as complete; that is one of the categories.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from verdicts import DUTIES, Duty, engine_verdict, read_verdicts  # noqa: E402
from xes_to_jsonl import convert  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
DEFAULT_LOG = ROOT.parent / "shared" / "data" / "road-fines"
LOG_ZIP = "Road_Traffic_Fine_Management_Process.xes.zip"
SAMPLE = "roadtraffic100traces.xes"
PEERS = ("declare4py", "pm4py")


# -- data -------------------------------------------------------------------------------------


def prepare(data_dir: Path, sample: bool) -> tuple[Path, Path, float | None]:
    """(XES path, JSONL path, seconds the conversion took or None if it was cached)."""
    DATA.mkdir(parents=True, exist_ok=True)
    if sample:
        xes = data_dir / SAMPLE
        jsonl = DATA / "road-fines-sample.jsonl"
    else:
        xes = DATA / "road-fines.xes"
        jsonl = DATA / "road-fines.jsonl"
        if not xes.exists():
            with zipfile.ZipFile(data_dir / LOG_ZIP) as zf:
                member = next(n for n in zf.namelist() if n.endswith(".xes") and "MACOSX" not in n)
                tmp = xes.with_suffix(".partial")
                with zf.open(member) as src, open(tmp, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                tmp.replace(xes)
    took = None
    if not jsonl.exists() or jsonl.stat().st_mtime < xes.stat().st_mtime:
        t = time.perf_counter()
        convert(xes, jsonl)
        took = time.perf_counter() - t
    return xes, jsonl, took


def load_cases(jsonl: Path) -> dict[str, dict[str, Any]]:
    with open(jsonl, "rb") as fh:
        cases = (orjson.loads(line) for line in fh)
        return {c["case_id"]: c for c in cases}


def last_day(cases: dict[str, dict[str, Any]]) -> str:
    return max(e["at"][:10] for c in cases.values() for e in c["events"])


# -- rounds -----------------------------------------------------------------------------------


def child(cmd: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PM4PY_SHOW_PROGRESS_BAR": "False"}
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:2])} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def rounds(
    n: int,
    xes: Path,
    jsonl: Path,
    as_of: str,
    peers_python: str,
    verdict_dir: Path,
    columnar: bool = False,
) -> list[dict[str, Any]]:
    """Each round runs both sides in fresh processes; the side that goes first alternates."""
    out = []
    for i in range(n):
        first = i == 0
        engine_cmd = [sys.executable, str(HERE / "engine_side.py"), "--jsonl", str(jsonl)]
        engine_cmd += ["--xes", str(xes), "--as-of", as_of]
        if columnar:
            engine_cmd.append("--columnar")
        peer_cmd = [peers_python, str(HERE / "peer_side.py"), "--xes", str(xes)]
        if first:
            engine_cmd += ["--out", str(verdict_dir / "engine.tsv")]
            peer_cmd += ["--out-dir", str(verdict_dir)]
        load0 = os.getloadavg()[0]
        order = [("engine", engine_cmd), ("peers", peer_cmd)]
        res: dict[str, Any] = {}
        for side, cmd in order if i % 2 == 0 else order[::-1]:
            res[side] = child(cmd)
            print(f"round {i + 1}/{n}: {side} done", file=sys.stderr)
        res["load"] = (load0, os.getloadavg()[0])
        out.append(res)
    return out


PHASES = {
    "engine": ("xes_s", "jsonl_s", "evaluate_s", "prepare_s", "check_s", "columnar_s", "import_s"),
    "peers": ("read_s", "pm4py_check_s", "convert_s", "declare4py_check_s", "import_s"),
}


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """min and median of wall and CPU seconds, per side and phase."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for side, phases in PHASES.items():
        for phase in phases:
            wall = [r[side][phase][0] for r in runs if phase in r[side]]
            cpu = [r[side][phase][1] for r in runs if phase in r[side]]
            if wall:
                out.setdefault(side, {})[phase] = {
                    "wall_min": min(wall),
                    "wall_median": statistics.median(wall),
                    "cpu_min": min(cpu),
                    "cpu_median": statistics.median(cpu),
                }
    return out


def ratios(t: dict[str, dict[str, dict[str, float]]], stat: str) -> dict[str, float]:
    """Peer time ÷ engine time (higher = this engine faster), on one statistic."""
    e, p = t["engine"], t["peers"]
    ev = e["evaluate_s"][stat]
    parse_eval = e["xes_s"][stat] + ev
    columnar = {}
    if "columnar_s" in e:  # the columnar batch path of the same duties (--columnar)
        col = e["columnar_s"][stat]
        columnar = {
            "declare4py_check_vs_columnar": p["declare4py_check_s"][stat] / col,
            "pm4py_check_vs_columnar": p["pm4py_check_s"][stat] / col,
        }
    validated = {}
    if "check_s" in e:  # this engine's check of validated cases (validation counted as reading)
        check = e["check_s"][stat]
        validated = {
            "declare4py_check_validated": p["declare4py_check_s"][stat] / check,
            "pm4py_check_validated": p["pm4py_check_s"][stat] / check,
        }
    return (
        columnar
        | validated
        | {
            "declare4py_check": p["declare4py_check_s"][stat] / ev,
            "pm4py_check": p["pm4py_check_s"][stat] / ev,
            "declare4py_end_to_end": (
                p["read_s"][stat] + p["convert_s"][stat] + p["declare4py_check_s"][stat]
            )
            / parse_eval,
            "pm4py_end_to_end": (p["read_s"][stat] + p["pm4py_check_s"][stat]) / parse_eval,
            # this engine from its native input (JSON Lines) instead of the XES
            "declare4py_end_to_end_vs_engine_jsonl": (
                p["read_s"][stat] + p["convert_s"][stat] + p["declare4py_check_s"][stat]
            )
            / (e["jsonl_s"][stat] + ev),
            "pm4py_end_to_end_vs_engine_jsonl": (p["read_s"][stat] + p["pm4py_check_s"][stat])
            / (e["jsonl_s"][stat] + ev),
        }
    )


# -- verdicts ---------------------------------------------------------------------------------


def _instant(at: str) -> float:
    return dt.datetime.fromisoformat(at).timestamp()


def category(case: dict[str, Any], duty: Duty, mine: str, theirs: str) -> str:
    """Why this engine and a peer disagree on one case, from the case's own events."""
    evs = case["events"]
    acts = [(i, e) for i, e in enumerate(evs) if e["type"] == _snake(duty.activation)]
    tgts = [(i, e) for i, e in enumerate(evs) if e["type"] == _snake(duty.target)]
    if mine == "pending" and theirs == "violated":
        return "open at the log's end (due after as_of; a complete trace for the peer)"
    if len(acts) > 1:
        return "several activations in one case"
    window = duty.days * 86400
    for ai, a in acts:
        ta, da = _instant(a["at"]), dt.date.fromisoformat(a["at"][:10])
        for ti, t in tgts:
            tt, dd = _instant(t["at"]), dt.date.fromisoformat(t["at"][:10])
            if tt == ta and ti < ai:
                return "target at the same instant, listed before the activation"
            if 0 <= (dd - da).days <= duty.days and tt - ta > window and tt >= ta:
                return (
                    f"target on day {duty.days}: {duty.days} local days but "
                    f"{(tt - ta) / 3600:.0f} h (a DST change inside the window)"
                )
    return "UNEXPLAINED"


def _snake(activity: str) -> str:
    from xes_to_jsonl import event_type

    return event_type(activity)


def compare(verdict_dir: Path, cases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    mine = {(c, d): (v, det) for c, d, v, det in read_verdicts(verdict_dir / "engine.tsv")}
    duties = {d.key: d for d in DUTIES}
    out: dict[str, Any] = {"engine_verdicts": _tally(mine)}
    for peer in PEERS:
        theirs = {(c, d): (v, det) for c, d, v, det in read_verdicts(verdict_dir / f"{peer}.tsv")}
        if set(theirs) != set(mine):
            raise SystemExit(f"{peer}: not the same cases × duties as this engine")
        agree: Counter[str] = Counter()
        diffs: Counter[tuple[str, str, str, str]] = Counter()
        examples: dict[str, str] = {}
        for key, (v, _) in mine.items():
            w = theirs[key][0]
            if v == w:
                agree[key[1]] += 1
                continue
            cat = category(cases[key[0]], duties[key[1]], v, w)
            diffs[(key[1], cat, v, w)] += 1
            examples.setdefault(f"{key[1]} | {cat}", key[0])
        out[peer] = {
            "verdicts": _tally(theirs),
            "agree": dict(agree),
            "differences": [
                {"duty": d, "category": c, "engine": v, "peer": w, "cases": n}
                for (d, c, v, w), n in sorted(diffs.items())
            ],
            "examples": examples,
        }
    return out


def recheck_pending(
    verdict_dir: Path, cases: dict[str, dict[str, Any]], as_of: str
) -> dict[str, Any]:
    """The cases this engine calls pending, evaluated again once every window has closed
    (``as_of`` + the longest window + 1 day): their verdicts then, per duty."""
    from compliance import Engine, load_rules

    pending = [(c, d) for c, d, v, _ in read_verdicts(verdict_dir / "engine.tsv") if v == "pending"]
    later = dt.date.fromisoformat(as_of) + dt.timedelta(days=max(d.days for d in DUTIES) + 1)
    engine = Engine(load_rules(HERE / "rules"))
    rules = {d.key: d.rule for d in DUTIES}
    after: Counter[str] = Counter()
    for case_id, duty in pending:
        found = engine.evaluate(cases[case_id], as_of=later.isoformat()).findings
        after[engine_verdict(f.status for f in found if f.rule == rules[duty])] += 1
    return {"as_of": later.isoformat(), "cases": len(pending), "verdicts": dict(after)}


def _tally(verdicts: dict[tuple[str, str], tuple[str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = {}
    for (_, duty), (v, _) in verdicts.items():
        out.setdefault(duty, Counter())[v] += 1
    return {d: dict(sorted(c.items())) for d, c in out.items()}


# -- report -----------------------------------------------------------------------------------


def _fmt(t: dict[str, float]) -> str:
    return (
        f"{t['wall_min']:.2f} / {t['wall_median']:.2f} | {t['cpu_min']:.2f} / {t['cpu_median']:.2f}"
    )


LABELS = {
    ("engine", "xes_s"): "this engine: stream the XES into timelines (bench reader)",
    ("engine", "jsonl_s"): "this engine: parse the converted JSON Lines (orjson)",
    ("engine", "evaluate_s"): "this engine: `Engine.evaluate`, 2 rules, validation included",
    ("engine", "prepare_s"): "… of which validation (`Engine.prepare`: the reading counterpart)",
    ("engine", "check_s"): "… of which the check of the validated cases",
    ("engine", "columnar_s"): "this engine: the columnar batch path, same rules and findings",
    ("peers", "read_s"): "pm4py.read_xes (default importer) → DataFrame",
    ("peers", "pm4py_check_s"): "pm4py: LTL `eventually_follows` with time window, 2 duties",
    ("peers", "convert_s"): "pm4py.convert_to_event_log (Declare4Py's input)",
    ("peers", "declare4py_check_s"): "Declare4Py: `MPDeclareAnalyzer`, 2 constraints",
    ("engine", "import_s"): "start-up: this engine's imports (excluded above)",
    ("peers", "import_s"): "start-up: pm4py + Declare4Py imports (excluded above)",
}


def report(res: dict[str, Any]) -> str:
    t = res["times"]
    lines = [
        f"Log: {res['cases']:,} cases, {res['events']:,} events; as_of {res['as_of']} "
        f"(the log's last day); {res['rounds']} interleaved rounds; load average "
        f"{min(res['load']):.1f}–{max(res['load']):.1f} on {os.cpu_count()} CPUs.",
        "",
        "| phase | wall s min / median | CPU s min / median |",
        "|---|---:|---:|",
    ]
    for (side, phase), label in LABELS.items():
        if phase in t.get(side, {}):
            lines.append(f"| {label} | {_fmt(t[side][phase])} |")
    if res.get("conversion_s") is not None:
        lines.append(f"\nOne-off XES → JSON Lines conversion: {res['conversion_s']:.1f} s wall.")
    lines += [
        "",
        "| ratio (peer ÷ this engine) | on wall median | on CPU median |",
        "|---|---:|---:|",
    ]
    for key in res["ratios"]["wall_median"]:
        lines.append(
            f"| {key} | {res['ratios']['wall_median'][key]:.1f}× | "
            f"{res['ratios']['cpu_median'][key]:.1f}× |"
        )
    v = res["verdicts"]
    lines += [
        "",
        "| duty | tool | vacuous | satisfied | violated | pending | agree with this engine |",
    ]
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for duty in DUTIES:
        e = v["engine_verdicts"][duty.key]
        total = sum(e.values())
        lines.append(
            f"| {duty.key} | this engine | {e.get('vacuous', 0):,} | {e.get('satisfied', 0):,} | "
            f"{e.get('violated', 0):,} | {e.get('pending', 0):,} | — |"
        )
        for peer in PEERS:
            p = v[peer]["verdicts"][duty.key]
            agree = v[peer]["agree"].get(duty.key, 0)
            lines.append(
                f"| {duty.key} | {peer} | {p.get('vacuous', 0):,} | {p.get('satisfied', 0):,} | "
                f"{p.get('violated', 0):,} | {p.get('pending', 0):,} | "
                f"{agree:,} of {total:,} ({100 * agree / total:.3f} %) |"
            )
    differences = [d for d in res.get("columnar_differences", []) if d is not None]
    if differences:
        lines.append(
            f"\nThe columnar path's findings differ from `Engine.evaluate`'s in "
            f"{max(differences)} case(s) (every round compared, every finding field)."
        )
    r = v.get("recheck_pending")
    if r and r["cases"]:
        lines.append(
            f"\nThe {r['cases']:,} pending case-duties evaluated again as of {r['as_of']} "
            f"(every window closed): {r['verdicts']}."
        )
    lines += ["", "| peer | duty | why they differ | this engine | peer | cases | e.g. |"]
    lines.append("|---|---|---|---|---|---:|---|")
    for peer in PEERS:
        for d in v[peer]["differences"]:
            eg = v[peer]["examples"].get(f"{d['duty']} | {d['category']}", "")
            lines.append(
                f"| {peer} | {d['duty']} | {d['category']} | {d['engine']} | {d['peer']} | "
                f"{d['cases']:,} | {eg} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_LOG, help="the road-fines folder")
    ap.add_argument("--peers-python", default=str(HERE / ".venv" / "bin" / "python"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sample", action="store_true", help="the 100-trace sample (a smoke run)")
    ap.add_argument("--compare-only", action="store_true", help="compare the last run's verdicts")
    ap.add_argument(
        "--columnar",
        action=argparse.BooleanOptionalAction,
        default=importlib.util.find_spec("polars") is not None,
        help="also time the columnar path (default: when polars is installed)",
    )
    a = ap.parse_args()
    if not (a.data / (SAMPLE if a.sample else LOG_ZIP)).exists():
        print(f"peers: no road-fines log at {a.data}; comparison skipped", file=sys.stderr)
        return
    if not Path(a.peers_python).exists():
        print(f"peers: no peers venv at {a.peers_python}; comparison skipped", file=sys.stderr)
        return
    xes, jsonl, took = prepare(a.data, a.sample)
    cases = load_cases(jsonl)
    as_of = last_day(cases)
    verdict_dir = RESULTS / ("peers-sample" if a.sample else "peers")
    if a.compare_only:  # the verdicts of the last run, compared again (no timing)
        v = compare(verdict_dir, cases)
        v["recheck_pending"] = recheck_pending(verdict_dir, cases, as_of)
        print(json.dumps(v, indent=2))
        return
    runs = rounds(a.rounds, xes, jsonl, as_of, a.peers_python, verdict_dir, a.columnar)
    times = summarise(runs)
    verdicts = compare(verdict_dir, cases)
    verdicts["recheck_pending"] = recheck_pending(verdict_dir, cases, as_of)
    res: dict[str, Any] = {
        "log": str(xes.name),
        "cases": len(cases),
        "events": sum(len(c["events"]) for c in cases.values()),
        "as_of": as_of,
        "rounds": a.rounds,
        "load": [x for r in runs for x in r["load"]],
        "conversion_s": took,
        "pm4py": runs[0]["peers"].get("pm4py"),
        "times": times,
        "ratios": {s: ratios(times, s) for s in ("wall_median", "cpu_median", "wall_min")},
        "verdicts": verdicts,
        "columnar_differences": [r["engine"].get("columnar_differences") for r in runs],
        "raw": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "peers-sample.json" if a.sample else "peers.json"
    (RESULTS / name).write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(report(res))


if __name__ == "__main__":
    main()
