"""A self-contained HTML audit report: no scripts from the network, charts as inline SVG.

Sections: reconciliation, compliance per rule (with each rule's confidence), violations by
month (stacked bars), indicators against targets (periods not yet ended marked in progress and
kept out of the headline), the violation list with explanations, rejected records. Every label
comes from the message catalogue (outputs/messages.py), Danish unless ``--lang en``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from compliance.audit import AuditSummary, compliance_share
from compliance.indicators import IndicatorResult
from compliance.model import STATUSES, VIOLATIONS
from compliance.outputs.breakdown import UNKNOWN, Breakdown
from compliance.outputs.confidence import Confidence
from compliance.outputs.documents import AuditReport, indicator_status
from compliance.outputs.files import atomic_binary
from compliance.outputs.messages import Messages, messages
from compliance.outputs.targets import rule_targets
from compliance.outputs.terminal import target_text
from compliance.outputs.trends import trend_section
from compliance.privacy import mask_cpr
from compliance.rules.load import RuleSet
from compliance.rules.schema import Title

__all__ = ["MAX_VIOLATIONS_SHOWN", "render_html", "write_audit"]

MAX_VIOLATIONS_SHOWN = 5000  # the list is for reading; CSV, XLSX and JSON Lines hold them all

STATUS_COLOURS = {
    "met": "#2e7d32",
    "late": "#f9a825",
    "overdue": "#c62828",
    "missed": "#6a1b9a",
    "breached": "#ad1457",
    "due": "#1565c0",
    "cancelled": "#9e9e9e",
    "excused": "#78909c",
}
VIOLATION_ORDER = tuple(s for s in STATUSES if s in VIOLATIONS)  # stacking order in charts
INDICATOR_COLOUR = {
    "met": "met",
    "missed": "overdue",
    "insufficient_data": "cancelled",
    "in_progress": "due",
}
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1a1a1a;line-height:1.45;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e0e0e0;padding-bottom:.2rem}
.meta{color:#555}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:8px;padding:.7rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}.ok{color:#2e7d32}.bad{color:#c62828}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid #eee;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#fafafa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:.7rem;background:#2e7d32;border-radius:2px}
.da{color:#666;font-size:.8rem}details{margin:.2rem 0}summary{cursor:pointer}
ol.explain{margin:.3rem 0 .6rem 1rem;font-size:.85rem;color:#333}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.pill{border-radius:1rem;padding:0 .5rem;color:#fff;font-size:.8rem}
.trend{padding:.4rem .5rem;min-width:0;width:300px}.trend small{display:block;font-size:.75rem;color:#333}
.trend small.title{color:#666;min-height:2em}
@media print{details{page-break-inside:avoid}}
"""


def _pill(status: str, label: str) -> str:
    colour = STATUS_COLOURS.get(status, "#555")
    return f'<span class="pill" style="background:{colour}">{escape(label)}</span>'


def _as_of_text(iso: str, m: Messages) -> str:
    """'30. juni 2025 (ved dagens udgang)' for the end-of-day instants a date as_of means."""
    t = dt.datetime.fromisoformat(iso)
    if t.time() == dt.time.max:
        return f"{m.date(t.date())} ({m('report.end_of_day')})"
    return f"{m.date(t.date())} {t:%H:%M} ({t:%z})"


def _all_months(months: list[str]) -> list[str]:
    first = dt.date.fromisoformat(months[0] + "-01")
    last = dt.date.fromisoformat(months[-1] + "-01")
    every, d = [], first
    while d <= last:
        every.append(f"{d.year}-{d.month:02d}")
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return every


