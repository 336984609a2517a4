"""Batch audit: stream many cases through the engine, in order, with optional worker processes.

Every case read ends as exactly one of: evaluated, or rejected with an error record (line and
reason). The summary reconciles: read = evaluated + rejected. With ``--workers N`` the cases are
evaluated — and, for JSON Lines, serialised — in worker processes; results come back in input
order, so the output is identical to ``--workers 1``.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import signal
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from compliance.engine import Engine, Observation, Result
from compliance.errors import ComplianceError, TimelineError
from compliance.indicators import IndicatorAccumulator
from compliance.model import VIOLATIONS, Finding
from compliance.outputs.jsonl import jsonl_line
from compliance.privacy import pseudonym, pseudonymise_text, surely_cpr_free_json
from compliance.rules.load import RuleSet
from compliance.sources import ColumnMapping, Item, read_cases

if TYPE_CHECKING:
    from compliance.columnar.run import PathCounts

__all__ = [
    "AuditSummary",
    "CaseOutcome",
    "Emit",
    "ErrorRecord",
    "compliance_share",
    "finding_line",
    "run_audit",
    "worker_pool",
]


@dataclass(slots=True)
class ErrorRecord:
    source: str
    line: int
    case_id: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": True,
            "source": self.source,
            "line": self.line,
            "case_id": self.case_id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Emit:
    """Output work done where a case is evaluated (in the worker, with --workers): JSON Lines
    already filtered by status, pseudonymised and CPR-masked, so the parent only writes bytes."""

    jsonl: bool = False
    statuses: frozenset[str] | None = None
    pseudonym_key: bytes | None = None
    keep_findings: bool = True

    def keep(self, f: Finding) -> bool:
        return self.statuses is None or f.status in self.statuses

    def keep_status(self, status: str) -> bool:
        return self.statuses is None or status in self.statuses

    def record(self, f: Finding) -> dict[str, Any]:
        d = f.to_dict()
        if self.pseudonym_key:
            d["case_id"] = pseudonym(f.case_id, self.pseudonym_key)
            d["explain"] = [
                pseudonymise_text(step, f.case_id, self.pseudonym_key) for step in d["explain"]
            ]
        return d


def finding_line(record: dict[str, Any]) -> bytes:
    """``jsonl_line(record)``, byte for byte, without masking value by value when the
    serialised record certainly holds no CPR-shaped value (almost every finding): masking each
    of a finding's ~40 strings cost more than evaluating the rule that raised it."""
    data = orjson.dumps(record)
    if surely_cpr_free_json(data):
        return data + b"\n"
    return jsonl_line(record)


Stat = tuple[str, str, str | None]  # (rule, status, month charted) — enough for the summary


@dataclass(slots=True)
class CaseOutcome:
    line: int
    source: str
    case_id: str | None
    findings: list[Finding] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    error: ErrorRecord | None = None
    unknown_event_types: dict[str, int] = field(default_factory=dict)
    ignored_future_events: int = 0
    stats: list[Stat] = field(default_factory=list)
    lines: bytes = b""
    subject: dict[str, Any] = field(default_factory=dict)  # the report's breakdowns group by it


