"""Shared matching: which events of a case a rule looks at, and how they relate.

Predicates (``where``), matchers (event types + predicates), partitions (``partition:`` keeps
obligations apart per attribute value), references (``refs``), anchors (``anchor: first_ref``),
closers (``cancelled_by`` / ``until``) and excuses (``excused_by``). Compiled once per rule; the
functions here run per event and are kept small and allocation-free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from compliance.model import CaseEvent, CaseEvents
from compliance.periods import parse_period
from compliance.rules.fields import EventMatch

#: A compiled ``where``: (event, the subject's birth date) -> matches.
Pred = Callable[[CaseEvent, "dt.date | None"], bool]
SubjectCheck = Callable[[Mapping[str, Any]], bool]

__all__ = [
    "Matcher",
    "Pred",
    "after",
    "anchor_event",
    "at_or_after",
    "closer_applies",
    "compile_scope",
    "compile_where",
    "date_attr",
    "first_closer",
    "first_excuse",
    "in_partition",
    "partition_of",
    "selected",
]


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(b, dt.date) and isinstance(a, str):
        return a == b.isoformat()
    if isinstance(a, dt.date) and isinstance(b, str):
        return a.isoformat() == b
    return False


def _num_or_date(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return v
    return v


def _cmp(op: str, a: Any, b: Any) -> bool:
    if a is None or isinstance(a, bool):
        return False
    a, b = _num_or_date(a), _num_or_date(b)
    try:
        if op == "gte":
            return bool(a >= b)
        if op == "gt":
            return bool(a > b)
        if op == "lte":
            return bool(a <= b)
        return bool(a < b)
    except TypeError:
        return False


AttrCheck = Callable[[Mapping[str, Any]], bool]


def _op_check(attr: str, op: str, val: Any) -> AttrCheck:
    if op in ("in", "not_in"):
        vals = list(val)

        def member(a: Mapping[str, Any]) -> bool:
            found = any(_same(a.get(attr), v) for v in vals)
            return found if op == "in" else not found

        return member
    if op == "not":
        return lambda a: not _same(a.get(attr), val)
    if op == "exists":
        return lambda a: (attr in a) == bool(val)
    return lambda a: _cmp(op, a.get(attr), val)


def _attr_pred(attr: str, cond: Any) -> AttrCheck:
    if not isinstance(cond, dict):
        return lambda attrs: _same(attrs.get(attr), cond)
    checks = [_op_check(attr, op, val) for op, val in cond.items()]
    if len(checks) == 1:
        return checks[0]
    return lambda attrs: all(c(attrs) for c in checks)


def _age_pred(cond: dict[str, Any]) -> Pred:
    parts = [(op, parse_period(v)) for op, v in cond.items()]

    def pred(ev: CaseEvent, birth: dt.date | None) -> bool:
        if birth is None:
            return False
        for op, period in parts:
            reached = period.add_to_date(birth)  # the day the age is reached
            ok = {
                "lt": ev.date < reached,
                "gte": ev.date >= reached,
                "lte": ev.date <= reached,
                "gt": ev.date > reached,
            }[op]
            if not ok:
                return False
        return True

    return pred


def compile_scope(scope: Mapping[str, Any]) -> SubjectCheck | None:
    """A check on the case subject (``scope:``), or None when the rule applies to every case."""
    if not scope:
        return None
    checks = [_attr_pred(k, v) for k, v in scope.items()]
    return lambda subject: all(c(subject) for c in checks)


def compile_where(where: Mapping[str, Any]) -> Pred | None:
    if not where:
        return None
    attr_checks = [_attr_pred(k, v) for k, v in where.items() if k != "subject_age"]
    age = _age_pred(where["subject_age"]) if "subject_age" in where else None

    def pred(ev: CaseEvent, birth: dt.date | None) -> bool:
        attrs = ev.attrs
        for c in attr_checks:
            if not c(attrs):
                return False
        return age is None or age(ev, birth)

    return pred


@dataclass(frozen=True, slots=True, eq=False)
class Matcher:
    """Alternatives of (event types, predicate)."""

    alts: tuple[tuple[frozenset[str], Pred | None], ...]
    types: frozenset[str]

    @classmethod
    def of(cls, matches: list[EventMatch] | None) -> Matcher | None:
        if not matches:
            return None
        alts = tuple((frozenset(m.event), compile_where(m.where)) for m in matches)
        return cls(alts, frozenset().union(*(a[0] for a in alts)))

    def matches(self, ev: CaseEvent, birth: dt.date | None) -> bool:
        for types, pred in self.alts:
            if ev.type in types and (pred is None or pred(ev, birth)):
                return True
        return False

    def select(self, case: CaseEvents) -> list[CaseEvent]:
        """Matching events of a case in time order."""
        if len(self.types) == 1:
            (t,) = self.types
            evs = case.by_type.get(t)
            if not evs:
                return []
            return [e for e in evs if self.matches(e, case.birth_date)]
        out = []
        for t in self.types:
            for e in case.by_type.get(t, ()):
                if self.matches(e, case.birth_date):
                    out.append(e)
        out.sort(key=lambda e: e.key)
        return out


def selected(matcher: Matcher | None, case: CaseEvents) -> list[CaseEvent]:
    """A matcher's events in a case (none when the rule has no such matcher)."""
    return matcher.select(case) if matcher is not None else []


