"""Compile validated rules into fast, immutable evaluation structures (once per Engine)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from compliance.calendar import Calendar, get_calendar
from compliance.model import CaseEvents, Ev
from compliance.periods import Period, parse_period
from compliance.rules.schema import AgeTrigger, EventMatch, Rule, Version

Pred = Callable[[Ev, "dt.date | None"], bool]

__all__ = ["CompiledRule", "CompiledVersion", "Matcher", "compile_rule", "compile_where"]


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

    def pred(ev: Ev, birth: dt.date | None) -> bool:
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


def _scope(scope: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool] | None:
    if not scope:
        return None
    checks = [_attr_pred(k, v) for k, v in scope.items()]
    return lambda subject: all(c(subject) for c in checks)


def compile_where(where: Mapping[str, Any]) -> Pred | None:
    if not where:
        return None
    attr_checks = [_attr_pred(k, v) for k, v in where.items() if k != "subject_age"]
    age = _age_pred(where["subject_age"]) if "subject_age" in where else None

    def pred(ev: Ev, birth: dt.date | None) -> bool:
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

    def matches(self, ev: Ev, birth: dt.date | None) -> bool:
        for types, pred in self.alts:
            if ev.type in types and (pred is None or pred(ev, birth)):
                return True
        return False

    def select(self, case: CaseEvents) -> list[Ev]:
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


@dataclass(frozen=True, slots=True)
class CompiledVersion:
    label: str
    valid_from: dt.date
    valid_until: dt.date | None
    source: dict[str, str]
    within: Period | None
    every: Period | None
    period: Period | None
    lookback: Period | None
    count: int | None
    roll: str | None
    severity: str
    due_from: str | None
    or_by: Matcher | None
    where: Pred | None

    def holds(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    rule: Rule
    id: str
    kind: str
    versions: tuple[CompiledVersion, ...]
    trigger: Matcher | None
    age: Period | None
    while_: Matcher | None
    satisfied_by: Matcher | None
    closers: Matcher | None  # cancelled_by + until
    until: Matcher | None
    cancelled_by: Matcher | None
    excused_by: Matcher | None
    matching: Matcher | None
    partition: str | None
    calendar: Calendar
    anchor: str
    inclusive: bool
    month_end: str
    once: bool
    dispatch_types: frozenset[str]
    variants: tuple[tuple[Pred, Period, str], ...] = ()
    lasting: Period | None = None
    scope: Callable[[Mapping[str, Any]], bool] | None = None

    def version_for(self, day: dt.date) -> CompiledVersion | None:
        for v in self.versions:
            if v.holds(day):
                return v
        return None


def _version(rule: Rule, v: Version) -> CompiledVersion:
    def per(name: str) -> Period | None:
        text = getattr(v, name) or getattr(rule, name)
        return parse_period(text) if text else None

    src = {k: val for k, val in v.source.model_dump().items() if val}
    return CompiledVersion(
        label=v.valid.from_.isoformat(),
        valid_from=v.valid.from_,
        valid_until=v.valid.until,
        source=src,
        within=per("within"),
        every=per("every"),
        period=per("period") if rule.kind == "quota" else None,
        lookback=per("lookback"),
        count=v.count if v.count is not None else rule.count,
        roll=v.roll or rule.roll,
        severity=v.severity or rule.severity,
        due_from=v.due_from or rule.due_from,
        or_by=Matcher.of(v.or_by or rule.or_by),
        where=compile_where(v.where),
    )


def compile_rule(rule: Rule, calendars: dict[str, Calendar] | None = None) -> CompiledRule:
    age = parse_period(rule.trigger.age) if isinstance(rule.trigger, AgeTrigger) else None
    trigger = None if isinstance(rule.trigger, AgeTrigger) else Matcher.of(rule.trigger)
    while_ = Matcher.of(rule.while_)
    closers = Matcher.of((rule.cancelled_by or []) + (rule.until or []))
    if rule.kind == "indicator":
        events = Matcher.of(rule.events)
        dispatch: frozenset[str] = events.types if events else frozenset()
    elif age is not None:
        dispatch = while_.types if while_ else frozenset()
    else:
        dispatch = trigger.types if trigger else frozenset()
    return CompiledRule(
        rule=rule,
        id=rule.id,
        kind=rule.kind,
        versions=tuple(
            sorted((_version(rule, v) for v in rule.versions), key=lambda cv: cv.valid_from)
        ),
        trigger=trigger,
        age=age,
        while_=while_,
        satisfied_by=Matcher.of(rule.satisfied_by),
        closers=closers,
        until=Matcher.of(rule.until),
        cancelled_by=Matcher.of(rule.cancelled_by),
        excused_by=Matcher.of(rule.excused_by),
        matching=Matcher.of(rule.matching),
        partition=rule.partition,
        calendar=get_calendar(rule.calendar, calendars),
        anchor=rule.anchor,
        inclusive=rule.count_from == "trigger_day",
        month_end=rule.month_end,
        once=rule.once,
        dispatch_types=dispatch,
        lasting=parse_period(rule.lasting) if rule.lasting else None,
        scope=_scope(rule.scope),
        variants=tuple(
            (pred, parse_period(v.within), v.note or str(v.where))
            for v in rule.variants
            if (pred := compile_where(v.where)) is not None
        ),
    )
