"""The evaluation core: ``Engine(rules).evaluate(timeline, as_of=...) -> Result``.

Pure: no clock, no files, no environment, no logging, no global mutable state. An ``Engine``
is immutable after construction and may be shared between threads.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from compliance.calendar import Calendar
from compliance.errors import ComplianceError, EvaluationError
from compliance.model import VIOLATIONS, CaseEvents, Ev, Finding, Timeline, normalize
from compliance.periods import MonthEndError, Period, parse_period
from compliance.rules.compile import (
    CompiledRule,
    CompiledVersion,
    Matcher,
    Pred,
    compile_rule,
    compile_where,
)
from compliance.rules.load import RuleSet
from compliance.rules.schema import Rule

__all__ = ["Engine", "Observation", "Result", "parse_as_of"]

_DAY = dt.timedelta(days=1)
OUTCOME_KNOWN = frozenset({"met", "late", "overdue", "missed", "breached"})


@dataclass(frozen=True, slots=True)
class Observation:
    """One contribution of a case to an indicator: which period, and success or not."""

    indicator: str
    period: str
    success: bool
    case_id: str
    ref: str | None = None


@dataclass(slots=True)
class Result:
    """Findings for one case as of one instant."""

    case_id: str
    as_of: dt.datetime
    findings: list[Finding]
    observations: list[Observation] = field(default_factory=list)
    ignored_future_events: int = 0
    unknown_event_types: dict[str, int] = field(default_factory=dict)

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


# ---------------------------------------------------------------------------------------------
# Due dates: either a local date (day precision) or an exact instant (hour deadlines)


@dataclass(slots=True)
class Due:
    date: dt.date  # local date (for instants: the local date of the instant)
    instant: dt.datetime | None = None  # set for hour deadlines with a precise start
    ts: float = 0.0  # POSIX timestamp of ``instant``
    _text: str | None = None

    def __post_init__(self) -> None:
        if self.instant is not None:
            self.ts = self.instant.timestamp()

    def text(self) -> str:
        if self._text is None:
            self._text = (
                self.instant.isoformat() if self.instant is not None else self.date.isoformat()
            )
        return self._text

    def in_time(self, ev: Ev) -> bool:
        if self.instant is not None and ev.precise:
            return ev.key[0] <= self.ts
        return ev.date <= self.date

    def passed(self, as_of: dt.datetime, as_of_date: dt.date) -> bool:
        if self.instant is not None:
            return as_of > self.instant
        return as_of_date > self.date

    def days_after(self, ev: Ev | None, as_of: dt.datetime, as_of_date: dt.date) -> int:
        if self.instant is not None and (ev is None or ev.precise):
            when = ev.instant if ev is not None else as_of
            return max(1, math.ceil((when - self.instant) / _DAY))
        day = ev.date if ev is not None else as_of_date
        return max(0, (day - self.date).days)


@dataclass(slots=True)
class _Ob:
    """An open obligation of a deadline rule while satisfying events are matched."""

    trig: Ev
    ver: CompiledVersion
    pval: str | None
    start: Ev
    due: Due
    explain: list[str]
    sat: Ev | None = None


@dataclass(slots=True)
class _Ctx:
    case: CaseEvents
    as_of: dt.datetime
    as_of_date: dt.date
    tz: ZoneInfo
    out: list[Finding]


def _part(rule: CompiledRule, ev: Ev) -> str | None:
    if rule.partition is None:
        return None
    v = ev.attrs.get(rule.partition)
    return None if v is None else str(v)


def _same_part(rule: CompiledRule, ev: Ev, pval: str | None) -> bool:
    return rule.partition is None or _part(rule, ev) == pval


def _closer_part(rule: CompiledRule, ev: Ev, pval: str | None) -> bool:
    """Closing events apply to their own partition, or to all when they carry none."""
    return rule.partition is None or rule.partition not in ev.attrs or _part(rule, ev) == pval


def _at_or_after(ev: Ev, ref: Ev) -> bool:
    if ev.precise and ref.precise:
        return ev.key[0] >= ref.key[0]
    return ev.date >= ref.date


def _after(ev: Ev, ref: Ev) -> bool:
    if ev.precise and ref.precise:
        return ev.key > ref.key
    return ev.date > ref.date or (ev.date == ref.date and ev.key > ref.key)


def _selected(m: Matcher | None, case: CaseEvents) -> list[Ev]:
    """A matcher's events in a case (none when the rule has no such matcher)."""
    return m.select(case) if m is not None else []


