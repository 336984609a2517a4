"""Command implementations behind the CLI: audit outputs, agenda, indicators, sampling."""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from compliance.audit import AuditSummary, CaseOutcome, Emit, accumulate, run_audit
from compliance.engine import Engine
from compliance.errors import ComplianceError
from compliance.indicators import IndicatorAccumulator, IndicatorResult
from compliance.io.writers import (
    CSV_FIELDS,
    atomic_binary,
    finding_row,
    jsonl_line,
    write_csv,
    write_xlsx,
)
from compliance.model import Finding
from compliance.periods import Period, PeriodError, parse_period
from compliance.privacy import mask_cpr, mask_obj, pseudonym
from compliance.rules.load import RuleSet, load_rules
from compliance.sources import ColumnMapping

__all__ = ["agenda_command", "indicators_command", "run_audit_command", "sample_command"]

MAX_HTML_VIOLATIONS = 5000


def _check_inputs(inputs: Iterable[str]) -> None:
    for p in inputs:
        if not Path(p).is_file():
            raise ComplianceError(f"{p}: no such file")


def _report_rejected(o: CaseOutcome, pseudonym_key: bytes | None = None) -> None:
    """One stderr line per rejected case: ``rejected: FILE:LINE: case ID: reason`` (masked)."""
    if o.error is None:
        return
    e = o.error
    cid = pseudonym(e.case_id, pseudonym_key) if (pseudonym_key and e.case_id) else e.case_id
    sys.stderr.write(
        mask_cpr(f"rejected: {e.source}:{e.line}: case {cid or '?'}: {e.reason}") + "\n"
    )


def _count_lines(paths: Iterable[str]) -> int | None:
    total = 0
    for p in paths:
        if not p.lower().endswith((".jsonl", ".ndjson")):
            return None
        with open(p, "rb") as fh:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return total


def _with_progress(outcomes: Iterator[CaseOutcome], total: int | None) -> Iterator[CaseOutcome]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    cols = [
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} cases/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*cols, transient=True) as bar:
        task = bar.add_task("audit", total=total, rate="0")
        start = dt.datetime.now()
        for i, o in enumerate(outcomes, 1):
            if i % 200 == 0:
                secs = max((dt.datetime.now() - start).total_seconds(), 1e-6)
                bar.update(task, completed=i, rate=f"{i / secs:,.0f}")
            yield o


def run_audit_command(
    inputs: list[str],
    specs: list[str],
    as_of: dt.datetime,
    *,
    fmt: str,
    output: str | None,
    workers: int,
    statuses: set[str] | None,
    mapping_path: str | None,
    default_tz: str | None,
    input_format: str | None,
    pseudonym_key: bytes | None,
    progress: bool,
) -> AuditSummary:
    rules = load_rules(*specs)
    mapping = ColumnMapping.load(mapping_path) if mapping_path else None
    _check_inputs(inputs)
    summary = AuditSummary(as_of.isoformat(), list(specs), list(inputs))
    ind = IndicatorAccumulator(rules.rules)
    emit = Emit(
        jsonl=fmt == "jsonl",
        statuses=frozenset(statuses) if statuses else None,
        pseudonym_key=pseudonym_key,
        keep_findings=fmt != "jsonl",
    )
    outcomes = accumulate(
        run_audit(
            inputs,
            rules,
            specs,
            as_of,
            workers=workers,
            fmt=input_format,
            mapping=mapping,
            default_tz=default_tz,
            emit=emit,
        ),
        summary,
        ind,
    )
    if progress:
        outcomes = _with_progress(outcomes, _count_lines(inputs))

    if fmt == "jsonl":  # findings arrive serialised (in the worker, with --workers)
        with atomic_binary(output) as fh:
            for o in outcomes:
                _report_rejected(o, pseudonym_key)
                if o.lines:
                    fh.write(o.lines)
        return summary

    findings: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []
    for o in outcomes:
        _report_rejected(o, pseudonym_key)
        for f in o.findings:
            if not emit.keep(f):
                continue
            d = emit.record(f)
            if fmt == "html":
                if f.is_violation and len(violations) < MAX_HTML_VIOLATIONS:
                    violations.append(d)
            else:
                findings.append(d)
    ind_results = ind.results()
    errors = [e.to_dict() for e in summary.errors]
    if pseudonym_key:
        for e in errors:
            if e["case_id"]:
                e["case_id"] = pseudonym(e["case_id"], pseudonym_key)
    if fmt == "json":
        doc = {
            "summary": summary.to_dict(),
            "findings": findings,
            "errors": errors,
            "indicators": [r.to_dict() for r in ind_results],
        }
        with atomic_binary(output) as fh:
            fh.write(orjson.dumps(mask_obj(doc), option=orjson.OPT_INDENT_2) + b"\n")
    elif fmt == "csv":
        with atomic_binary(output) as fh:
            write_csv(fh, [finding_row(f) for f in findings], CSV_FIELDS)
    elif fmt == "xlsx":
        assert output is not None
        write_xlsx(output, _sheets(summary, findings, ind_results, errors, rules))
    elif fmt == "html":
        from compliance.report.html import render_html

        html = render_html(
            summary,
            rules,
            violations,
            ind_results,
            errors,
            truncated=summary.findings_total_violations() > len(violations),
        )
        with atomic_binary(output) as fh:
            fh.write(mask_cpr(html).encode("utf-8"))
    return summary


