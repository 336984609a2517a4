"""JSON Lines: one object per line, CPR-masked — audit findings, agenda items, sampled cases."""

from __future__ import annotations

import sys
from typing import Any

import orjson

from compliance.outputs.documents import Agenda, AuditReport, DrawnCase
from compliance.outputs.files import atomic_binary
from compliance.privacy import mask_obj

__all__ = ["jsonl_line", "write_agenda", "write_audit", "write_sample"]


def jsonl_line(obj: dict[str, Any]) -> bytes:
    """One JSON line, CPR-masked value by value *before* serialising: an escaped control
    character (``\\u0001``) next to a CPR would hide it from a scan of the bytes."""
    return orjson.dumps(mask_obj(obj)) + b"\n"


def write_audit(report: AuditReport, output: str | None) -> None:
    # the findings arrive serialised (in the worker processes, with --workers)
    with atomic_binary(output) as fh:
        for lines in report.serialised_lines():
            fh.write(lines)


def write_agenda(agenda: Agenda, output: str | None) -> None:
    with atomic_binary(output) as fh:
        for finding in agenda.items:
            fh.write(jsonl_line(finding.to_dict()))


def write_sample(drawn: list[DrawnCase]) -> None:
    for case in drawn:
        record = {
            "case_id": case.case_id,
            "stratum": case.stratum,
            "reason": f"drawn from stratum {case.stratum}: {case.why}",
        }
        sys.stdout.buffer.write(jsonl_line(record))
