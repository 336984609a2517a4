"""Which rules the columnar path can judge exactly, and why not the others.

The columnar path judges ``precondition`` rules (with partitions, excuses, ``lookback``,
``requires_earlier``) and ``deadline`` rules whose clock starts at the trigger: a trigger
matcher, a ``satisfied_by`` matcher, optional closers (``cancelled_by``/``until``) and excuses
(``excused_by``), a ``partition``, ``same_day: ordered`` or ``unordered``; the due date is
``within`` a period (days, weeks, business days, months, years or hours, with ``roll`` and the
calendar's suspensions), per law version by the trigger's local date, or the rule's own
``first_due`` where a version sets ``due_from``, ``or_by`` or the rule has ``variants``. Per
case a deadline is judged where the triggers take satisfying events in one order (table.py);
``requires_earlier`` is the rule's own compiled check. Everything else goes to the per-case
engine; :func:`why_not_columnar` says why. Age rules (``trigger: {age: ...}``) are deadlines
whose obligations are the measures begun by the day the age is reached (table.py);
``attribute`` rules are settled by their trigger, in the precondition table.
"""

from __future__ import annotations

from typing import Any

from compliance.kinds.age import CompiledAge
from compliance.kinds.attribute import CompiledAttribute
from compliance.kinds.base import CompiledRule
from compliance.kinds.deadline import CompiledDeadline
from compliance.kinds.precondition import CompiledPrecondition

__all__ = ["why_not_columnar"]

#: (compiled field, the value the columnar path needs, why a rule with another value falls back)
_PLAIN_FIELDS: tuple[tuple[str, Any, str], ...] = (
    ("before_trigger", "ignored", "before_trigger: counts"),
    ("total", None, "total: a running sum decides fulfilment"),
)


def why_not_columnar(rule: CompiledRule[Any]) -> str | None:
    """None when the columnar path judges ``rule`` exactly; else the reason it does not."""
    if type(rule) in (CompiledPrecondition, CompiledAge, CompiledAttribute):
        return None
    if type(rule) is not CompiledDeadline:
        return f"kind {rule.kind}" + (
            f" ({type(rule).__name__})" if rule.kind == "deadline" else ""
        )
    for name, needed, reason in _PLAIN_FIELDS:
        if getattr(rule, name) != needed:
            return reason
    for version in rule.versions:
        terms = version.terms
        if terms.within is None and terms.due_from is None:
            return f"version {version.label}: no within period"
        if terms.every is not None:
            return f"version {version.label}: every"
    return None
