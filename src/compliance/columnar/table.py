"""The events table of one chunk of cases: for each columnar rule and case, the obligation
(its single trigger and due date) and the candidate satisfying and closing events, as columns.

Selection (which events a rule's matchers accept) runs the rule's own compiled matchers, so a
``where`` means exactly what it means to the per-case engine; the matching between trigger and
candidates, and the statuses, are then columnar (``columnar/deadline.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compliance.due import Due, due_after
from compliance.kinds.base import LawVersion, Triggered
from compliance.kinds.deadline import CompiledDeadline, DueTerms
from compliance.kinds.precondition import CompiledPrecondition
from compliance.matching import Matcher
from compliance.model import CaseEvent, CaseEvents

if TYPE_CHECKING:
    from compliance.columnar.precondition import PreconditionTable

__all__ = ["CandidateColumns", "EventsTable", "Obligation", "ObligationColumns"]


@dataclass(slots=True)
class Obligation:
    """One obligation the columnar path judges: a trigger of a (rule, case) group."""

    case: int  # position of the case in the chunk
    rule: int  # position of the rule among the columnar rules
    trigger: CaseEvent
    version: LawVersion[DueTerms]
    due: Due
    due_explain: list[str]


@dataclass(slots=True)
class ObligationColumns:
    group: list[int] = field(default_factory=list)  # one group per (case, rule)
    trigger_ts: list[float] = field(default_factory=list)
    trigger_day: list[int] = field(default_factory=list)
    trigger_precise: list[bool] = field(default_factory=list)
    trigger_id: list[str] = field(default_factory=list)
    due_day: list[int] = field(default_factory=list)
    due_ts: list[float | None] = field(default_factory=list)


@dataclass(slots=True)
class CandidateColumns:
    """Satisfying or closing events of a group, one row per event, in time order."""

    group: list[int] = field(default_factory=list)
    ts: list[float] = field(default_factory=list)
    day: list[int] = field(default_factory=list)
    precise: list[bool] = field(default_factory=list)
    id: list[str] = field(default_factory=list)
    refs_ob: list[int] = field(default_factory=list)  # the obligation it refs the trigger of
    events: list[CaseEvent] = field(default_factory=list)

    def add(self, group: int, events: Sequence[CaseEvent], refs: Sequence[int] = ()) -> None:
        for i, e in enumerate(events):
            self.group.append(group)
            self.ts.append(e.key[0])
            self.day.append(e.date.toordinal())
            self.precise.append(e.precise)
            self.id.append(e.id)
            self.refs_ob.append(refs[i] if refs else -1)
            self.events.append(e)


def _due(
    rule: CompiledDeadline, version: LawVersion[DueTerms], start: CaseEvent
) -> tuple[Due, list[str]]:
    """The due date and its explanation lines, by the project's own period arithmetic
    (``due.due_after``, which memoises date-based due dates per rule calendar)."""
    terms = version.terms
    assert terms.within is not None  # capability.why_not_columnar
    explain: list[str] = []
    return due_after(terms.within, start, terms.roll, rule.counting, explain), explain


@dataclass(slots=True)
class EventsTable:
    """The chunk's obligations and candidates for every columnar rule."""

    obligations: list[Obligation] = field(default_factory=list)
    columns: ObligationColumns = field(default_factory=ObligationColumns)
    satisfiers: CandidateColumns = field(default_factory=CandidateColumns)
    closers: CandidateColumns = field(default_factory=CandidateColumns)
    groups: int = 0
    preconditions: PreconditionTable = field(default_factory=lambda: _preconditions())
    #: (case position, rule position) pairs the per-case engine judges
    fallback: set[tuple[int, int]] = field(default_factory=set)

    def add_case(
        self,
        case_no: int,
        case: CaseEvents,
        rules: Sequence[CompiledDeadline | CompiledPrecondition],
    ) -> None:
        """The obligations of one case (cut at as_of) for the columnar rules."""
        by_type = case.by_type
        for rule_no, rule in enumerate(rules):
            if rule.dispatch_types.isdisjoint(by_type) or not rule.applies_to(case.subject):
                continue
            if isinstance(rule, CompiledPrecondition):
                found = rule.triggers(case)
                if found:
                    self.preconditions.add_group(case_no, case, rule_no, rule, found)
                continue
            triggered = _triggered(rule, case) if rule.requires_earlier is None else None
            if triggered is None:
                triggered = rule.triggers(case)  # the rule's own requires_earlier check
            if triggered:
                self._add_group(case_no, case, rule_no, rule, triggered)

    def _add_group(
        self,
        case_no: int,
        case: CaseEvents,
        rule_no: int,
        rule: CompiledDeadline,
        triggered: list[Triggered[DueTerms]],
    ) -> None:
        satisfiers = selected_events(rule.satisfied_by, case)
        refs = _referred(triggered, satisfiers)
        if refs is None or not _one_order(triggered, satisfiers):
            self.fallback.add((case_no, rule_no))
            return
        if len(triggered) == 1:  # an event never fulfils the duty it starts
            trigger = triggered[0].event
            if trigger.id in trigger.refs and any(s is trigger for s in satisfiers):
                self.fallback.add((case_no, rule_no))  # it would fulfil itself by its ref
                return
            keep = [i for i, s in enumerate(satisfiers) if s is not trigger]
            satisfiers, refs = [satisfiers[i] for i in keep], [refs[i] for i in keep]
        group = self.groups
        self.groups += 1
        base = len(self.obligations)
        refs = [r + base if r >= 0 else -1 for r in refs]
        cols = self.columns
        for trigger, version, _ in triggered:
            due, explain = _due(rule, version, trigger)
            self.obligations.append(Obligation(case_no, rule_no, trigger, version, due, explain))
            cols.group.append(group)
            cols.trigger_ts.append(trigger.key[0])
            cols.trigger_day.append(trigger.date.toordinal())
            cols.trigger_precise.append(trigger.precise)
            cols.trigger_id.append(trigger.id)
            cols.due_day.append(due.date.toordinal())
            cols.due_ts.append(due.ts if due.instant is not None else None)
        self.satisfiers.add(group, satisfiers, refs)
        if rule.closers is not None:
            self.closers.add(group, selected_events(rule.closers, case))


