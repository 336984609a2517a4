"""The columnar batch path of ``audit --engine columnar``: cases in chunks (bounded memory),
each chunk's columnar rules judged as tables, the rest by the per-case engine; one outcome per
case, in input order, identical to the per-case path's. With ``--workers N`` each worker
process judges whole chunks (``audit.worker_pool``, the per-case path's pool) and the chunks'
outcomes come back in input order."""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

from compliance.audit import _WORKER, CaseOutcome, Emit, evaluate_item, worker_pool
from compliance.columnar.deadline import judge
from compliance.columnar.merge import CaseWork, Judgements, TooManyFindings, merged_outcome
from compliance.columnar.plan import Plan
from compliance.columnar.table import EventsTable
from compliance.due import AsOf
from compliance.engine import Engine
from compliance.errors import ComplianceError
from compliance.model import CaseEvents
from compliance.sources import Item

__all__ = [
    "CHUNK_CASES",
    "WORKER_CHUNK_CASES",
    "WORKER_FIRST_CHUNK_CASES",
    "PathCounts",
    "run_columnar",
]

#: Cases per chunk: the tables of one chunk are in memory at a time.
CHUNK_CASES = 20_000
#: Cases per chunk with ``--workers``: the first chunk is ``WORKER_FIRST_CHUNK_CASES`` and each
#: next one twice the last, up to ``WORKER_CHUNK_CASES`` — so every worker has work at once
#: even on a small file, the last chunk keeps one worker busy alone only briefly, and the
#: per-chunk cost (polars queries, pickling) stays small (measured: docs/adr/0018).
WORKER_FIRST_CHUNK_CASES = 250
WORKER_CHUNK_CASES = 2_500


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

    def add(self, other: PathCounts) -> None:
        """Count in a chunk's counts (a worker's), as if this process had judged the chunk."""
        for mine, theirs in ((self.columnar, other.columnar), (self.per_case, other.per_case)):
            for rule_id, cases in theirs.items():
                mine[rule_id] = mine.get(rule_id, 0) + cases
        self.why_not.update(other.why_not)


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


def _count(
    plan: Plan, counts: PathCounts, works: list[CaseWork | None], table: EventsTable
) -> None:
    """A chunk's counts, once its cases are judged (``works``: None for a case the reference
    path judged whole). Every evaluated case counts for every rule the per-case engine judges;
    a columnar rule counts for the cases where it raised an obligation, by the path that
    judged it."""
    per_case, columnar = counts.per_case, counts.columnar
    judged = sum(work is not None for work in works)
    for rule_id in {**plan.position, **plan.why_not}:
        n = len(works) - judged + (judged if rule_id in plan.why_not else 0)
        if n:
            per_case[rule_id] = per_case.get(rule_id, 0) + n
    pairs = {(ob.case, ob.rule) for ob in table.obligations}
    pairs.update((ob.case, ob.rule) for ob in table.preconditions.obligations)
    raised = Counter(rule_no for case_no, rule_no in pairs if works[case_no] is not None)
    fallback = Counter(rule_no for case_no, rule_no in table.fallback if works[case_no] is not None)
    for by_path, found in ((columnar, raised), (per_case, fallback)):
        for rule_no, cases in sorted(found.items()):
            rule_id = plan.columnar[rule_no].id
            by_path[rule_id] = by_path.get(rule_id, 0) + cases


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
    for case_no, (item, work) in enumerate(zip(items, works, strict=True)):
        outcome = None
        if work is not None:
            try:
                outcome = merged_outcome(plan, judged, work, as_of, emit)
            except (ComplianceError, TooManyFindings):
                works[case_no] = None  # the reference path judges the whole case
        if outcome is None:
            outcome = evaluate_item(engine, at, item, emit)
        yield outcome
    _count(plan, counts, works, table)


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
    workers: int = 1,
) -> Iterator[CaseOutcome]:
    """One outcome per item, in input order, as ``audit.evaluate_item`` gives it; with
    ``workers`` > 1 whole chunks (``worker_chunk_sizes``, none over ``chunk_cases``) are
    judged in that many worker processes."""
    plan = Plan.of(engine, at)
    counts.why_not.update(plan.why_not)
    if workers > 1 and _fork_is_safe():
        sizes = (min(size, chunk_cases) for size in worker_chunk_sizes())
        yield from _in_workers(plan, _chunks(items, sizes), emit, counts, workers)
        return
    for chunk in _chunks(items, itertools.repeat(chunk_cases)):
        with _without_cycle_collection():
            yield from _chunk(plan, chunk, emit, counts)


def worker_chunk_sizes() -> Iterator[int]:
    """The cases of each chunk handed to a worker: 250, 500, 1,000, 2,000, then 2,500 each."""
    size = WORKER_FIRST_CHUNK_CASES
    while size < WORKER_CHUNK_CASES:
        yield size
        size *= 2
    yield from itertools.repeat(WORKER_CHUNK_CASES)


def _chunks(items: Iterable[Item], sizes: Iterable[int]) -> Iterator[list[Item]]:
    it = iter(items)
    for size in sizes:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def _in_workers(
    plan: Plan, chunks: Iterator[list[Item]], emit: Emit, counts: PathCounts, workers: int
) -> Iterator[CaseOutcome]:
    """Each chunk judged whole in a worker; the chunks' outcomes in input order. At most
    ``workers`` + 1 chunks are handed out at a time (one waiting for each worker to finish, so
    none idles), and the next chunk is read only when the oldest one's outcomes are taken:
    memory stays bounded by the chunks in flight, whatever the input's size."""
    pending: deque[AsyncResult[tuple[list[CaseOutcome], PathCounts]]] = deque()
    with worker_pool(workers, plan=plan, emit=emit) as pool:  # the plan inherited by fork
        for chunk in chunks:
            pending.append(pool.apply_async(_chunk_in_worker, (chunk,)))
            if len(pending) > workers:
                yield from _taken(pending.popleft(), counts)
        while pending:
            yield from _taken(pending.popleft(), counts)


def _taken(
    result: AsyncResult[tuple[list[CaseOutcome], PathCounts]], counts: PathCounts
) -> list[CaseOutcome]:
    outcomes, chunk_counts = result.get()
    counts.add(chunk_counts)
    return outcomes


def _chunk_in_worker(items: list[Item]) -> tuple[list[CaseOutcome], PathCounts]:
    """In a worker: one whole chunk, its outcomes (JSON Lines already written into them, as
    the per-case workers do) and which path judged each rule for how many of its cases."""
    counts = PathCounts()
    with _without_cycle_collection():
        outcomes = list(_chunk(_WORKER["plan"], items, _WORKER["emit"], counts))
    return outcomes, counts


def _fork_is_safe() -> bool:
    """polars' thread pool does not survive a fork: a process forked after this one ran a
    polars query waits forever for threads it does not have. The audit's own process never
    queries before its workers exist (they do it), but a host that ran polars itself (or an
    earlier audit in the same process) has the pool's threads, named ``polars-<n>``; then the
    chunks are judged in this process instead — the same outcomes, one core. Where the
    threads cannot be listed (no /proc) nobody can tell, and this process judges too."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return False
    for task in tasks:
        try:
            name = Path(f"/proc/self/task/{task}/comm").read_text(encoding="utf-8")
        except OSError:
            continue  # the thread ended meanwhile
        if name.startswith("polars-") and name[len("polars-") : len("polars-") + 1].isdigit():
            return False
    return True
