"""Kind ``limit``: at most ``count`` matching events within a window after the trigger; the
first event beyond the limit breaches it (docs/adr/0005 for a window a closer ends early)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field

from compliance.due import Due, due_after
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    RuleKind,
    Triggered,
    TriggeredCompiled,
    inherited_period,
    record,
    required_matcher,
    triggered_basics,
)
from compliance.matching import Matcher, TimeOrdered, by_partition, in_group, shared_index
from compliance.model import CaseEvent
from compliance.periods import Period
from compliance.rules.fields import PeriodText, SomeMatches, TriggeredRule, Version
from compliance.status import judge_limit

__all__ = ["KIND", "LimitRule"]


class LimitRule(TriggeredRule):
    kind: Literal["limit"]
    matching: SomeMatches = Field(description="limit: the events counted")
    count: int = Field(ge=0)
    within: PeriodText

    MATCHER_FIELDS: ClassVar[tuple[str, ...]] = (*TriggeredRule.MATCHER_FIELDS, "matching")


@dataclass(frozen=True, slots=True)
class LimitTerms:
    within: Period
    count: int
    roll: str | None


@dataclass(frozen=True, eq=False)
class CompiledLimit(TriggeredCompiled[LimitTerms]):
    matching: Matcher
    closers: Matcher | None  # cancelled_by only

    def evaluate(self, ctx: Context) -> None:
        groups = by_partition(self.matching.select(ctx.case), self.partition)
        closers = shared_index(self.closers, ctx.case, self.partition)
        for trigger, version, partition in self.triggers(ctx.case):
            terms = version.terms
            explain = [f"trigger {trigger.label()}"]
            due = due_after(terms.within, trigger, terms.roll, self.counting, explain)
            closer = closers.first(trigger, partition, exclude=trigger)
            explain.append(f"at most {terms.count} matching event(s) until {due.text()}")
            hits = window_hits(in_group(groups, partition), trigger, due, closer)
            judgement = judge_limit(due, hits, terms.count, closer, ctx.as_of, explain)
            origin = Triggered(trigger, version, partition)
            record(ctx, self, origin, judgement, due, explain, count=len(hits))


def window_hits(
    group: TimeOrdered, trigger: CaseEvent, due: Due, closer: CaseEvent | None
) -> list[CaseEvent]:
    """The events strictly after the trigger, in time for the due date and not after the
    closer: a walk from the trigger's position that stops at the end of the window."""
    hits = []
    events = group.events
    for i in range(group.after(trigger), len(events)):
        e = events[i]
        if e.date > due.date or (closer is not None and e.key > closer.key):
            break
        if due.in_time(e):
            hits.append(e)
    return hits


def compile_limit(rule: LimitRule, calendars: CalendarLookup) -> CompiledRule[LimitTerms]:
    def terms(v: Version) -> LimitTerms:
        within = inherited_period(v, rule, "within")
        assert within is not None  # the schema requires the rule's own
        return LimitTerms(
            within, v.count if v.count is not None else rule.count, v.roll or rule.roll
        )

    return CompiledLimit(
        **triggered_basics(rule, calendars, terms),
        matching=required_matcher(rule.matching),
        closers=Matcher.of(rule.cancelled_by),
    )


def wording(rule: LimitRule, version: Version) -> str:
    count = version.count if version.count is not None else rule.count
    return f"at most {count} within {version.within or rule.within} after the trigger"


KIND = RuleKind("limit", LimitRule, compile_limit, wording)
