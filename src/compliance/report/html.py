"""A self-contained HTML audit report: no scripts from the network, charts as inline SVG.

Sections: reconciliation, compliance per rule, violations by month (stacked bars), indicators
against targets, the violation list with explanations, rejected records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from compliance.audit import AuditSummary
from compliance.indicators import IndicatorResult
from compliance.rules.load import RuleSet

__all__ = ["render_html"]

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
VIOLATION_ORDER = ("late", "overdue", "missed", "breached")
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


def _share(c: dict[str, int]) -> float | None:
    known = sum(c.get(s, 0) for s in ("met", *VIOLATION_ORDER))
    return c.get("met", 0) / known if known else None


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
    titles = {r.id: r.title for r in rules.rules}
    s = summary
    total_violations = s.findings_total_violations()
    gen = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        '<!doctype html><html lang="da"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Compliance audit as of {escape(s.as_of[:10])}</title><style>{CSS}</style></head><body>",
        '<h1>Compliance audit <span class="da">/ Revision af frister og standarder</span></h1>',
        f'<p class="meta">As of <b>{escape(_as_of_text(s.as_of))}</b> · rules: {escape(", ".join(s.rules))} · '
        f'input: {escape(", ".join(s.inputs))}<br><span class="generated">generated {gen}</span></p>',
        '<div class="cards">',
        f'<div class="card">cases read<b>{s.cases_read:,}</b></div>',
        f'<div class="card">evaluated<b>{s.evaluated:,}</b></div>',
        f'<div class="card">rejected<b class="{"bad" if s.rejected else "ok"}">{s.rejected:,}</b></div>',
        f'<div class="card">obligations<b>{sum(s.findings.values()):,}</b></div>',
        f'<div class="card">violations<b class="bad">{total_violations:,}</b></div>',
        "</div>",
        f"<p><b>Reconciliation:</b> {escape(s.line())}.</p>",
        "<h2>Compliance per rule</h2>",
        "<p>Compliance = met ÷ obligations whose outcome is known (met, late, overdue, missed, breached). "
        "Open obligations not yet due, cancelled and excused ones are left out.</p>",
        "<table><tr><th>rule</th>"
        + "".join(f"<th>{x}</th>" for x in STATUS_COLOURS)
        + "<th>compliance</th></tr>",
    ]
    for rid, c in sorted(s.by_rule.items()):
        t = titles.get(rid)
        share = _share(c)
        bar = (
            (
                f'<span class="bar" style="width:{share * 6:.1f}rem;background:{"#2e7d32" if share >= 0.9 else "#f9a825" if share >= 0.6 else "#c62828"}"></span> '
                f"{share:.1%}"
            )
            if share is not None
            else "–"
        )
        name = f"<b>{escape(rid)}</b>" + (
            f'<br>{escape(t.en)}<br><span class="da">{escape(t.da)}</span>' if t else ""
        )
        parts.append(
            f"<tr><td>{name}</td>"
            + "".join(f'<td class="n">{c.get(x, 0)}</td>' for x in STATUS_COLOURS)
            + f"<td>{bar}</td></tr>"
        )
    parts.append("</table>")
    parts += [
        "<h2>Violations by month (due date; breaches when they happened)</h2>",
        _month_chart(s.by_month),
    ]
    parts += [
        "<h2>Indicators against targets</h2>",
        _indicator_chart(indicators),
        "<table><tr><th>indicator</th><th>period</th><th>numerator</th><th>denominator</th>"
        "<th>share</th><th>target</th><th>status</th><th>source</th></tr>",
    ]
    for r in indicators:
        tgt = (
            f"≥ {r.target['min_share']:.0%}"
            if "min_share" in r.target
            else f"≤ {r.target['max_share']:.0%}"
        )
        status = "insufficient data" if r.status == "insufficient_data" else r.status
        src = r.source.get("document") or r.source.get("law", "")
        muni = r.source.get("municipality", "")
        parts.append(
            f'<tr><td><b>{escape(r.indicator)}</b><br>{escape(r.title["en"])}<br><span class="da">{escape(r.title["da"])}</span></td>'
            f'<td>{escape(r.period)}</td><td class="n">{r.numerator}</td><td class="n">{r.denominator}</td>'
            f'<td class="n">{"–" if r.share is None else f"{r.share:.1%}"}</td><td>{tgt}</td>'
            f"<td>{_pill(INDICATOR_COLOUR.get(r.status, 'cancelled'), status)}</td>"
            f"<td>{escape(src)}{(' (' + escape(muni) + ')') if muni else ''}</td></tr>"
        )
    parts.append("</table>")
    parts += [f"<h2>Violations ({total_violations:,})</h2>"]
    if truncated:
        parts.append(
            f"<p>Showing the first {len(violations):,}; the CSV/XLSX/JSONL outputs hold all.</p>"
        )
    parts.append(
        "<p>Each violation unfolds to the steps that produced it, so it can be checked by hand.</p>"
    )
    for f in sorted(violations, key=lambda f: (f["rule"], f["due"] or "", f["case_id"])):
        t = titles.get(f["rule"])
        src = f["source"]
        cite = f"{src.get('law') or src.get('document', '')} {src.get('ref', '')}".strip()
        part = f" [{escape(str(f['partition']))}]" if f.get("partition") else ""
        late = f", {f['lateness_days']} day(s)" if f.get("lateness_days") else ""
        steps = "".join(f"<li>{escape(x)}</li>" for x in f["explain"])
        parts.append(
            f"<details><summary>{_pill(f['status'])} <b>{escape(f['case_id'])}</b>{part} · "
            f"{escape(t.en if t else f['rule'])} · due {escape(str(f['due']))}{late} · {escape(cite)}</summary>"
            f'<ol class="explain">{steps}</ol></details>'
        )
    parts.append(f"<h2>Rejected records ({s.rejected:,})</h2>")
    if errors:
        parts.append("<table><tr><th>source:line</th><th>case</th><th>reason</th></tr>")
        for e in errors:
            parts.append(
                f"<tr><td>{escape(str(e['source']))}:{e['line']}</td><td>{escape(str(e['case_id'] or '?'))}</td>"
                f"<td>{escape(e['reason'])}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    if s.unknown_event_types:
        parts.append("<h2>Unknown event types (counted, not evaluated)</h2><ul>")
        parts += [f"<li>{escape(k)}: {v}</li>" for k, v in sorted(s.unknown_event_types.items())]
        parts.append("</ul>")
    if s.ignored_future_events:
        parts.append(
            f"<p>{s.ignored_future_events:,} event(s) dated after the audit instant were ignored.</p>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
