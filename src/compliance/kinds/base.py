"""What every rule kind shares: the evaluation context, compiled law versions, the compiled-rule
base the engine dispatches on, trigger selection, and recording a finding.

A kind is a module in this package exposing ``KIND: RuleKind``: its schema model, how to compile
it, and its lint checks and catalogue wording. ``compliance.kinds`` registers them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar, get_args
from zoneinfo import ZoneInfo

from compliance.calendar import Calendar, CalendarRef
from compliance.due import AsOf, Counting, Due
from compliance.matching import (
    Matcher,
    Pred,
    SubjectCheck,
    compile_scope,
    compile_where,
    earlier_condition,
    partition_of,
)
from compliance.model import CaseEvent, CaseEvents, Finding
from compliance.periods import Period, parse_period
from compliance.rules.fields import EventMatch, Rule, TriggeredRule, Version
from compliance.status import Judgement

__all__ = [
    "CompiledRule",
    "Context",
    "LawVersion",
    "LintNote",
    "Observation",
    "RuleKind",
    "Settlement",
    "Triggered",
    "TriggeredCompiled",
    "compile_versions",
    "counting_of",
    "inherited_period",
    "record",
]

Terms = TypeVar("Terms")
CalendarLookup = Callable[[CalendarRef], Calendar]


@dataclass(frozen=True, slots=True)
class Observation:
    """One contribution of a case to an indicator: which period, and success or not."""

    indicator: str
    period: str
    success: bool
    case_id: str
    ref: str | None = None


@dataclass(slots=True)  # not frozen: one per finding, and frozen __init__ is slower
class Settlement:
    """A recorded finding with the typed dates an indicator measures: when its clock started
    and when it was fulfilled (each as the date printed in the finding)."""

    finding: Finding
    started_on: dt.date | None
    fulfilled_on: dt.date | None


@dataclass(slots=True)
class Context:
    """One evaluation: the case up to ``as_of`` and what the rules have found so far."""

    case: CaseEvents
    as_of: AsOf
    tz: ZoneInfo
    findings: list[Finding] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    #: The earliest instant after as_of at which a finding would change with no new event.
    next_change: dt.datetime | None = None
    #: Whether a rule reads settlements (base indicators); otherwise none are recorded.
    keeps_settlements: bool = True

    def changes_at(self, when: dt.datetime) -> None:
        """A kind reports an instant at which its findings would change (a status flips, a
        new period begins); the earliest one after as_of is kept."""
        if when > self.as_of.at and (self.next_change is None or when < self.next_change):
            self.next_change = when

    def due_passes(self, due: Due) -> None:
        """An open finding changes when its due date passes (cheap test first: a due date on
        a later local day cannot pass sooner than the change already known)."""
        if self.next_change is None or due.date <= self.next_change.date():
            self.changes_at(due.passes_at(self.tz))

    def midnight(self, day: dt.date) -> dt.datetime:
        """The first instant of a local date (when ``as_of.day`` becomes ``day``)."""
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.tz)


@dataclass(frozen=True, slots=True)
class LawVersion(Generic[Terms]):
    """One version of a rule's law: validity, citation, severity and the kind's own terms."""

    label: str
    valid_from: dt.date
    valid_until: dt.date | None
    source: dict[str, str]
    severity: str
    where: Pred | None
    terms: Terms

    def holds(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def compile_versions(
    rule: Rule, terms: Callable[[Version], Terms]
) -> tuple[LawVersion[Terms], ...]:
    """The rule's versions in date order, each with its kind-specific ``terms``."""
    out = [
        LawVersion(
            label=v.valid.from_.isoformat(),
            valid_from=v.valid.from_,
            valid_until=v.valid.until,
            source={k: val for k, val in v.source.model_dump().items() if val},
            severity=v.severity or rule.severity,
            where=compile_where(v.where),
            terms=terms(v),
        )
        for v in rule.versions
    ]
    return tuple(sorted(out, key=lambda lv: lv.valid_from))


def inherited_period(version: Version, rule: Rule, name: str) -> Period | None:
    """A period a version sets, else the rule's own (``within``, ``every``, ``lookback``...)."""
    text = getattr(version, name) or getattr(rule, name, None)
    return parse_period(text) if text else None


