"""A self-contained HTML audit report: no scripts from the network, charts as inline SVG.

Sections: reconciliation, compliance per rule, violations by month (stacked bars), indicators
against targets, the violation list with explanations, rejected records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from compliance.audit import AuditSummary, compliance_share
from compliance.indicators import IndicatorResult
from compliance.model import STATUSES, VIOLATIONS
from compliance.outputs.documents import AuditReport
from compliance.outputs.files import atomic_binary
from compliance.outputs.terminal import target_text
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
INDICATOR_COLOUR = {"met": "met", "missed": "overdue", "insufficient_data": "cancelled"}
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
@media print{details{page-break-inside:avoid}}
"""


def _pill(status: str, label: str | None = None) -> str:
    colour = STATUS_COLOURS.get(status, "#555")
    return f'<span class="pill" style="background:{colour}">{escape(label or status)}</span>'


def _as_of_text(iso: str) -> str:
    """'2025-06-30 (end of day, +02:00)' for the end-of-day instants a date as_of means."""
    t = dt.datetime.fromisoformat(iso)
    if t.time() == dt.time.max:
        return f"{t.date()} (end of day)"
    return t.isoformat(timespec="minutes")


def _month_chart(by_month: dict[str, Any]) -> str:
    months = sorted(by_month)
    if not months:
        return "<p>No violations.</p>"
    first = dt.date.fromisoformat(months[0] + "-01")
    last = dt.date.fromisoformat(months[-1] + "-01")
    allm = []
    d = first
    while d <= last:
        allm.append(f"{d.year}-{d.month:02d}")
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    totals = [sum(by_month.get(m, {}).values()) for m in allm]
    peak = max(totals) or 1
    w, h, left, bottom = 1000, 260, 40, 40
    bw = (w - left - 10) / len(allm)
    out = [
        f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="Violations by month of due date">'
    ]
    for frac in (0, 0.5, 1):
        y = h - bottom - frac * (h - bottom - 10)
        out.append(f'<line x1="{left}" x2="{w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{round(peak * frac)}</text>'
        )
    for i, m in enumerate(allm):
        x = left + i * bw
        y = h - bottom
        for s in VIOLATION_ORDER:
            n = by_month.get(m, {}).get(s, 0)
            if not n:
                continue
            bh = n / peak * (h - bottom - 10)
            y -= bh
            out.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" height="{bh:.1f}" '
                f'fill="{STATUS_COLOURS[s]}"><title>{m}: {n} {s}</title></rect>'
            )
        if len(allm) <= 24 or i % max(1, len(allm) // 12) == 0:
            out.append(
                f'<text x="{x + bw / 2:.1f}" y="{h - bottom + 14}" font-size="10" text-anchor="middle" '
                f'transform="rotate(45 {x + bw / 2:.1f} {h - bottom + 14})">{m}</text>'
            )
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{STATUS_COLOURS[s]}"></i>{s}</span>' for s in VIOLATION_ORDER
    )
    return "".join(out) + f'<div class="legend">{legend}</div>'


def _indicator_chart(results: Sequence[IndicatorResult]) -> str:
    rows = [r for r in results if r.share is not None]
    if not rows:
        return "<p>No indicator has data.</p>"
    row_h, w, label_w = 26, 1000, 430
    h = row_h * len(rows) + 30
    out = [
        f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="Indicators against targets">'
    ]
    scale = (w - label_w - 60) / 1.0
    for i, r in enumerate(rows):
        y = 10 + i * row_h
        target = r.target.get("min_share", r.target.get("max_share", 0.0))
        colour = "#2e7d32" if r.status == "met" else "#c62828"
        out.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(r.indicator)} {escape(r.period)}</text>"
        )
        out.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{(r.share or 0) * scale:.1f}" height="16" fill="{colour}">'
            f"<title>{r.numerator}/{r.denominator} = {(r.share or 0):.1%}</title></rect>"
        )
        tx = label_w + target * scale
        out.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y}" y2="{y + 22}" stroke="#111" stroke-width="2">'
            f"<title>target {target:.0%}</title></line>"
        )
        out.append(
            f'<text x="{label_w + (r.share or 0) * scale + 6:.1f}" y="{y + 15}" font-size="11">{(r.share or 0):.1%}</text>'
        )
    out.append("</svg>")
    return (
        "".join(out)
        + '<div class="legend"><span><i style="background:#111;width:3px"></i>target</span></div>'
    )


