"""Kind ``age`` (written ``kind: deadline`` with ``trigger: {age: ...}``): while a measure is
active, something is due by the day the subject reaches an age (+ ``within``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field

from compliance.due import Counting, rolled
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    LawVersion,
    RuleKind,
    Triggered,
    closers_of,
    compile_versions,
    counting_of,
    inherited_period,
    record,
    required_matcher,
    rule_basics,
)
from compliance.matching import (
    Matcher,
    at_or_after,
    first_closer,
    in_partition,
    partition_of,
    selected,
)
from compliance.model import CaseEvent, CaseEvents
from compliance.periods import Period, parse_period
from compliance.rules.fields import (
    AgeTrigger,
    CalendarField,
    Matches,
    PeriodText,
    Rule,
    SomeMatches,
    Version,
)
from compliance.ruletools.words import events_text
from compliance.status import judge_obligation

__all__ = ["KIND", "AgeRule"]


class AgeRule(Rule):
    kind: Literal["deadline"]
    trigger: AgeTrigger
    while_: SomeMatches = Field(alias="while", description="the measure that must be active")
    satisfied_by: SomeMatches
    cancelled_by: Matches | None = None
    until: Matches | None = None
    within: PeriodText | None = Field(default=None, description="after the age is reached")
    partition: str | None = None
    calendar: CalendarField = "dk"
    roll: Literal["next_business_day"] | None = None
    month_end: Literal["clamp", "next_day", "error"] = "clamp"

    MATCHER_FIELDS: ClassVar[tuple[str, ...]] = ("satisfied_by", "cancelled_by", "until", "while")


@dataclass(frozen=True, slots=True)
class AgeTerms:
    within: Period | None
    roll: str | None


@dataclass(frozen=True, eq=False)
class CompiledAge(CompiledRule[AgeTerms]):
    age: Period
    while_: Matcher
    satisfied_by: Matcher
    closers: Matcher | None
    partition: str | None
    counting: Counting

    def age_reached(self, case: CaseEvents) -> tuple[dt.date, dt.date, LawVersion[AgeTerms]] | None:
        """(birth date, the day the age is reached, the law version of that day), or None
        when the case has no birth date or no version applies that day: no obligation."""
        birth = case.birth_date
        if birth is None:
            return None
        reached = self.age.add_to_date(birth, month_end=self.counting.month_end)
        version = self.version_for(reached)
        return None if version is None else (birth, reached, version)

    def evaluate(self, ctx: Context) -> None:
        found = self.age_reached(ctx.case)
        if found is None:
            return
        birth, reached, version = found
        candidates = self.satisfied_by.select(ctx.case)
        closers = selected(self.closers, ctx.case)
        used: set[str] = set()
        for measure in self.while_.select(ctx.case):
            if measure.date > reached:
                continue  # the measure began after the age was reached: no obligation arises
            self.judge_measure(ctx, measure, birth, reached, version, candidates, closers, used)

    def judge_measure(
        self,
        ctx: Context,
        measure: CaseEvent,
        birth: dt.date,
        reached: dt.date,
        version: LawVersion[AgeTerms],
        candidates: list[CaseEvent],
        closers: list[CaseEvent],
        used: set[str],
    ) -> None:
        partition = partition_of(self.partition, measure)
        explain = [f"while {measure.label()}", f"birth_date {birth} + {self.age} -> {reached}"]
        day = reached
        within = version.terms.within
        if within is not None:
            day = within.add_to_date(reached, self.counting.calendar)
            explain.append(f"+{within} -> {day}")
        due = rolled(day, version.terms.roll, self.counting, explain)
        closer = first_closer(self.partition, closers, measure, partition)
        fulfilment = next(
            (
                s
                for s in candidates
                if s.id not in used
                and at_or_after(s, measure)
                and in_partition(self.partition, s, partition)
            ),
            None,
        )
        if fulfilment is not None:
            used.add(fulfilment.id)
        judgement = judge_obligation(due, fulfilment, closer, None, ctx.as_of, explain)
        origin = Triggered(measure, version, partition)
        record(ctx, self, origin, judgement, due, explain, anchored=reached)


def compile_age(rule: AgeRule, calendars: CalendarLookup) -> CompiledRule[AgeTerms]:
    def terms(v: Version) -> AgeTerms:
        return AgeTerms(inherited_period(v, rule, "within"), v.roll or rule.roll)

    while_ = required_matcher(rule.while_)
    return CompiledAge(
        **rule_basics(rule, compile_versions(rule, terms)),
        dispatch_types=while_.types,
        age=parse_period(rule.trigger.age),
        while_=while_,
        satisfied_by=required_matcher(rule.satisfied_by),
        closers=closers_of(rule),
        partition=rule.partition,
        counting=counting_of(rule, calendars),
    )


def wording(rule: AgeRule, version: Version) -> str:
    within = version.within or rule.within
    words = (
        f"by the day the subject reaches {rule.trigger.age}, "
        f"while {events_text(rule.while_)} is active"
    )
    return words + (f", + {within}" if within else "")


def is_age_rule(data: Any) -> bool:
    """A rule written ``kind: deadline`` with ``trigger: {age: ...}``."""
    trigger = data.get("trigger") if isinstance(data, dict) else getattr(data, "trigger", None)
    return isinstance(trigger, AgeTrigger) or (isinstance(trigger, dict) and "age" in trigger)


KIND = RuleKind("age", AgeRule, compile_age, wording)