def _triggered(rule: CompiledDeadline, case: CaseEvents) -> list[Triggered[DueTerms]]:
    """``rule.triggers(case)`` for the rules the columnar path judges (no partition, no
    ``requires_earlier``: capability.py), without testing each event of a plain type."""
    out: list[Triggered[DueTerms]] = []
    seen = False
    for event in selected_events(rule.trigger, case):
        version = rule.version_for(event.date)
        if version is not None and version.where is not None:
            version = version if version.where(event, case.birth_date) else None
        if version is None:
            continue
        if rule.once:
            if seen:
                continue
            seen = True
        out.append(Triggered(event, version, None))
    return out


def _referred(
    triggered: list[Triggered[DueTerms]], satisfiers: list[CaseEvent]
) -> list[int] | None:
    """Per satisfying event, the obligation whose trigger it refs (-1: none); None when one
    refs several triggers (then which one it fulfils depends on the order: per case)."""
    if not any(s.refs for s in satisfiers):
        return [-1] * len(satisfiers)
    position = {t.event.id: i for i, t in enumerate(triggered)}
    out = []
    for s in satisfiers:
        hits = [position[r] for r in s.refs if r in position] if s.refs else []
        if len(set(hits)) > 1:
            return None
        out.append(hits[0] if hits else -1)
    return out


def _one_order(triggered: list[Triggered[DueTerms]], satisfiers: list[CaseEvent]) -> bool:
    """Several obligations take satisfying events in turn ("the earliest unused at or after
    the trigger"): exact as columns when the satisfying events share one precision (one
    order) and none of them is a trigger (which its own obligation would skip)."""
    if len(triggered) == 1 or not satisfiers:
        return True
    if len({s.precise for s in satisfiers}) > 1:
        return False
    triggers = {id(t.event) for t in triggered}
    return not any(id(s) in triggers for s in satisfiers)


def _preconditions() -> PreconditionTable:
    from compliance.columnar.precondition import PreconditionTable

    return PreconditionTable()


def selected_events(matcher: Matcher, case: CaseEvents) -> list[CaseEvent]:
    """``matcher.select(case)`` (a new list), without testing each event when the matcher is
    one event type with no ``where`` (the case's events of that type, in time order)."""
    if len(matcher.alts) == 1:
        types, pred = matcher.alts[0]
        if pred is None and len(types) == 1:
            (only,) = types
            return list(case.by_type.get(only, ()))
    return matcher.select(case)


def day_of(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)
