"""Shared matching: which events of a case a rule looks at, and how they relate.

Predicates (``where``), matchers (event types + predicates), partitions (``partition:`` keeps
obligations apart per attribute value), references (``refs``), anchors (``anchor: first_ref``,
inferred by ``infer_anchor`` when the trigger refs nothing),
closers (``cancelled_by`` / ``until``) and excuses (``excused_by``). Compiled once per rule; the
functions here run per event and are kept small and allocation-free.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from compliance.model import CaseEvent, CaseEvents, parse_iso_text
from compliance.periods import parse_period
from compliance.rules.fields import EarlierMatch, EventMatch

#: A compiled ``where``: (event, the subject's birth date) -> matches.
Pred = Callable[[CaseEvent, "dt.date | None"], bool]
SubjectCheck = Callable[[Mapping[str, Any]], bool]

__all__ = [
    "ANCHOR_FALLBACK",
    "ANCHOR_INFERRED",
    "ANCHOR_REF",
    "AnchorInference",
    "ClockStart",
    "EventIndex",
    "Matcher",
    "Pred",
    "after",
    "anchor_event",
    "at_or_after",
    "clock_start",
    "closer_applies",
    "compile_scope",
    "compile_where",
    "date_attr",
    "earlier_condition",
    "first_closer",
    "first_excuse",
    "in_partition",
    "index_of",
    "inferred_anchor",
    "last_closing",
    "partition_of",
    "selected",
    "shared_index",
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
    if isinstance(v, str) and len(v) == 10:
        try:
            day = parse_iso_text(v)
        except ValueError:
            return v
        return day
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


_PLAIN_VALUES = (str, int, float, bool)


def _same_as(val: Any) -> Callable[[Any], bool]:
    """``lambda a: _same(a, val)``, specialised once per rule for the value's type."""
    if isinstance(val, dt.date) or type(val) not in _PLAIN_VALUES:
        return lambda a: _same(a, val)
    if type(val) is str:
        return lambda a: a == val or (isinstance(a, dt.date) and a.isoformat() == val)
    return lambda a: bool(a == val)


def _member_of(vals: list[Any]) -> Callable[[Any], bool]:
    """``lambda a: any(_same(a, v) for v in vals)``, by set membership when every value is a
    plain string, number or bool (equal values hash alike; a date compares by its ISO text).
    NaN takes the generic path: a set finds it by identity, where ``==`` never does."""
    if not all(type(v) in _PLAIN_VALUES and v == v for v in vals):
        return lambda a: any(_same(a, v) for v in vals)
    plain = frozenset(vals)

    def member(a: Any) -> bool:
        try:
            if a in plain:
                return True
        except TypeError:  # unhashable (a list in a subject): equal to no plain value
            return False
        return isinstance(a, dt.date) and a.isoformat() in plain

    return member


def _op_check(attr: str, op: str, val: Any) -> AttrCheck:
    if op in ("in", "not_in"):
        among = _member_of(list(val))
        if op == "in":
            return lambda a: among(a.get(attr))
        return lambda a: not among(a.get(attr))
    if op == "not":
        same = _same_as(val)
        return lambda a: not same(a.get(attr))
    if op == "exists":
        return lambda a: (attr in a) == bool(val)
    return lambda a: _cmp(op, a.get(attr), val)


def _attr_pred(attr: str, cond: Any) -> AttrCheck:
    if not isinstance(cond, dict):
        same = _same_as(cond)
        return lambda attrs: same(attrs.get(attr))
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


#: A ``where`` condition fused into the predicate's own loop: (attribute, how, value, negated)
#: where how is _TEXT (equal to a string, or a date with that ISO text), _VALUE (equal to a
#: number or bool) or _AMONG (in a frozenset of plain values, or a date whose ISO text is).
FusedCheck = tuple[str, int, Any, bool]
_TEXT, _VALUE, _AMONG = 0, 1, 2


def _fused_check(attr: str, cond: Any) -> FusedCheck | None:
    """The fused form of ``{attr: value}``, ``{attr: {not: value}}``, ``{attr: {in: [...]}}``
    or ``{attr: {not_in: [...]}}`` of plain values (what ``_same_as``/``_member_of``
    specialise), else None (the condition keeps its compiled check)."""
    negate = False
    if isinstance(cond, dict):
        if len(cond) != 1:
            return None
        ((op, cond),) = cond.items()
        if op in ("in", "not_in"):
            vals = list(cond)
            if not all(type(v) in _PLAIN_VALUES and v == v for v in vals):
                return None
            return (attr, _AMONG, frozenset(vals), op == "not_in")
        if op != "not":
            return None
        negate = True
    if type(cond) is str:
        return (attr, _TEXT, cond, negate)
    if type(cond) in _PLAIN_VALUES:
        return (attr, _VALUE, cond, negate)
    return None