def _first_closer(rule: CompiledRule, closers: list[Ev], trig: Ev, pval: str | None) -> Ev | None:
    """The first of the rule's (pre-selected) closing events at or after the trigger."""
    for ev in closers:
        if ev is not trig and _at_or_after(ev, trig) and _closer_part(rule, ev, pval):
            return ev
    return None


def _fmt(ev: Ev) -> str:
    return ev.when


def _date_attr(ev: Ev, name: str | None) -> dt.date | None:
    if not name:
        return None
    v = ev.attrs.get(name)
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


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
        self.rules: tuple[CompiledRule, ...] = tuple(
            compile_rule(r, dict(calendars or {})) for r in rule_list
        )
        zones = {cr.calendar.tz_name for cr in self.rules} or {"Europe/Copenhagen"}
        if len(zones) > 1:
            raise ComplianceError(f"rules use calendars in several time zones: {sorted(zones)}")
        self.tz = ZoneInfo(zones.pop())
        self.default_tz = ZoneInfo(default_tz) if default_tz else None
        dispatch: dict[str, list[CompiledRule]] = {}
        for cr in self.rules:
            for t in cr.dispatch_types:
                dispatch.setdefault(t, []).append(cr)
        self._dispatch = {t: tuple(v) for t, v in dispatch.items()}
        self._order = {cr.id: i for i, cr in enumerate(self.rules)}
        self._base_indicators = tuple(
            cr for cr in self.rules if cr.kind == "indicator" and cr.rule.base
        )
        self.by_id = {cr.id: cr for cr in self.rules}
        self._indicator_events: dict[str, tuple[Matcher, Pred | None]] = {}
        for cr in self.rules:
            r = cr.rule
            if cr.kind == "indicator" and r.events:
                m = Matcher.of(r.events)
                assert m is not None
                self._indicator_events[cr.id] = (
                    m,
                    compile_where(r.success.where) if r.success else None,
                )

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
        ctx = _Ctx(case, at, at.astimezone(self.tz).date(), self.tz, [])
        selected: set[CompiledRule] = set()
        for t in case.by_type:
            selected.update(self._dispatch.get(t, ()))
        observations: list[Observation] = []
        for cr in sorted(selected, key=lambda r: self._order[r.id]):
            if cr.scope is not None and not cr.scope(case.subject):
                continue
            try:
                if cr.kind == "indicator":
                    observations.extend(self._event_indicator(cr, ctx))
                elif cr.age is not None:
                    self._age(cr, ctx)
                else:
                    getattr(self, "_" + cr.kind)(cr, ctx)
            except MonthEndError as exc:
                raise EvaluationError(f"case {case.case_id}: rule {cr.id}: {exc}") from None
        for ind in self._base_indicators:
            if ind.scope is None or ind.scope(case.subject):
                observations.extend(self._base_indicator(ind, ctx))
        unknown: dict[str, int] = {}
        if self.known_types is not None:
            for t, evs in case.by_type.items():
                if t not in self.known_types:
                    unknown[t] = len(evs)
        return Result(case.case_id, at, ctx.out, observations, case.future_events, unknown)

    # -- helpers --------------------------------------------------------------------------------

    def _triggers(
        self, cr: CompiledRule, ctx: _Ctx
    ) -> list[tuple[Ev, CompiledVersion, str | None]]:
        """Trigger events with their version (by the trigger's local date) and partition."""
        assert cr.trigger is not None
        out = []
        seen: set[str | None] = set()
        for ev in cr.trigger.select(ctx.case):
            ver = cr.version_for(ev.date)
            if ver is None or (ver.where is not None and not ver.where(ev, ctx.case.birth_date)):
                continue
            pval = _part(cr, ev)
            if cr.once:
                if pval in seen:
                    continue
                seen.add(pval)
            out.append((ev, ver, pval))
        return out

    def _anchor(self, cr: CompiledRule, trig: Ev, ctx: _Ctx, explain: list[str]) -> Ev:
        if cr.anchor != "first_ref":
            return trig
        refs = [ctx.case.by_id[r] for r in trig.refs if r in ctx.case.by_id]
        if not refs:
            explain.append(
                "anchor first_ref: trigger names no earlier event; clock starts at trigger"
            )
            return trig
        first = min(refs, key=lambda e: e.key)
        explain.append(f"clock starts at first referenced event {first.label()}")
        return first

    def _add(
        self,
        cr: CompiledRule,
        ver: CompiledVersion,
        period: Period,
        start: Ev,
        explain: list[str],
    ) -> Due:
        """``start`` + period with the rule's counting, month-end and roll policies."""
        if period.is_hours and start.precise:
            local = period.add_to_instant(start.instant).astimezone(cr.calendar.tz)
            due = Due(local.date(), local)
            explain.append(f"+{period} (exact elapsed time) -> {due.text()}")
            return due
        if period.is_hours:
            day = period.add_to_date(start.date)
            explain.append(
                f"+{period} at day precision (date-only event) = +{period.as_days_ceiling()} days"
                f" -> {day}"
            )
            return Due(day)
        day = period.add_to_date(
            start.date,
            cr.calendar,
            month_end=cr.month_end,  # type: ignore[arg-type]
            inclusive=cr.inclusive and period.unit != "business_days",
        )
        how = (
            " (start day counts as day 1)"
            if cr.inclusive and period.unit != "business_days"
            else ""
        )
        if period.unit == "business_days":
            how = f" on calendar {cr.calendar.name} (start day never counts)"
        explain.append(f"+{period}{how} -> {day}")
        return self._roll(cr, ver, day, explain)

    def _roll(
        self, cr: CompiledRule, ver: CompiledVersion, day: dt.date, explain: list[str]
    ) -> Due:
        if ver.roll == "next_business_day":
            rolled = cr.calendar.next_business_day(day)
            if rolled != day:
                explain.append(
                    f"{day} is not a business day ({cr.calendar.name}); rolled to {rolled}"
                )
                day = rolled
        return Due(day)

    def _first_due(
        self,
        cr: CompiledRule,
        ver: CompiledVersion,
        trig: Ev,
        start: Ev,
        pval: str | None,
        ctx: _Ctx,
        explain: list[str],
    ) -> Due:
        """A date the data sets (``due_from``), else start + the period (or the first matching
        variant's), then brought forward by an earlier ``or_by`` event."""
        given = _date_attr(trig, ver.due_from)
        if given is not None:
            explain.append(f"due date set by data: {ver.due_from} = {given}")
            due = self._roll(cr, ver, given, explain)
        else:
            within = ver.within
            for pred, period, note in cr.variants:
                if pred(trig, ctx.case.birth_date):
                    explain.append(f"period {period} applies: {note}")
                    within = period
                    break
            assert within is not None
            due = self._add(cr, ver, within, start, explain)
        return self._or_by(cr, ver, due, trig, pval, ctx, explain)

    def _or_by(
        self,
        cr: CompiledRule,
        ver: CompiledVersion,
        due: Due,
        trig: Ev,
        pval: str | None,
        ctx: _Ctx,
        explain: list[str],
    ) -> Due:
        if ver.or_by is None:
            return due
        for ev in ver.or_by.select(ctx.case):
            if _at_or_after(ev, trig) and _closer_part(cr, ev, pval):
                if ev.date < due.date:
                    explain.append(f"or by {ev.label()}, which comes first -> due {ev.date}")
                    return Due(ev.date)
                break
        return due

    def _finding(
        self,
        cr: CompiledRule,
        ver: CompiledVersion,
        ctx: _Ctx,
        *,
        status: str,
        trig: Ev | None,
        pval: str | None,
        due: Due | None,
        sat: Ev | None = None,
        lateness: int | None = None,
        explain: list[str],
        occurrence: int | None = None,
        anchored: str | None = None,
        count: int | None = None,
        precise: bool = False,
        triggered_at: str | None = None,
    ) -> Finding:
        f = Finding(
            case_id=ctx.case.case_id,
            rule=cr.id,
            version=ver.label,
            kind=cr.kind,
            status=status,
            severity=ver.severity,
            partition=pval,
            trigger=trig.id if trig else None,
            triggered_at=triggered_at or (_fmt(trig) if trig else None),
            due=due.text() if due else None,
            satisfied_by=sat.id if sat else None,
            satisfied_at=_fmt(sat) if sat else None,
            lateness_days=lateness,
            precision="instant" if precise else "day",
            source=ver.source,
            explain=explain,
            occurrence=occurrence,
            anchored_at=anchored,
            count=count,
            _due_key=due.date if due else None,
        )
        ctx.out.append(f)
        return f

    def _outcome(
        self,
        due: Due,
        sat: Ev | None,
        closer: Ev | None,
        excuse: Ev | None,
        ctx: _Ctx,
        explain: list[str],
    ) -> tuple[str, int | None, Ev | None]:
        """Status from the satisfying, closing and excusing events (CONTRACT §5)."""
        if sat is not None and (closer is None or sat.key <= closer.key):
            if due.in_time(sat):
                explain.append(f"satisfied by {sat.label()}, on or before due {due.text()}: met")
                return "met", None, sat
            late = due.days_after(sat, ctx.as_of, ctx.as_of_date)
            explain.append(
                f"satisfied by {sat.label()}, after due {due.text()}: late by {late} day(s)"
            )
            return "late", late, sat
        if excuse is not None:
            explain.append(f"excused by {excuse.label()}")
            return "excused", None, None
        if closer is not None:
            if due.in_time(closer):
                explain.append(f"closed by {closer.label()} before due: cancelled")
                return "cancelled", None, None
            late = due.days_after(closer, ctx.as_of, ctx.as_of_date)
            explain.append(f"closed by {closer.label()} after due {due.text()} unsatisfied: missed")
            return "missed", late, None
        if due.passed(ctx.as_of, ctx.as_of_date):
            late = due.days_after(None, ctx.as_of, ctx.as_of_date)
            explain.append(
                f"not satisfied as of {ctx.as_of_date}; due {due.text()} passed: overdue"
            )
            return "overdue", late, None
        explain.append(f"open; due {due.text()} is still ahead as of {ctx.as_of_date}")
        return "due", None, None

    @staticmethod
    def _excuse(
        cr: CompiledRule, excuses: list[Ev], trig: Ev, pval: str | None, due: Due
    ) -> Ev | None:
        for ev in excuses:
            if _at_or_after(ev, trig) and _closer_part(cr, ev, pval) and due.in_time(ev):
                return ev
        return None

    # -- kinds ------------------------------------------------------------------------------------

    def _deadline(self, cr: CompiledRule, ctx: _Ctx) -> None:
        assert cr.satisfied_by is not None
        sats = cr.satisfied_by.select(ctx.case)
        obligations: list[_Ob] = []
        for trig, ver, pval in self._triggers(cr, ctx):
            explain = [f"trigger {trig.label()}"]
            start = self._anchor(cr, trig, ctx, explain)
            due = self._first_due(cr, ver, trig, start, pval, ctx, explain)
            obligations.append(_Ob(trig, ver, pval, start, due, explain))
        if not obligations:
            return
        used: set[str] = set()
        # pass 1: a satisfying event that refs its trigger wins
        for ob in obligations:
            for s in sats:
                if s.id not in used and ob.trig.id in s.refs and _same_part(cr, s, ob.pval):
                    ob.sat = s
                    used.add(s.id)
                    break
        # pass 2: otherwise the earliest unused satisfying event at or after the trigger
        for ob in obligations:
            if ob.sat is not None:
                continue
            for s in sats:
                if (
                    s.id not in used
                    and s is not ob.trig
                    and _at_or_after(s, ob.trig)
                    and _same_part(cr, s, ob.pval)
                ):
                    ob.sat = s
                    used.add(s.id)
                    break
        closers = _selected(cr.closers, ctx.case)
        excuses = _selected(cr.excused_by, ctx.case)
        for ob in obligations:
            closer = _first_closer(cr, closers, ob.trig, ob.pval)
            excuse = None
            if ob.sat is None or not ob.due.in_time(ob.sat):
                excuse = self._excuse(cr, excuses, ob.trig, ob.pval, ob.due)
            status, late, sat = self._outcome(ob.due, ob.sat, closer, excuse, ctx, ob.explain)
            precise = (
                ob.due.instant is not None and ob.start.precise and (sat is None or sat.precise)
            )
            self._finding(
                cr,
                ob.ver,
                ctx,
                status=status,
                trig=ob.trig,
                pval=ob.pval,
                due=ob.due,
                sat=sat,
                lateness=late,
                explain=ob.explain,
                anchored=_fmt(ob.start) if ob.start is not ob.trig else None,
                precise=precise,
            )

    def _precondition(self, cr: CompiledRule, ctx: _Ctx) -> None:
        assert cr.satisfied_by is not None
        sats = cr.satisfied_by.select(ctx.case)
        excuses = _selected(cr.excused_by, ctx.case)
        for trig, ver, pval in self._triggers(cr, ctx):
            explain = [f"trigger {trig.label()}", "requires an earlier satisfying event"]
            lo = ver.lookback.subtract_from_date(trig.date) if ver.lookback else None
            if lo:
                explain.append(f"look back {ver.lookback} -> from {lo}")
            before = [
                s
                for s in sats
                if s is not trig
                and _same_part(cr, s, pval)
                and (s.key <= trig.key if (s.precise and trig.precise) else s.date <= trig.date)
                and (lo is None or s.date >= lo)
            ]
            due = Due(trig.date)
            found = next((s for s in before if s.id in trig.refs), None) or (
                before[-1] if before else None
            )
            if found is not None:
                explain.append(f"found {found.label()}: met")
                self._finding(
                    cr,
                    ver,
                    ctx,
                    status="met",
                    trig=trig,
                    pval=pval,
                    due=due,
                    sat=found,
                    explain=explain,
                )
                continue
            excuse = next(
                (
                    e
                    for e in excuses
                    if e.date <= trig.date
                    and (lo is None or e.date >= lo)
                    and _closer_part(cr, e, pval)
                ),
                None,
            )
            if excuse is not None:
                explain.append(f"excused by {excuse.label()}")
                self._finding(
                    cr, ver, ctx, status="excused", trig=trig, pval=pval, due=due, explain=explain
                )
                continue
            later = next((s for s in sats if _after(s, trig) and _same_part(cr, s, pval)), None)
            explain.append("none found before the trigger: missed")
            if later is not None:
                explain.append(f"(a satisfying event came afterwards: {later.label()})")
            self._finding(
                cr,
                ver,
                ctx,
                status="missed",
                trig=trig,
                pval=pval,
                due=due,
                explain=explain,
                lateness=0,
            )

    def _recurring(self, cr: CompiledRule, ctx: _Ctx) -> None:
        assert cr.satisfied_by is not None
        sats = cr.satisfied_by.select(ctx.case)
        closers = _selected(cr.closers, ctx.case)
        used: set[str] = set()
        for trig, ver, pval in self._triggers(cr, ctx):
            closer = _first_closer(cr, closers, trig, pval)
            explain = [f"trigger {trig.label()}"]
            start = self._anchor(cr, trig, ctx, explain)
            due = self._first_due(cr, ver, trig, start, pval, ctx, explain)
            prev = trig
            occurrence = 1
            end = cr.lasting.add_to_date(start.date, cr.calendar) if cr.lasting else None
            while True:
                if end is not None and due.date > end:
                    if occurrence > 1:
                        ctx.out[-1].explain.append(
                            f"the duty lasts {cr.lasting} (to {end}): no further occurrence"
                        )
                    break
                sat = next(
                    (
                        s
                        for s in sats
                        if s.id not in used
                        and s is not trig
                        and _same_part(cr, s, pval)
                        and (_at_or_after(s, prev) if occurrence == 1 else _after(s, prev))
                    ),
                    None,
                )
                if sat is not None and closer is not None and closer.key < sat.key:
                    sat = None
                if sat is not None:
                    used.add(sat.id)
                status, late, s = self._outcome(due, sat, closer, None, ctx, explain)
                self._finding(
                    cr,
                    ver,
                    ctx,
                    status=status,
                    trig=trig,
                    pval=pval,
                    due=due,
                    sat=s,
                    lateness=late,
                    explain=explain,
                    occurrence=occurrence,
                    anchored=_fmt(prev) if occurrence > 1 or start is not trig else None,
                )
                if s is None or occurrence >= 10_000:
                    break
                prev, occurrence = s, occurrence + 1
                explain = [
                    f"trigger {trig.label()}",
                    f"occurrence {occurrence}: after fulfilment {s.label()}",
                ]
                given = _date_attr(s, ver.due_from)
                if given is not None:
                    explain.append(f"next due set by data: {ver.due_from} = {given}")
                    due = self._roll(cr, ver, given, explain)
                elif ver.every is not None:
                    due = self._add(cr, ver, ver.every, s, explain)
                else:
                    ctx.out[-1].explain.append(
                        f"no next date set ({ver.due_from} missing on {s.id}); "
                        "no further obligation can be computed"
                    )
                    break

    def _quota(self, cr: CompiledRule, ctx: _Ctx) -> None:
        assert cr.satisfied_by is not None
        sats = cr.satisfied_by.select(ctx.case)
        closers = _selected(cr.closers, ctx.case)
        for trig, ver, pval in self._triggers(cr, ctx):
            assert ver.period is not None and ver.count is not None
            closer = _first_closer(cr, closers, trig, pval)
            mine = [s for s in sats if _at_or_after(s, trig) and _same_part(cr, s, pval)]
            k = 0
            while k < 1000:
                w_start = _add_n(ver.period, trig.date, k, cr)
                w_end = _add_n(ver.period, trig.date, k + 1, cr)  # exclusive
                if w_start > ctx.as_of_date or (
                    closer is not None and closer.date <= w_start and k > 0
                ):
                    break
                last = w_end - _DAY
                cut = closer is not None and closer.date < last
                end_day = closer.date if cut and closer is not None else last
                visits = [
                    s
                    for s in mine
                    if w_start <= s.date <= end_day and (closer is None or s.key <= closer.key)
                ]
                required = ver.count
                explain = [
                    f"trigger {trig.label()}",
                    f"period {k + 1}: {w_start} to {last} ({ver.period}); at least {ver.count} required",
                ]
                if cut:
                    span = (w_end - w_start).days
                    active = (end_day - w_start).days + 1
                    required = math.floor(ver.count * active / span + 0.5)
                    explain.append(
                        f"closed by {closer.label() if closer else ''}: {active} of {span} days active;"
                        f" prorated requirement {required}"
                    )
                due = Due(end_day)
                n = len(visits)
                if required == 0:
                    status, sat = "cancelled", None
                    explain.append("period too short to require any: cancelled")
                elif n >= required:
                    status, sat = "met", visits[required - 1]
                    explain.append(f"{n} found; requirement reached by {sat.label()}: met")
                elif cut or ctx.as_of_date > last:
                    status, sat = "missed", None
                    explain.append(f"only {n} found in the period: missed")
                else:
                    status, sat = "due", None
                    explain.append(f"{n} so far; period ends {last}")
                self._finding(
                    cr,
                    ver,
                    ctx,
                    status=status,
                    trig=trig,
                    pval=pval,
                    due=due,
                    sat=sat,
                    explain=explain,
                    occurrence=k + 1,
                    anchored=w_start.isoformat(),
                    count=n,
                )
                if cut:
                    break
                k += 1

    def _limit(self, cr: CompiledRule, ctx: _Ctx) -> None:
        assert cr.matching is not None
        matching = cr.matching.select(ctx.case)
        closers = _selected(cr.cancelled_by, ctx.case)
        for trig, ver, pval in self._triggers(cr, ctx):
            assert ver.within is not None and ver.count is not None
            explain = [f"trigger {trig.label()}"]
            due = self._add(cr, ver, ver.within, trig, explain)
            closer = _first_closer(cr, closers, trig, pval)
            explain.append(f"at most {ver.count} matching event(s) until {due.text()}")
            hits = [
                e
                for e in matching
                if e is not trig
                and _after(e, trig)
                and _same_part(cr, e, pval)
                and due.in_time(e)
                and (closer is None or e.key <= closer.key)
            ]
            breach = hits[ver.count] if len(hits) > ver.count else None
            if breach is not None:
                status = "breached"
                explain.append(f"{len(hits)} found; exceeded by {breach.label()}: breached")
            elif closer is not None and due.in_time(closer):
                # the limit held for the whole life of the case: met (docs/adr/0005)
                status = "met"
                explain.append(
                    f"closed by {closer.label()} before the window ended, "
                    f"{len(hits)} found: the limit held: met"
                )
            elif due.passed(ctx.as_of, ctx.as_of_date):
                status = "met"
                explain.append(f"window ended with {len(hits)}: met")
            else:
                status = "due"
                explain.append(f"{len(hits)} so far; window open until {due.text()}")
            self._finding(
                cr,
                ver,
                ctx,
                status=status,
                trig=trig,
                pval=pval,
                due=due,
                sat=breach,
                explain=explain,
                count=len(hits),
            )

    def _age(self, cr: CompiledRule, ctx: _Ctx) -> None:
        assert cr.age is not None and cr.while_ is not None and cr.satisfied_by is not None
        birth = ctx.case.birth_date
        if birth is None:
            return
        reached = cr.age.add_to_date(birth, month_end=cr.month_end)  # type: ignore[arg-type]
        ver = cr.version_for(reached)
        if ver is None:
            return
        sats = cr.satisfied_by.select(ctx.case)
        closers = _selected(cr.closers, ctx.case)
        used: set[str] = set()
        for w in cr.while_.select(ctx.case):
            if w.date > reached:
                continue  # the measure began after the age was reached: no obligation arises
            pval = _part(cr, w)
            explain = [
                f"while {w.label()}",
                f"birth_date {birth} + {cr.age} -> {reached}",
            ]
            day = reached
            if ver.within is not None:
                day = ver.within.add_to_date(reached, cr.calendar)
                explain.append(f"+{ver.within} -> {day}")
            due = self._roll(cr, ver, day, explain)
            closer = _first_closer(cr, closers, w, pval)
            sat = next(
                (
                    s
                    for s in sats
                    if s.id not in used and _at_or_after(s, w) and _same_part(cr, s, pval)
                ),
                None,
            )
            if sat is not None:
                used.add(sat.id)
            status, late, s = self._outcome(due, sat, closer, None, ctx, explain)
            self._finding(
                cr,
                ver,
                ctx,
                status=status,
                trig=w,
                pval=pval,
                due=due,
                sat=s,
                lateness=late,
                explain=explain,
                anchored=reached.isoformat(),
            )

    # -- indicators -------------------------------------------------------------------------------

    def _event_indicator(self, cr: CompiledRule, ctx: _Ctx) -> list[Observation]:
        rule = cr.rule
        m, succ = self._indicator_events[cr.id]
        out = []
        for ev in m.select(ctx.case):
            if cr.version_for(ev.date) is None:
                continue
            ok = succ(ev, ctx.case.birth_date) if succ else True
            out.append(
                Observation(cr.id, period_key(ev.date, rule.period), ok, ctx.case.case_id, ev.id)
            )
        return out

    def _base_indicator(self, cr: CompiledRule, ctx: _Ctx) -> list[Observation]:
        rule = cr.rule
        success = rule.success
        statuses = set(success.status) if success and success.status else {"met"}
        within = parse_period(success.within) if success and success.within else None
        out = []
        for f in ctx.out:
            if f.rule != rule.base or f.status not in OUTCOME_KNOWN or f._due_key is None:
                continue
            if cr.version_for(f._due_key) is None:
                continue
            if within is not None:
                ok = False
                if f.satisfied_at:
                    start = dt.date.fromisoformat((f.anchored_at or f.triggered_at or "")[:10])
                    limit = within.add_to_date(start)
                    ok = dt.date.fromisoformat(f.satisfied_at[:10]) <= limit
            else:
                ok = f.status in statuses
            out.append(
                Observation(
                    cr.id,
                    period_key(f._due_key, rule.period),
                    ok,
                    ctx.case.case_id,
                    f"{f.rule}:{f.trigger}:{f.occurrence or ''}",
                )
            )
        return out


def _add_n(period: Period, start: dt.date, n: int, cr: CompiledRule) -> dt.date:
    """start + n periods, computed from the start each time (no month drift)."""
    if n == 0:
        return start
    if period.unit == "months":
        return Period(period.amount * n, "months", period.text).add_to_date(start)
    if period.unit in ("days", "weeks", "hours"):
        return start + (period.add_to_date(start) - start) * n
    day = start
    for _ in range(n):
        day = period.add_to_date(day, cr.calendar)
    return day


def period_key(day: dt.date, period: str | None) -> str:
    if period in (None, "year"):
        return str(day.year)
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return "all"
