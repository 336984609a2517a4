"""Plain text and rich tables for a terminal: agenda, indicators, sample, one case explained."""

from __future__ import annotations

import datetime as dt
import io
import sys
from typing import TYPE_CHECKING

from compliance.outputs.documents import (
    Agenda,
    DrawnCase,
    IndicatorReport,
    Sample,
    indicator_status,
)
from compliance.outputs.files import atomic_binary
from compliance.outputs.messages import Messages, messages
from compliance.privacy import mask_cpr

if TYPE_CHECKING:
    from compliance.engine import Result
    from compliance.indicators import IndicatorResult

__all__ = ["explanation_lines", "write_agenda", "write_indicators", "write_sample"]

AGENDA_COLUMNS = ("due", "status", "case", "rule", "partition", "title")
INDICATOR_COLUMNS = ("indicator", "period", "numerator", "denominator", "share", "target", "status")
SAMPLE_COLUMNS = ("case", "stratum", "reason")


def write_agenda(agenda: Agenda, output: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    m = messages(agenda.lang)
    as_of = f"{m.date(agenda.local_as_of.date())} {agenda.local_as_of:%H:%M}"
    heading = m("agenda.title", as_of=as_of, until=m.date(agenda.until))
    table = Table(title=_said_if_now(heading, agenda.as_of_given, m))
    for column in AGENDA_COLUMNS:
        table.add_column(m(f"column.{column}"))
    for f in agenda.items:
        title = agenda.titles.get(f.rule)
        name = title.best(m.lang) if title else ""
        due = m.date(f._due_key) if f._due_key else ""
        cells = (due, m.status(f.status), f.case_id, f.rule, f.partition or "", name)
        table.add_row(*(mask_cpr(c) for c in cells))
    text = io.StringIO()
    Console(file=text, width=160).print(table)
    with atomic_binary(output) as fh:
        fh.write(mask_cpr(text.getvalue()).encode("utf-8"))


def write_indicators(report: IndicatorReport) -> None:
    from rich.console import Console
    from rich.table import Table

    m = messages(report.lang)
    title = m("indicators.title", as_of=_local_text(report.as_of, m))
    table = Table(title=_said_if_now(title, report.as_of_given, m))
    for column in INDICATOR_COLUMNS:
        table.add_column(m(f"column.{column}"))
    for r in report.results:
        status = m.indicator_status(indicator_status(r, report.as_of))
        row = (r.indicator, r.period, m.integer(r.numerator), m.integer(r.denominator))
        table.add_row(*row, m.percent(r.share), target_text(r, "≥", "≤", m), status)
    Console(width=150).print(table)


def target_text(result: IndicatorResult, at_least: str, at_most: str, m: Messages) -> str:
    """``>= 90 %`` / ``<= 5 %``: an indicator's target, with the comparison signs given."""
    if "min_share" in result.target:
        return f"{at_least} {m.percent(result.target['min_share'], 0)}"
    return f"{at_most} {m.percent(result.target['max_share'], 0)}"


def write_sample(sample: Sample) -> None:
    """The drawn cases as a table: case, stratum, reason, every label from the catalogue."""
    from rich.console import Console
    from rich.table import Table

    m = messages(sample.lang)
    title = m(
        "sample.title",
        drawn=m.integer(len(sample.drawn)),
        candidates=m.integer(sample.candidates),
        seed=sample.seed,
        as_of=_local_text(sample.as_of, m),
    )
    table = Table(title=_said_if_now(title, sample.as_of_given, m))
    for column in SAMPLE_COLUMNS:
        table.add_column(m(f"column.{column}"))
    for case in sample.drawn:
        stratum = _stratum_text(case.stratum, sample.stratify, m)
        reason = _reason_text(case, sample.stratify, m)
        table.add_row(*(mask_cpr(c) for c in (case.case_id, stratum, reason)))
    text = io.StringIO()
    Console(file=text, width=160).print(table)
    sys.stdout.write(mask_cpr(text.getvalue()))


def _said_if_now(title: str, as_of_given: bool, m: Messages) -> str:
    """A table's title, saying so when its date is the time of the run (no --as-of)."""
    return title if as_of_given else f"{title} ({m('title.as_of_now')})"


def _local_text(instant: dt.datetime, m: Messages) -> str:
    """``30. juni 2025`` for the end of a day (a date given as --as-of), else with the time."""
    if instant.time() == dt.time.max:
        return m.date(instant.date())
    return f"{m.date(instant.date())} {instant:%H:%M}"


def _stratum_text(stratum: str, stratify: str, m: Messages) -> str:
    if stratify == "status":
        return m.status(stratum)
    return m("sample.all") if stratify == "none" else stratum


def _reason_text(case: DrawnCase, stratify: str, m: Messages) -> str:
    """The violation that made the case a candidate, without what the stratum already says."""
    reason = case.reason
    if reason.violations == 0:
        return m("sample.no_violations")
    if reason.violations is not None:
        return m("sample.violations", count=m.integer(reason.violations))
    due = m("violations.due", due=_due_text(reason.due, m))
    what = reason.rule if stratify == "status" else m.status(reason.status)
    return f"{what}, {due}"


def _due_text(due: str, m: Messages) -> str:
    """An ISO due date (or instant) in the language's date form; ``–`` for none."""
    try:
        day = dt.date.fromisoformat(due[:10])
    except ValueError:
        return "–"
    return m.date(day) + (f" {due[11:16]}" if len(due) > 10 else "")


def explanation_lines(result: Result, rule: str | None) -> list[str]:
    """Each finding of one case (of ``rule``, if given) and the steps that produced it."""
    shown = [f for f in result.findings if rule is None or f.rule == rule]
    if rule and not shown:
        return [
            f"no obligation of rule {rule} for case {mask_cpr(result.case_id)} "
            f"as of {result.as_of.isoformat()}"
        ]
    lines = []
    for f in shown:
        partition = f" [{f.partition}]" if f.partition else ""
        occurrence = f" #{f.occurrence}" if f.occurrence else ""
        law = f.source.get("law", f.source.get("document", "")) + " " + f.source.get("ref", "")
        lines.append(
            mask_cpr(
                f"{f.rule}{partition}{occurrence}: {f.status.upper()} "
                f"(due {f.due}; {law.strip()}; version {f.version})"
            )
        )
        lines.extend(mask_cpr(f"  - {step}") for step in f.explain)
    return lines