@dataclass
class AuditSummary:
    as_of: str
    rules: list[str]
    inputs: list[str]
    cases_read: int = 0
    evaluated: int = 0
    rejected: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    by_rule: dict[str, Counter[str]] = field(default_factory=dict)
    by_month: dict[str, Counter[str]] = field(default_factory=dict)  # violations per month
    unknown_event_types: Counter[str] = field(default_factory=Counter)
    ignored_future_events: int = 0
    errors: list[ErrorRecord] = field(default_factory=list)
    max_error_records: int = 10_000
    #: ``--engine columnar``: which path judged each rule, for how many cases (else None)
    paths: PathCounts | None = None

    def findings_total_violations(self) -> int:
        return sum(self.findings.get(s, 0) for s in VIOLATIONS)

    @property
    def reconciles(self) -> bool:
        return self.cases_read == self.evaluated + self.rejected

    def add(self, outcome: CaseOutcome) -> None:
        self.cases_read += 1
        if outcome.error is not None:
            self.rejected += 1
            if len(self.errors) < self.max_error_records:
                self.errors.append(outcome.error)
            return
        self.evaluated += 1
        for rule, status, month in outcome.stats:
            self.findings[status] += 1
            per_rule = self.by_rule.get(rule)
            if per_rule is None:  # not setdefault(rule, Counter()): a Counter per finding
                per_rule = self.by_rule[rule] = Counter()
            per_rule[status] += 1
            if month:
                per_month = self.by_month.get(month)
                if per_month is None:
                    per_month = self.by_month[month] = Counter()
                per_month[status] += 1
        self.unknown_event_types.update(outcome.unknown_event_types)
        self.ignored_future_events += outcome.ignored_future_events

    def line(self) -> str:
        ok = "reconciled" if self.reconciles else "DOES NOT RECONCILE"
        line = (
            f"cases read {self.cases_read} = evaluated {self.evaluated} + rejected "
            f"{self.rejected} ({ok})"
        )
        return line + "".join(f"\n{text}" for text in self.path_lines())

    def path_lines(self) -> list[str]:
        """``--engine columnar``: one line per rule saying which path judged it."""
        if self.paths is None:
            return []
        out = []
        for rule, p in self.paths.to_dict().items():
            if p["path"] == "columnar":
                out.append(
                    f"engine: {rule}: columnar {p['columnar_cases']} case(s), "
                    f"per-case {p['case_cases']} (several triggers, refs, or rejected)"
                )
            else:
                out.append(
                    f"engine: {rule}: per-case {p['case_cases']} case(s) ({p['why_not_columnar']})"
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        as_counted = ("as_of", "rules", "inputs", "cases_read", "evaluated", "rejected")
        return {
            **{name: getattr(self, name) for name in as_counted},
            "reconciles": self.reconciles,
            "findings": dict(sorted(self.findings.items())),
            "by_rule": {k: dict(sorted(v.items())) for k, v in sorted(self.by_rule.items())},
            "unknown_event_types": dict(sorted(self.unknown_event_types.items())),
            "ignored_future_events": self.ignored_future_events,
            **({"engine": self.paths.to_dict()} if self.paths is not None else {}),
        }


def compliance_share(counts: Mapping[str, int]) -> float | None:
    """Share of obligations with a known outcome (met or a violation) that were met."""
    known = counts.get("met", 0) + sum(counts.get(s, 0) for s in VIOLATIONS)
    return counts.get("met", 0) / known if known else None


# -- evaluation of one item (runs in workers) --------------------------------------------------

_WORKER: dict[str, Any] = {}


def check_time_zone(name: str | None) -> str | None:
    """``name`` if it is a known IANA time zone (or None); else the user's error, exit 2."""
    if name is not None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            from compliance.commands.choices import closest_time_zone

            raise ComplianceError(
                f"--tz {name!r}: not a known time zone (IANA names like Europe/Copenhagen)"
                + closest_time_zone(name)
            ) from None
    return name


def _init_worker() -> None:
    """A pool worker leaves interruption to the parent: it ignores Ctrl-C (the terminal sends
    SIGINT to the whole process group) and dies on SIGTERM instead of running the CLI's
    handler inherited through fork (which raised SystemExit inside the pool: a deadlock)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # blocked by worker_pool while it forks
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING_SIGNALS)


#: The signals that stop an audit; held back while the worker pool is being built.
_STOPPING_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def stat_of(f: Finding) -> Stat:
    # a breach is charted when it happened; other violations by their due date
    when = f.satisfied_at if f.status == "breached" else f.due
    return f.rule, f.status, when[:7] if (when and f.status in VIOLATIONS) else None


def _rejected(item: Item, case_id: str | None, reason: str) -> CaseOutcome:
    return CaseOutcome(
        item.line, item.source, case_id, error=ErrorRecord(item.source, item.line, case_id, reason)
    )


def evaluate_item(engine: Engine, as_of: Any, item: Item, emit: Emit = Emit()) -> CaseOutcome:
    """One case through the per-case engine: its outcome, or its error record."""
    item = item.parsed()
    if item.error is not None or item.case is None:
        err = item.error or TimelineError("empty item")
        reason = f"{err.location}: {err.reason}" if err.location else err.reason
        return _rejected(item, err.case_id, reason)
    cid = item.case.get("case_id")
    cid = str(cid) if cid is not None else None
    try:
        res = engine.evaluate(item.case, as_of=as_of)
    except TimelineError as exc:
        return _rejected(item, cid, f"{exc.location}: {exc.reason}" if exc.location else exc.reason)
    except ComplianceError as exc:
        return _rejected(item, cid, str(exc))
    except RecursionError:
        return _rejected(item, cid, "input nested too deeply")
    return evaluated_outcome(item, res, emit)


def evaluated_outcome(item: Item, res: Result, emit: Emit) -> CaseOutcome:
    """The outcome of a case the engine evaluated (``item`` parsed, ``res`` its result)."""
    lines = b""
    if emit.jsonl:
        lines = b"".join(finding_line(emit.record(f)) for f in res.findings if emit.keep(f))
    return CaseOutcome(
        item.line,
        item.source,
        res.case_id,
        res.findings if emit.keep_findings else [],
        res.observations,
        unknown_event_types=res.unknown_event_types,
        ignored_future_events=res.ignored_future_events,
        stats=[stat_of(f) for f in res.findings],
        lines=lines,
        subject=subject_of(item.case or {}),
    )


def subject_of(case: dict[str, Any]) -> dict[str, Any]:
    subject = case.get("subject")
    return subject if isinstance(subject, dict) else {}


def _evaluate_in_worker(item: Item) -> CaseOutcome:
    return evaluate_item(_WORKER["engine"], _WORKER["as_of"], item, _WORKER["emit"])


def iter_items(
    inputs: Iterable[str],
    input_format: str | None,
    mapping: ColumnMapping | None,
    lazy: bool = False,
) -> Iterator[Item]:
    for path in inputs:
        yield from read_cases(path, input_format, mapping, lazy)


def run_audit(
    inputs: Sequence[str],
    rules: RuleSet,
    specs: Sequence[str],
    as_of: dt.datetime,
    *,
    workers: int = 1,
    input_format: str | None = None,
    mapping: ColumnMapping | None = None,
    default_tz: str | None = None,
    chunksize: int = 256,
    emit: Emit = Emit(),
    paths: PathCounts | None = None,
) -> Iterator[CaseOutcome]:
    """Yield one outcome per case read, in input order, whatever the number of workers.
    With ``paths`` the columnar batch path judges the rules it can (``compliance.columnar``)
    and counts there which path judged each rule; the outcomes are the same (with workers
    too: each worker takes whole chunks of cases)."""
    items = iter_items(
        inputs, input_format, mapping, lazy=True
    )  # JSON is parsed where it is evaluated
    # built here, before any worker exists: an unknown --tz or calendar is the user's error
    # now, not a worker that fails to start and is respawned forever
    engine = Engine(rules, default_tz=check_time_zone(default_tz))
    if paths is not None:
        from compliance.columnar.run import run_columnar

        yield from run_columnar(engine, as_of, items, emit, paths, workers=workers)
        return
    if workers <= 1:
        for item in items:
            yield evaluate_item(engine, as_of, item, emit)
        return
    # the engine is inherited by fork, not pickled
    with worker_pool(workers, engine=engine, as_of=as_of.isoformat(), emit=emit) as pool:
        yield from pool.imap(_evaluate_in_worker, items, chunksize=chunksize)


class _WorkerPool(Pool):
    """``multiprocessing.pool.Pool`` whose ``terminate`` cannot hang on a busy task pipe.

    CPython's ``terminate`` first drains the workers' task pipe so that its task handler
    thread, perhaps blocked writing a task, can finish — but it drains only while it sees
    data, and the handler can be caught just before writing its next (large) task: the
    write then blocks once the workers are killed, and ``terminate`` waits for the handler
    forever (seen about once in 60 interrupted audits: an audit that never ended after
    Ctrl-C or SIGTERM). Here the pipe is drained until the handler has ended; it ends
    because the pool is terminating (it stops after the task it is writing and sends the
    workers their stop signals, which are drained too)."""

    @staticmethod
    def _help_stuff_finish(inqueue: Any, task_handler: Any, size: int) -> None:
        inqueue._rlock.acquire()  # as CPython: the pool is now the pipe's only reader
        while task_handler.is_alive():
            if inqueue._reader.poll(0.05):
                inqueue._reader.recv_bytes()


def _hold_stopping_signals() -> set[int | signal.Signals] | None:
    """Ctrl-C and SIGTERM wait until the worker pool is built: raised inside ``Pool.__init__``,
    after its worker handler thread has started and before the pool can be terminated, they
    left that thread to replace the workers the exit killed with new ones nobody would stop
    (orphans blocked forever, seen about once in 60 audits interrupted at once). Returns the
    previous mask for :func:`_release_stopping_signals`."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING_SIGNALS)


def _release_stopping_signals(previous: set[int | signal.Signals] | None) -> None:
    """A signal that came while held is raised here (the pool exists: it is terminated)."""
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def worker_pool(workers: int, **state: Any) -> Iterator[Pool]:
    """``workers`` forked processes that find ``state`` in ``_WORKER`` (inherited by fork: an
    engine's compiled rules cannot be pickled) and leave interruption to this process
    (``_init_worker``). Both audit paths use it: the per-case path hands out cases, the
    columnar path whole chunks. On leaving — normally, on an exception, on Ctrl-C or SIGTERM,
    or when the consumer stops early — the pool is terminated, never joined while busy."""
    _WORKER.update(state)
    held = _hold_stopping_signals()
    try:
        pool = _WorkerPool(workers, initializer=_init_worker, context=mp.get_context("fork"))
    except BaseException:
        _release_stopping_signals(held)
        _WORKER.clear()
        raise
    try:
        _release_stopping_signals(held)
        yield pool
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _WORKER.clear()


def accumulate(
    outcomes: Iterable[CaseOutcome],
    summary: AuditSummary,
    indicators: IndicatorAccumulator | None = None,
) -> Iterator[CaseOutcome]:
    for o in outcomes:
        summary.add(o)
        if indicators is not None and o.observations:
            indicators.add(o.observations)
        yield o