def _sheets(
    summary: AuditSummary,
    findings: list[dict[str, Any]],
    ind: list[IndicatorResult],
    errors: list[dict[str, Any]],
    rules: RuleSet,
) -> dict[str, tuple[list[str], list[list[Any]]]]:
    statuses = ["met", "late", "overdue", "missed", "breached", "due", "cancelled", "excused"]
    titles = {r.id: r.title.en for r in rules.rules}
    per_rule = [
        [rid, titles.get(rid, ""), *[c.get(s, 0) for s in statuses], compliance_share(c)]
        for rid, c in sorted(summary.by_rule.items())
    ]
    rows = [[finding_row(f).get(k) for k in CSV_FIELDS] for f in findings]
    return {
        "Summary": (["item", "value"], [[k, str(v)] for k, v in summary.to_dict().items()]),
        "Per rule": (["rule", "title", *statuses, "compliance"], per_rule),
        "Findings": (CSV_FIELDS, rows),
        "Indicators": (
            ["indicator", "period", "numerator", "denominator", "share", "target", "status"],
            [
                [
                    r.indicator,
                    r.period,
                    r.numerator,
                    r.denominator,
                    r.share,
                    orjson.dumps(r.target).decode(),
                    r.status,
                ]
                for r in ind
            ],
        ),
        "Errors": (
            ["source", "line", "case_id", "reason"],
            [[e["source"], e["line"], e["case_id"], e["reason"]] for e in errors],
        ),
    }


def compliance_share(c: dict[str, int]) -> float | None:
    """Share of obligations with a known outcome that were met."""
    known = sum(c.get(s, 0) for s in ("met", "late", "overdue", "missed", "breached"))
    return round(c.get("met", 0) / known, 4) if known else None


# -- agenda ----------------------------------------------------------------------------------------


def _horizon(text: str) -> Period:
    t = text.strip().lower()
    short = {"d": "days", "w": "weeks", "m": "months", "y": "years", "h": "hours"}
    if t[:-1].isdigit() and t[-1] in short:
        t = f"{t[:-1]} {short[t[-1]]}"
    try:
        return parse_period(t)
    except PeriodError as exc:
        raise ComplianceError(f"--horizon: {exc}") from None


def agenda_command(
    inputs: list[str],
    specs: list[str],
    as_of: dt.datetime,
    horizon: str,
    fmt: str,
    output: str | None,
) -> None:
    rules = load_rules(*specs)
    period = _horizon(horizon)
    local = as_of.astimezone(Engine(rules).tz)
    until = period.add_to_date(local.date())
    _check_inputs(inputs)
    items: list[Finding] = []
    summary = AuditSummary(as_of.isoformat(), specs, inputs)
    for o in accumulate(run_audit(inputs, rules, specs, as_of), summary):
        _report_rejected(o)
        for f in o.findings:
            if f.status == "overdue" or (f.status == "due" and f._due_key and f._due_key <= until):
                items.append(f)
    items.sort(key=lambda f: (f._due_key or dt.date.max, f.case_id, f.rule))
    titles = {r.id: r.title for r in rules.rules}
    with atomic_binary(output) as fh:
        if fmt == "jsonl":
            for f in items:
                fh.write(jsonl_line(f.to_dict()))
        elif fmt == "ics":
            fh.write(_ics(items, titles, as_of).encode("utf-8"))
        else:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=f"Agenda as of {local:%Y-%m-%d %H:%M} until {until}")
            for c in ("due", "status", "case", "rule", "partition", "title"):
                table.add_column(c)
            for f in items:
                cells = (
                    f.due or "",
                    f.status,
                    f.case_id,
                    f.rule,
                    f.partition or "",
                    titles[f.rule].da if f.rule in titles else "",
                )
                table.add_row(*(mask_cpr(c) for c in cells))
            import io

            buf = io.StringIO()
            Console(file=buf, width=160).print(table)
            fh.write(mask_cpr(buf.getvalue()).encode("utf-8"))
    sys.stderr.write(summary.line() + "\n")