def _month_chart(by_month: dict[str, Any], m: Messages) -> str:
    if not by_month:
        return f"<p>{m('months.none')}</p>"
    allm = _all_months(sorted(by_month))
    totals = [sum(by_month.get(month, {}).values()) for month in allm]
    peak = max(totals) or 1
    w, h, left, bottom = 1000, 260, 40, 40
    bw = (w - left - 10) / len(allm)
    out = [
        f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{m("months.heading")}">'
    ]
    for frac in (0, 0.5, 1):
        y = h - bottom - frac * (h - bottom - 10)
        out.append(f'<line x1="{left}" x2="{w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{m.integer(round(peak * frac))}</text>"
        )
    for i, month in enumerate(allm):
        x = left + i * bw
        y = h - bottom
        for s in VIOLATION_ORDER:
            n = by_month.get(month, {}).get(s, 0)
            if not n:
                continue
            bh = n / peak * (h - bottom - 10)
            y -= bh
            out.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" height="{bh:.1f}" '
                f'fill="{STATUS_COLOURS[s]}"><title>{m.month(month)}: {m.integer(n)} '
                f"{m.status(s)}</title></rect>"
            )
        if len(allm) <= 24 or i % max(1, len(allm) // 12) == 0:
            cx, cy = x + bw / 2, h - bottom + 14
            out.append(
                f'<text x="{cx:.1f}" y="{cy}" font-size="10" text-anchor="middle" '
                f'transform="rotate(45 {cx:.1f} {cy})">{m.month(month)}</text>'
            )
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{STATUS_COLOURS[s]}"></i>{m.status(s)}</span>'
        for s in VIOLATION_ORDER
    )
    return "".join(out) + f'<div class="legend">{legend}</div>'


def _indicator_chart(results: Sequence[IndicatorResult], as_of: dt.datetime, m: Messages) -> str:
    rows = [r for r in results if r.share is not None]
    if not rows:
        return f"<p>{m('indicators.none')}</p>"
    row_h, w, label_w = 26, 1000, 430
    h = row_h * len(rows) + 30
    out = [
        f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{m("indicators.heading")}">'
    ]
    scale = w - label_w - 60
    for i, r in enumerate(rows):
        y = 10 + i * row_h
        share = r.share or 0.0
        target = r.target.get("min_share", r.target.get("max_share", 0.0))
        status = indicator_status(r, as_of)
        colour = STATUS_COLOURS[INDICATOR_COLOUR[status]]
        out.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(r.indicator)} {escape(r.period)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{share * scale:.1f}" height="16" '
            f'fill="{colour}"><title>{m.integer(r.numerator)}/{m.integer(r.denominator)} = '
            f"{m.percent(share)} ({m.indicator_status(status)})</title></rect>"
        )
        tx = label_w + target * scale
        out.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y}" y2="{y + 22}" stroke="#111" '
            f'stroke-width="2"><title>{m("target.label")} {m.percent(target, 0)}</title></line>'
            f'<text x="{label_w + share * scale + 6:.1f}" y="{y + 15}" font-size="11">'
            f"{m.percent(share)}</text>"
        )
    out.append("</svg>")
    return (
        "".join(out) + '<div class="legend"><span><i style="background:#111;width:3px"></i>'
        f"{m('target.label')}</span></div>"
    )


def write_audit(report: AuditReport, output: str | None) -> None:
    violations = report.findings(violations_only=True, limit=MAX_VIOLATIONS_SHOWN)
    html = render_html(
        report.summary,
        report.rules,
        violations,
        report.indicator_results(),
        report.error_records(),
        lang=report.lang,
        as_of_given=report.as_of_given,
        breakdown=report.breakdown,
    )
    with atomic_binary(output) as fh:
        fh.write(mask_cpr(html).encode("utf-8"))


