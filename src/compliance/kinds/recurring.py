"""Kind ``recurring``: like a deadline, and after each fulfilment the next occurrence falls due
``every`` period later (or by a date the fulfilling event sets), until a closer, or until the
duty has lasted ``lasting``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from compliance.due import Due, due_after, rolled
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    LawVersion,
    RuleKind,
    Triggered,
    record,
)
from compliance.kinds.deadline import (
    CompiledDeadline,
    DueTerms,
    closing_words,
    deadline_fields,
    describe_due,
    lint_deadline,
)
from compliance.limits import MAX_OCCURRENCES, shorten
from compliance.matching import EventIndex, anchor_event, date_attr, index_of, shared_index
from compliance.model import CaseEvent
from compliance.periods import Period, parse_period
from compliance.rules.fields import (
    FieldProblem,
    PeriodText,
    SomeMatches,
    TriggeredRule,
    Version,
)
from compliance.status import judge_obligation

__all__ = ["KIND", "RecurringRule"]


class RecurringRule(TriggeredRule):
    kind: Literal["recurring"]
    satisfied_by: SomeMatches
    every: PeriodText | None = None
    lasting: PeriodText | None = Field(
        default=None,
        description="recurring: no occurrence falls due later than this long after the trigger",
    )

    @model_validator(mode="after")
    def _next_due(self) -> RecurringRule:
        self.needs_due_date()
        if not any(v.every or v.due_from for v in self.versions) and not (
            self.every or self.due_from
        ):
            raise FieldProblem("kind", "kind 'recurring' needs 'every' (or due_from)")
        return self


@dataclass(frozen=True, eq=False)
class CompiledRecurring(CompiledDeadline):
    lasting: Period | None

    def evaluate(self, ctx: Context) -> None:
        candidates = index_of(self.satisfied_by, ctx.case, self.partition, wildcard=False)
        closers = shared_index(self.closers, ctx.case, self.partition)
        for trigger, version, partition in self.triggers(ctx.case):
            closer = closers.first(trigger, partition, exclude=trigger)
            chain = Chain(self, ctx, trigger, version, partition, closer)
            chain.run(candidates)


@dataclass(slots=True)
class Chain:
    """The occurrences raised by one trigger, each due after the previous fulfilment."""

    rule: CompiledRecurring
    ctx: Context
    trigger: CaseEvent
    version: LawVersion[DueTerms]
    partition: str | None
    closer: CaseEvent | None

    def run(self, candidates: EventIndex) -> None:
        rule, ctx, trigger = self.rule, self.ctx, self.trigger
        explain = [f"trigger {trigger.label()}"]
        start = anchor_event(rule.anchor, trigger, ctx.case, explain)
        due: Due | None = rule.first_due(
            trigger, self.version, start, self.partition, ctx.case, explain
        )
        end = rule.lasting.add_to_date(start.date, rule.counting.calendar) if rule.lasting else None
        previous, occurrence = trigger, 1
        while due is not None:
            if end is not None and due.date > end:
                if occurrence > 1:
                    self.note(f"the duty lasts {rule.lasting} (to {end}): no further occurrence")
                break
            fulfilment = self.next_fulfilment(candidates, previous, occurrence)
            judgement = judge_obligation(due, fulfilment, self.closer, None, ctx.as_of, explain)
            anchored = previous if occurrence > 1 or start is not trigger else None
            origin = Triggered(trigger, self.version, self.partition)
            record(
                ctx, rule, origin, judgement, due, explain, occurrence=occurrence, anchored=anchored
            )
            done = judgement.fulfilment
            if done is None:
                break
            if occurrence >= MAX_OCCURRENCES:
                self.note(
                    f"stopped after {MAX_OCCURRENCES} occurrences (the engine's cap per trigger);"
                    " later occurrences are not evaluated"
                )
                break
            previous, occurrence = done, occurrence + 1
            explain = [
                f"trigger {trigger.label()}",
                f"occurrence {occurrence}: after fulfilment {done.label()}",
            ]
            due = self.next_due(done, explain)

    def next_fulfilment(
        self, candidates: EventIndex, previous: CaseEvent, occurrence: int
    ) -> CaseEvent | None:
        """The first unused satisfying event after the previous fulfilment (at or after the
        trigger for the first occurrence), unless the closer comes first."""
        found = candidates.first(
            previous, self.partition, strict=occurrence > 1, exclude=self.trigger
        )
        if found is None or (self.closer is not None and self.closer.key < found.key):
            return None
        candidates.use(found)
        return found

    def next_due(self, done: CaseEvent, explain: list[str]) -> Due | None:
        terms, counting = self.version.terms, self.rule.counting
        given = date_attr(done, terms.due_from)
        if given is not None:
            explain.append(f"next due set by data: {terms.due_from} = {given}")
            return rolled(given, terms.roll, counting, explain)
        if terms.every is not None:
            return due_after(terms.every, done, terms.roll, counting, explain)
        self.note(
            f"no next date set ({terms.due_from} missing on {shorten(done.id)}); "
            "no further obligation can be computed"
        )
        return None

    def note(self, text: str) -> None:
        """Explain on the last finding why the chain stops."""
        self.ctx.findings[-1].explain.append(text)


def compile_recurring(rule: RecurringRule, calendars: CalendarLookup) -> CompiledRule[DueTerms]:
    lasting = parse_period(rule.lasting) if rule.lasting else None
    return CompiledRecurring(**deadline_fields(rule, calendars), lasting=lasting)


def wording(rule: RecurringRule, version: Version) -> str:
    parts = describe_due(rule, version)
    if version.due_from or rule.due_from:
        parts.append(
            f"then by the date set in `{version.due_from or rule.due_from}` at each fulfilment"
        )
    every = version.every or rule.every
    if every:
        parts.append(f"then every {every} after each fulfilment")
    return "; ".join(parts + closing_words(rule, version))


KIND = RuleKind("recurring", RecurringRule, compile_recurring, wording, lint_deadline)
