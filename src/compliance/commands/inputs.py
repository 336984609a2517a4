"""What the corpus commands share: the audit instant, the rule packs, the input files, and the
stream of evaluated cases (with one stderr line per rejected case)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from compliance.audit import AuditSummary, CaseOutcome, accumulate, run_audit
from compliance.errors import ComplianceError
from compliance.indicators import IndicatorAccumulator
from compliance.privacy import printable, pseudonym, pseudonymise_text
from compliance.rules.load import RuleSet

__all__ = ["DEFAULT_TZ", "as_of_instant", "check_inputs", "evaluated_cases", "report_rejected"]

DEFAULT_TZ = ZoneInfo("Europe/Copenhagen")  # what a date-only --as-of means when none is given


def as_of_instant(value: str | None) -> dt.datetime:
    """--as-of: an instant, or a date meaning the end of that day; default now."""
    from compliance.engine import parse_as_of

    if value is None:
        return dt.datetime.now(DEFAULT_TZ)
    return parse_as_of(value, DEFAULT_TZ)


def check_inputs(inputs: Iterable[str]) -> None:
    for path in inputs:
        if path == "-":
            raise ComplianceError(
                "-: reading standard input is not supported; save it to a file (FILE.jsonl) "
                "and give that"
            )
        if Path(path).is_dir():
            raise ComplianceError(
                f"{path}: is a directory; give the files in it (e.g. DIR/*.jsonl)"
            )
        if not Path(path).is_file():
            problem = "not a regular file" if Path(path).exists() else "no such file"
            raise ComplianceError(f"{path}: {problem}")


def report_rejected(outcome: CaseOutcome, pseudonym_key: bytes | None = None) -> None:
    """One stderr line per rejected case: ``rejected: FILE:LINE: case ID: reason`` (masked)."""
    if outcome.error is None:
        return
    e = outcome.error
    cid, reason = e.case_id, e.reason
    if pseudonym_key and e.case_id:
        cid, reason = (
            pseudonym(e.case_id, pseudonym_key),
            pseudonymise_text(reason, cid, pseudonym_key),
        )
    sys.stderr.write(
        printable(f"rejected: {e.source}:{e.line}: case {cid or '?'}: {reason}") + "\n"
    )


def evaluated_cases(
    inputs: list[str],
    rules: RuleSet,
    specs: list[str],
    as_of: dt.datetime,
    summary: AuditSummary,
    indicators: IndicatorAccumulator | None = None,
    **run_options: Any,
) -> Iterator[CaseOutcome]:
    """Every case of the inputs evaluated, counted into ``summary`` (and ``indicators``)."""
    outcomes = run_audit(inputs, rules, specs, as_of, **run_options)
    return accumulate(outcomes, summary, indicators)
