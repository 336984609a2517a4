"""The events table of one chunk of cases: for each columnar rule and case, the obligations
(each trigger with its due date) and the candidate satisfying, closing and excusing events, as
columns, in groups: one group per (case, rule, partition value).

Selection (which events a rule's matchers accept) runs the rule's own compiled matchers, so a
``where`` means exactly what it means to the per-case engine; the matching between trigger and
candidates, and the statuses, are then columnar (``columnar/deadline.py``).

Partitions (``matching.py``): a satisfying event fulfils only obligations of its own partition
value (no value is a value of its own, None); closing and excusing events apply to their own
partition, or to every partition when they carry no such attribute, so those wildcard events
are copied into every group of the case. Partition values are compared as
``matching.partition_of`` gives them (text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compliance.due import Due, due_after, rolled
from compliance.kinds.age import AgeTerms, CompiledAge
from compliance.kinds.attribute import CompiledAttribute
from compliance.kinds.base import LawVersion, Triggered
from compliance.kinds.deadline import CompiledDeadline, DueTerms
from compliance.kinds.precondition import CompiledPrecondition
from compliance.matching import Matcher, clock_start, closer_applies, partition_of
from compliance.model import CaseEvent, CaseEvents

if TYPE_CHECKING:
    from compliance.columnar.precondition import PreconditionTable

__all__ = ["CandidateColumns", "ColumnarRule", "EventsTable", "Obligation", "ObligationColumns"]

#: The kinds the columnar path judges (which of their rules: ``capability.why_not_columnar``)
ColumnarRule = CompiledDeadline | CompiledPrecondition | CompiledAge | CompiledAttribute


@dataclass(slots=True)
class Obligation:
    """One obligation the columnar path judges: a trigger of a (rule, case) group."""

    case: int  # position of the case in the chunk
    rule: int  # position of the rule among the columnar rules
    trigger: CaseEvent  # the trigger, or the measure of an age rule
    version: LawVersion[Any]  # DueTerms, or AgeTerms of an age rule
    due: Due
    due_explain: list[str]  # the explanation's lines after the trigger's: clock start, due
    partition: str | None = None
    start: CaseEvent | None = None  # where the clock starts when not at the trigger
    anchor: str | None = None  # how it was found (``Finding.anchor``)
    reached: dt.date | None = None  # an age rule: the day the age is reached


@dataclass(slots=True)
class ObligationColumns:
    group: list[int] = field(default_factory=list)  # one group per (case, rule)
    trigger_ts: list[float] = field(default_factory=list)
    trigger_day: list[int] = field(default_factory=list)
    trigger_precise: list[bool] = field(default_factory=list)
    trigger_id: list[str] = field(default_factory=list)
    due_day: list[int] = field(default_factory=list)
    due_ts: list[float | None] = field(default_factory=list)
    #: ``same_day: unordered``: a satisfying event on or after the trigger's local day counts
    unordered: list[bool] = field(default_factory=list)
    #: an obligation never takes its own trigger (deadlines; an age rule's measure may fulfil)
    exclude: list[bool] = field(default_factory=list)


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
        if not events:  # most groups have no closing or excusing event
            return
        ts, day, precise, ids = self.ts.append, self.day.append, self.precise.append, self.id.append
        for e in events:
            ts(e.key[0])
            day(e.date.toordinal())
            precise(e.precise)
            ids(e.id)
        self.group.extend([group] * len(events))
        self.refs_ob.extend(refs or [-1] * len(events))
        self.events.extend(events)


def _obligation(
    case_no: int, rule_no: int, rule: CompiledDeadline, found: Triggered[DueTerms], case: CaseEvents
) -> Obligation:
    """An obligation with its due date and the explanation's lines for it, as
    ``CompiledDeadline.obligations`` gives them: the clock's start (``anchor: first_ref``,
    ``infer_anchor``: ``matching.clock_start``), then the due date by the project's own period
    arithmetic (``due.due_after``, which memoises date-based due dates per rule calendar), or
    by the rule's own ``first_due`` where a version sets ``due_from`` or ``or_by`` or the rule
    has ``variants``."""
    trigger, version, partition = found
    terms = version.terms
    explain: list[str] = []
    start, anchor = trigger, None
    if rule.anchor == "first_ref":
        attr = (rule.partition, partition)
        clock = clock_start(rule.anchor, rule.infer_anchor, trigger, attr, case, explain)
        start, anchor = clock.event, clock.found
    if terms.due_from is None and terms.or_by is None and not rule.variants:
        assert terms.within is not None  # capability.why_not_columnar
        due = due_after(terms.within, start, terms.roll, rule.counting, explain)
    else:
        due = rule.first_due(trigger, version, start, partition, case, explain)
    started = start if start is not trigger else None
    return Obligation(case_no, rule_no, trigger, version, due, explain, partition, started, anchor)


def _age_obligation(
    case_no: int,
    rule_no: int,
    rule: CompiledAge,
    found: Triggered[AgeTerms],
    birth: dt.date,
    reached: dt.date,
) -> Obligation:
    """``CompiledAge.judge_measure``'s due date and explanation lines (all of them: an age
    finding's explanation starts with the measure, not a trigger line)."""
    measure, version, partition = found
    explain = [f"while {measure.label()}", f"birth_date {birth} + {rule.age} -> {reached}"]
    day, within = reached, version.terms.within
    if within is not None:
        day = within.add_to_date(reached, rule.counting.calendar)
        explain.append(f"+{within} -> {day}")
    due = rolled(day, version.terms.roll, rule.counting, explain)
    return Obligation(case_no, rule_no, measure, version, due, explain, partition, reached=reached)


