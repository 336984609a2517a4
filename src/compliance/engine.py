"""The evaluation core: ``Engine(rules).evaluate(timeline, as_of=...) -> Result``.

Pure: no clock, no files, no environment, no logging, no global mutable state. An ``Engine``
is immutable after construction and may be shared between threads.

The path of one evaluation: the timeline is validated into ``CaseEvents`` (``model``), cut at
``as_of``; the rules whose event types occur in the case are selected (a table built once);
each compiled rule, built by its kind in ``compliance/kinds/``, evaluates itself into findings
and observations; rules that read findings (base indicators) run last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from compliance.calendar import Calendar, calendar_lookup
from compliance.due import AsOf
from compliance.errors import ComplianceError, EvaluationError
from compliance.kinds import compile_rule
from compliance.kinds.base import CompiledRule, Context, Observation
from compliance.limits import MAX_CASE_EVENTS, MAX_CASE_FINDINGS, shorten
from compliance.model import CaseEvents, Finding, Timeline, in_zone, normalize, parse_iso_text
from compliance.periods import MonthEndError
from compliance.rules.load import RuleSet
from compliance.rules.schema import Rule
from compliance.status import VIOLATIONS

__all__ = ["Engine", "Observation", "Result", "parse_as_of"]


@dataclass(slots=True)
class Result:
    """Findings for one case as of one instant."""

    case_id: str
    as_of: dt.datetime
    findings: list[Finding]
    observations: list[Observation] = field(default_factory=list)
    ignored_future_events: int = 0
    unknown_event_types: dict[str, int] = field(default_factory=dict)
    #: The earliest instant after ``as_of`` at which the findings would change if no further
    #: event happened (a due date passing, a quota period beginning or ending); None when
    #: nothing would ever change. Events in the timeline after ``as_of`` are not considered.
    next_change_at: dt.datetime | None = None

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.status in VIOLATIONS]

    @property
    def upcoming(self) -> list[Finding]:
        """The agenda: open obligations not yet due, soonest first."""
        due = [f for f in self.findings if f.status == "due"]
        due.sort(key=lambda f: (f.due or "", f.rule, f.partition or ""))
        return due


#: How many distinct sets of event types an Engine remembers the selected rules for.
SELECTION_MEMO_SIZE = 4096


def parse_as_of(value: dt.datetime | dt.date | str, tz: ZoneInfo) -> dt.datetime:
    """An explicit instant. A date alone (``YYYY-MM-DD``) means the *end* of that local day
    (deadlines run to the end of their day); a datetime without offset is read in ``tz`` (an
    ambiguous or skipped local time is an error). Only the documented ISO 8601 forms are taken:
    ``20250630`` is refused rather than read as a different instant than ``2025-06-30``."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = parse_iso_text(text)
        except ValueError:
            raise ComplianceError(
                f"as_of: not an ISO 8601 date (YYYY-MM-DD) or datetime "
                f"(YYYY-MM-DDThh:mm[:ss]+hh:mm): {shorten(text)!r}"
            ) from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value
        try:
            return in_zone(value.replace(tzinfo=None), tz)
        except ValueError as exc:
            raise ComplianceError(f"as_of: {exc}") from None
    try:
        return dt.datetime.combine(value, dt.time.max, tzinfo=tz)
    except OverflowError:  # pragma: no cover - combine itself does not overflow
        raise ComplianceError(f"as_of: out of range: {value}") from None


def out_of_range_culprit(case: CaseEvents) -> str:
    """Where date arithmetic most likely left the calendar: the birth date or the event whose
    date lies nearest year 1 or year 9999 (legacy "unknown" sentinels)."""
    candidates: list[tuple[int, str]] = []
    if case.birth_date is not None:
        candidates.append((_edge_distance(case.birth_date), "subject.birth_date"))
    for event in (case.events[0], case.events[-1]) if case.events else ():
        where = f"event {shorten(event.id)} ({event.when}).at"
        candidates.append((_edge_distance(event.date), where))
    return min(candidates)[1] if candidates else "as_of"


def _edge_distance(day: dt.date) -> int:
    return min(day.year - dt.MINYEAR, dt.MAXYEAR - day.year)