def render_html(
    summary: AuditSummary,
    rules: RuleSet,
    violations: list[dict[str, Any]],
    indicators: Sequence[IndicatorResult],
    errors: list[dict[str, Any]],
    *,
    lang: str = "da",
    as_of_given: bool = True,
    breakdown: Breakdown | None = None,
    generated_at: dt.datetime | None = None,
) -> str:
    """The report's sections, in order (the violation list holds ``violations``, which may be the
    first of many: the section says how many more)."""
    m = messages(lang)
    titles = {r.id: r.title for r in rules.rules}
    confidence = Confidence(rules)
    as_of = dt.datetime.fromisoformat(summary.as_of)
    generated = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        *_heading(summary, generated, as_of_given, m),
        *_headline(summary, indicators, as_of, m),
        *_breakdown_sections(breakdown or Breakdown(), m),
        *trend_section(
            breakdown or Breakdown(),
            indicators,
            as_of,
            rule_targets(rules),
            {rule: title.best(m.lang) for rule, title in titles.items()},
            m,
        ),
        *_per_rule_section(summary, titles, confidence, m),
        f"<h2>{m('months.heading')}</h2>",
        _month_chart(summary.by_month, m),
        *_indicator_section(indicators, as_of, m),
        *_violation_section(summary, violations, titles, confidence, m),
        *_rejected_section(summary, errors, m),
        *_ignored_section(summary, m),
        "</body></html>",
    ]
    return "\n".join(parts)


def _heading(s: AuditSummary, generated: str, as_of_given: bool, m: Messages) -> list[str]:
    title = f"{m('report.title')} · {_as_of_text(s.as_of, m)}"
    parts = [
        f'<!doctype html><html lang="{m.lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{m('report.title')}</h1>",
        f'<p class="meta">{m("report.as_of")} <b>{escape(_as_of_text(s.as_of, m))}</b> · '
        f"{m('report.rules')}: {escape(', '.join(s.rules))} · "
        f"{m('report.input')}: {escape(', '.join(s.inputs))}<br>"
        f'<span class="generated">{m("report.generated")} {generated}</span></p>',
    ]
    if not as_of_given:
        parts.append(f'<p class="bad">{escape(m("report.as_of_now", instant=s.as_of))}</p>')
    return parts


def _headline(
    s: AuditSummary, indicators: Sequence[IndicatorResult], as_of: dt.datetime, m: Messages
) -> list[str]:
    """The cards: counts, overall compliance, and indicator periods that have ended (met of all)."""
    ended = [r for r in indicators if indicator_status(r, as_of) in ("met", "missed")]
    met = sum(r.status == "met" for r in ended)
    cards = [
        (m("card.cases_read"), m.integer(s.cases_read), ""),
        (m("card.evaluated"), m.integer(s.evaluated), ""),
        (m("card.rejected"), m.integer(s.rejected), "bad" if s.rejected else "ok"),
        (m("card.obligations"), m.integer(sum(s.findings.values())), ""),
        (m("card.violations"), m.integer(s.findings_total_violations()), "bad"),
        (m("card.compliance"), m.percent(compliance_share(s.findings)), ""),
        (m("indicators.headline"), f"{m.integer(met)} / {m.integer(len(ended))}", ""),
    ]
    key = "report.reconciles" if s.reconciles else "report.does_not_reconcile"
    counts = {"read": s.cases_read, "evaluated": s.evaluated, "rejected": s.rejected}
    line = m(key, **{k: m.integer(v) for k, v in counts.items()})
    return [
        '<div class="cards">',
        *(
            f'<div class="card">{label}<b class="{cls}">{value}</b></div>'
            for label, value, cls in cards
        ),
        "</div>",
        f"<p><b>{m('report.reconciliation')}:</b> {escape(line)}.</p>",
    ]