def write_audit(report: AuditReport, output: str | None) -> None:
    violations = report.findings(violations_only=True, limit=MAX_VIOLATIONS_SHOWN)
    html = render_html(
        report.summary,
        report.rules,
        violations,
        report.indicator_results(),
        report.error_records(),
        truncated=report.summary.findings_total_violations() > len(violations),
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
    truncated: bool = False,
    generated_at: dt.datetime | None = None,
) -> str:
    """The report's sections, in order (the violation list holds ``violations``, which may be the
    first of many: ``truncated``)."""
    titles = {r.id: r.title for r in rules.rules}
    generated = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        *_heading(summary, generated),
        *_per_rule_section(summary, titles),
        "<h2>Violations by month (due date; breaches when they happened)</h2>",
        _month_chart(summary.by_month),
        *_indicator_section(indicators),
        *_violation_section(summary, violations, titles, truncated),
        *_rejected_section(summary, errors),
        *_ignored_section(summary),
        "</body></html>",
    ]
    return "\n".join(parts)


def _heading(s: AuditSummary, generated: str) -> list[str]:
    return [
        '<!doctype html><html lang="da"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Compliance audit as of {escape(s.as_of[:10])}</title><style>{CSS}</style></head><body>",
        '<h1>Compliance audit <span class="da">/ Revision af frister og standarder</span></h1>',
        f'<p class="meta">As of <b>{escape(_as_of_text(s.as_of))}</b> · rules: {escape(", ".join(s.rules))} · '
        f'input: {escape(", ".join(s.inputs))}<br><span class="generated">generated {generated}</span></p>',
        '<div class="cards">',
        f'<div class="card">cases read<b>{s.cases_read:,}</b></div>',
        f'<div class="card">evaluated<b>{s.evaluated:,}</b></div>',
        f'<div class="card">rejected<b class="{"bad" if s.rejected else "ok"}">{s.rejected:,}</b></div>',
        f'<div class="card">obligations<b>{sum(s.findings.values()):,}</b></div>',
        f'<div class="card">violations<b class="bad">{s.findings_total_violations():,}</b></div>',
        "</div>",
        f"<p><b>Reconciliation:</b> {escape(s.line())}.</p>",
    ]


