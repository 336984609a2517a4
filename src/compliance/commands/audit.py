"""``compliance audit``: read the inputs, evaluate every case, write findings or a report."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass

from compliance.audit import AuditSummary, CaseOutcome, Emit, check_time_zone
from compliance.columnar import ENGINES, require_backend
from compliance.commands.choices import check_choice
from compliance.commands.inputs import (
    InputOptions,
    check_inputs,
    evaluated_cases,
    report_rejected,
)
from compliance.commands.progress import count_lines, with_progress
from compliance.errors import ComplianceError
from compliance.indicators import IndicatorAccumulator
from compliance.outputs import Output, output_for
from compliance.outputs.breakdown import Breakdown
from compliance.outputs.documents import AuditReport
from compliance.outputs.files import check_output
from compliance.rules.load import load_rules

__all__ = ["AuditOptions", "pseudonym_key_from_environment", "run"]


@dataclass(frozen=True)
class AuditOptions:
    output_format: str
    output: str | None
    workers: int = 1
    statuses: frozenset[str] | None = None  # only findings with these statuses
    mapping_path: str | None = None
    default_tz: str | None = None  # for datetimes without an offset
    input_format: str | None = None  # else by file ending
    query: str | None = None  # a database URL input's query
    pseudonym_key: bytes | None = None
    progress: bool = False
    lang: str = "da"  # human-facing outputs (html, xlsx)
    as_of_given: bool = True  # False: "now" was taken, and the outputs say so
    group_by: str | None = None  # a subject field the report breaks findings down by
    engine: str = "case"  # "columnar": the columnar batch path (compliance.columnar)

    def __post_init__(self) -> None:
        """A choice that cannot work is refused before anything is read."""
        if self.writes.needs_file and not self.output:
            fmt = self.output_format
            raise ComplianceError(f"--format {fmt} needs -o FILE.{fmt}")
        check_choice("--engine", self.engine, ENGINES)
        if self.engine == "columnar":
            require_backend()

    @property
    def writes(self) -> Output:
        return output_for("audit", self.output_format)


def pseudonym_key_from_environment() -> bytes:
    secret = os.environ.get("COMPLIANCE_PSEUDONYM_KEY")
    if not secret:
        raise ComplianceError(
            "--pseudonymize needs a key in the environment variable COMPLIANCE_PSEUDONYM_KEY"
        )
    return secret.encode()


def run(
    inputs: list[str], specs: list[str], as_of: dt.datetime, options: AuditOptions
) -> AuditSummary:
    """Write the audit as ``options`` ask; the summary reconciles cases read with evaluated and
    rejected ones (the CLI prints its line)."""
    write = options.writes.writer("audit")
    rules = load_rules(*specs)
    reading = InputOptions(options.input_format, options.mapping_path, options.query)
    mapping = reading.mapping()
    check_inputs(inputs, reading)
    check_output(options.output, inputs)
    check_time_zone(options.default_tz)
    summary = AuditSummary(as_of.isoformat(), list(specs), list(inputs))
    if options.engine == "columnar":
        from compliance.columnar.run import PathCounts

        summary.paths = PathCounts()
    indicators = IndicatorAccumulator(rules.rules)
    emit = Emit(
        jsonl=options.writes.streamed,
        statuses=options.statuses,
        pseudonym_key=options.pseudonym_key,
        keep_findings=not options.writes.streamed,
    )
    outcomes = evaluated_cases(
        inputs,
        rules,
        specs,
        as_of,
        summary,
        indicators,
        workers=options.workers,
        input_format=options.input_format,
        mapping=mapping,
        default_tz=options.default_tz,
        emit=emit,
        paths=summary.paths,
    )
    if options.progress:
        outcomes = with_progress(outcomes, count_lines(inputs))
    outcomes = _reporting_rejected(outcomes, options.pseudonym_key)
    report = AuditReport(outcomes, summary, indicators, rules, emit, options.lang)
    report.as_of_given = options.as_of_given
    report.breakdown = Breakdown(options.group_by)
    write(report, options.output)
    return summary


def _reporting_rejected(
    outcomes: Iterator[CaseOutcome], pseudonym_key: bytes | None
) -> Iterator[CaseOutcome]:
    for outcome in outcomes:
        report_rejected(outcome, pseudonym_key)
        yield outcome
