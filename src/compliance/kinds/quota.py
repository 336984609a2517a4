"""Kind ``quota``: at least ``count`` satisfying events in each consecutive ``period`` from the
trigger, until a closer; a period the closer cuts short requires a prorated count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from compliance.due import Due, add_periods
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    RuleKind,
    Triggered,
    TriggeredCompiled,
    closers_of,
    record,
    required_matcher,
    triggered_basics,
)
from compliance.matching import (
    Matcher,
    TimeOrdered,
    at_or_after,
    by_partition,
    in_group,
    shared_index,
)
from compliance.model import CaseEvent
from compliance.periods import Period, parse_period
from compliance.rules.fields import PeriodText, SomeMatches, TriggeredRule, Version
from compliance.status import judge_quota_period, prorated

__all__ = ["KIND", "QuotaRule"]

_DAY = dt.timedelta(days=1)
#: A guard against a runaway number of periods.
MAX_PERIODS = 1000


class QuotaRule(TriggeredRule):
    kind: Literal["quota"]
    satisfied_by: SomeMatches
    count: int = Field(ge=0)
    period: PeriodText = Field(description="quota: a period ('1 year')")


@dataclass(frozen=True, slots=True)
class QuotaTerms:
    period: Period
    count: int


@dataclass(frozen=True, eq=False)
class CompiledQuota(TriggeredCompiled[QuotaTerms]):
    satisfied_by: Matcher
    closers: Matcher | None

    def evaluate(self, ctx: Context) -> None:
        groups = by_partition(self.satisfied_by.select(ctx.case), self.partition)
        closers = shared_index(self.closers, ctx.case, self.partition)
        for triggered in self.triggers(ctx.case):
            trigger, partition = triggered.event, triggered.partition
            closer = closers.first(trigger, partition, exclude=trigger)
            mine = in_group(groups, partition)
            for k in range(MAX_PERIODS):
                if not self.judge_period(ctx, triggered, closer, mine, k):
                    break
            else:
                ctx.findings[-1].explain.append(
                    f"stopped after {MAX_PERIODS} periods (the engine's cap per trigger); "
                    "later periods are not evaluated"
                )

    def judge_period(
        self,
        ctx: Context,
        triggered: Triggered[QuotaTerms],
        closer: CaseEvent | None,
        mine: TimeOrdered,
        k: int,
    ) -> bool:
        """Record period ``k`` (from 0); False when there is no further period to judge."""
        trigger, terms = triggered.event, triggered.version.terms
        calendar = self.counting.calendar
        first = add_periods(terms.period, trigger.date, k, calendar)
        end = add_periods(terms.period, trigger.date, k + 1, calendar)  # exclusive
        if closer is not None and closer.date <= first and k > 0:
            return False
        if first > ctx.as_of.day:
            ctx.changes_at(ctx.midnight(first))  # this period begins then
            return False
        last = end - _DAY
        cut = closer is not None and closer.date < last
        end_day = closer.date if cut and closer is not None else last
        found = [
            s
            for s in mine.on_days(first, end_day)
            if at_or_after(s, trigger) and (closer is None or s.key <= closer.key)
        ]
        required = terms.count
        explain = [
            f"trigger {trigger.label()}",
            f"period {k + 1}: {first} to {last} ({terms.period}); at least {terms.count} required",
        ]
        if cut and closer is not None:
            span = (end - first).days
            active = (end_day - first).days + 1
            required = prorated(terms.count, active, span)
            explain.append(
                f"closed by {closer.label()}: {active} of {span} days active;"
                f" prorated requirement {required}"
            )
        ended = ctx.as_of.day > last
        judgement = judge_quota_period(found, required, cut, ended, str(last), explain)
        due, n = Due(end_day), len(found)
        record(
            ctx, self, triggered, judgement, due, explain, occurrence=k + 1, anchored=first, count=n
        )
        return not cut


def compile_quota(rule: QuotaRule, calendars: CalendarLookup) -> CompiledRule[QuotaTerms]:
    def terms(v: Version) -> QuotaTerms:
        return QuotaTerms(
            parse_period(v.period or rule.period), v.count if v.count is not None else rule.count
        )

    return CompiledQuota(
        **triggered_basics(rule, calendars, terms),
        satisfied_by=required_matcher(rule.satisfied_by),
        closers=closers_of(rule),
    )


def wording(rule: QuotaRule, version: Version) -> str:
    count = version.count if version.count is not None else rule.count
    return f"at least {count} in each {version.period or rule.period} while active"


KIND = RuleKind("quota", QuotaRule, compile_quota, wording)