def _fused_pred(checks: tuple[FusedCheck, ...], others: Pred | None) -> Pred:
    """A predicate asking every fused check in one loop over the event's attributes (no call
    per check: the answers of ``_attr_pred``'s checks, which tests/test_percase_where.py
    compares), then ``others`` (the conditions not fused)."""

    def pred(ev: CaseEvent, birth: dt.date | None) -> bool:
        attrs = ev.attrs
        for attr, how, val, negate in checks:
            a = attrs.get(attr)
            if how == _TEXT:
                hit = a == val or (isinstance(a, dt.date) and a.isoformat() == val)
            elif how == _VALUE:
                hit = a == val
            else:
                try:
                    hit = a in val or (isinstance(a, dt.date) and a.isoformat() in val)
                except TypeError:  # unhashable: equal to no plain value
                    hit = False
            if hit:
                if negate:
                    return False
            elif not negate:
                return False
        return others is None or others(ev, birth)

    return pred


def compile_where(where: Mapping[str, Any]) -> Pred | None:
    """A ``where`` as one predicate. Plain (in)equalities and memberships are fused into one
    loop over the event's attributes (most conditions are); the rest keep their compiled
    check. Every check is pure, so the order they are asked in does not change the answer."""
    if not where:
        return None
    fused: list[FusedCheck] = []
    rest: dict[str, Any] = {}
    for k, v in where.items():
        check = None if k == "subject_age" else _fused_check(k, v)
        if check is None:
            rest[k] = v
        else:
            fused.append(check)
    if not fused:
        return generic_where(where)
    return _fused_pred(tuple(fused), generic_where(rest) if rest else None)


def generic_where(where: Mapping[str, Any]) -> Pred | None:
    """:func:`compile_where` with one compiled check per condition (the reference the fused
    predicate is tested against, and the form of conditions it does not fuse)."""
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
    #: (type, predicate) when the matcher is one event type with at most one predicate (most
    #: are): selection is then one list comprehension, compiled once per rule.
    single: tuple[str, Pred | None] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.alts) == 1 and len(self.alts[0][0]) == 1:
            ((only,), pred) = self.alts[0]
            object.__setattr__(self, "single", (only, pred))

    @classmethod
    def of(cls, matches: list[EventMatch] | None) -> Matcher | None:
        """The matcher of a rule field. Fields written alike (the same event types and
        ``where``, in the same order) get the same matcher, across rules: what a case's
        matchers select and index (``shared_index``: closers, excuses, ``or_by``) is then
        built once per case for all those rules (13 dk rules close on ``case_closed``)."""
        if not matches:
            return None
        key = repr([(m.event, m.where) for m in matches])
        found = _MATCHERS.get(key)
        if found is None:
            alts = tuple((frozenset(m.event), compile_where(m.where)) for m in matches)
            found = cls(alts, frozenset().union(*(a[0] for a in alts)))
            if len(_MATCHERS) >= MATCHER_MEMO_SIZE:
                _MATCHERS.clear()
            _MATCHERS[key] = found
        return found

    def matches(self, ev: CaseEvent, birth: dt.date | None) -> bool:
        for types, pred in self.alts:
            if ev.type in types and (pred is None or pred(ev, birth)):
                return True
        return False

    def select(self, case: CaseEvents) -> list[CaseEvent]:
        """Matching events of a case in time order (a new list)."""
        if self.single is not None:
            t, pred = self.single
            found = case.by_type.get(t)
            if not found:
                return []
            if pred is None:
                return found[:]
            birth = case.birth_date
            return [e for e in found if pred(e, birth)]
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


