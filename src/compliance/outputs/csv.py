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

__all__ = ["INDICATOR_COLUMNS", "write_audit", "write_indicators", "write_rows"]

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
    findings = report.findings()
    with atomic_binary(output) as fh:
        write_rows(fh, [finding_row(f) for f in findings], FINDING_COLUMNS)


def write_indicators(report: IndicatorReport) -> None:
    rows = [
        {
            **r.to_dict(),
            "target": orjson.dumps(r.target).decode(),
            "title": r.title["en"],
            "source": r.source.get("document", r.source.get("law", "")),
        }
        for r in report.results
    ]
    write_rows(sys.stdout.buffer, rows, INDICATOR_COLUMNS)
