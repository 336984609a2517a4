"""What the corpus commands share: the audit instant, the rule packs, the input layer (every
source through ``compliance.sources``, with ``--mapping``, ``--input-format`` and ``--query``),
and the stream of evaluated cases (with one stderr line per rejected case)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from compliance.audit import AuditSummary, CaseOutcome, accumulate, run_audit
from compliance.errors import ComplianceError
from compliance.indicators import IndicatorAccumulator
from compliance.privacy import printable, pseudonym, pseudonymise_text
from compliance.rules.load import RuleSet
from compliance.sources import ColumnMapping, Item, is_database_url, read_cases

__all__ = [
    "CURRENT_INPUT_OPTIONS",
    "DEFAULT_TZ",
    "InputOptions",
    "as_of_instant",
    "check_inputs",
    "evaluated_cases",
    "read_items",
    "report_rejected",
]

DEFAULT_TZ = ZoneInfo("Europe/Copenhagen")  # what a date-only --as-of means when none is given


def as_of_instant(value: str | None) -> dt.datetime:
    """--as-of: an instant, or a date meaning the end of that day; default now."""
    from compliance.engine import parse_as_of

    if value is None:
        return dt.datetime.now(DEFAULT_TZ)
    return parse_as_of(value, DEFAULT_TZ)


@dataclass(frozen=True)
class InputOptions:
    """How the inputs are read: their format (else by ending, or a database URL), the column
    mapping file, and the query for a database source (overrides the mapping's ``query:``)."""

    input_format: str | None = None
    mapping_path: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        from compliance.commands.choices import check_input_format

        check_input_format(self.input_format)  # "did you mean", exit 2, before reading

    def mapping(self) -> ColumnMapping | None:
        mapping = ColumnMapping.load(self.mapping_path) if self.mapping_path else None
        if self.query:
            mapping = replace(mapping or ColumnMapping(), query=self.query)
        return mapping

    def run_options(self) -> dict[str, Any]:
        """The keywords ``evaluated_cases`` passes on to the reader."""
        return {"input_format": self.input_format, "mapping": self.mapping()}


#: How ``rules diff`` reads its corpus (set by commands/rules.diff for ruletools/diff.py).
CURRENT_INPUT_OPTIONS: ContextVar[InputOptions] = ContextVar(
    "CURRENT_INPUT_OPTIONS",
    default=InputOptions(),  # noqa: B039 - frozen, never mutated
)


def check_inputs(inputs: Iterable[str], reading: InputOptions | None = None) -> None:
    """Every input is a file or a database URL (before anything is read), and ``--query`` is
    given only where a database is read (a file would silently ignore it)."""
    inputs = list(inputs)
    if not inputs:
        raise ComplianceError("no input given")
    if reading is not None and reading.query and reading.input_format != "sql":
        files = [path for path in inputs if not is_database_url(path)]
        if files:
            raise ComplianceError(
                f"--query applies to a database source (a URL such as sqlite:///cases.db); "
                f"{files[0]} is a file and would ignore it"
            )
    for path in inputs:
        if is_database_url(path):
            continue
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


def read_items(inputs: Iterable[str], options: InputOptions = InputOptions()) -> Iterator[Item]:
    """Every case of the inputs as read (parsed), for commands that evaluate by themselves."""
    mapping = options.mapping()
    for path in inputs:
        for item in read_cases(path, options.input_format, mapping):
            yield item.parsed()


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
    return _not_empty(accumulate(outcomes, summary, indicators), summary, inputs)


def _not_empty(
    outcomes: Iterator[CaseOutcome], summary: AuditSummary, inputs: list[str]
) -> Iterator[CaseOutcome]:
    """The outcomes; an input that yields no case at all is the user's mistake, not a green
    run (raised at the end, so a writer's partial file is removed)."""
    yield from outcomes
    if summary.cases_read == 0:
        raise ComplianceError(
            f"no case read from {', '.join(inputs)}: the input is empty or has only a header"
        )