@dataclass(slots=True)
class EventsTable:
    """The chunk's obligations and candidates for every columnar rule."""

    obligations: list[Obligation] = field(default_factory=list)
    columns: ObligationColumns = field(default_factory=ObligationColumns)
    satisfiers: CandidateColumns = field(default_factory=CandidateColumns)
    closers: CandidateColumns = field(default_factory=CandidateColumns)
    excuses: CandidateColumns = field(default_factory=CandidateColumns)
    groups: int = 0
    preconditions: PreconditionTable = field(default_factory=lambda: _preconditions())
    #: (case position, rule position) pairs the per-case engine judges
    fallback: set[tuple[int, int]] = field(default_factory=set)
    #: the rule list of the last case, its rule positions per event type, and the positions
    #: found per tuple of a case's event types
    dispatch: (
        tuple[Sequence[ColumnarRule], dict[str, list[int]], dict[tuple[str, ...], list[int]]] | None
    ) = None

    def add_case(
        self,
        case_no: int,
        case: CaseEvents,
        rules: Sequence[ColumnarRule],
    ) -> None:
        """The obligations of one case (cut at as_of) for the columnar rules."""
        for rule_no in self._dispatched(rules, case):
            rule = rules[rule_no]
            if not rule.applies_to(case.subject):
                continue
            if isinstance(rule, CompiledPrecondition | CompiledAttribute):
                # an attribute rule's once: the first trigger per partition in the data
                found = rule.triggers(case, first_in_data=isinstance(rule, CompiledAttribute))
                if found:
                    self.preconditions.add_group(case_no, case, rule_no, rule, found)
                continue
            if isinstance(rule, CompiledAge):
                self._add_age(case_no, case, rule_no, rule)
                continue
            plain = rule.requires_earlier is None and rule.partition is None
            # the rule's own requires_earlier check and partitions (once per partition)
            triggered = _triggered(rule, case) if plain else rule.triggers(case)
            if triggered:
                self._add_group(case_no, case, rule_no, rule, triggered)

    def _dispatched(self, rules: Sequence[ColumnarRule], case: CaseEvents) -> list[int]:
        """The positions of the rules that react to an event type of the case, in rule order
        (as the engine selects rules: by ``dispatch_types``), by an index of the rules per event
        type built once per rule list."""
        if self.dispatch is None or self.dispatch[0] is not rules:
            index: dict[str, list[int]] = {}
            for rule_no, rule in enumerate(rules):
                for t in rule.dispatch_types:
                    index.setdefault(t, []).append(rule_no)
            self.dispatch = (rules, index, {})
        _, index, by_types = self.dispatch
        types = tuple(case.by_type)  # cases of a chunk share a few sets of event types
        found = by_types.get(types)
        if found is None:
            found = by_types[types] = sorted({n for t in types if t in index for n in index[t]})
        return found

    def _add_group(
        self,
        case_no: int,
        case: CaseEvents,
        rule_no: int,
        rule: CompiledDeadline,
        triggered: list[Triggered[DueTerms]],
    ) -> None:
        """The obligations of one (rule, case) pair, a group per partition value; the pair goes
        to ``fallback`` when a group is not one the columns judge exactly."""
        satisfiers = selected_events(rule.satisfied_by, case)
        unordered = rule.same_day == "unordered"
        planned = _planned(rule.partition, triggered, satisfiers, unordered, exclude=True)
        if planned is None:
            self.fallback.add((case_no, rule_no))
            return
        obligations = [_obligation(case_no, rule_no, rule, found, case) for found in triggered]
        closers = selected_events(rule.closers, case) if rule.closers is not None else []
        excuses = selected_events(rule.excused_by, case) if rule.excused_by is not None else []
        self._add(rule.partition, planned, obligations, closers, excuses, unordered, exclude=True)

    def _add_age(self, case_no: int, case: CaseEvents, rule_no: int, rule: CompiledAge) -> None:
        """``CompiledAge.evaluate``'s obligations: per measure begun by the day the age is
        reached, due that day (+ ``within``, rolled); the earliest unused satisfying event at
        or after the measure fulfils it (no refs, and the measure is not skipped)."""
        found = rule.age_reached(case)
        if found is None:
            return
        birth, reached, version = found
        measures = [m for m in selected_events(rule.while_, case) if m.date <= reached]
        if not measures:
            return
        triggered = [Triggered(m, version, partition_of(rule.partition, m)) for m in measures]
        satisfiers = selected_events(rule.satisfied_by, case)
        planned = _planned(rule.partition, triggered, satisfiers, False, exclude=False)
        if planned is None:
            self.fallback.add((case_no, rule_no))
            return
        obligations = [
            _age_obligation(case_no, rule_no, rule, t, birth, reached) for t in triggered
        ]
        closers = selected_events(rule.closers, case) if rule.closers is not None else []
        self._add(rule.partition, planned, obligations, closers, [], False, exclude=False)

    def _add(
        self,
        attr: str | None,
        planned: list[tuple[list[int], list[CaseEvent], list[int]]],
        obligations: list[Obligation],
        closers: list[CaseEvent],
        excuses: list[CaseEvent],
        unordered: bool,
        exclude: bool,
    ) -> None:
        """The groups' candidates and the obligations, as columns."""
        base = len(self.obligations)
        group_of = [0] * len(obligations)
        for obs, sats, refs in planned:
            group = self.groups
            self.groups += 1
            for i in obs:
                group_of[i] = group
            self.satisfiers.add(group, sats, [r + base if r >= 0 else -1 for r in refs])
            value = obligations[obs[0]].partition
            self.closers.add(group, _applying(attr, closers, value))
            self.excuses.add(group, _applying(attr, excuses, value))
        cols, n = self.columns, len(obligations)
        self.obligations.extend(obligations)
        cols.group.extend(group_of)
        for ob in obligations:
            trigger, due = ob.trigger, ob.due
            cols.trigger_ts.append(trigger.key[0])
            cols.trigger_day.append(trigger.date.toordinal())
            cols.trigger_precise.append(trigger.precise)
            cols.trigger_id.append(trigger.id)
            cols.due_day.append(due.date.toordinal())
            cols.due_ts.append(due.ts if due.instant is not None else None)
        cols.unordered.extend([unordered] * n)
        cols.exclude.extend([exclude] * n)


