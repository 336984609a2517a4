"""How firmly a rule's period and section are sourced (the ``confidence`` of a rule and of each
version: C, C-p, M or ?), reduced to the codes a reader can compare. A finding carries the
confidence of the version that produced it, so no finding claims more than its source."""

from __future__ import annotations

import re

from compliance.rules.load import RuleSet

__all__ = ["CODES", "Confidence", "codes"]

CODES = ("C", "C-p", "M", "?")
_CODE = re.compile(r"(?:^|[;,]\s*)(C-p|C|M|\?)(?=$|[\s(;,])")


def codes(text: str | None) -> str:
    """``C (…); M (…)`` → ``C/M``; empty when none was stated."""
    if not text:
        return ""
    found: list[str] = []
    for code in _CODE.findall(text.strip()):
        if code not in found:
            found.append(code)
    return "/".join(found)


class Confidence:
    """The confidence codes of every rule and of every (rule, version) of a rule set."""

    def __init__(self, rules: RuleSet) -> None:
        self.of_rule: dict[str, str] = {}
        self.of_version: dict[tuple[str, str], str] = {}
        for rule in rules.rules:
            own = codes(rule.confidence)
            version_codes = []
            for version in rule.versions:
                code = codes(version.confidence) or own
                self.of_version[(rule.id, version.valid.from_.isoformat())] = code
                version_codes += [c for c in code.split("/") if c and c not in version_codes]
            self.of_rule[rule.id] = own or "/".join(version_codes)

    def rule(self, rule_id: str) -> str:
        return self.of_rule.get(rule_id, "")

    def finding(self, rule_id: str, version: str | None) -> str:
        return self.of_version.get((rule_id, version or ""), self.rule(rule_id))