def _per_rule_section(s: AuditSummary, titles: dict[str, Title]) -> list[str]:
    parts = [
        "<h2>Compliance per rule</h2>",
        "<p>Compliance = met ÷ obligations whose outcome is known (met, late, overdue, missed, breached). "
        "Open obligations not yet due, cancelled and excused ones are left out.</p>",
        "<table><tr><th>rule</th>"
        + "".join(f"<th>{x}</th>" for x in STATUSES)
        + "<th>compliance</th></tr>",
    ]
    for rule, counts in sorted(s.by_rule.items()):
        title = titles.get(rule)
        name = f"<b>{escape(rule)}</b>" + (
            f"<br>{escape(title.best())}"
            + (f'<br><span class="da">{escape(title.da)}</span>' if title.da else "")
            if title
            else ""
        )
        parts.append(
            f"<tr><td>{name}</td>"
            + "".join(f'<td class="n">{counts.get(x, 0)}</td>' for x in STATUSES)
            + f"<td>{_share_bar(compliance_share(counts))}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _share_bar(share: float | None) -> str:
    if share is None:
        return "–"
    colour = "#2e7d32" if share >= 0.9 else "#f9a825" if share >= 0.6 else "#c62828"
    return f'<span class="bar" style="width:{share * 6:.1f}rem;background:{colour}"></span> {share:.1%}'


def _indicator_section(indicators: Sequence[IndicatorResult]) -> list[str]:
    parts = [
        "<h2>Indicators against targets</h2>",
        _indicator_chart(indicators),
        "<table><tr><th>indicator</th><th>period</th><th>numerator</th><th>denominator</th>"
        "<th>share</th><th>target</th><th>status</th><th>source</th></tr>",
    ]
    for r in indicators:
        status = "insufficient data" if r.status == "insufficient_data" else r.status
        source = r.source.get("document") or r.source.get("law", "")
        municipality = r.source.get("municipality", "")
        parts.append(
            f'<tr><td><b>{escape(r.indicator)}</b><br>{escape(r.title["en"])}<br><span class="da">{escape(r.title["da"])}</span></td>'
            f'<td>{escape(r.period)}</td><td class="n">{r.numerator}</td><td class="n">{r.denominator}</td>'
            f'<td class="n">{"–" if r.share is None else f"{r.share:.1%}"}</td><td>{target_text(r, "≥", "≤")}</td>'
            f"<td>{_pill(INDICATOR_COLOUR.get(r.status, 'cancelled'), status)}</td>"
            f"<td>{escape(source)}{(' (' + escape(municipality) + ')') if municipality else ''}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _violation_section(
    s: AuditSummary, violations: list[dict[str, Any]], titles: dict[str, Title], truncated: bool
) -> list[str]:
    parts = [f"<h2>Violations ({s.findings_total_violations():,})</h2>"]
    if truncated:
        parts.append(
            f"<p>Showing the first {len(violations):,}; the CSV/XLSX/JSONL outputs hold all.</p>"
        )
    parts.append(
        "<p>Each violation unfolds to the steps that produced it, so it can be checked by hand.</p>"
    )
    for f in sorted(violations, key=lambda f: (f["rule"], f["due"] or "", f["case_id"])):
        title = titles.get(f["rule"])
        source = f["source"]
        cite = f"{source.get('law') or source.get('document', '')} {source.get('ref', '')}".strip()
        partition = f" [{escape(str(f['partition']))}]" if f.get("partition") else ""
        late = f", {f['lateness_days']} day(s)" if f.get("lateness_days") else ""
        steps = "".join(f"<li>{escape(x)}</li>" for x in f["explain"])
        parts.append(
            f"<details><summary>{_pill(f['status'])} <b>{escape(f['case_id'])}</b>{partition} · "
            f"{escape(title.best() if title else f['rule'])} · due {escape(str(f['due']))}{late} · {escape(cite)}</summary>"
            f'<ol class="explain">{steps}</ol></details>'
        )
    return parts


def _rejected_section(s: AuditSummary, errors: list[dict[str, Any]]) -> list[str]:
    parts = [f"<h2>Rejected records ({s.rejected:,})</h2>"]
    if not errors:
        return [*parts, "<p>None.</p>"]
    parts.append("<table><tr><th>source:line</th><th>case</th><th>reason</th></tr>")
    for e in errors:
        parts.append(
            f"<tr><td>{escape(str(e['source']))}:{e['line']}</td><td>{escape(str(e['case_id'] or '?'))}</td>"
            f"<td>{escape(e['reason'])}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _ignored_section(s: AuditSummary) -> list[str]:
    """Unknown event types and events after the audit instant: counted, not evaluated."""
    parts = []
    if s.unknown_event_types:
        parts.append("<h2>Unknown event types (counted, not evaluated)</h2><ul>")
        parts += [f"<li>{escape(k)}: {v}</li>" for k, v in sorted(s.unknown_event_types.items())]
        parts.append("</ul>")
    if s.ignored_future_events:
        parts.append(
            f"<p>{s.ignored_future_events:,} event(s) dated after the audit instant were ignored.</p>"
        )
    return parts