#: How many distinct matchers ``Matcher.of`` keeps (then it starts afresh: bounded memory).
MATCHER_MEMO_SIZE = 4096
#: Matchers by the text of what they match (``repr`` tells ``1``, ``1.0``, ``True`` and
#: ``"1"`` apart). A matcher is immutable and holds no state of a case, so sharing is safe.
_MATCHERS: dict[str, Matcher] = {}


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
    """Where the clock starts (without inference, partitions or the ``anchor`` mark: recurring
    rules): the trigger, or (``anchor: first_ref``) the earliest event the trigger refs."""
    return clock_start(anchor, None, trigger, (None, None), case, explain).event


@dataclass(frozen=True, slots=True, eq=False)
class AnchorInference:
    """``infer_anchor``: where the clock starts when the trigger refs no earlier event — an
    ``event`` of the case in the trigger's partition, at or before the trigger and at or after
    the last ``since_last`` event strictly before it (the previous round's end), picked
    ``earliest`` or ``latest`` (docs/adr/0015-inferred-anchor.md)."""

    events: Matcher
    since_last: Matcher | None
    pick: str  # "earliest" | "latest"


#: How a finding's clock start was found (``Finding.anchor``): at the referenced event, inferred
#: from the case's own events, or at the trigger although the rule asks for an earlier event.
ANCHOR_REF, ANCHOR_INFERRED, ANCHOR_FALLBACK = "ref", "inferred", "fallback"


@dataclass(frozen=True, slots=True)
class ClockStart:
    """The event the clock starts at and how it was found (None: the trigger, as the rule
    says)."""

    event: CaseEvent
    found: str | None


def clock_start(
    anchor: str,
    infer: AnchorInference | None,
    trigger: CaseEvent,
    partition: tuple[str | None, str | None],
    case: CaseEvents,
    explain: list[str],
) -> ClockStart:
    """Where the clock starts: the trigger; or (``anchor: first_ref``) the earliest event the
    trigger refs, else the event ``infer`` finds, else the trigger marked ``fallback``.
    ``partition`` is (the rule's partition attribute, the trigger's value)."""
    if anchor != "first_ref":
        return ClockStart(trigger, None)
    refs = [case.by_id[r] for r in trigger.refs if r in case.by_id]
    if refs:
        first = min(refs, key=lambda e: e.key)
        explain.append(f"clock starts at first referenced event {first.label()}")
        return ClockStart(first, ANCHOR_REF)
    if infer is not None:
        inferred = inferred_anchor(infer, trigger, partition, case, explain)
        if inferred is not None:
            return ClockStart(inferred, ANCHOR_INFERRED)
    explain.append(
        "anchor fallback: the trigger refs no earlier event and none could be inferred; the "
        "clock starts at the trigger, possibly later than the law's (lateness may be "
        "under-reported)"
    )
    return ClockStart(trigger, ANCHOR_FALLBACK)


def _time_ordered(matcher: Matcher, case: CaseEvents, role: str) -> TimeOrdered:
    """A matcher's events in a case in time order, built once per case and role."""
    key = (id(matcher), role, "time-ordered")  # never a shared_index key (two parts)
    found = case.indexes.get(key)
    if found is None:
        evs = matcher.select(case)
        found = case.indexes[key] = (
            matcher,
            TimeOrdered(evs, [e.key for e in evs], [e.date for e in evs]),
        )
    ordered: TimeOrdered = found[1]
    return ordered


def _strictly_before(event: CaseEvent, ref: CaseEvent) -> bool:
    """Before ``ref`` by instant when both are precise, else on an earlier local date."""
    if event.precise and ref.precise:
        return event.key[0] < ref.key[0]
    return event.date < ref.date


def last_closing(
    infer: AnchorInference,
    trigger: CaseEvent,
    partition: tuple[str | None, str | None],
    case: CaseEvents,
) -> CaseEvent | None:
    """The last ``since_last`` event strictly before the trigger that applies to its
    partition (bisection, then a backward scan past other partitions' events)."""
    if infer.since_last is None:
        return None
    closing = _time_ordered(infer.since_last, case, "anchor.since_last")
    attr, value = partition
    i = bisect_right(closing.dates, trigger.date)
    while i > 0:
        i -= 1
        event = closing.events[i]
        if (
            event is not trigger
            and _strictly_before(event, trigger)
            and closer_applies(attr, event, value)
        ):
            return event
    return None


