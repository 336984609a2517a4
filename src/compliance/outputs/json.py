"""JSON documents: the whole audit (summary, findings, errors, indicators), or the indicators."""

from __future__ import annotations

import sys

import orjson

from compliance.outputs.documents import AuditReport, IndicatorReport
from compliance.outputs.files import atomic_binary
from compliance.privacy import mask_obj

__all__ = ["write_audit", "write_indicators"]


def write_audit(report: AuditReport, output: str | None) -> None:
    findings = report.findings()
    indicators = report.indicator_results()
    document = {
        "summary": {**report.summary.to_dict(), "as_of_given": report.as_of_given},
        "findings": findings,
        "errors": report.error_records(),
        "indicators": [r.to_dict() for r in indicators],
    }
    with atomic_binary(output) as fh:
        fh.write(orjson.dumps(mask_obj(document), option=orjson.OPT_INDENT_2) + b"\n")


def write_indicators(report: IndicatorReport) -> None:
    # on each result: the list stays a list
    stamp = {"as_of": report.as_of.isoformat(), "as_of_given": report.as_of_given}
    results = [{**r.to_dict(), **stamp} for r in report.results]
    sys.stdout.write(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode() + "\n")
