"""What the writers are given: one document per command, built by the command (commands/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compliance.outputs.breakdown import Breakdown
from compliance.privacy import pseudonym, pseudonymise_text

if TYPE_CHECKING:
    from compliance.audit import AuditSummary, CaseOutcome, Emit
    from compliance.indicators import IndicatorAccumulator, IndicatorResult
    from compliance.model import Finding
    from compliance.rules.load import RuleSet
    from compliance.rules.schema import Title

__all__ = [
    "Agenda",
    "AuditReport",
    "DrawReason",
    "DrawnCase",
    "IndicatorReport",
    "Sample",
    "indicator_status",
    "period_in_progress",
]


@dataclass
class AuditReport:
    """An audit in progress: ``outcomes`` is consumed by the writer; the summary and the
    indicators are complete once it is."""

    outcomes: Iterator[CaseOutcome]
    summary: AuditSummary
    indicators: IndicatorAccumulator
    rules: RuleSet
    emit: Emit
    lang: str = "da"  # of the human-facing formats (html, xlsx)
    as_of_given: bool = True  # False: the audit instant is the time of the run
    breakdown: Breakdown = field(default_factory=Breakdown)  # filled as findings() reads

    def serialised_lines(self) -> Iterator[bytes]:
        """The JSON Lines of each case's findings, as the evaluating process wrote them."""
        for outcome in self.outcomes:
            if outcome.lines:
                yield outcome.lines

    def findings(
        self,
        *,
        violations_only: bool = False,
        limit: int | None = None,
        subject_fields: tuple[str, ...] = (),
    ) -> list[dict[str, Any]]:
        """The findings the --status filter keeps, as dicts (case ids pseudonymised if asked);
        ``subject_fields`` adds the case's subject values as ``subject.<field>`` keys."""
        kept: list[dict[str, Any]] = []
        for outcome in self.outcomes:
            self.breakdown.add(outcome, self.emit)
            extra = {f"subject.{k}": outcome.subject.get(k) for k in subject_fields}
            for finding in outcome.findings:
                if not self.emit.keep(finding):
                    continue
                wanted = finding.is_violation or not violations_only
                if wanted and (limit is None or len(kept) < limit):
                    kept.append(
                        {**self.emit.record(finding), **extra}
                        if extra
                        else self.emit.record(finding)
                    )
        return kept

    def error_records(self) -> list[dict[str, Any]]:
        """Rejected cases, case ids pseudonymised if asked."""
        errors = [e.to_dict() for e in self.summary.errors]
        key = self.emit.pseudonym_key
        if key:
            for e in errors:
                if e["case_id"]:
                    e["reason"] = pseudonymise_text(e["reason"], e["case_id"], key)
                    e["case_id"] = pseudonym(e["case_id"], key)
        return errors

    def indicator_results(self) -> list[IndicatorResult]:
        return self.indicators.results()


@dataclass
class Agenda:
    """Open obligations due until ``until`` (and overdue ones), soonest first."""

    items: list[Finding]
    titles: dict[str, Title]
    as_of: dt.datetime
    local_as_of: dt.datetime
    until: dt.date
    lang: str = "da"
    as_of_given: bool = True  # False: the instant is the time of the run


@dataclass
class IndicatorReport:
    results: list[IndicatorResult]
    as_of: dt.datetime
    lang: str = "da"
    as_of_given: bool = True  # False: the instant is the time of the run


@dataclass(frozen=True, order=True)
class DrawReason:
    """Why a case is a candidate for the sample: one violation (its status, rule and due date),
    or, with ``--stratify none``, how many violations the case has."""

    status: str = ""
    rule: str = ""
    due: str = ""  # ISO 8601 date or instant, as in the finding
    violations: int | None = None  # --stratify none

    def text(self) -> str:
        """The reason in the machine outputs' words (JSON Lines: English, ISO dates)."""
        if self.violations is not None:
            return f"{self.violations} violation(s)" if self.violations else "no violations"
        return f"{self.status} {self.rule} due {self.due}"


@dataclass
class DrawnCase:
    """A case drawn for manual review, with the stratum and the reason."""

    case_id: str
    stratum: str
    reason: DrawReason

    def why(self) -> str:
        return self.reason.text()


@dataclass
class Sample:
    """The drawn cases, and what the sample was drawn from (for the table's title)."""

    drawn: list[DrawnCase]
    as_of: dt.datetime
    stratify: str  # rule, status or none
    seed: int
    candidates: int  # distinct cases the sample was drawn from
    lang: str = "da"
    as_of_given: bool = True  # False: the instant is the time of the run


def period_in_progress(period: str, as_of: dt.datetime) -> bool:
    """Whether an indicator period (``2025``, ``2025-Q3``, ``2025-07``) has not ended by the
    audit date: its share may still change, so it is no verdict yet. ``all`` has no end."""
    if period == "all":
        return False
    year, _, part = period.partition("-")
    if not part:
        last = dt.date(int(year), 12, 31)
    elif part.startswith("Q"):
        month = int(part[1:]) * 3
        last = dt.date(int(year) + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    else:
        month = int(part)
        last = dt.date(int(year) + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    day = as_of.date()
    return last > day or (last == day and as_of.time() != dt.time.max)


def indicator_status(result: IndicatorResult, as_of: dt.datetime) -> str:
    """The status a human-facing output shows: ``in_progress`` for a period not ended at the
    audit date (its share may still change), else the engine's (met, missed, insufficient_data)."""
    if result.status != "insufficient_data" and period_in_progress(result.period, as_of):
        return "in_progress"
    return result.status
