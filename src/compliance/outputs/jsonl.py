"""JSON Lines: one object per line, CPR-masked — audit findings, agenda items, sampled cases."""

from __future__ import annotations

import sys
from typing import Any

import orjson

from compliance.outputs.documents import Agenda, AuditReport, Sample
from compliance.outputs.files import atomic_binary
from compliance.privacy import mask_obj

__all__ = ["jsonl_line", "stamped", "write_agenda", "write_audit", "write_sample"]


def jsonl_line(obj: dict[str, Any]) -> bytes:
    """One JSON line, CPR-masked value by value *before* serialising: an escaped control
    character (``\\u0001``) next to a CPR would hide it from a scan of the bytes."""
    return orjson.dumps(mask_obj(obj)) + b"\n"


def stamped(lines: bytes, stamp: dict[str, Any]) -> bytes:
    """JSON Lines with ``stamp``'s fields appended to every object (``{…,"as_of":"…"}``).

    Each line is a JSON object that ends in ``}`` and a newline; orjson escapes a newline
    inside a string as ``\\n``, so ``}`` followed by a raw newline byte occurs only at the end
    of a line, and one replace stamps every line of a case without parsing it again."""
    fields = orjson.dumps(stamp)  # {"as_of":"…","as_of_given":true}
    return lines.replace(b"}\n", b"," + fields[1:] + b"\n")


def write_audit(report: AuditReport, output: str | None) -> None:
    # the findings arrive serialised (in the worker processes, with --workers); each line gets
    # the audit instant and whether it was given (docs/reference/findings.md)
    stamp = {"as_of": report.summary.as_of, "as_of_given": report.as_of_given}
    with atomic_binary(output) as fh:
        for lines in report.serialised_lines():
            fh.write(stamped(lines, stamp))


def write_agenda(agenda: Agenda, output: str | None) -> None:
    stamp = {"as_of": agenda.as_of.isoformat(), "as_of_given": agenda.as_of_given}
    with atomic_binary(output) as fh:
        for finding in agenda.items:
            fh.write(jsonl_line({**finding.to_dict(), **stamp}))


def write_sample(sample: Sample) -> None:
    stamp = {"as_of": sample.as_of.isoformat(), "as_of_given": sample.as_of_given}
    for case in sample.drawn:
        record = {
            "case_id": case.case_id,
            "stratum": case.stratum,
            "reason": f"drawn from stratum {case.stratum}: {case.why()}",
            **stamp,
        }
        sys.stdout.buffer.write(jsonl_line(record))
