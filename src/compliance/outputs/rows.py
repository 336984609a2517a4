"""A finding as one flat row (CSV, XLSX, the Dask frame): the one place that flattens it."""

from __future__ import annotations

from typing import Any

from compliance.privacy import mask_obj

__all__ = ["FINDING_COLUMNS", "FORMULA_TRIGGERS", "finding_row", "spreadsheet_safe"]

# OWASP "CSV Injection": a cell beginning with one of these is read as a formula (or, for
# tab and CR, lets the next character start one) by Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell value a spreadsheet shows as text: a string beginning with a formula trigger
    gets a leading apostrophe (OWASP's neutralisation); other values are returned as they are.
    Numbers stay numbers, so a negative number is not touched; a text ``-5`` becomes ``'-5``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


FINDING_COLUMNS = [
    "case_id",
    "rule",
    "version",
    "kind",
    "status",
    "severity",
    "partition",
    "occurrence",
    "trigger",
    "triggered_at",
    "anchored_at",
    "anchor",
    "due",
    "satisfied_by",
    "satisfied_at",
    "lateness_days",
    "precision",
    "count",
    "law",
    "ref",
    "explain",
]


def finding_row(finding: dict[str, Any]) -> dict[str, Any]:
    """``Finding.to_dict()`` flattened: the source as law and ref, the steps joined; masked."""
    row = {k: finding.get(k) for k in FINDING_COLUMNS if k in finding}
    source = finding.get("source") or {}
    row["law"] = source.get("law") or source.get("document")
    row["ref"] = source.get("ref") or source.get("municipality")
    row["explain"] = " | ".join(finding.get("explain") or [])
    return mask_obj(row)  # type: ignore[no-any-return]