def _ics(items: list[Finding], titles: dict[str, Any], as_of: dt.datetime) -> str:
    stamp = as_of.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//compliance//agenda//EN"]
    for f in items:
        day = (f._due_key or as_of.date()).strftime("%Y%m%d")
        uid = (
            f"{f.case_id}-{f.rule}-{f.partition or ''}-{f.occurrence or ''}-{f.trigger}@compliance"
        )
        title = titles[f.rule].da if f.rule in titles else f.rule
        lines += [
            "BEGIN:VEVENT",
            f"UID:{mask_cpr(uid)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day}",
            f"SUMMARY:{mask_cpr(f.case_id)}: {title} ({f.status})".replace(",", "\\,"),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


# -- indicators -------------------------------------------------------------------------------------


def indicators_command(
    inputs: list[str], specs: list[str], as_of: dt.datetime, fmt: str, workers: int
) -> list[IndicatorResult]:
    rules = load_rules(*specs)
    _check_inputs(inputs)
    summary = AuditSummary(as_of.isoformat(), specs, inputs)
    ind = IndicatorAccumulator(rules.rules)
    for o in accumulate(run_audit(inputs, rules, specs, as_of, workers=workers), summary, ind):
        _report_rejected(o)
    results = ind.results()
    if fmt == "json":
        sys.stdout.write(
            orjson.dumps([r.to_dict() for r in results], option=orjson.OPT_INDENT_2).decode() + "\n"
        )
    elif fmt == "csv":
        rows = [
            {
                **r.to_dict(),
                "target": orjson.dumps(r.target).decode(),
                "title": r.title["en"],
                "source": r.source.get("document", r.source.get("law", "")),
            }
            for r in results
        ]
        write_csv(
            sys.stdout.buffer,
            rows,
            [
                "indicator",
                "title",
                "period",
                "numerator",
                "denominator",
                "share",
                "target",
                "status",
                "source",
            ],
        )
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Indicators as of {as_of:%Y-%m-%d}")
        for c in ("indicator", "period", "numerator", "denominator", "share", "target", "status"):
            table.add_column(c)
        for r in results:
            tgt = (
                f">= {r.target['min_share']:.0%}"
                if "min_share" in r.target
                else f"<= {r.target['max_share']:.0%}"
            )
            share = "-" if r.share is None else f"{r.share:.1%}"
            status = {"insufficient_data": "insufficient data"}.get(r.status, r.status)
            table.add_row(
                r.indicator, r.period, str(r.numerator), str(r.denominator), share, tgt, status
            )
        Console(width=150).print(table)
    sys.stderr.write(summary.line() + "\n")
    return results


# -- sample ------------------------------------------------------------------------------------------


def sample_command(
    inputs: list[str],
    specs: list[str],
    as_of: dt.datetime,
    n: int,
    seed: int,
    stratify: str,
    fmt: str,
) -> None:
    """Stratified, reproducible sample: cases with violations are grouped by the stratum (rule or
    status of their violations); strata share the sample in proportion, at least one each;
    within a stratum cases are drawn with a seeded RNG over the sorted case ids."""
    rules = load_rules(*specs)
    _check_inputs(inputs)
    summary = AuditSummary(as_of.isoformat(), specs, inputs)
    strata: dict[str, list[tuple[str, str]]] = {}
    for o in accumulate(run_audit(inputs, rules, specs, as_of), summary):
        if o.error or not o.case_id:
            continue
        viol = [f for f in o.findings if f.is_violation]
        if stratify == "none":
            key = "all"
            reason = f"{len(viol)} violation(s)" if viol else "no violations"
            strata.setdefault(key, []).append((o.case_id, reason))
            continue
        for f in viol:
            key = f.rule if stratify == "rule" else f.status
            strata.setdefault(key, []).append((o.case_id, f"{f.status} {f.rule} due {f.due}"))
    rng = random.Random(seed)
    total = sum(len(v) for v in strata.values())
    drawn: dict[str, tuple[str, str]] = {}
    for key in sorted(strata):
        pool = sorted(set(strata[key]))
        quota = max(1, round(n * len(strata[key]) / total)) if total else 0
        rng.shuffle(pool)
        for cid, why in pool:
            if quota <= 0 or len(drawn) >= n:
                break
            if cid not in drawn:
                drawn[cid] = (key, why)
                quota -= 1
    for cid, (key, why) in sorted(drawn.items()):
        rec = {"case_id": cid, "stratum": key, "reason": f"drawn from stratum {key}: {why}"}
        if fmt == "jsonl":
            sys.stdout.buffer.write(jsonl_line(rec))
        else:
            sys.stdout.write(mask_cpr(f"{cid}\t{key}\t{why}") + "\n")
    sys.stderr.write(
        f"sampled {len(drawn)} of {total} violating case-strata (seed {seed}); {summary.line()}\n"
    )
