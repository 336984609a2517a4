"""``compliance indicators``: each indicator per period against its target."""

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
from compliance.indicators import IndicatorAccumulator, IndicatorResult
from compliance.outputs import output_for
from compliance.outputs.documents import IndicatorReport
from compliance.rules.load import load_rules

__all__ = ["run"]


def run(
    inputs: list[str],
    specs: list[str],
    as_of: dt.datetime,
    output_format: str,
    workers: int,
    reading: InputOptions = InputOptions(),
    lang: str = "da",
    as_of_given: bool = True,  # False: "now" was taken, and the outputs say so
) -> list[IndicatorResult]:
    write = output_for("indicators", output_format).writer("indicators")
    rules = load_rules(*specs)
    check_inputs(inputs, reading)
    read_options = reading.run_options()
    summary = AuditSummary(as_of.isoformat(), specs, inputs)
    accumulator = IndicatorAccumulator(rules.rules)
    for outcome in evaluated_cases(
        inputs, rules, specs, as_of, summary, accumulator, workers=workers, **read_options
    ):
        report_rejected(outcome)
    results = accumulator.results()
    write(IndicatorReport(results, as_of, lang, as_of_given))
    sys.stderr.write(summary.line() + "\n")
    return results