def _per_rule_section(
    s: AuditSummary, titles: dict[str, Title], confidence: Confidence, m: Messages
) -> list[str]:
    header = "".join(f"<th>{m.status(x)}</th>" for x in STATUSES)
    parts = [
        f"<h2>{m('rules.heading')}</h2>",
        f"<p>{m('rules.explained')}</p>",
        f'<p class="da">{m("confidence.legend")}</p>',
        f"<table><tr><th>{m('column.rule')}</th>{header}<th>{m('column.compliance')}</th>"
        f"<th>{m('column.confidence')}</th></tr>",
    ]
    for rule, counts in sorted(s.by_rule.items()):
        title = titles.get(rule)
        name = f"<b>{escape(rule)}</b>"
        if title:
            own = title.best(m.lang)
            other = title.best("en" if m.lang == "da" else "da")
            name += f"<br>{escape(own)}"
            if other != own:
                name += f'<br><span class="da">{escape(other)}</span>'
        parts.append(
            f"<tr><td>{name}</td>"
            + "".join(f'<td class="n">{m.integer(counts.get(x, 0))}</td>' for x in STATUSES)
            + f"<td>{_share_bar(compliance_share(counts), m)}</td>"
            + f"<td>{_confidence_cell(confidence.rule(rule), m)}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _confidence_cell(code: str, m: Messages) -> str:
    if not code:
        return escape(m("confidence.none"))
    meanings = "; ".join(m(f"confidence.{c}") for c in code.split("/"))
    return f'<abbr title="{escape(meanings)}">{escape(code)}</abbr>'


def _share_bar(share: float | None, m: Messages) -> str:
    if share is None:
        return "–"
    colour = "#2e7d32" if share >= 0.9 else "#f9a825" if share >= 0.6 else "#c62828"
    return (
        f'<span class="bar" style="width:{share * 6:.1f}rem;background:{colour}"></span> '
        f"{m.percent(share)}"
    )


def _indicator_section(
    indicators: Sequence[IndicatorResult], as_of: dt.datetime, m: Messages
) -> list[str]:
    columns = ("indicator", "period", "numerator", "denominator", "share", "target", "status")
    header = "".join(f"<th>{m('column.' + c)}</th>" for c in (*columns, "source"))
    parts = [
        f"<h2>{m('indicators.heading')}</h2>",
        f"<p>{m('indicators.in_progress_note')}</p>",
        _indicator_chart(indicators, as_of, m),
        f"<table><tr>{header}</tr>",
    ]
    for r in indicators:
        status = indicator_status(r, as_of)
        source = r.source.get("document") or r.source.get("law", "")
        municipality = r.source.get("municipality", "")
        where = f" ({escape(municipality)})" if municipality else ""
        own, other = (
            (r.title.get("da") or r.title["en"], r.title["en"])
            if m.lang == "da"
            else (r.title["en"], r.title.get("da") or r.title["en"])
        )
        parts.append(
            f'<tr><td><b>{escape(r.indicator)}</b><br>{escape(own)}<br><span class="da">{escape(other)}</span></td>'
            f'<td>{escape(r.period)}</td><td class="n">{m.integer(r.numerator)}</td>'
            f'<td class="n">{m.integer(r.denominator)}</td><td class="n">{m.percent(r.share)}</td>'
            f"<td>{target_text(r, '≥', '≤', m)}</td>"
            f"<td>{_pill(INDICATOR_COLOUR[status], m.indicator_status(status))}</td>"
            f"<td>{escape(source)}{where}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _violation_section(
    s: AuditSummary,
    violations: list[dict[str, Any]],
    titles: dict[str, Title],
    confidence: Confidence,
    m: Messages,
) -> list[str]:
    total = s.findings_total_violations()
    parts = [f"<h2>{m('violations.heading', count=m.integer(total))}</h2>"]
    if total > len(violations):
        shown, more = m.integer(len(violations)), m.integer(total - len(violations))
        parts.append(f"<p>{m('violations.truncated', shown=shown, more=more)}</p>")
    parts.append(f"<p>{m('violations.explained')}</p>")
    for f in sorted(violations, key=lambda f: (f["rule"], f["due"] or "", f["case_id"])):
        parts.append(_violation(f, titles.get(f["rule"]), confidence, m))
    return parts


def _violation(f: dict[str, Any], title: Title | None, confidence: Confidence, m: Messages) -> str:
    source = f["source"]
    cite = f"{source.get('law') or source.get('document', '')} {source.get('ref', '')}".strip()
    partition = f" [{escape(str(f['partition']))}]" if f.get("partition") else ""
    late = (
        f", {m('violations.days_late', days=f['lateness_days'])}" if f.get("lateness_days") else ""
    )
    name = title.best(m.lang) if title else f["rule"]
    due = m.date(dt.date.fromisoformat(str(f["due"])[:10])) if f.get("due") else "–"
    code = confidence.finding(f["rule"], f.get("version"))
    steps = "".join(f"<li>{escape(x)}</li>" for x in f["explain"])
    return (
        f"<details><summary>{_pill(f['status'], m.status(f['status']))} "
        f"<b>{escape(f['case_id'])}</b>{partition} · {escape(name)} · "
        f"{m('violations.due', due=due)}{late} · {escape(cite)} · "
        f"{m('column.confidence')} {_confidence_cell(code, m)}</summary>"
        f'<ol class="explain">{steps}</ol></details>'
    )


def _rejected_section(s: AuditSummary, errors: list[dict[str, Any]], m: Messages) -> list[str]:
    parts = [f"<h2>{m('rejected.heading', count=m.integer(s.rejected))}</h2>"]
    if not errors:
        return [*parts, f"<p>{m('rejected.none')}</p>"]
    parts.append(
        f"<table><tr><th>{m('column.source')}:{m('column.line')}</th><th>{m('column.case')}</th>"
        f"<th>{m('column.reason')}</th></tr>"
    )
    for e in errors:
        parts.append(
            f"<tr><td>{escape(str(e['source']))}:{e['line']}</td><td>{escape(str(e['case_id'] or '?'))}</td>"
            f"<td>{escape(e['reason'])}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _ignored_section(s: AuditSummary, m: Messages) -> list[str]:
    """Unknown event types and events after the audit instant: counted, not evaluated."""
    parts = []
    if s.unknown_event_types:
        parts.append(f"<h2>{m('unknown.heading')}</h2><ul>")
        parts += [
            f"<li>{escape(k)}: {m.integer(v)}</li>"
            for k, v in sorted(s.unknown_event_types.items())
        ]
        parts.append("</ul>")
    if s.ignored_future_events:
        parts.append(f"<p>{m('future.ignored', count=m.integer(s.ignored_future_events))}</p>")
    return parts


def _breakdown_sections(breakdown: Breakdown, m: Messages) -> list[str]:
    """Obligations, violations and compliance per municipality (and per --group-by value)."""
    parts = _count_table(
        m("municipality.heading"), m("column.municipality"), breakdown.by_municipality, m
    )
    if breakdown.group_by:
        heading = m("group.heading", column=breakdown.group_by)
        parts += _count_table(heading, breakdown.group_by, breakdown.by_group, m)
        if set(breakdown.by_group) == {UNKNOWN}:  # a misspelt --group-by: say so, do not hide it
            parts.append(
                f'<p class="bad">{escape(m("group.missing", column=breakdown.group_by))}</p>'
            )
    return parts


def _count_table(heading: str, column: str, counts: dict[str, Any], m: Messages) -> list[str]:
    if not counts:
        return []
    parts = [
        f'<h2 id="{escape(column)}">{escape(heading)}</h2>',
        f"<table><tr><th>{escape(column)}</th><th>{m('column.obligations')}</th>"
        f"<th>{m('column.violations')}</th><th>{m('column.compliance')}</th></tr>",
    ]
    for value, by_status in sorted(counts.items()):
        violations = sum(by_status.get(x, 0) for x in VIOLATIONS)
        name = m("unknown.value") if value == UNKNOWN else value
        parts.append(
            f'<tr><td><b>{escape(name)}</b></td><td class="n">{m.integer(sum(by_status.values()))}</td>'
            f'<td class="n">{m.integer(violations)}</td>'
            f"<td>{_share_bar(compliance_share(by_status), m)}</td></tr>"
        )
    parts.append("</table>")
    return parts
