"""Kind ``limit``: at most ``count`` matching events within a window after the trigger; the
first event beyond the limit breaches it (docs/adr/0005 for a window a closer ends early)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field

from compliance.due import due_after
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    RuleKind,
    TriggeredCompiled,
    compile_versions,
    counting_of,
    inherited_period,
    record,
)
from compliance.matching import Matcher, after, compile_scope, first_closer, in_partition, selected
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
        matching = self.matching.select(ctx.case)
        closers = selected(self.closers, ctx.case)
        for trigger, version, partition in self.triggers(ctx.case):
            terms = version.terms
            explain = [f"trigger {trigger.label()}"]
            due = due_after(terms.within, trigger, terms.roll, self.counting, explain)
            closer = first_closer(self.partition, closers, trigger, partition)
            explain.append(f"at most {terms.count} matching event(s) until {due.text()}")
            hits = [
                e
                for e in matching
                if e is not trigger
                and after(e, trigger)
                and in_partition(self.partition, e, partition)
                and due.in_time(e)
                and (closer is None or e.key <= closer.key)
            ]
            judgement = judge_limit(due, hits, terms.count, closer, ctx.as_of, explain)
            record(
                ctx,
                self,
                version,
                judgement,
                trigger=trigger,
                partition=partition,
                due=due,
                explain=explain,
                count=len(hits),
            )


def compile_limit(rule: LimitRule, calendars: CalendarLookup) -> CompiledRule[LimitTerms]:
    trigger = Matcher.of(rule.trigger)
    matching = Matcher.of(rule.matching)
    assert trigger is not None and matching is not None  # the schema requires both

    def terms(v: Version) -> LimitTerms:
        within = inherited_period(v, rule, "within")
        assert within is not None  # the schema requires the rule's own
        return LimitTerms(
            within, v.count if v.count is not None else rule.count, v.roll or rule.roll
        )

    return CompiledLimit(
        model=rule,
        id=rule.id,
        kind=rule.kind,
        versions=compile_versions(rule, terms),
        scope=compile_scope(rule.scope),
        dispatch_types=trigger.types,
        trigger=trigger,
        partition=rule.partition,
        once=rule.once,
        counting=counting_of(rule, calendars),
        matching=matching,
        closers=Matcher.of(rule.cancelled_by),
    )


def wording(rule: LimitRule, version: Version) -> str:
    count = version.count if version.count is not None else rule.count
    return f"at most {count} within {version.within or rule.within} after the trigger"


KIND = RuleKind("limit", LimitRule, compile_limit, wording)
