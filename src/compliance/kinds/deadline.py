"""Kind ``deadline``: a trigger event starts a clock; a satisfying event must follow by the due
date (``within`` after the trigger or its anchor, a date the data sets, or an earlier ``or_by``
event). Closers cancel, excuses excuse (docs/reference/findings.md, docs/adr/0005)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from compliance.due import Due, due_after, rolled
from compliance.errors import EvaluationError
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    LawVersion,
    LintNote,
    RuleKind,
    Triggered,
    TriggeredCompiled,
    closers_of,
    inherited_period,
    record,
    required_matcher,
    triggered_basics,
)
from compliance.limits import shorten
from compliance.matching import (
    AnchorInference,
    Matcher,
    Pred,
    at_or_after,
    clock_start,
    compile_where,
    date_attr,
    first_closer,
    in_partition,
    index_events,
    selected,
    shared_index,
)
from compliance.model import CaseEvent, CaseEvents
from compliance.periods import Period, parse_period
from compliance.rules.fields import (
    EventMatch,
    FieldProblem,
    Matches,
    SomeMatches,
    Strict,
    TriggeredRule,
    Version,
)
from compliance.ruletools.words import events_text
from compliance.status import judge_obligation

__all__ = ["KIND", "DeadlineRule", "DueTerms", "describe_due"]


class AttrOf(Strict):
    """An attribute of the first event of a type at or before the moment compared
    (``{event: Create Fine, attr: amount, default: 0}``)."""

    event: str
    attr: str
    default: float | None = Field(
        default=None, description="the value when no such event (or attribute) exists yet"
    )


class RunningTotal(Strict):
    """``total: {of: paymentAmount, gte: [{event: Create Fine, attr: amount}, ...]}``: a
    satisfying (and a closing) event counts only once the running sum of its ``of`` attribute
    over the matching events so far reaches the sum of the ``gte`` attributes of other events,
    each as known at that moment (causal). "Paid in full" = payments >= amount + expenses."""

    of: str = Field(description="the attribute summed over the satisfying/closing events")
    gte: list[AttrOf] = Field(min_length=1)
    applies_to: tuple[Literal["satisfied_by", "cancelled_by"], ...] = (
        "satisfied_by",
        "cancelled_by",
    )

    def reaching(self, events: list[CaseEvent], case: CaseEvents) -> list[CaseEvent]:
        """The events from the first one at which the running total reaches the bound (the
        sum starts again in each case; events are in time order)."""
        total = 0.0
        for i, event in enumerate(events):
            value = event.attrs.get(self.of)
            if isinstance(value, int | float) and not isinstance(value, bool):
                total += float(value)
            bound = self.bound(event, case)
            if bound is not None and total >= bound:
                return events[i:]
        return []

    def bound(self, at: CaseEvent, case: CaseEvents) -> float | None:
        """The sum of the ``gte`` attributes known at ``at``; None when one is unknown."""
        bound = 0.0
        for part in self.gte:
            found = next(
                (
                    e.attrs.get(part.attr)
                    for e in case.by_type.get(part.event, [])
                    if e.key <= at.key or e.date <= at.date
                ),
                None,
            )
            value = found if isinstance(found, int | float) else part.default
            if value is None:
                return None
            bound += float(value)
        return bound


class InferAnchor(Strict):
    """``infer_anchor``: with ``anchor: first_ref``, where the clock starts when the trigger
    refs no earlier event (exports rarely carry references). The ``event`` of the case (in the
    trigger's partition, or carrying no partition value) at or before the trigger and at or
    after the last ``since_last`` event strictly before it, picked ``earliest`` (the law's
    clock, never later) or ``latest``. Findings so anchored say ``anchor: inferred``."""

    event: SomeMatches = Field(description="the events the clock may start at")
    since_last: Matches | None = Field(
        default=None,
        description="events that end the previous round: candidates before the last of these "
        "(strictly before the trigger) belong to it and are not looked at",
    )
    pick: Literal["earliest", "latest"] = Field(
        default="earliest", description="which candidate starts the clock when several qualify"
    )


class DeadlineRule(TriggeredRule):
    kind: Literal["deadline"]
    satisfied_by: SomeMatches
    before_trigger: Literal["ignored", "counts"] = Field(
        default="ignored",
        description="counts: a satisfying event before the trigger (up to as_of) fulfils the "
        "duty the trigger starts (a fine paid before its notification was recorded); ignored: "
        "only events at or after the trigger fulfil it",
    )
    total: RunningTotal | None = Field(
        default=None,
        description="a running sum across events that the satisfying/closing event must reach",
    )
    same_day: Literal["ordered", "unordered"] = Field(
        default="ordered",
        description="unordered: for date-only law, a satisfying event on the trigger's day "
        "counts whatever its time or file order; ordered: by instant (date-only events by date)",
    )
    infer_anchor: InferAnchor | None = Field(
        default=None,
        description="with anchor: first_ref, the event the clock starts at when the trigger "
        "refs none (findings say anchor: inferred)",
    )

    @model_validator(mode="after")
    def _due_date(self) -> DeadlineRule:
        self.needs_due_date()
        if self.infer_anchor is not None and self.anchor != "first_ref":
            raise FieldProblem(
                "infer_anchor", "infer_anchor needs anchor: first_ref (it stands in for refs)"
            )
        return self

    def matchers(self) -> list[tuple[str, list[EventMatch]]]:
        out = super().matchers()
        if self.infer_anchor is not None:
            out.append(("infer_anchor.event", self.infer_anchor.event))
            if self.infer_anchor.since_last:
                out.append(("infer_anchor.since_last", self.infer_anchor.since_last))
        return out


@dataclass(frozen=True, slots=True)
class DueTerms:
    """What a version says about the due date (deadline and recurring)."""

    within: Period | None
    every: Period | None
    due_from: str | None
    or_by: Matcher | None
    roll: str | None


def due_terms(rule: TriggeredRule, version: Version) -> DueTerms:
    return DueTerms(
        within=inherited_period(version, rule, "within"),
        every=inherited_period(version, rule, "every"),
        due_from=version.due_from or rule.due_from,
        or_by=Matcher.of(version.or_by or rule.or_by),
        roll=version.roll or rule.roll,
    )


@dataclass(frozen=True, slots=True)
class PeriodVariant:
    """A period that applies when the trigger matches (``variants:``)."""

    applies: Pred
    within: Period
    note: str


@dataclass(slots=True)
class Obligation:
    """An open obligation while fulfilling events are matched to triggers."""

    trigger: CaseEvent
    version: LawVersion[DueTerms]
    partition: str | None
    start: CaseEvent
    due: Due
    explain: list[str]
    anchor: str | None  # how the start was found (Finding.anchor)
    fulfilment: CaseEvent | None = None
    #: (trigger, version, partition) as the finding records it; built from them when None
    origin: Triggered[DueTerms] | None = None


@dataclass(frozen=True, eq=False)
class CompiledDeadline(TriggeredCompiled[DueTerms]):
    satisfied_by: Matcher
    closers: Matcher | None  # cancelled_by + until
    excused_by: Matcher | None
    anchor: str
    infer_anchor: AnchorInference | None
    variants: tuple[PeriodVariant, ...]
    before_trigger: str  # "counts" | "ignored" (a recurring rule: always ignored)
    total: RunningTotal | None
    same_day: str  # "unordered" | "ordered"

    def may_fulfil(self, event: CaseEvent, trigger: CaseEvent) -> bool:
        """Can ``event`` fulfil the duty ``trigger`` starts? (Both are at or before as_of: the
        case is cut there, so a fulfilment before the trigger stays causal.)"""
        if event is trigger:
            return False
        if self.before_trigger == "counts":
            return True
        if self.same_day == "unordered":
            return event.date >= trigger.date
        return at_or_after(event, trigger)

    def first_due(
        self,
        ob_trigger: CaseEvent,
        version: LawVersion[DueTerms],
        start: CaseEvent,
        partition: str | None,
        case: CaseEvents,
        explain: list[str],
    ) -> Due:
        """A date the data sets (``due_from``), else start + the period (or the first matching
        variant's), then brought forward by an earlier ``or_by`` event."""
        terms = version.terms
        given = date_attr(ob_trigger, terms.due_from) if terms.due_from else None
        if given is not None:
            explain.append(f"due date set by data: {terms.due_from} = {given}")
            due = rolled(given, terms.roll, self.counting, explain)
        else:
            within = terms.within
            for variant in self.variants:
                if variant.applies(ob_trigger, case.birth_date):
                    explain.append(f"period {variant.within} applies: {variant.note}")
                    within = variant.within
                    break
            if within is None:
                raise EvaluationError(
                    f"{terms.due_from} missing on {shorten(ob_trigger.id)} and no period to fall back on"
                )
            due = due_after(within, start, terms.roll, self.counting, explain)
        if terms.or_by is None:
            return due
        return self.or_by(terms, due, ob_trigger, partition, case, explain)

    def or_by(
        self,
        terms: DueTerms,
        due: Due,
        trigger: CaseEvent,
        partition: str | None,
        case: CaseEvents,
        explain: list[str],
    ) -> Due:
        """An ``or_by`` event before the due date brings it forward."""
        if terms.or_by is None:
            return due
        event = shared_index(terms.or_by, case, self.partition).first(trigger, partition)
        if event is not None and event.date < due.date:
            explain.append(f"or by {event.label()}, which comes first -> due {event.date}")
            return Due(event.date)
        return due

    def obligations(self, ctx: Context) -> list[Obligation]:
        out = []
        for origin in self.triggers(ctx.case):
            trigger, version, partition = origin
            explain = [f"trigger {trigger._label or trigger.label()}"]
            start, found = trigger, None
            if self.anchor == "first_ref":
                clock = clock_start(
                    self.anchor,
                    self.infer_anchor,
                    trigger,
                    (self.partition, partition),
                    ctx.case,
                    explain,
                )
                start, found = clock.event, clock.found
            due = self.first_due(trigger, version, start, partition, ctx.case, explain)
            out.append(
                Obligation(trigger, version, partition, start, due, explain, found, None, origin)
            )
        return out

    def assign_fulfilments(self, obligations: list[Obligation], ctx: Context) -> None:
        """A satisfying event that refs its trigger wins; otherwise each obligation takes the
        earliest unused satisfying event at or after its trigger (indexed: near-linear). The
        constructs that let an event before the trigger count, or filter fulfilments by a
        running total, take the plain scan in ``assign_by_scan``."""
        if self.before_trigger == "counts" or self.same_day == "unordered" or self.total:
            self.assign_by_scan(obligations, ctx)
            return
        candidates = self.satisfied_by.select(ctx.case)
        if not candidates:
            return
        index = index_events(candidates, self.partition, wildcard=False)
        referring: dict[str, list[CaseEvent]] = {}
        for s in candidates:
            for r in s.refs:
                referring.setdefault(r, []).append(s)
        attr = self.partition
        for ob in obligations:
            for s in referring.get(ob.trigger.id, ()):
                if not index.is_used(s) and in_partition(attr, s, ob.partition):
                    ob.fulfilment = s
                    index.use(s)
                    break
        for ob in obligations:
            if ob.fulfilment is None:
                ob.fulfilment = index.take(ob.trigger, ob.partition, exclude=ob.trigger)

    def assign_by_scan(self, obligations: list[Obligation], ctx: Context) -> None:
        """``before_trigger``, ``same_day`` and ``total``: every candidate is tested with
        ``may_fulfil`` (quadratic in the worst case; these rules are few and their cases small)."""
        candidates = self.satisfied_by.select(ctx.case)
        if self.total is not None and "satisfied_by" in self.total.applies_to:
            candidates = self.total.reaching(candidates, ctx.case)
        attr = self.partition
        used: set[str] = set()
        for ob in obligations:
            for s in candidates:
                if (
                    s.id not in used
                    and ob.trigger.id in s.refs
                    and in_partition(attr, s, ob.partition)
                ):
                    ob.fulfilment = s
                    used.add(s.id)
                    break
        for ob in obligations:
            if ob.fulfilment is not None:
                continue
            for s in candidates:
                if (
                    s.id not in used
                    and self.may_fulfil(s, ob.trigger)
                    and in_partition(attr, s, ob.partition)
                ):
                    ob.fulfilment = s
                    used.add(s.id)
                    if not at_or_after(s, ob.trigger):
                        ob.explain.append(
                            f"{s.label()} is before the trigger and counts (before_trigger: counts)"
                        )
                    break

    def evaluate(self, ctx: Context) -> None:
        obligations = self.obligations(ctx)
        if not obligations:
            return
        self.assign_fulfilments(obligations, ctx)
        totals_close = self.total is not None and "cancelled_by" in self.total.applies_to
        scanned_closers = (
            self.total.reaching(selected(self.closers, ctx.case), ctx.case)
            if self.total is not None and totals_close
            else None
        )
        closers = excuses = None  # shared_index only for the matchers the rule has
        if self.closers is not None and scanned_closers is None:
            closers = shared_index(self.closers, ctx.case, self.partition)
        if self.excused_by is not None:
            excuses = shared_index(self.excused_by, ctx.case, self.partition)
        for ob in obligations:
            closer = None
            if scanned_closers is not None:
                closer = first_closer(self.partition, scanned_closers, ob.trigger, ob.partition)
            elif closers is not None:
                closer = closers.first(ob.trigger, ob.partition, exclude=ob.trigger)
            excuse = None
            if excuses is not None and (ob.fulfilment is None or not ob.due.in_time(ob.fulfilment)):
                excuse = excuses.first(ob.trigger, ob.partition, accept=ob.due.in_time)
            judgement = judge_obligation(
                ob.due, ob.fulfilment, closer, excuse, ctx.as_of, ob.explain
            )
            fulfilment = judgement.fulfilment
            precise = (
                ob.due.instant is not None
                and ob.start.precise
                and (fulfilment is None or fulfilment.precise)
            )
            anchored = ob.start if ob.start is not ob.trigger else None
            origin = ob.origin or Triggered(ob.trigger, ob.version, ob.partition)
            record(
                ctx,
                self,
                origin,
                judgement,
                ob.due,
                ob.explain,
                anchored=anchored,
                precise=precise,
                anchor=ob.anchor,
            )


def compile_variants(rule: TriggeredRule) -> tuple[PeriodVariant, ...]:
    return tuple(
        PeriodVariant(pred, parse_period(v.within), v.note or str(v.where))
        for v in rule.variants
        if (pred := compile_where(v.where)) is not None
    )


def compile_inference(spec: InferAnchor | None) -> AnchorInference | None:
    if spec is None:
        return None
    return AnchorInference(required_matcher(spec.event), Matcher.of(spec.since_last), spec.pick)


def compile_deadline(rule: DeadlineRule, calendars: CalendarLookup) -> CompiledRule[DueTerms]:
    return CompiledDeadline(**deadline_fields(rule, calendars))


def deadline_fields(rule: TriggeredRule, calendars: CalendarLookup) -> dict[str, Any]:
    """The compiled fields of a deadline (a recurring rule adds ``lasting``)."""
    return {
        **triggered_basics(rule, calendars, lambda v: due_terms(rule, v)),
        "satisfied_by": required_matcher(rule.satisfied_by),
        "closers": closers_of(rule),
        "excused_by": Matcher.of(rule.excused_by),
        "anchor": rule.anchor,
        "infer_anchor": compile_inference(getattr(rule, "infer_anchor", None)),
        "variants": compile_variants(rule),
        "before_trigger": getattr(rule, "before_trigger", "ignored"),
        "total": getattr(rule, "total", None),
        "same_day": getattr(rule, "same_day", "ordered"),
    }


def describe_due(rule: TriggeredRule, version: Version) -> list[str]:
    """Catalogue wording shared by deadline and recurring: the due date's parts."""
    within = version.within or rule.within
    parts = []
    if within:
        parts.append(f"within {within}")
    for var in rule.variants:
        parts.append(f"{var.within} if {var.note or var.where}")
    or_by = version.or_by or rule.or_by
    if or_by:
        parts.append(f"or by {events_text(or_by)} if earlier")
    return parts


def wording(rule: DeadlineRule, version: Version) -> str:
    parts = describe_due(rule, version)
    due_from = version.due_from or rule.due_from
    if due_from:
        parts.append(f"or by the date in the trigger's `{due_from}`")
    if rule.before_trigger == "counts":
        parts.append("a satisfying event before the trigger also counts")
    if rule.total is not None:
        bound = " + ".join(f"{p.event}.{p.attr}" for p in rule.total.gte)
        parts.append(f"counts once the sum of `{rule.total.of}` reaches {bound}")
    if rule.same_day == "unordered":
        parts.append("events on the trigger's day count whatever their order")
    closing = closing_words(rule, version)
    if rule.infer_anchor is not None:
        closing.insert(1, inference_words(rule.infer_anchor))
    return "; ".join(parts + closing)


def inference_words(spec: InferAnchor) -> str:
    """Catalogue wording of ``infer_anchor``."""

    def alternatives(matches: list[EventMatch]) -> str:
        return " or ".join(events_text([m]) for m in matches)

    since = f" since the last {alternatives(spec.since_last)}" if spec.since_last else ""
    return (
        f"without refs, from the {spec.pick} {alternatives(spec.event)}{since} at or before "
        "the trigger (finding marked anchor: inferred)"
    )


def closing_words(rule: TriggeredRule, version: Version) -> list[str]:
    parts = []
    if rule.anchor == "first_ref":
        parts.append("clock from the earliest event the trigger refs")
    if version.roll or rule.roll:
        parts.append("a non-business due date rolls to the next business day")
    return parts


def lint_deadline(rule: TriggeredRule) -> list[LintNote]:
    """A satisfying event identical to the trigger: each trigger is satisfied by the next."""
    notes = []
    if rule.satisfied_by and not rule.once:
        for sm in rule.satisfied_by:
            for tm in rule.trigger:
                if set(sm.event) & set(tm.event) and sm.where == tm.where:
                    notes.append(
                        LintNote(
                            "warning",
                            "satisfied-by-trigger",
                            "satisfied_by",
                            f"satisfied_by {sm.event} is the same event as the trigger: each "
                            "trigger would be satisfied by the next one",
                        )
                    )
    return notes


KIND = RuleKind("deadline", DeadlineRule, compile_deadline, wording, lint_deadline)
