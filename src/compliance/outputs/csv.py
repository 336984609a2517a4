"""CSV: one row per finding (audit) or per indicator and period (indicators); CPR-masked."""

from __future__ import annotations

import csv
import io
import sys
from typing import IO, Any

import orjson

from compliance.outputs.documents import AuditReport, IndicatorReport
from compliance.outputs.files import atomic_binary
from compliance.outputs.rows import FINDING_COLUMNS, finding_row, spreadsheet_safe
from compliance.privacy import mask_obj

__all__ = ["AS_OF_COLUMNS", "INDICATOR_COLUMNS", "write_audit", "write_indicators", "write_rows"]

AS_OF_COLUMNS = ["as_of", "as_of_given"]  # the last columns of every CSV

INDICATOR_COLUMNS = [
    "indicator",
    "title",
    "period",
    "numerator",
    "denominator",
    "share",
    "target",
    "status",
    "source",
]


def write_rows(fh: IO[bytes], rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Every CSV the product writes: each cell CPR-masked and neutralised against formula
    injection (``spreadsheet_safe``), so a value from data or rules never runs in Excel."""
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(v) for k, v in mask_obj(row).items()})
    text.flush()
    text.detach()


def write_audit(report: AuditReport, output: str | None) -> None:
    """One row per finding; the last two columns say when the audit speaks for (``as_of``) and
    whether that instant was given (``as_of_given``: ``false`` when it was the time of the run)."""
    findings = report.findings()
    stamp = {"as_of": report.summary.as_of, "as_of_given": _boolean(report.as_of_given)}
    with atomic_binary(output) as fh:
        rows = [{**finding_row(f), **stamp} for f in findings]
        write_rows(fh, rows, [*FINDING_COLUMNS, *AS_OF_COLUMNS])


def write_indicators(report: IndicatorReport) -> None:
    stamp = {"as_of": report.as_of.isoformat(), "as_of_given": _boolean(report.as_of_given)}
    rows = [
        {
            **r.to_dict(),
            "target": orjson.dumps(r.target).decode(),
            "title": r.title["en"],
            "source": r.source.get("document", r.source.get("law", "")),
            **stamp,
        }
        for r in report.results
    ]
    write_rows(sys.stdout.buffer, rows, [*INDICATOR_COLUMNS, *AS_OF_COLUMNS])


def _boolean(value: bool) -> str:
    return "true" if value else "false"  # as JSON spells it, not Python's True
