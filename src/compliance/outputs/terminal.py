"""Plain text and rich tables for a terminal: agenda, indicators, sample, one case explained."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

from compliance.outputs.documents import Agenda, DrawnCase, IndicatorReport, indicator_status
from compliance.outputs.files import atomic_binary
from compliance.outputs.messages import Messages, messages
from compliance.privacy import mask_cpr

if TYPE_CHECKING:
    from compliance.engine import Result
    from compliance.indicators import IndicatorResult

__all__ = ["explanation_lines", "write_agenda", "write_indicators", "write_sample"]

AGENDA_COLUMNS = ("due", "status", "case", "rule", "partition", "title")
INDICATOR_COLUMNS = ("indicator", "period", "numerator", "denominator", "share", "target", "status")


def write_agenda(agenda: Agenda, output: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    m = messages(agenda.lang)
    as_of = f"{m.date(agenda.local_as_of.date())} {agenda.local_as_of:%H:%M}"
    table = Table(title=m("agenda.title", as_of=as_of, until=m.date(agenda.until)))
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
    table = Table(title=m("indicators.title", as_of=m.date(report.as_of.date())))
    for column in INDICATOR_COLUMNS:
        table.add_column(m(f"column.{column}"))
    for r in report.results:
        status = m.indicator_status(indicator_status(r, report.as_of))
        row = (r.indicator, r.period, m.integer(r.numerator), m.integer(r.denominator))
        table.add_row(*row, m.percent(r.share), target_text(r, ">=", "<=", m), status)
    Console(width=150).print(table)


def target_text(result: IndicatorResult, at_least: str, at_most: str, m: Messages) -> str:
    """``>= 90 %`` / ``<= 5 %``: an indicator's target, with the comparison signs given."""
    if "min_share" in result.target:
        return f"{at_least} {m.percent(result.target['min_share'], 0)}"
    return f"{at_most} {m.percent(result.target['max_share'], 0)}"


def write_sample(drawn: list[DrawnCase]) -> None:
    for case in drawn:
        sys.stdout.write(mask_cpr(f"{case.case_id}\t{case.stratum}\t{case.why}") + "\n")


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
