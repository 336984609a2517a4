"""Kind ``attribute``: the trigger event itself must carry a decision, recorded as attributes.

Some duties are a decision taken *at* an event rather than a later act: at the first follow-up
on a measure the municipality decides how follow-up continues (Barnets Lov § 95, stk. 3); at a
decision on a support measure it decides whether a child's plan is to be made (§ 91, stk. 1).
The data records such a decision as an attribute of the event (``next_due``, ``plan_needed``).
The trigger settles the finding at once: met when it carries every attribute in ``requires``
(with a value), excused by an excusing event at or before it, else missed.

``once`` here keeps the first trigger per partition *in the data*, before the law version is
chosen: "the first follow-up" is the first one there is, and if it falls before the rule's
first version the rule raises nothing for that partition (it is not replaced by a later one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from compliance.due import Due
from compliance.kinds.base import (
    CalendarLookup,
    CompiledRule,
    Context,
    LintNote,
    RuleKind,
    TriggeredCompiled,
    record,
    triggered_basics,
)
from compliance.matching import Matcher, at_or_before, closer_applies, selected
from compliance.model import CaseEvent
from compliance.rules.fields import TriggeredRule, Version
from compliance.status import Judgement

__all__ = ["KIND", "AttributeRule"]


class AttributeRule(TriggeredRule):
    kind: Literal["attribute"]
    requires: list[str] = Field(
        min_length=1, description="attributes the trigger must carry (each with a value)"
    )


@dataclass(frozen=True, eq=False)
class CompiledAttribute(TriggeredCompiled[None]):
    requires: tuple[str, ...]
    excused_by: Matcher | None

    def evaluate(self, ctx: Context) -> None:
        excuses = selected(self.excused_by, ctx.case)
        for origin in self.triggers(ctx.case, first_in_data=True):
            trigger = origin.event
            wanted = ", ".join(self.requires)
            explain = [f"trigger {trigger.label()}", f"must carry: {wanted}"]
            judgement = self.judge(trigger, origin.partition, excuses, explain)
            record(ctx, self, origin, judgement, Due(trigger.date), explain)

    def judge(
        self,
        trigger: CaseEvent,
        partition: str | None,
        excuses: list[CaseEvent],
        explain: list[str],
    ) -> Judgement:
        missing = [a for a in self.requires if trigger.attrs.get(a) in (None, "")]
        if not missing:
            explain.append("present on the trigger: met")
            return Judgement("met", None, trigger)
        excuse = next(
            (
                e
                for e in excuses
                if e is not trigger
                and at_or_before(e, trigger)
                and closer_applies(self.partition, e, partition)
            ),
            None,
        )
        if excuse is not None:
            explain.append(f"missing {', '.join(missing)}; excused by {excuse.label()}")
            return Judgement("excused")
        explain.append(f"missing on the trigger: {', '.join(missing)}: missed")
        return Judgement("missed", 0)


def compile_attribute(rule: AttributeRule, calendars: CalendarLookup) -> CompiledRule[None]:
    return CompiledAttribute(
        **triggered_basics(rule, calendars, lambda v: None),
        requires=tuple(rule.requires),
        excused_by=Matcher.of(rule.excused_by),
    )


def wording(rule: AttributeRule, version: Version) -> str:
    return "the trigger itself carries " + ", ".join(f"`{a}`" for a in rule.requires)


def lint_attribute(rule: AttributeRule) -> list[LintNote]:
    ignored = [
        name
        for name in ("satisfied_by", "within", "due_from", "cancelled_by", "until", "or_by")
        if getattr(rule, name, None)
    ]
    return [
        LintNote(
            "warning",
            "ignored-field",
            name,
            f"an attribute rule is settled by its trigger; '{name}' is not read",
        )
        for name in ignored
    ]


KIND = RuleKind("attribute", AttributeRule, compile_attribute, wording, lint_attribute)
