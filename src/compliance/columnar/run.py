"""The columnar batch path of ``audit --engine columnar``: cases in chunks (bounded memory),
each chunk's columnar rules judged as tables, the rest by the per-case engine; one outcome per
case, in input order, identical to the per-case path's."""

from __future__ import annotations

import datetime as dt
import gc
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from compliance.audit import CaseOutcome, Emit, evaluate_item
from compliance.columnar.deadline import judge
from compliance.columnar.merge import CaseWork, Judgements, TooManyFindings, merged_outcome
from compliance.columnar.plan import Plan
from compliance.columnar.table import EventsTable
from compliance.due import AsOf
from compliance.engine import Engine
from compliance.errors import ComplianceError
from compliance.model import CaseEvents
from compliance.sources import Item

__all__ = ["CHUNK_CASES", "PathCounts", "run_columnar"]

#: Cases per chunk: the tables of one chunk are in memory at a time.
CHUNK_CASES = 20_000


@dataclass
class PathCounts:
    """Which path judged each rule, and for how many cases (the audit summary prints it)."""

    why_not: dict[str, str] = field(default_factory=dict)
    columnar: dict[str, int] = field(default_factory=dict)  # rule -> cases judged columnar
    per_case: dict[str, int] = field(default_factory=dict)  # rule -> cases judged per case

    def to_dict(self) -> dict[str, Any]:
        rules = sorted(set(self.columnar) | set(self.per_case) | set(self.why_not))
        return {
            rule: {
                "path": "case" if rule in self.why_not else "columnar",
                "columnar_cases": self.columnar.get(rule, 0),
                "case_cases": self.per_case.get(rule, 0),
                **({"why_not_columnar": self.why_not[rule]} if rule in self.why_not else {}),
            }
            for rule in rules
        }


def _prepared(engine: Engine, item: Item, at: dt.datetime) -> CaseEvents | None:
    """The case validated and cut at as_of; None when anything is off (the reference path then
    gives the case its own error record)."""
    if item.error is not None or item.case is None:
        return None
    try:
        case = engine.prepare(item.case).upto(at)
    except (ComplianceError, ValueError, RecursionError, TypeError):
        return None
    if len(case.events) > engine.max_case_events:
        return None
    return case


def _count(plan: Plan, counts: PathCounts, work: CaseWork | None, table: EventsTable) -> None:
    """Every evaluated case counts for every rule the per-case engine judges; a columnar rule
    counts for the cases where it raised an obligation, by the path that judged it."""
    per_case = counts.per_case
    for rule_id in plan.why_not if work is not None else plan.position:
        per_case[rule_id] = per_case.get(rule_id, 0) + 1
    if work is None:
        return
    judged = {table.obligations[row].rule for row in work.obligations}
    judged.update(table.preconditions.obligations[row].rule for row in work.preconditions)
    for rule_no in judged:
        rule_id = plan.columnar[rule_no].id
        counts.columnar[rule_id] = counts.columnar.get(rule_id, 0) + 1
    for rule_no in work.fallback:
        rule_id = plan.columnar[rule_no].id
        counts.per_case[rule_id] = counts.per_case.get(rule_id, 0) + 1


def _chunk(plan: Plan, items: list[Item], emit: Emit, counts: PathCounts) -> Iterator[CaseOutcome]:
    engine, at = plan.engine, plan.at
    as_of = AsOf(at, at.astimezone(engine.tz).date())
    works: list[CaseWork | None] = []
    table = EventsTable()
    for item in items:
        item = item.parsed()
        case = _prepared(engine, item, at)
        work = CaseWork(item, case) if case is not None else None
        if work is not None:
            try:
                table.add_case(len(works), work.case, plan.columnar)
            except (ComplianceError, ValueError, OverflowError):
                work = None  # the per-case engine raises the same error and rejects the case
        works.append(work)
    for row, ob in enumerate(table.obligations):
        work = works[ob.case]
        if work is not None:
            work.obligations.append(row)
    for row, pre in enumerate(table.preconditions.obligations):
        work = works[pre.case]
        if work is not None:
            work.preconditions.append(row)
    for case_no, rule_no in sorted(table.fallback):
        work = works[case_no]
        if work is not None:
            work.fallback.append(rule_no)
    deadlines = judge(table, at.timestamp(), as_of.day.toordinal())
    judged = Judgements(table, deadlines, table.preconditions.judge())
    for item, work in zip(items, works, strict=True):
        outcome = None
        if work is not None:
            try:
                outcome = merged_outcome(plan, judged, work, as_of, emit)
            except (ComplianceError, TooManyFindings):
                work = None
        if outcome is None:
            outcome = evaluate_item(engine, at, item, emit)
        _count(plan, counts, work, table)
        yield outcome


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A chunk holds tens of thousands of live events and findings; the cyclic garbage
    collector, triggered by their allocation, would scan them all again and again (it took
    ~40 % of the path's time). Reference counting frees them as usual; the collector runs
    again after the chunk."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_columnar(
    engine: Engine,
    at: dt.datetime,
    items: Iterable[Item],
    emit: Emit,
    counts: PathCounts,
    chunk_cases: int = CHUNK_CASES,
) -> Iterator[CaseOutcome]:
    """One outcome per item, in input order, as ``audit.evaluate_item`` gives it."""
    plan = Plan.of(engine, at)
    counts.why_not.update(plan.why_not)
    it = iter(items)
    while chunk := list(itertools.islice(it, chunk_cases)):
        with _without_cycle_collection():
            yield from _chunk(plan, chunk, emit, counts)