def counting_of(rule: TriggeredRule | Any, calendars: CalendarLookup) -> Counting:
    return Counting(
        calendar=calendars(rule.calendar),
        month_end=rule.month_end,
        inclusive=getattr(rule, "count_from", "next_day") == "trigger_day",
    )


@dataclass(frozen=True, eq=False)
class CompiledRule(Generic[Terms]):
    """A rule ready to evaluate. The engine selects it once per evaluation by the event types
    it reacts to and calls :meth:`evaluate`; each kind subclasses this."""

    model: Rule
    id: str
    kind: str  # as printed in findings
    versions: tuple[LawVersion[Terms], ...]
    scope: SubjectCheck | None
    dispatch_types: frozenset[str]

    #: True for rules that read the other rules' findings (evaluated after all others).
    reads_findings: ClassVar[bool] = False

    def version_for(self, day: dt.date) -> LawVersion[Terms] | None:
        for v in self.versions:  # LawVersion.holds, inline: once per trigger
            if v.valid_from <= day and (v.valid_until is None or day <= v.valid_until):
                return v
        return None

    def applies_to(self, subject: Mapping[str, Any]) -> bool:
        return self.scope is None or self.scope(subject)

    def evaluate(self, ctx: Context) -> None:
        raise NotImplementedError(self.kind)


class Triggered(NamedTuple, Generic[Terms]):
    """A trigger event with the law version in force on its local date and its partition."""

    event: CaseEvent
    version: LawVersion[Terms]
    partition: str | None


_new_tuple = tuple.__new__
_NO_EVENTS: list[CaseEvent] = []  # read only


@dataclass(frozen=True, eq=False)
class TriggeredCompiled(CompiledRule[Terms]):
    """Kinds whose obligations arise from trigger events."""

    trigger: Matcher
    partition: str | None
    once: bool
    counting: Counting
    #: ``requires_earlier``: (trigger, case, partition) -> whether the trigger counts.
    requires_earlier: Callable[[CaseEvent, CaseEvents, str | None], bool] | None

    def triggers(self, case: CaseEvents, *, first_in_data: bool = False) -> list[Triggered[Terms]]:
        """Trigger events with their version (by the trigger's local date) and partition;
        ``once`` keeps the first per partition among the triggers a version applies to, or
        (``first_in_data``) the first in the data, which raises nothing when no version
        applies to it."""
        out: list[Triggered[Terms]] = []
        seen: set[str | None] = set()
        attr, earlier, versions = self.partition, self.requires_earlier, self.versions
        single = self.trigger.single
        if single is None:
            events, pred = self.trigger.select(case), None
        else:  # Matcher.select, inline (one type, at most one predicate: most triggers)
            events, pred = case.by_type.get(single[0], _NO_EVENTS), single[1]
        birth = case.birth_date
        for event in events:
            if pred is not None and not pred(event, birth):
                continue
            partition = None if attr is None else partition_of(attr, event)
            if earlier is not None and not earlier(event, case, partition):
                continue
            day = event.date
            for version in versions:  # self.version_for(day), inline: once per trigger
                if version.valid_from <= day and (
                    version.valid_until is None or day <= version.valid_until
                ):
                    break
            else:
                version = None
            if version is not None and version.where is not None:
                version = version if version.where(event, birth) else None
            if self.once and (version is not None or first_in_data):
                if partition in seen:
                    continue
                seen.add(partition)
            if version is not None:  # Triggered(...) without its Python __new__
                out.append(_new_tuple(Triggered, (event, version, partition)))
        return out


def settled(
    finding: Finding,
    trigger: CaseEvent,
    anchored: CaseEvent | dt.date | None,
    fulfilment: CaseEvent | None,
) -> Settlement:
    """A finding with the typed dates its clock started and it was fulfilled."""
    if isinstance(anchored, CaseEvent):
        started_on = anchored.written_date
    elif anchored is not None:
        started_on = anchored
    else:
        started_on = trigger.written_date
    return Settlement(finding, started_on, fulfilment.written_date if fulfilment else None)


