"""The targets a rule's own compliance is held to, for the report's trend charts.

A rule (a deadline, say) has no target of its own: the law says every obligation is to be met.
A municipality sets one with an indicator built on the rule (``base: <rule>``) that counts an
obligation as a success when it is met, with no further condition (no ``success.within``, no
``success.where``, ``success.status`` absent or just ``met``): that indicator's share is the
rule's compliance (met ÷ obligations whose outcome is known) in the municipality's cases, so
its target is the rule's target there. A rule without such an indicator has no target line
(no invented reference such as 90 %)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.kinds.indicator import IndicatorRule
from compliance.rules.load import RuleSet

__all__ = ["Target", "indicator_target", "rule_targets", "scope_municipality"]


@dataclass(frozen=True)
class Target:
    """A share to reach (``at_least``) or not to exceed, set by ``indicator``."""

    share: float
    at_least: bool
    indicator: str
    municipality: str = ""  # whose target (a municipal pack's scope), empty for national ones


def indicator_target(target: Any, indicator: str, municipality: str = "") -> Target:
    """A rule file's or an indicator result's ``target`` (``min_share`` or ``max_share``)."""
    fields = target if isinstance(target, dict) else target.model_dump()
    at_least = fields.get("min_share") is not None
    share = fields["min_share"] if at_least else fields["max_share"]
    return Target(float(share), at_least, indicator, municipality)


def rule_targets(rules: RuleSet) -> dict[str, list[Target]]:
    """Each rule id's targets, from the indicators that measure exactly its compliance."""
    targets: dict[str, list[Target]] = {}
    for rule in rules.rules:
        if not isinstance(rule, IndicatorRule) or rule.base is None:
            continue
        success = rule.success
        plain = success is None or (
            not success.within and not success.where and success.status in (None, ["met"])
        )
        if plain:
            target = indicator_target(rule.target, rule.id, scope_municipality(rule.scope))
            targets.setdefault(rule.base, []).append(target)
    return targets


def scope_municipality(scope: dict[str, Any]) -> str:
    """The municipality a rule is scoped to (a municipal pack), else empty (national law)."""
    value = scope.get("municipality", scope.get("subject.municipality", ""))
    if isinstance(value, dict):
        value = value.get("in", value.get("eq", ""))
    return ", ".join(value) if isinstance(value, list) else str(value or "")
