"""``compliance sample``: a reproducible, stratified sample of cases for manual review.

Cases with violations are grouped by the stratum (rule or status of their violations); strata
share the sample in proportion, at least one each; within a stratum cases are drawn with a
seeded RNG over the sorted case ids."""

from __future__ import annotations

import datetime as dt
import random
import sys

from compliance.audit import AuditSummary, CaseOutcome
from compliance.commands.inputs import InputOptions, check_inputs, evaluated_cases
from compliance.outputs import output_for
from compliance.outputs.documents import DrawnCase, DrawReason, Sample
from compliance.rules.load import load_rules

__all__ = ["draw", "run"]

Strata = dict[str, list[tuple[str, DrawReason]]]  # stratum -> (case id, why) of each candidate


def run(
    inputs: list[str],
    specs: list[str],
    as_of: dt.datetime,
    n: int,
    seed: int,
    stratify: str,
    output_format: str,
    reading: InputOptions = InputOptions(),
    lang: str = "da",
    as_of_given: bool = True,  # False: "now" was taken, and the outputs say so
) -> None:
    write = output_for("sample", output_format).writer("sample")
    rules = load_rules(*specs)
    check_inputs(inputs, reading)
    read_options = reading.run_options()
    summary = AuditSummary(as_of.isoformat(), specs, inputs)
    strata: Strata = {}
    for outcome in evaluated_cases(inputs, rules, specs, as_of, summary, **read_options):
        _add_candidates(strata, outcome, stratify)
    drawn = draw(strata, n, seed)
    total = sum(len(v) for v in strata.values())
    cases = len({case_id for candidates in strata.values() for case_id, _ in candidates})
    write(Sample(drawn, as_of, stratify, seed, cases, lang, as_of_given))
    sys.stderr.write(
        f"sampled {len(drawn)} of {total} violating case-strata (seed {seed}); {summary.line()}\n"
    )


def _add_candidates(strata: Strata, outcome: CaseOutcome, stratify: str) -> None:
    if outcome.error or not outcome.case_id:
        return
    violations = [f for f in outcome.findings if f.is_violation]
    if stratify == "none":
        why = DrawReason(violations=len(violations))
        strata.setdefault("all", []).append((outcome.case_id, why))
        return
    for f in violations:
        stratum = f.rule if stratify == "rule" else f.status
        why = DrawReason(f.status, f.rule, str(f.due))
        strata.setdefault(stratum, []).append((outcome.case_id, why))


def draw(strata: Strata, n: int, seed: int) -> list[DrawnCase]:
    """Up to ``n`` distinct cases, each stratum's share in proportion (at least one), by case id."""
    rng = random.Random(seed)
    total = sum(len(v) for v in strata.values())
    drawn: dict[str, tuple[str, DrawReason]] = {}
    for stratum in sorted(strata):
        pool = sorted(set(strata[stratum]))
        quota = max(1, round(n * len(strata[stratum]) / total)) if total else 0
        rng.shuffle(pool)
        for case_id, why in pool:
            if quota <= 0 or len(drawn) >= n:
                break
            if case_id not in drawn:
                drawn[case_id] = (stratum, why)
                quota -= 1
    return [DrawnCase(cid, stratum, why) for cid, (stratum, why) in sorted(drawn.items())]
