"""A finding as one flat row (CSV, XLSX, the Dask frame): the one place that flattens it."""

from __future__ import annotations

from typing import Any

from compliance.privacy import mask_obj

__all__ = ["FINDING_COLUMNS", "finding_row"]

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
