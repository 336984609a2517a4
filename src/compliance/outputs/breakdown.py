"""The report's breakdowns: findings by municipality, by the auditor's grouping column
(``--group-by``, a field of the case's ``subject``: team, district, …) and by rule and month,
counted as the writer reads the evaluated cases. The statuses are counted after the --status
filter, like the findings the report lists; the month is the due date's (a breach's, when it
happened), so a rule's compliance can be followed month by month."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compliance.audit import CaseOutcome, Emit

__all__ = ["UNKNOWN", "Breakdown"]

UNKNOWN = "?"  # a case whose subject does not say


@dataclass
class Breakdown:
    group_by: str | None = None
    by_municipality: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_group: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_rule_month: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )

    def add(self, outcome: CaseOutcome, emit: Emit) -> None:
        if outcome.error is not None:
            return
        municipality = str(outcome.subject.get("municipality") or UNKNOWN)
        group = str(outcome.subject.get(self.group_by) or UNKNOWN) if self.group_by else None
        for finding in outcome.findings:
            if not emit.keep(finding):
                continue
            self.by_municipality[municipality][finding.status] += 1
            if group is not None:
                self.by_group[group][finding.status] += 1
            month = _month(finding.due)
            if month:
                self.by_rule_month[finding.rule][month][finding.status] += 1

    def monthly_share(self, rule: str) -> list[tuple[str, float | None, int]]:
        """(month, compliance share, obligations with a known outcome) for each month of a rule."""
        from compliance.audit import compliance_share  # audit imports the writers: not at the top

        months = self.by_rule_month.get(rule, {})
        rows = []
        for month in sorted(months):
            counts = months[month]
            share = compliance_share(counts)
            known = sum(counts.values()) - counts.get("due", 0) - counts.get("cancelled", 0)
            rows.append((month, share, known - counts.get("excused", 0)))
        return rows


def _month(due: object) -> str | None:
    text = str(due or "")
    return text[:7] if len(text) >= 7 and text[4] == "-" else None
