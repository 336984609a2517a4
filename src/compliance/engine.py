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
from compliance.model import CaseEvents, Finding, Timeline, normalize
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


def parse_as_of(value: dt.datetime | dt.date | str, tz: ZoneInfo) -> dt.datetime:
    """An explicit instant. A date alone means the *end* of that local day (deadlines run to
    the end of their day); a datetime without offset is read in ``tz``."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
            )
        except ValueError:
            raise ComplianceError(f"as_of: not an ISO 8601 date or datetime: {text!r}") from None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return dt.datetime.combine(value, dt.time.max, tzinfo=tz)


class Engine:
    """Evaluates timelines against a compiled rule set. Immutable and thread-safe."""

    def __init__(
        self,
        rules: RuleSet | Iterable[Rule],
        *,
        calendars: Mapping[str, Calendar] | None = None,
        default_tz: str | None = None,
    ) -> None:
        if isinstance(rules, RuleSet):
            rule_list = list(rules.rules)
            self.known_types: frozenset[str] | None = frozenset(rules.vocabulary.events)
        else:
            rule_list = list(rules)
            self.known_types = None
        lookup = calendar_lookup(dict(calendars or {}))
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
        self._order = {rule.id: i for i, rule in enumerate(self.rules)}
        self._reading_findings = tuple(r for r in self.rules if r.reads_findings)
        self.by_id = {rule.id: rule for rule in self.rules}

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
        at = parse_as_of(as_of, self.tz)
        case = full.upto(at)
        ctx = Context(case, AsOf(at, at.astimezone(self.tz).date()), self.tz)
        ctx.keeps_settlements = bool(self._reading_findings)
        for rule in self._selected(case):
            if rule.applies_to(case.subject):
                self._run(rule, ctx)
        for rule in self._reading_findings:
            if rule.applies_to(case.subject):
                rule.evaluate(ctx)
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

    def _selected(self, case: CaseEvents) -> list[CompiledRule[Any]]:
        """The rules that react to an event type present in the case, in rule order."""
        selected: set[CompiledRule[Any]] = set()
        for t in case.by_type:
            selected.update(self._by_event_type.get(t, ()))
        return sorted(selected, key=lambda r: self._order[r.id])

    @staticmethod
    def _run(rule: CompiledRule[Any], ctx: Context) -> None:
        try:
            rule.evaluate(ctx)
        except MonthEndError as exc:
            raise EvaluationError(f"case {ctx.case.case_id}: rule {rule.id}: {exc}") from None

    def _unknown_types(self, case: CaseEvents) -> dict[str, int]:
        if self.known_types is None:
            return {}
        return {t: len(evs) for t, evs in case.by_type.items() if t not in self.known_types}
