"""Rule kinds: one module each, registered here.

Each module holds a kind's schema model, compilation to an object the engine evaluates, its
lint checks and its catalogue wording (``kinds/base.py`` has the protocol they share). Adding a
kind is one module and one line in ``KINDS``.
"""

from __future__ import annotations

from typing import Any

from compliance.kinds import (
    age,
    attribute,
    deadline,
    indicator,
    limit,
    precondition,
    quota,
    recurring,
    timely,
)
from compliance.kinds.base import CalendarLookup, CompiledRule, RuleKind
from compliance.rules.fields import Rule

__all__ = ["KINDS", "compile_rule", "kind_of", "kind_tag"]

#: The registry: tag -> kind. The tag is ``kind:`` as written, except ``age`` (see kind_tag).
KINDS: dict[str, RuleKind] = {
    k.name: k
    for k in (
        deadline.KIND,
        age.KIND,
        precondition.KIND,
        recurring.KIND,
        quota.KIND,
        limit.KIND,
        indicator.KIND,
        timely.KIND,
        attribute.KIND,
    )
}


def kind_tag(data: Any) -> str | None:
    """Which kind's model parses a rule: its ``kind:``, or ``age`` for a deadline triggered by
    an age (the pydantic discriminator of :data:`compliance.rules.schema.Rule`)."""
    kind = data.get("kind") if isinstance(data, dict) else getattr(data, "kind", None)
    if kind == "deadline" and age.is_age_rule(data):
        return "age"
    return kind if isinstance(kind, str) else None


def kind_of(rule: Rule) -> RuleKind:
    tag = kind_tag(rule)
    if tag is None or tag not in KINDS:
        raise KeyError(f"no rule kind {rule.kind!r}")
    return KINDS[tag]


def compile_rule(rule: Rule, calendars: CalendarLookup) -> CompiledRule[Any]:
    """The rule compiled by its kind (once per Engine)."""
    return kind_of(rule).compile(rule, calendars)
