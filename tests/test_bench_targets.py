"""The benchmark's own logic, without running a benchmark: issue 18's targets judged from
results (bench/targets.py), the interleaving order (bench/_measure.py) and the rule pack copied
ten times for the rules-scaling figure (bench/scaling.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import _measure  # noqa: E402
import scaling  # noqa: E402
import targets  # noqa: E402


def mm(median: float) -> dict[str, float]:
    return {"min": median, "median": median, "n": 3}


def size(
    cases: int, json_ratio: float, rss: float, columnar: float | None = None
) -> dict[str, Any]:
    modes: dict[str, Any] = {"audit": {"rss_mb": rss}}
    row: dict[str, Any] = {"cases": cases, "rules": ["dk", "municipal/slagelse"], "modes": modes}
    for mode, ratio in (("audit", json_ratio), ("audit-columnar", columnar)):
        if ratio is None:
            continue
        modes[mode] = {"rss_mb": rss}
        for clock in ("cpu", "wall"):
            row[f"{mode}_vs_json_{clock}"] = ratio
            row[f"{mode}_vs_orjson_{clock}"] = ratio * 2
    return row


def latest(**overrides: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "command": "python bench/run.py --sizes 2000,20000",
        "rounds": 3,
        "machine": {
            "load_average_at_start": [1.0],
            "load_average_at_end": [2.0],
            "cpus": 2,
            "python": "3.11",
        },
        "sizes": [size(2000, 40.0, 60.0), size(20000, 3.0, 75.0)],
        "latency": {
            "rules": 34,
            "cases": 1998,
            "cpu": {"full": {"p50_us": 59.9, "p99_us": 250.0}},
            "wall": {"full": {"p50_us": 70.0, "p99_us": 300.0}},
        },
        "events_scaling": {"events": [8000, 64000], "ratio": {"cpu": 10.0, "wall": 11.0}},
        "rules_scaling": {"rules": [34, 340], "ratio": {"cpu": 10.01, "wall": 9.0}},
        "startup": {
            "compliance --help": {"cpu": mm(0.29), "wall": mm(0.5)},
            "compliance --version": {"cpu": mm(0.30), "wall": mm(0.2)},
        },
    }
    return res | overrides


def by_target(rows: list[targets.Target]) -> dict[str, str]:
    return {r.target: r.status for r in rows}


def test_thresholds_are_inclusive_for_at_most_and_strict_for_below() -> None:
    assert targets.at_most(3.0, 3.0) == targets.MET
    assert targets.at_most(3.0001, 3.0) == targets.NOT_MET
    assert targets.below(0.2999, 0.3) == targets.MET
    assert targets.below(0.3, 0.3) == targets.NOT_MET
    assert targets.at_least(10.0, 10.0) == targets.MET
    assert targets.at_least(9.99, 10.0) == targets.NOT_MET


def test_run_results_are_judged_on_cpu_medians_of_the_largest_size() -> None:
    status = by_target(targets.all_targets(latest(), None, None))
    demo = "demo 20,000 cases, dk + municipal/slagelse"
    assert status[f"audit ≤ 3× json parse, {demo}"] == targets.MET  # 3.0, not the 40× at 2,000
    assert status[f"audit ≤ 2× json parse (stretch), {demo}"] == targets.NOT_MET
    assert status[f"audit ≤ 10× orjson parse, {demo}"] == targets.MET  # 6×
    assert status["Engine.evaluate p50 < 60 µs (validation included)"] == targets.MET
    assert status["Engine.evaluate p99 < 250 µs (validation included)"] == targets.NOT_MET
    assert status["8× the events of one case ≤ 10× the time"] == targets.MET
    assert status["10× the rules of the same kinds ≤ 10× the time"] == targets.NOT_MET
    assert status["`compliance --help` < 0.3 s"] == targets.MET  # on CPU, not the 0.5 s wall
    assert status["`compliance --version` < 0.3 s"] == targets.NOT_MET
    # 75 MB at 20,000 against 60 MB at 2,000: exactly 1.25×
    assert status["audit: flat RSS in cases (largest ≤ 1.25× smallest size's peak)"] == targets.MET


def test_missing_runs_are_not_run_and_columnar_gets_rows_of_its_own() -> None:
    res = latest(sizes=[size(2000, 9.0, 60.0, columnar=1.5), size(20000, 9.0, 80.0, columnar=2.5)])
    rows = targets.all_targets(res, None, None)
    status = by_target(rows)
    demo = "demo 20,000 cases, dk + municipal/slagelse"
    assert status[f"audit-columnar ≤ 3× json parse, {demo}"] == targets.MET
    assert status[f"audit-columnar ≤ 2× json parse (stretch), {demo}"] == targets.NOT_MET
    assert status[f"audit ≤ 3× json parse, {demo}"] == targets.NOT_MET
    assert status["audit: flat RSS in cases (largest ≤ 1.25× smallest size's peak)"] == (
        targets.NOT_MET
    )
    road = [r for r in rows if "road-fines" in r.target]
    assert len(road) == 3 and {r.status for r in road} == {targets.NOT_RUN}
    peers = [r for r in rows if "peer" in r.target or "faster than" in r.target]
    assert peers and {r.status for r in peers} == {targets.NOT_RUN}
    assert status["durable-rules comparison: equal work, every finding field compared"] == (
        targets.NOT_RUN
    )


def peers_result(unexplained: int) -> dict[str, Any]:
    ratios = {
        "declare4py_check": 12.0,
        "declare4py_end_to_end": 9.0,
        "pm4py_check": 3.0,
        "pm4py_end_to_end": 2.9,
    }
    diffs = [{"category": "target on day 90", "cases": 264}]
    if unexplained:
        diffs.append({"category": "UNEXPLAINED", "cases": unexplained})
    peer = {"verdicts": {"d": {"satisfied": 90, "violated": 10}}, "agree": {"d": 99}}
    return {
        "rounds": 3,
        "cases": 100,
        "load": [1.0, 2.0],
        "ratios": {"cpu_median": ratios, "wall_median": ratios},
        "verdicts": {p: peer | {"differences": diffs} for p in ("declare4py", "pm4py")},
    }


@pytest.mark.parametrize("unexplained, expected", [(0, targets.MET), (1, targets.NOT_MET)])
def test_peers_ratios_and_verdicts(unexplained: int, expected: str) -> None:
    status = by_target(targets.peer_targets(peers_result(unexplained)))
    alone = "the check alone, validation included"
    assert status[f"≥ 10× faster than Declare4Py ({alone})"] == targets.MET
    assert status["≥ 10× faster than Declare4Py (read the XES + check)"] == targets.NOT_MET
    assert status[f"≥ 3× faster than pm4py ({alone})"] == targets.MET
    assert status["≥ 3× faster than pm4py (read the XES + check)"] == targets.NOT_MET
    assert status["same verdicts as the peers, every difference explained"] == expected
    assert not [t for t in status if "validated cases" in t]  # not measured: no row


def test_peers_check_of_validated_cases_is_its_own_row() -> None:
    result = peers_result(0)
    for ratios in result["ratios"].values():
        ratios.update(declare4py_check_validated=9.5, pm4py_check_validated=3.5)
    status = by_target(targets.peer_targets(result))
    validated = "the check alone, of validated cases"
    assert status[f"≥ 10× faster than Declare4Py ({validated})"] == targets.NOT_MET
    assert status[f"≥ 3× faster than pm4py ({validated})"] == targets.MET


def test_the_profile_that_explains_it_follows_each_target_not_met() -> None:
    met = [targets.Target("audit ≤ 3× json parse, demo", "2×", "cmd", targets.MET)]
    slow = [*met, targets.Target("Engine.evaluate p50 < 60 µs", "99 µs", "cmd", targets.NOT_MET)]
    big = [targets.Target(targets.EVENTS_TARGET, "11×", "cmd", targets.NOT_MET)]
    assert targets.explaining(met) == []
    assert targets.explaining(slow) == ["profile.txt"]
    assert targets.explaining(big) == ["profile-case.txt"]
    text = targets.render(slow, [], {"profile.txt": "PROFILE-TOP"})
    assert "PROFILE-TOP" in text and "1 met, 1 not met, 0 not run." in text


def test_rounds_rotate_so_every_mode_runs_once_per_round_and_each_goes_first() -> None:
    order = _measure.rotations(["a", "b", "c"], 4)
    assert order == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]


def test_rules_copied_ten_times_keep_their_kinds_under_new_ids() -> None:
    from compliance import Engine, load_rules

    rules = load_rules("dk")
    many = scaling.replicated(rules, 10)
    ids = [r.id for r in many.rules]
    assert len(ids) == 10 * len(rules.rules) == len(set(ids))
    kinds = sorted(r.kind for r in rules.rules)
    assert sorted(r.kind for r in many.rules) == sorted(kinds * 10)
    assert len(Engine(many).rules) == len(ids)
