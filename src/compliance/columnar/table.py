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

from compliance.due import Due, due_after
from compliance.kinds.base import LawVersion
from compliance.kinds.deadline import CompiledDeadline, DueTerms
from compliance.model import CaseEvent, CaseEvents

__all__ = ["CandidateColumns", "DueCache", "EventsTable", "Obligation", "ObligationColumns"]


@dataclass(slots=True)
class Obligation:
    """One (rule, case) the columnar path judges: the case's only trigger for the rule."""

    case: int  # position of the case in the chunk
    rule: int  # position of the rule among the columnar rules
    trigger: CaseEvent
    version: LawVersion[DueTerms]
    due: Due
    due_explain: list[str]


@dataclass(slots=True)
class ObligationColumns:
    trigger_ts: list[float] = field(default_factory=list)
    trigger_day: list[int] = field(default_factory=list)
    trigger_precise: list[bool] = field(default_factory=list)
    due_day: list[int] = field(default_factory=list)
    due_ts: list[float | None] = field(default_factory=list)


@dataclass(slots=True)
class CandidateColumns:
    """Satisfying or closing events, one row per (obligation, event)."""

    ob: list[int] = field(default_factory=list)
    ts: list[float] = field(default_factory=list)
    day: list[int] = field(default_factory=list)
    precise: list[bool] = field(default_factory=list)
    id: list[str] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)

    def add(self, ob: int, events: Sequence[CaseEvent], trigger: CaseEvent) -> None:
        for e in events:
            if e is trigger:  # an event never fulfils or closes the duty it starts
                continue
            self.ob.append(ob)
            self.ts.append(e.key[0])
            self.day.append(e.date.toordinal())
            self.precise.append(e.precise)
            self.id.append(e.id)
            self.events.append(e)


class DueCache:
    """Due dates per distinct (rule, version, start): most triggers of a corpus share their
    dates, and ``due.due_after`` (the project's own period arithmetic, ADR 0001) is exact."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, str, bool, object], tuple[Due, tuple[str, ...]]] = {}

    def due(
        self, rule_no: int, rule: CompiledDeadline, version: LawVersion[DueTerms], start: CaseEvent
    ) -> tuple[Due, list[str]]:
        terms = version.terms
        within = terms.within
        assert within is not None  # capability.why_not_columnar
        by_instant = within.is_hours and start.precise
        key = (rule_no, version.label, by_instant, start.key[0] if by_instant else start.date)
        found = self._known.get(key)
        if found is None:
            explain: list[str] = []
            due = due_after(within, start, terms.roll, rule.counting, explain)
            found = self._known[key] = (due, tuple(explain))
        return found[0], list(found[1])


@dataclass(slots=True)
class EventsTable:
    """The chunk's obligations and candidates for every columnar rule."""

    obligations: list[Obligation] = field(default_factory=list)
    columns: ObligationColumns = field(default_factory=ObligationColumns)
    satisfiers: CandidateColumns = field(default_factory=CandidateColumns)
    closers: CandidateColumns = field(default_factory=CandidateColumns)
    #: (case position, rule position) pairs the per-case engine judges
    fallback: set[tuple[int, int]] = field(default_factory=set)

    def add_case(
        self, case_no: int, case: CaseEvents, rules: Sequence[CompiledDeadline], dues: DueCache
    ) -> None:
        """The obligations of one case (cut at as_of) for the columnar rules."""
        by_type = case.by_type
        for rule_no, rule in enumerate(rules):
            if rule.dispatch_types.isdisjoint(by_type) or not rule.applies_to(case.subject):
                continue
            triggers = rule.trigger.select(case)
            if len(triggers) != 1:
                if triggers:
                    self.fallback.add((case_no, rule_no))
                continue
            self._add_obligation(case_no, case, rule_no, rule, triggers[0], dues)

    def _add_obligation(
        self,
        case_no: int,
        case: CaseEvents,
        rule_no: int,
        rule: CompiledDeadline,
        trigger: CaseEvent,
        dues: DueCache,
    ) -> None:
        version = rule.version_for(trigger.date)
        if version is not None and version.where is not None:
            version = version if version.where(trigger, case.birth_date) else None
        if version is None:
            return
        satisfiers = rule.satisfied_by.select(case)
        if any(trigger.id in s.refs for s in satisfiers):  # a referring satisfier wins: per case
            self.fallback.add((case_no, rule_no))
            return
        due, explain = dues.due(rule_no, rule, version, trigger)
        ob = len(self.obligations)
        self.obligations.append(Obligation(case_no, rule_no, trigger, version, due, explain))
        cols = self.columns
        cols.trigger_ts.append(trigger.key[0])
        cols.trigger_day.append(trigger.date.toordinal())
        cols.trigger_precise.append(trigger.precise)
        cols.due_day.append(due.date.toordinal())
        cols.due_ts.append(due.ts if due.instant is not None else None)
        self.satisfiers.add(ob, satisfiers, trigger)
        if rule.closers is not None:
            self.closers.add(ob, rule.closers.select(case), trigger)


def day_of(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)
