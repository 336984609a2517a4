"""``compliance agenda``: open obligations due within a horizon (and overdue ones), soonest first."""

from __future__ import annotations

import datetime as dt
import sys

from compliance.audit import AuditSummary
from compliance.commands.inputs import (
    InputOptions,
    check_inputs,
    evaluated_cases,
    report_rejected,
)
from compliance.engine import Engine
from compliance.errors import ComplianceError
from compliance.model import Finding
from compliance.outputs import output_for
from compliance.outputs.documents import Agenda
from compliance.periods import Period, PeriodError, parse_period
from compliance.rules.load import load_rules

__all__ = ["parse_horizon", "run"]

_UNIT_LETTERS = {"d": "days", "w": "weeks", "m": "months", "y": "years", "h": "hours"}


def parse_horizon(text: str) -> Period:
    """``14d``, ``4w``, ``3 months``: a period to look ahead."""
    t = text.strip().lower()
    if t[:-1].isdigit() and t[-1] in _UNIT_LETTERS:
        t = f"{t[:-1]} {_UNIT_LETTERS[t[-1]]}"
    try:
        return parse_period(t)
    except PeriodError as exc:
        raise ComplianceError(f"--horizon: {exc}") from None


def run(
    inputs: list[str],
    specs: list[str],
    as_of: dt.datetime,
    horizon: str,
    output_format: str,
    output: str | None,
    reading: InputOptions = InputOptions(),
    lang: str = "da",
    as_of_given: bool = True,  # False: "now" was taken, and the outputs say so
) -> None:
    write = output_for("agenda", output_format).writer("agenda")
    rules = load_rules(*specs)
    period = parse_horizon(horizon)
    local_as_of = as_of.astimezone(Engine(rules).tz)
    try:
        until = period.add_to_date(local_as_of.date())
    except (OverflowError, ValueError):  # the date arithmetic leaves the calendar
        raise ComplianceError(f"--horizon {horizon}: reaches past the year 9999") from None
    check_inputs(inputs, reading)
    read_options = reading.run_options()
    items: list[Finding] = []
    summary = AuditSummary(as_of.isoformat(), specs, inputs)
    for outcome in evaluated_cases(inputs, rules, specs, as_of, summary, **read_options):
        report_rejected(outcome)
        items += [f for f in outcome.findings if _on_agenda(f, until)]
    items.sort(key=lambda f: (f._due_key or dt.date.max, f.case_id, f.rule))
    titles = {r.id: r.title for r in rules.rules}
    write(Agenda(items, titles, as_of, local_as_of, until, lang, as_of_given), output)
    sys.stderr.write(summary.line() + "\n")


def _on_agenda(finding: Finding, until: dt.date) -> bool:
    if finding.status == "overdue":
        return True
    return finding.status == "due" and finding._due_key is not None and finding._due_key <= until