class Engine:
    """Evaluates timelines against a compiled rule set. Immutable and thread-safe."""

    def __init__(
        self,
        rules: RuleSet | Iterable[Rule],
        *,
        calendars: Mapping[str, Calendar] | None = None,
        default_tz: str | None = None,
        max_case_events: int = MAX_CASE_EVENTS,
        max_case_findings: int = MAX_CASE_FINDINGS,
    ) -> None:
        #: The per-case budget (docs/reliability.md): a case with more events, or whose rules
        #: raise more findings, is rejected with a located reason instead of stalling a batch.
        self.max_case_events = max_case_events
        self.max_case_findings = max_case_findings
        if isinstance(rules, RuleSet):
            rule_list = list(rules.rules)
            self.known_types: frozenset[str] | None = frozenset(rules.vocabulary.events)
        else:
            rule_list = list(rules)
            self.known_types = None
        #: the named calendars the rules were compiled with (an engine of some of its rules
        #: compiles them the same way: ``compliance.columnar``)
        self.calendars: dict[str, Calendar] = dict(calendars or {})
        lookup = calendar_lookup(self.calendars)
        self.rules: tuple[CompiledRule[Any], ...] = tuple(
            compile_rule(r, lookup) for r in rule_list
        )
        self.tz = self._single_zone()
        self.default_tz = ZoneInfo(default_tz) if default_tz else None
        by_type: dict[str, list[CompiledRule[Any]]] = {}
        for rule in self.rules:
            for t in rule.dispatch_types:
                by_type.setdefault(t, []).append(rule)
        self._by_event_type = {t: tuple(v) for t, v in by_type.items()}
        self._position = {rule: i for i, rule in enumerate(self.rules)}
        self._selection: dict[frozenset[str], tuple[CompiledRule[Any], ...]] = {}
        self._reading_findings = tuple(r for r in self.rules if r.reads_findings)
        self.by_id = {rule.id: rule for rule in self.rules}
        #: the last ``as_of`` argument with its instant and timestamp (one tuple, replaced
        #: whole: safe between threads); the same object is not converted again
        self._as_of_memo: tuple[object, AsOf, float] | None = None

    def _single_zone(self) -> ZoneInfo:
        zones = {c.calendar.tz_name for r in self.rules if (c := getattr(r, "counting", None))}
        zones = zones or {"Europe/Copenhagen"}
        if len(zones) > 1:
            raise ComplianceError(f"rules use calendars in several time zones: {sorted(zones)}")
        return ZoneInfo(zones.pop())

    # -- public API ---------------------------------------------------------------------------

    def prepare(self, timeline: Timeline | Mapping[str, Any] | CaseEvents) -> CaseEvents:
        """Validate a timeline once (raises TimelineError); evaluate it at many instants."""
        if isinstance(timeline, CaseEvents):
            return timeline
        return normalize(timeline, self.tz, self.default_tz)

    def evaluate(
        self,
        timeline: Timeline | Mapping[str, Any] | CaseEvents,
        as_of: dt.datetime | dt.date | str,
    ) -> Result:
        """Every obligation the rules raise for this case, with its status as of ``as_of``."""
        full = self.prepare(timeline)
        memo = self._as_of_memo
        if memo is not None and memo[0] is as_of:  # a batch passes one as_of for every case
            when, limit = memo[1], memo[2]
        else:
            at = parse_as_of(as_of, self.tz)
            when, limit = AsOf(at, at.astimezone(self.tz).date()), at.timestamp()
            self._as_of_memo = (as_of, when, limit)
        at = when.at
        case = full.upto_timestamp(limit)
        if len(case.events) > self.max_case_events:
            raise EvaluationError(
                f"{len(case.events)} events, over the per-case "
                f"budget of {self.max_case_events} (Engine(max_case_events=...)); case not "
                "evaluated"
            )
        ctx = Context(case, when, self.tz)
        ctx.keeps_settlements = bool(self._reading_findings)
        self._run_all(self._selected(case), ctx)
        if self._reading_findings:
            self._run_all(self._reading_findings, ctx)
        return Result(
            case.case_id,
            at,
            ctx.findings,
            ctx.observations,
            case.future_events,
            self._unknown_types(case),
            ctx.next_change,
        )

    # -- steps ----------------------------------------------------------------------------------

    def _selected(self, case: CaseEvents) -> tuple[CompiledRule[Any], ...]:
        """The rules that react to an event type present in the case, in rule order; cases
        with the same event types share the answer (a bounded memo: idempotent writes, safe
        between threads)."""
        types = frozenset(case.by_type)
        found = self._selection.get(types)
        if found is None:
            found = self._select_rules(types)
            if len(self._selection) >= SELECTION_MEMO_SIZE:
                self._selection.clear()
            self._selection[types] = found
        return found

    def _select_rules(self, types: frozenset[str]) -> tuple[CompiledRule[Any], ...]:
        selected: set[CompiledRule[Any]] = set()
        by_event_type = self._by_event_type
        for t in types:
            rules = by_event_type.get(t)
            if rules is not None:
                selected.update(rules)
        return tuple(sorted(selected, key=self._position.__getitem__))

    def _run_all(self, rules: tuple[CompiledRule[Any], ...], ctx: Context) -> None:
        """Evaluate each rule whose scope takes the case's subject, in order, within the
        per-case budget (one call for all of them: a Python call per rule is measurable at
        ~10 rules per case)."""
        subject, findings, budget = ctx.case.subject, ctx.findings, self.max_case_findings
        rule = None
        try:
            for rule in rules:
                if rule.scope is None or rule.scope(subject):  # CompiledRule.applies_to
                    rule.evaluate(ctx)
                    if len(findings) > budget:
                        raise self._over_budget(rule)
        except (OverflowError, ValueError) as exc:  # MonthEndError is a ValueError
            assert rule is not None
            error = self._failed(rule, ctx, exc)
            if error is None:
                raise
            raise error from None

    def _failed(
        self, rule: CompiledRule[Any], ctx: Context, exc: Exception
    ) -> EvaluationError | None:
        """What a rule's failure becomes: a located EvaluationError for a month-end or an
        out-of-range date; None for any other error (re-raised as it was)."""
        if isinstance(exc, MonthEndError):
            return EvaluationError(f"case {shorten(ctx.case.case_id)}: rule {rule.id}: {exc}")
        if isinstance(exc, ValueError) and "out of range" not in str(exc):
            return None
        return EvaluationError(
            f"rule {rule.id}: date arithmetic out of range "
            f"(years 1 to 9999) at {out_of_range_culprit(ctx.case)}"
        )

    def _over_budget(self, rule: CompiledRule[Any]) -> EvaluationError:
        return EvaluationError(
            f"rule {rule.id}: more than {self.max_case_findings} findings, "
            "over the per-case budget (Engine(max_case_findings=...)); case not evaluated"
        )

    def _unknown_types(self, case: CaseEvents) -> dict[str, int]:
        known = self.known_types
        if known is None or known.issuperset(case.by_type):  # nearly every case: one C call
            return {}
        return {t: len(evs) for t, evs in case.by_type.items() if t not in known}