def inferred_anchor(
    infer: AnchorInference,
    trigger: CaseEvent,
    partition: tuple[str | None, str | None],
    case: CaseEvents,
    explain: list[str],
) -> CaseEvent | None:
    """The ``infer_anchor`` event for a trigger without refs (see :class:`AnchorInference`);
    None when the window holds none. Only events at or before the trigger are looked at, so
    the answer never depends on anything after it (causal)."""
    since = last_closing(infer, trigger, partition, case)
    found = _time_ordered(infer.events, case, "anchor.events")
    attr, value = partition
    i = bisect_left(found.dates, since.date) if since is not None else 0
    window: list[CaseEvent] = []
    for event in found.events[i:]:
        if event.date > trigger.date:
            break
        if (
            event is not trigger
            and (since is None or (event is not since and at_or_after(event, since)))
            and at_or_before(event, trigger)
            and closer_applies(attr, event, value)
        ):
            window.append(event)
    since_text = f" since {since.label()}" if since is not None else ""
    if not window:
        explain.append(f"anchor inference: no candidate event{since_text} at or before the trigger")
        return None
    chosen = window[0] if infer.pick == "earliest" else window[-1]
    of = f"{infer.pick} of {len(window)} candidates" if len(window) > 1 else "the only candidate"
    explain.append(
        f"anchor inferred: the trigger refs no earlier event; the clock starts at "
        f"{chosen.label()} ({of}{since_text})"
    )
    return chosen


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
            parsed = parse_iso_text(value.strip())
        except ValueError:
            return None
        return parsed.date() if isinstance(parsed, dt.datetime) else parsed
    return None


def earlier_condition(
    matches: list[EarlierMatch] | None, attr: str | None
) -> Callable[[CaseEvent, CaseEvents, str | None], bool] | None:
    """``requires_earlier``: a check that a trigger has one of the given events at or before
    it (not itself), in its partition or carrying no partition value, and with ``at_least``
    at least that long before it (the earlier event's local date plus the period falls on or
    before the trigger's local date). None when the rule sets no such condition."""
    if not matches:
        return None
    alts = [(Matcher.of([m]), parse_period(m.at_least) if m.at_least else None) for m in matches]

    def holds(trigger: CaseEvent, case: CaseEvents, partition: str | None) -> bool:
        for matcher, at_least in alts:
            for event in selected(matcher, case):
                if event.date > trigger.date:
                    break  # in time order: this and every later event is after the trigger
                if (
                    event is not trigger
                    and at_or_before(event, trigger)
                    and closer_applies(attr, event, partition)
                    and (at_least is None or at_least.add_to_date(event.date) <= trigger.date)
                ):
                    return True
        return False

    return holds


# -- indexes: "the first event at or after" in O(log n) -----------------------------------------
#
# Matching used to scan every candidate per obligation, which is quadratic inside one case
# (64,000 events took minutes). The events a rule looks at are now split by partition value and
# by precision and kept in time order; the first event at or after a reference is found by
# bisection, and used events are skipped with a union-find "next unused" pointer. Each answer
# is exactly the one the linear scan in time order gave: ``after`` is the order of ``key``;
# ``at_or_after`` is the order of the instant when both events are precise, else of the local
# date, and both are monotone within one precision.


class _Run:
    """The events of one group and one precision, in time order, with the used ones skipped."""

    __slots__ = ("dates", "events", "keys", "nxt", "precise", "stamps")

    def __init__(self, events: list[CaseEvent], precise: bool) -> None:
        self.events = events
        self.precise = precise
        self.keys = [e.key for e in events]
        self.stamps = [e.key[0] for e in events]
        self.dates = [e.date for e in events]
        self.nxt = list(range(len(events) + 1))

    def unused(self, i: int) -> int:
        """The first index >= i not yet used (path-halving union-find)."""
        nxt = self.nxt
        while nxt[i] != i:
            nxt[i] = nxt[nxt[i]]
            i = nxt[i]
        return i

    def use(self, i: int) -> None:
        self.nxt[i] = i + 1

    def start(self, ref: CaseEvent, strict: bool) -> int:
        """The first index ``after`` (strict) or ``at_or_after`` ``ref``."""
        if strict:
            return bisect_right(self.keys, ref.key)
        if self.precise and ref.precise:
            return bisect_left(self.stamps, ref.key[0])
        return bisect_left(self.dates, ref.date)


@dataclass(slots=True)
class _Hit:
    event: CaseEvent
    run: _Run
    index: int


