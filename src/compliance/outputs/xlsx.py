"""An XLSX workbook: summary, compliance per rule, findings, indicators, rejected records."""

from __future__ import annotations

from typing import Any

import orjson

from compliance.audit import compliance_share
from compliance.indicators import IndicatorResult
from compliance.model import STATUSES
from compliance.outputs.documents import AuditReport
from compliance.outputs.files import atomic_binary
from compliance.outputs.rows import FINDING_COLUMNS, finding_row
from compliance.privacy import mask_obj

__all__ = ["write_audit", "write_workbook"]

Sheet = tuple[list[str], list[list[Any]]]  # header, rows
INDICATOR_COLUMNS = ["indicator", "period", "numerator", "denominator", "share", "target", "status"]
ERROR_COLUMNS = ["source", "line", "case_id", "reason"]


def write_audit(report: AuditReport, output: str | None) -> None:
    if output is None:  # the command refuses xlsx without -o (OUTPUTS: needs_file)
        raise ValueError("an XLSX workbook needs a file")
    findings = report.findings()
    write_workbook(output, _sheets(report, findings))


def write_workbook(path: str, sheets: dict[str, Sheet]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([mask_obj(v) if isinstance(v, str) else v for v in row])
    with atomic_binary(path) as fh:
        workbook.save(fh)


def _sheets(report: AuditReport, findings: list[dict[str, Any]]) -> dict[str, Sheet]:
    summary = report.summary
    titles = {r.id: r.title.best() for r in report.rules.rules}
    per_rule = [
        [rule, titles.get(rule, ""), *[counts.get(s, 0) for s in STATUSES], _rounded(counts)]
        for rule, counts in sorted(summary.by_rule.items())
    ]
    indicators = [_indicator_cells(r) for r in report.indicator_results()]
    errors = [[e[c] for c in ERROR_COLUMNS] for e in report.error_records()]
    return {
        "Summary": (["item", "value"], [[k, str(v)] for k, v in summary.to_dict().items()]),
        "Per rule": (["rule", "title", *STATUSES, "compliance"], per_rule),
        "Findings": (FINDING_COLUMNS, [_cells(finding_row(f)) for f in findings]),
        "Indicators": (INDICATOR_COLUMNS, indicators),
        "Errors": (ERROR_COLUMNS, errors),
    }


def _indicator_cells(r: IndicatorResult) -> list[Any]:
    target = orjson.dumps(r.target).decode()
    return [r.indicator, r.period, r.numerator, r.denominator, r.share, target, r.status]


def _cells(row: dict[str, Any]) -> list[Any]:
    return [row.get(k) for k in FINDING_COLUMNS]


def _rounded(counts: dict[str, int]) -> float | None:
    share = compliance_share(counts)
    return None if share is None else round(share, 4)
