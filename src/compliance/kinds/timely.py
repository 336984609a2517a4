"""Kind ``timely``: the trigger is an act of a party (an appeal); was it in time under *any* of
several legal bases, each with its own anchor event and period? (CdS art. 204-bis: 60/30 days
from the notification of the fine, only if no Prefect appeal came first; art. 205: 30 days from
the notification of the Prefect's order.) Met when the act is within one basis' period; late
when there is an applicable basis and the act is after all their due dates; no finding when
no basis applies. The act is the trigger, so there is never a due/overdue (docs/adr/0011)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from compliance.calendar import get_calendar
from compliance.due import Due, due_after
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    LintNote,
    RuleKind,
    Triggered,
    TriggeredCompiled,
    record,
    triggered_basics,
)
from compliance.matching import Matcher, at_or_before
from compliance.model import CaseEvent, CaseEvents
from compliance.periods import Period, parse_period
from compliance.rules.fields import (
    FieldProblem,
    Matches,
    SomeMatches,
    Strict,
    TriggeredRule,
    Version,
    WithinText,
)
from compliance.ruletools.words import events_text
from compliance.status import Judgement
from compliance.suspension import suspension_words

__all__ = ["KIND", "Basis", "TimelyRule"]


class Basis(Strict):
    """One legal basis: the act is in time if within ``within`` of the latest ``anchor`` event
    at or before it, unless an ``unless`` event came before the act."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    anchor: SomeMatches
    within: WithinText
    unless: Matches | None = None
    opened_by: Matches | None = Field(
        default=None,
        description="an event that opens this basis before its anchor: an act after it but "
        "before any anchor is in time (the period has not started yet)",
    )
    note: str | None = None


class TimelyRule(TriggeredRule):
    kind: Literal["timely"]
    bases: list[Basis] = Field(min_length=1)
    same_day: Literal["ordered", "unordered"] = Field(
        default="ordered",
        description="unordered: for date-only law, an anchor, opener or closer on the act's "
        "day counts as before the act whatever its time or file order",
    )
    periods: dict[str, list[BasisPeriod]] = Field(
        default_factory=dict,
        description="per basis id, periods by the act's date ({from: date, within: period}); "
        "the latest 'from' at or before the act applies, else the basis' own 'within'",
    )

    @model_validator(mode="after")
    def _known_bases(self) -> TimelyRule:
        ids = {b.id for b in self.bases}
        for name in self.periods:
            if name not in ids:
                raise FieldProblem("periods", f"periods: no basis {name!r} (bases: {sorted(ids)})")
        return self


class BasisPeriod(Strict):
    from_: str = Field(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$")
    within: WithinText


TimelyRule.model_rebuild()


@dataclass(frozen=True, slots=True)
class CompiledBasis:
    id: str
    anchor: Matcher
    unless: Matcher | None
    opened_by: Matcher | None
    within: Period
    changes: tuple[tuple[str, Period], ...]  # (from ISO date, period), ascending

    def period_on(self, day: str) -> Period:
        period = self.within
        for start, p in self.changes:
            if start <= day:
                period = p
        return period


@dataclass(frozen=True, eq=False)
class CompiledTimely(TriggeredCompiled[None]):
    bases: tuple[CompiledBasis, ...]
    by_date: bool  # same_day: unordered

    def evaluate(self, ctx: Context) -> None:
        for trigger, version, partition in self.triggers(ctx.case):
            explain = [f"act {trigger.label()}"]
            dues = self.applicable_dues(trigger, ctx.case, explain)
            if not dues:
                continue
            in_time = [(basis, due) for basis, due in dues if due.in_time(trigger)]
            if in_time:
                basis, due = in_time[0]
                explain.append(f"in time under basis {basis}: met")
                judgement = Judgement("met", None, trigger)
            else:
                basis, due = max(dues, key=lambda bd: bd[1].date)
                lateness = (trigger.date - due.date).days
                explain.append(f"after every basis' due date (latest {basis}): late")
                judgement = Judgement("late", lateness, trigger)
            origin = Triggered(trigger, version, partition)
            record(ctx, self, origin, judgement, due, explain)

    def applicable_dues(
        self, act: CaseEvent, case: CaseEvents, explain: list[str]
    ) -> list[tuple[str, Due]]:
        out = []
        for basis in self.bases:
            closers = before_act(basis.unless, act, case, self.by_date)
            if closers:
                explain.append(f"basis {basis.id}: closed by an earlier {closers[0].label()}")
                continue
            anchors = before_act(basis.anchor, act, case, self.by_date)
            if not anchors:
                opener = before_act(basis.opened_by, act, case, self.by_date)
                if opener:
                    explain.append(
                        f"basis {basis.id}: opened by {opener[0].label()}, no anchor yet: "
                        "the period has not started"
                    )
                    out.append((basis.id, Due(act.date)))
                else:
                    explain.append(f"basis {basis.id}: no anchor before the act")
                continue
            period = basis.period_on(act.date.isoformat())
            explain.append(f"basis {basis.id}: from {anchors[-1].label()}")
            due = due_after(period, anchors[-1], "next_business_day", self.counting, explain)
            out.append((basis.id, due))
        return out


def before_act(
    matcher: Matcher | None, act: CaseEvent, case: CaseEvents, by_date: bool
) -> list[CaseEvent]:
    """The events ``matcher`` selects at or before ``act`` (not the act itself), in order; with
    ``by_date`` every event of the act's local day counts as before it."""
    if matcher is None:
        return []
    return [
        e
        for e in matcher.select(case)
        if e is not act and (e.date <= act.date if by_date else at_or_before(e, act))
    ]


def compile_timely(rule: TimelyRule, calendars: CalendarLookup) -> CompiledRule[None]:
    bases = []
    for b in rule.bases:
        changes = tuple(
            sorted((p.from_, parse_period(p.within)) for p in rule.periods.get(b.id, []))
        )
        anchor = Matcher.of(b.anchor)
        assert anchor is not None
        bases.append(
            CompiledBasis(
                b.id,
                anchor,
                Matcher.of(b.unless),
                Matcher.of(b.opened_by),
                parse_period(b.within),
                changes,
            )
        )
    return CompiledTimely(
        **triggered_basics(rule, calendars, lambda v: None),
        bases=tuple(bases),
        by_date=rule.same_day == "unordered",
    )


def wording(rule: TimelyRule, version: Version) -> str:
    parts = []
    for b in rule.bases:
        text = f"{b.id}: within {b.within} of {events_text(b.anchor)}"
        for p in rule.periods.get(b.id, []):
            text += f" ({p.within} for acts from {p.from_})"
        if b.unless:
            text += f", unless {events_text(b.unless)} came first"
        if b.opened_by:
            text += f" (an act after {events_text(b.opened_by)} and before it is in time)"
        parts.append(text)
    text = "in time under any basis — " + "; ".join(parts) + "; end day rolls past closed days"
    if rule.same_day == "unordered":
        text += "; events on the act's day count as before it whatever their order"
    suspended = get_calendar(rule.calendar).suspensions
    return text + (f"; {suspension_words(suspended)}" if suspended else "")


def lint_timely(rule: TimelyRule) -> list[LintNote]:
    if rule.satisfied_by or rule.within:
        return [LintNote("warning", "ignored-field", "satisfied_by", "a timely rule uses bases")]
    return []


KIND = RuleKind("timely", TimelyRule, compile_timely, wording, lint_timely)
