"""Kind ``indicator``: a portfolio measure. Each case contributes observations, either from
events it matches (``events``) or from the settled findings of a base rule (``base``); the
shares against the target are computed over all cases in ``compliance.indicators``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import model_validator

from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    Observation,
    RuleKind,
    compile_versions,
    rule_basics,
)
from compliance.matching import Matcher, Pred, compile_where
from compliance.periods import Period, parse_period
from compliance.rules.fields import FieldProblem, Matches, Rule, Success, Target, Version
from compliance.status import SETTLED

__all__ = ["KIND", "IndicatorRule", "period_key"]

IndicatorPeriod = Literal["year", "quarter", "month", "all"]


class IndicatorRule(Rule):
    kind: Literal["indicator"]
    base: str | None = None
    events: Matches | None = None
    success: Success | None = None
    target: Target
    period: IndicatorPeriod | None = None

    MATCHER_FIELDS: ClassVar[tuple[str, ...]] = ("events",)

    @model_validator(mode="after")
    def _one_source(self) -> IndicatorRule:
        if (self.base is None) == (self.events is None):
            field = "base" if self.base is not None else "events" if self.events else "kind"
            raise FieldProblem(
                field, "an indicator needs exactly one of 'base' (a rule id) or 'events'"
            )
        return self


def period_key(day: dt.date, period: str | None) -> str:
    """The reporting period a day falls in (``2025``, ``2025-Q2``, ``2025-06``, ``all``)."""
    if period in (None, "year"):
        return str(day.year)
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return "all"


@dataclass(frozen=True, eq=False)
class EventIndicator(CompiledRule[None]):
    """Each matching event is one observation; a success when it also meets ``success.where``."""

    events: Matcher
    success: Pred | None
    period: str | None

    def evaluate(self, ctx: Context) -> None:
        birth = ctx.case.birth_date
        for event in self.events.select(ctx.case):
            if self.version_for(event.date) is None:
                continue
            ok = self.success(event, birth) if self.success else True
            ctx.observations.append(
                Observation(
                    self.id, period_key(event.date, self.period), ok, ctx.case.case_id, event.id
                )
            )


@dataclass(frozen=True, eq=False)
class BaseIndicator(CompiledRule[None]):
    """Each settled finding of the base rule is one observation: a success when its status is
    one of ``success.status`` (default met), or when fulfilled within ``success.within`` of
    the clock's start."""

    base: str
    statuses: frozenset[str]
    within: Period | None
    period: str | None

    reads_findings: ClassVar[bool] = True

    def evaluate(self, ctx: Context) -> None:
        for settled in ctx.settlements:
            f = settled.finding
            if f.rule != self.base or f.status not in SETTLED or f._due_key is None:
                continue
            if self.version_for(f._due_key) is None:
                continue
            if self.within is not None:
                ok = (
                    settled.fulfilled_on is not None
                    and settled.started_on is not None
                    and settled.fulfilled_on <= self.within.add_to_date(settled.started_on)
                )
            else:
                ok = f.status in self.statuses
            ctx.observations.append(
                Observation(
                    self.id,
                    period_key(f._due_key, self.period),
                    ok,
                    ctx.case.case_id,
                    f"{f.rule}:{f.trigger}:{f.occurrence or ''}",
                )
            )


def compile_indicator(rule: IndicatorRule, calendars: CalendarLookup) -> CompiledRule[None]:
    basics = rule_basics(rule, compile_versions(rule, lambda v: None))
    success = rule.success
    events = Matcher.of(rule.events)
    if events is not None:
        where = compile_where(success.where) if success else None
        return EventIndicator(
            **basics, dispatch_types=events.types, events=events, success=where, period=rule.period
        )
    assert rule.base is not None  # the schema requires base or events
    statuses = frozenset(success.status) if success and success.status else frozenset({"met"})
    within = parse_period(success.within) if success and success.within else None
    return BaseIndicator(
        **basics,
        dispatch_types=frozenset(),
        base=rule.base,
        statuses=statuses,
        within=within,
        period=rule.period,
    )


def wording(rule: IndicatorRule, version: Version) -> str:
    t = rule.target
    share = t.min_share if t.min_share is not None else t.max_share
    return f"share {'≥' if t.min_share is not None else '≤'} {share} per {rule.period or 'year'}"


KIND = RuleKind("indicator", IndicatorRule, compile_indicator, wording)