def _group_key(attr: str | None, wildcard: bool, event: CaseEvent) -> object:
    """The group of an index an event belongs to: None without a partition attribute; the
    wildcard group (``EventIndex._ALL``, every partition) for an event without the attribute
    when ``wildcard``; else its partition value."""
    if attr is None:
        return None
    if wildcard and attr not in event.attrs:
        return EventIndex._ALL
    return partition_of(attr, event)


class EventIndex:
    """A rule's (pre-selected) events grouped by partition value, for first-at-or-after
    queries. ``wildcard``: events without the partition attribute form a group of their own
    that applies to every partition (closers, excuses, ``or_by``)."""

    __slots__ = ("attr", "groups", "positions", "wildcard")

    _ALL = object()

    def __init__(self, events: list[CaseEvent], attr: str | None, wildcard: bool) -> None:
        self.attr, self.wildcard = attr, wildcard
        grouped: dict[object, list[CaseEvent]] = {}
        for e in events:
            grouped.setdefault(_group_key(attr, wildcard, e), []).append(e)
        self.groups: dict[object, tuple[_Run, _Run]] = {}
        self.positions: dict[str, tuple[_Run, int]] = {}
        for key, evs in grouped.items():
            runs = (
                _Run([e for e in evs if e.precise], True),
                _Run([e for e in evs if not e.precise], False),
            )
            self.groups[key] = runs
            for run in runs:
                for i, e in enumerate(run.events):
                    self.positions[e.id] = (run, i)

    def _runs(self, partition: str | None) -> list[_Run]:
        if self.attr is None:
            return list(self.groups.get(None, ()))
        runs = list(self.groups.get(partition, ()))
        if self.wildcard:
            runs.extend(self.groups.get(self._ALL, ()))
        return runs

    def _first(
        self,
        ref: CaseEvent,
        partition: str | None,
        strict: bool,
        exclude: CaseEvent | None,
        accept: Callable[[CaseEvent], bool] | None,
    ) -> _Hit | None:
        best: _Hit | None = None
        for run in self._runs(partition):
            i = run.unused(run.start(ref, strict))
            if i < len(run.events) and run.events[i] is exclude:
                i = run.unused(i + 1)
            if i >= len(run.events):
                continue
            event = run.events[i]
            if accept is not None and not accept(event):
                continue  # monotone within a run: no later event of this run is accepted
            if best is None or event.key < best.event.key:
                best = _Hit(event, run, i)
        return best

    def first(
        self,
        ref: CaseEvent,
        partition: str | None,
        *,
        strict: bool = False,
        exclude: CaseEvent | None = None,
        accept: Callable[[CaseEvent], bool] | None = None,
    ) -> CaseEvent | None:
        """The first unused event at or after (``strict``: after) ``ref`` in the partition,
        other than ``exclude``; ``accept`` must hold for a prefix of each run's order."""
        hit = self._first(ref, partition, strict, exclude, accept)
        return hit.event if hit is not None else None

    def take(
        self,
        ref: CaseEvent,
        partition: str | None,
        *,
        strict: bool = False,
        exclude: CaseEvent | None = None,
    ) -> CaseEvent | None:
        """Like :meth:`first`, and the event found is used (never found again)."""
        hit = self._first(ref, partition, strict, exclude, None)
        if hit is None:
            return None
        hit.run.use(hit.index)
        return hit.event

    def use(self, event: CaseEvent) -> None:
        run, i = self.positions[event.id]
        run.use(i)

    def is_used(self, event: CaseEvent) -> bool:
        run, i = self.positions[event.id]
        return run.unused(i) != i


