"""Kind ``precondition``: a satisfying event must come before the trigger (at or before it,
within ``lookback`` if given). There is no waiting: the trigger settles it, met or missed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from compliance.due import Due
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    LintNote,
    RuleKind,
    TriggeredCompiled,
    inherited_period,
    record,
    required_matcher,
    triggered_basics,
)
from compliance.matching import (
    Matcher,
    after,
    at_or_before,
    closer_applies,
    in_partition,
    selected,
)
from compliance.model import CaseEvent
from compliance.periods import Period
from compliance.rules.fields import PeriodText, SomeMatches, TriggeredRule, Version
from compliance.status import Judgement

__all__ = ["KIND", "PreconditionRule"]


class PreconditionRule(TriggeredRule):
    kind: Literal["precondition"]
    satisfied_by: SomeMatches
    lookback: PeriodText | None = None


@dataclass(frozen=True, slots=True)
class LookbackTerms:
    lookback: Period | None


@dataclass(frozen=True, eq=False)
class CompiledPrecondition(TriggeredCompiled[LookbackTerms]):
    satisfied_by: Matcher
    excused_by: Matcher | None

    def evaluate(self, ctx: Context) -> None:
        triggered = self.triggers(ctx.case)
        if not triggered:
            return
        candidates = self.satisfied_by.select(ctx.case)
        excuses = selected(self.excused_by, ctx.case)
        for origin in triggered:
            trigger, version, partition = origin
            explain = [
                f"trigger {trigger._label or trigger.label()}",
                "requires an earlier satisfying event",
            ]
            lookback = version.terms.lookback
            earliest = lookback.subtract_from_date(trigger.date) if lookback else None
            if earliest:
                explain.append(f"look back {lookback} -> from {earliest}")
            judgement = self.judge(trigger, partition, earliest, candidates, excuses, explain)
            record(ctx, self, origin, judgement, Due(trigger.date), explain)

    def judge(
        self,
        trigger: CaseEvent,
        partition: str | None,
        earliest: dt.date | None,
        candidates: list[CaseEvent],
        excuses: list[CaseEvent],
        explain: list[str],
    ) -> Judgement:
        """Met by an earlier satisfying event (one the trigger refs first, else the latest),
        excused by an excusing event in the window, else missed."""
        before = [
            s
            for s in candidates
            if s is not trigger
            and in_partition(self.partition, s, partition)
            and at_or_before(s, trigger)
            and (earliest is None or s.date >= earliest)
        ]
        found = next((s for s in before if s.id in trigger.refs), None) or (
            before[-1] if before else None
        )
        if found is not None:
            explain.append(f"found {found._label or found.label()}: met")
            return Judgement("met", None, found)
        excuse = next(
            (
                e
                for e in excuses
                if e.date <= trigger.date
                and (earliest is None or e.date >= earliest)
                and closer_applies(self.partition, e, partition)
            ),
            None,
        )
        if excuse is not None:
            explain.append(f"excused by {excuse.label()}")
            return Judgement("excused")
        later = next(
            (
                s
                for s in candidates
                if after(s, trigger) and in_partition(self.partition, s, partition)
            ),
            None,
        )
        explain.append("none found before the trigger: missed")
        if later is not None:
            explain.append(f"(a satisfying event came afterwards: {later.label()})")
        return Judgement("missed", 0)


def compile_precondition(
    rule: PreconditionRule, calendars: CalendarLookup
) -> CompiledRule[LookbackTerms]:
    def terms(v: Version) -> LookbackTerms:
        return LookbackTerms(inherited_period(v, rule, "lookback"))

    return CompiledPrecondition(
        **triggered_basics(rule, calendars, terms),
        satisfied_by=required_matcher(rule.satisfied_by),
        excused_by=Matcher.of(rule.excused_by),
    )


def wording(rule: PreconditionRule, version: Version) -> str:
    lookback = version.lookback or rule.lookback
    return "before the trigger (at or before it)" + (
        f", within the {lookback} before" if lookback else ""
    )


def lint_precondition(rule: PreconditionRule) -> list[LintNote]:
    if rule.within or any(v.within for v in rule.versions):
        return [
            LintNote(
                "warning",
                "ignored-field",
                "within",
                "a precondition has no 'within' (use lookback)",
            )
        ]
    return []


KIND = RuleKind("precondition", PreconditionRule, compile_precondition, wording, lint_precondition)