# -- partitions ---------------------------------------------------------------------------------


def partition_of(attr: str | None, event: CaseEvent) -> str | None:
    """The event's value of the rule's partition attribute (None when it has none)."""
    if attr is None:
        return None
    value = event.attrs.get(attr)
    return None if value is None else str(value)


def in_partition(attr: str | None, event: CaseEvent, partition: str | None) -> bool:
    return attr is None or partition_of(attr, event) == partition


def closer_applies(attr: str | None, event: CaseEvent, partition: str | None) -> bool:
    """Closing (and excusing) events apply to their own partition, or to all when they carry
    none."""
    return attr is None or attr not in event.attrs or partition_of(attr, event) == partition


# -- order --------------------------------------------------------------------------------------


def at_or_after(event: CaseEvent, ref: CaseEvent) -> bool:
    """At or after ``ref``: by instant when both are precise, else by local date."""
    if event.precise and ref.precise:
        return event.key[0] >= ref.key[0]
    return event.date >= ref.date


def after(event: CaseEvent, ref: CaseEvent) -> bool:
    """Strictly after ``ref`` (same-day date-only events are ordered by id)."""
    if event.precise and ref.precise:
        return event.key > ref.key
    return event.date > ref.date or (event.date == ref.date and event.key > ref.key)


def at_or_before(event: CaseEvent, ref: CaseEvent) -> bool:
    if event.precise and ref.precise:
        return event.key <= ref.key
    return event.date <= ref.date


# -- closers, excuses, anchors, references ------------------------------------------------------


def first_closer(
    attr: str | None, closers: list[CaseEvent], trigger: CaseEvent, partition: str | None
) -> CaseEvent | None:
    """The first of the rule's (pre-selected) closing events at or after the trigger."""
    for event in closers:
        if (
            event is not trigger
            and at_or_after(event, trigger)
            and closer_applies(attr, event, partition)
        ):
            return event
    return None


def first_excuse(
    attr: str | None,
    excuses: list[CaseEvent],
    trigger: CaseEvent,
    partition: str | None,
    in_time: Callable[[CaseEvent], bool],
) -> CaseEvent | None:
    """The first excusing event at or after the trigger and in time for the due date."""
    for event in excuses:
        if (
            at_or_after(event, trigger)
            and closer_applies(attr, event, partition)
            and in_time(event)
        ):
            return event
    return None


def anchor_event(
    anchor: str, trigger: CaseEvent, case: CaseEvents, explain: list[str]
) -> CaseEvent:
    """Where the clock starts: the trigger, or (``anchor: first_ref``) the earliest event the
    trigger refers to."""
    if anchor != "first_ref":
        return trigger
    refs = [case.by_id[r] for r in trigger.refs if r in case.by_id]
    if not refs:
        explain.append("anchor first_ref: trigger names no earlier event; clock starts at trigger")
        return trigger
    first = min(refs, key=lambda e: e.key)
    explain.append(f"clock starts at first referenced event {first.label()}")
    return first


def date_attr(event: CaseEvent, name: str | None) -> dt.date | None:
    """A date the data sets in an attribute (``due_from``), or None."""
    if not name:
        return None
    value = event.attrs.get(name)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