def _planned(
    attr: str | None,
    triggered: Sequence[Triggered[Any]],
    satisfiers: list[CaseEvent],
    unordered: bool,
    exclude: bool,
) -> list[tuple[list[int], list[CaseEvent], list[int]]] | None:
    """Per partition group: its obligations (positions in ``triggered``), its satisfying events
    and the obligation each refs (-1: none); None when a group is not one the columns judge
    exactly. ``exclude``: an obligation never takes its own trigger, and a satisfying event
    that refs a trigger fulfils it first (deadlines); else neither (age)."""
    planned = []
    for obs, sats in _partitioned(attr, triggered, satisfiers):
        refs = _referred(triggered, obs, sats) if exclude else [-1] * len(sats)
        if refs is None or not _one_order(triggered, obs, sats, unordered, exclude):
            return None
        if exclude and len(obs) == 1:  # an event never fulfils the duty it starts
            trigger = triggered[obs[0]].event
            if any(s is trigger for s in sats):  # else nothing to skip (the usual case)
                if trigger.id in trigger.refs:
                    return None  # it would fulfil itself by its ref
                keep = [i for i, s in enumerate(sats) if s is not trigger]
                sats, refs = [sats[i] for i in keep], [refs[i] for i in keep]
        planned.append((obs, sats, refs))
    return planned