class FewEvents:
    """The answers of :class:`EventIndex` for a handful of events, by one scan in time order
    instead of building runs, bisection lists and a position table (most rules see one to
    three events per case). Only used below :data:`FEW_EVENTS`, so matching stays near-linear.

    The scan gives the index's answers: a run's events that are at or after a reference form
    a suffix of the run and ``accept`` holds for a prefix of it, so the index's pick (the
    earliest of the runs' first unused qualifying events that ``accept`` takes) is the first
    unused qualifying event in time order that ``accept`` takes."""

    __slots__ = ("attr", "events", "used", "wildcard")

    def __init__(self, events: list[CaseEvent], attr: str | None, wildcard: bool) -> None:
        self.events, self.attr, self.wildcard = events, attr, wildcard
        self.used: set[str] = set()

    def _first(
        self,
        ref: CaseEvent,
        partition: str | None,
        strict: bool,
        exclude: CaseEvent | None,
        accept: Callable[[CaseEvent], bool] | None,
    ) -> CaseEvent | None:
        used, attr, precise = self.used, self.attr, ref.precise
        for event in self.events:
            if event is exclude or event.id in used:
                continue
            if strict:
                if event.key <= ref.key:
                    continue
            elif event.precise and precise:  # at_or_after, inline
                if event.key[0] < ref.key[0]:
                    continue
            elif event.date < ref.date:
                continue
            if attr is not None and not self._in_group(event, partition):
                continue
            if accept is None or accept(event):
                return event
        return None

    def _in_group(self, event: CaseEvent, partition: str | None) -> bool:
        group = _group_key(self.attr, self.wildcard, event)
        return group is EventIndex._ALL or group == partition

    def first(
        self,
        ref: CaseEvent,
        partition: str | None,
        *,
        strict: bool = False,
        exclude: CaseEvent | None = None,
        accept: Callable[[CaseEvent], bool] | None = None,
    ) -> CaseEvent | None:
        """As :meth:`EventIndex.first`."""
        return self._first(ref, partition, strict, exclude, accept)

    def take(
        self,
        ref: CaseEvent,
        partition: str | None,
        *,
        strict: bool = False,
        exclude: CaseEvent | None = None,
    ) -> CaseEvent | None:
        """As :meth:`EventIndex.take`."""
        found = self._first(ref, partition, strict, exclude, None)
        if found is not None:
            self.used.add(found.id)
        return found

    def use(self, event: CaseEvent) -> None:
        self.used.add(event.id)

    def is_used(self, event: CaseEvent) -> bool:
        return event.id in self.used


#: Up to this many events a rule's index is a scan (:class:`FewEvents`), beyond it bisection.
FEW_EVENTS = 8

#: What a rule queries for "the first (unused) event at or after": either form above.
AnyIndex = EventIndex | FewEvents


def index_events(events: list[CaseEvent], attr: str | None, *, wildcard: bool) -> AnyIndex:
    """An index of events already selected (in time order): a scan for a few, else bisection."""
    if len(events) <= FEW_EVENTS:
        return FewEvents(events, attr, wildcard)
    return EventIndex(events, attr, wildcard)


def index_of(
    matcher: Matcher | None, case: CaseEvents, attr: str | None, *, wildcard: bool
) -> EventIndex:
    """An index of a matcher's events in a case (built fresh: consuming queries mutate it)."""
    return EventIndex(selected(matcher, case), attr, wildcard)


_NOTHING = FewEvents([], None, True)


def shared_index(matcher: Matcher | None, case: CaseEvents, attr: str | None) -> AnyIndex:
    """A read-only wildcard index (closers, excuses, ``or_by``), built once per case."""
    if matcher is None:
        return _NOTHING
    key = (id(matcher), attr)
    found = case.indexes.get(key)
    if found is None:
        index = index_events(matcher.select(case), attr, wildcard=True)
        found = case.indexes[key] = (matcher, index)
    index_found: AnyIndex = found[1]
    return index_found


@dataclass(slots=True)
class TimeOrdered:
    """The events of one partition in time order, with their keys and local dates for
    bisection (limits and quotas count events in a window)."""

    events: list[CaseEvent]
    keys: list[tuple[float, str]]
    dates: list[dt.date]

    def after(self, ref: CaseEvent) -> int:
        """The index of the first event strictly ``after`` ``ref``."""
        return bisect_right(self.keys, ref.key)

    def on_days(self, first: dt.date, last: dt.date) -> list[CaseEvent]:
        """The events whose local date lies in ``first``..``last``."""
        return self.events[bisect_left(self.dates, first) : bisect_right(self.dates, last)]


_NO_EVENTS = TimeOrdered([], [], [])


def by_partition(events: list[CaseEvent], attr: str | None) -> dict[str | None, TimeOrdered]:
    """Time-ordered events (already in time order) grouped by their partition value."""
    grouped: dict[str | None, list[CaseEvent]] = {}
    for e in events:
        grouped.setdefault(partition_of(attr, e), []).append(e)
    return {k: TimeOrdered(v, [e.key for e in v], [e.date for e in v]) for k, v in grouped.items()}


def in_group(groups: dict[str | None, TimeOrdered], partition: str | None) -> TimeOrdered:
    return groups.get(partition, _NO_EVENTS)