def record(
    ctx: Context,
    rule: CompiledRule[Any],
    origin: Triggered[Any],
    judgement: Judgement,
    due: Due,
    explain: list[str],
    *,
    occurrence: int | None = None,
    anchored: CaseEvent | dt.date | None = None,
    count: int | None = None,
    precise: bool = False,
    anchor: str | None = None,
) -> Finding:
    """Append one finding (and its typed dates for indicators) to the context. ``origin`` is
    the event that raised the obligation, its law version and its partition."""
    trigger, version, partition = origin
    fulfilment = judgement.fulfilment
    if anchored is None:
        anchored_at: str | None = None
    elif isinstance(anchored, CaseEvent):
        anchored_at = anchored.when
    else:
        anchored_at = anchored.isoformat()
    # CaseEvent.when without the property call once its text is cached (most events are
    # echoed by several findings)
    triggered_at = trigger._when or trigger.when
    if fulfilment is None:
        satisfied_by = satisfied_at = None
    else:
        satisfied_by, satisfied_at = fulfilment.id, fulfilment._when or fulfilment.when
    finding = Finding(  # positional, in field order (measurably cheaper per finding)
        ctx.case.case_id,  # case_id
        rule.id,  # rule
        version.label,  # version
        rule.kind,  # kind
        judgement.status,  # status
        version.severity,  # severity
        partition,  # partition
        trigger.id,  # trigger
        triggered_at,  # triggered_at
        due._text or due.text(),  # due
        satisfied_by,  # satisfied_by
        satisfied_at,  # satisfied_at
        judgement.lateness,  # lateness_days
        "instant" if precise else "day",  # precision
        version.source,  # source
        explain,  # explain
        occurrence,  # occurrence
        anchored_at,  # anchored_at
        anchor,  # anchor
        count,  # count
        due.date,  # _due_key
    )
    ctx.findings.append(finding)
    if judgement.status == "due":  # open: it turns overdue, met (limit) or missed (quota)
        ctx.due_passes(due)
    if ctx.keeps_settlements:
        ctx.settlements.append(settled(finding, trigger, anchored, fulfilment))
    return finding


def required_matcher(matches: list[EventMatch] | None) -> Matcher:
    """The matcher of a field the kind's schema requires (so never empty after validation)."""
    matcher = Matcher.of(matches)
    if matcher is None:
        raise ValueError("a required matcher field is empty")
    return matcher


def rule_basics(rule: Rule, versions: tuple[LawVersion[Any], ...]) -> dict[str, Any]:
    """The :class:`CompiledRule` fields every kind fills the same way."""
    return {
        "model": rule,
        "id": rule.id,
        "kind": rule.kind,
        "versions": versions,
        "scope": compile_scope(rule.scope),
    }


def triggered_basics(
    rule: TriggeredRule, calendars: CalendarLookup, terms: Callable[[Version], Any]
) -> dict[str, Any]:
    """The :class:`TriggeredCompiled` fields every trigger-based kind fills the same way."""
    trigger = required_matcher(rule.trigger)
    return {
        **rule_basics(rule, compile_versions(rule, terms)),
        "dispatch_types": trigger.types,
        "trigger": trigger,
        "partition": rule.partition,
        "once": rule.once,
        "counting": counting_of(rule, calendars),
        "requires_earlier": earlier_condition(rule.requires_earlier, rule.partition),
    }


def closers_of(rule: Any) -> Matcher | None:
    """``cancelled_by`` and ``until`` together: the events that close an obligation."""
    return Matcher.of((rule.cancelled_by or []) + (rule.until or []))


@dataclass(frozen=True, slots=True)
class LintNote:
    """A kind's own lint finding; ``field`` is the YAML key it concerns (for the line)."""

    level: str  # error | warning
    code: str
    field: str
    message: str


def no_lint(rule: Any) -> list[LintNote]:
    return []


@dataclass(frozen=True)
class RuleKind:
    """A rule kind: its schema model, compilation, lint checks and catalogue wording.

    ``name`` is the registry tag; ``kind`` is the value of ``kind:`` in YAML (the age kind is
    written ``kind: deadline`` with ``trigger: {age: ...}``).
    """

    name: str
    model: type[Rule]
    compile: Callable[[Any, CalendarLookup], CompiledRule[Any]]
    wording: Callable[[Any, Version], str]
    lint: Callable[[Any], list[LintNote]] = no_lint

    @property
    def written(self) -> str:
        """The value of ``kind:`` in YAML for this kind."""
        return str(get_args(self.model.model_fields["kind"].annotation)[0])