def _applying(attr: str | None, events: list[CaseEvent], value: str | None) -> list[CaseEvent]:
    """The closing or excusing events that apply to a partition (``matching.closer_applies``:
    its own, or every partition when they carry no value)."""
    if attr is None:
        return events
    return [e for e in events if closer_applies(attr, e, value)]


def _partitioned(
    attr: str | None, triggered: Sequence[Triggered[Any]], satisfiers: list[CaseEvent]
) -> list[tuple[list[int], list[CaseEvent]]]:
    """Per partition value (in order of the first trigger): the positions of its triggers and
    its satisfying events (those of the same value: ``matching.in_partition``)."""
    if attr is None:
        return [(list(range(len(triggered))), satisfiers)]
    positions: dict[str | None, list[int]] = {}
    for i, t in enumerate(triggered):
        positions.setdefault(t.partition, []).append(i)
    sats: dict[str | None, list[CaseEvent]] = {value: [] for value in positions}
    for s in satisfiers:
        found = sats.get(partition_of(attr, s))
        if found is not None:
            found.append(s)
    return [(obs, sats[value]) for value, obs in positions.items()]


def _triggered(rule: CompiledDeadline, case: CaseEvents) -> list[Triggered[DueTerms]]:
    """``rule.triggers(case)`` for a rule without partition or ``requires_earlier``, without
    testing each event of a plain type."""
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
    triggered: Sequence[Triggered[Any]], obs: list[int], satisfiers: list[CaseEvent]
) -> list[int] | None:
    """Per satisfying event of a group, the obligation (position in ``triggered``) of the group
    whose trigger it refs (-1: none; a ref to another partition's trigger fulfils nothing);
    None when one refs several (then which one it fulfils depends on the order: per case)."""
    if not any(s.refs for s in satisfiers):
        return [-1] * len(satisfiers)
    position = {triggered[i].event.id: i for i in obs}
    out = []
    for s in satisfiers:
        hits = [position[r] for r in s.refs if r in position] if s.refs else []
        if len(set(hits)) > 1:
            return None
        out.append(hits[0] if hits else -1)
    return out


def _one_order(
    triggered: Sequence[Triggered[Any]],
    obs: list[int],
    satisfiers: list[CaseEvent],
    unordered: bool,
    exclude: bool = True,
) -> bool:
    """Several obligations take satisfying events in turn ("the earliest unused at or after
    the trigger", never the trigger itself): exact as columns when the events a later trigger
    may take are a suffix of the ones an earlier trigger may take, in one order. By local day
    (``same_day: unordered``) that holds for any precision (the local day grows with the
    instant); at or after, when the satisfying events share one precision. A trigger that is
    itself a satisfying event (each follow-up starts the next) is skipped by its own
    obligation only: exact when no other event of the group ties with it (same instant, or same
    day where that is the measure), as its obligation then takes the events after it in time
    order, a suffix."""
    if len(obs) == 1 or not satisfiers:
        return True
    if not unordered and len({s.precise for s in satisfiers}) > 1:
        return False
    return not exclude or not _ties(triggered, obs, satisfiers, unordered)


def _ties(
    triggered: Sequence[Triggered[Any]],
    obs: list[int],
    satisfiers: list[CaseEvent],
    unordered: bool,
) -> bool:
    """Whether a trigger that is also a satisfying event is, by the rule's measure, at the
    same point as another satisfying event or trigger of the group (``at_or_after`` both ways,
    or the same local day when unordered)."""
    candidates = {id(s) for s in satisfiers}
    triggers = [triggered[i].event for i in obs]
    inner = [t for t in triggers if id(t) in candidates]
    if not inner:
        return False
    on_day: dict[dt.date, list[CaseEvent]] = {}
    for e in [*satisfiers, *(t for t in triggers if id(t) not in candidates)]:
        on_day.setdefault(e.date, []).append(e)
    for t in inner:
        for e in on_day[t.date]:
            if e is not t and (unordered or not (e.precise and t.precise) or e.key[0] == t.key[0]):
                return True
    return False


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
