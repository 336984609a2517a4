"""The report's trend charts (small multiples, inline SVG): each rule's compliance month by
month against the targets set for it, each indicator's periods against its target.

A month or period not ended at the audit date is drawn as an open dot (its share may still
change); each dot's tooltip gives the counts behind the share, since a month with two
obligations swings between 0 and 100 %. The 0 % and 100 % grid lines are the scale, not
targets: a target is a dashed line named under the chart, and a rule without one says so
(outputs/targets.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from compliance.indicators import IndicatorResult
from compliance.outputs.breakdown import Breakdown
from compliance.outputs.documents import indicator_status, period_in_progress
from compliance.outputs.messages import Messages
from compliance.outputs.targets import Target, indicator_target

__all__ = ["TrendPoint", "trend_section"]

WIDTH, HEIGHT, PAD, LEFT = 300, 120, 18, 34  # LEFT: room for the 0 % / 100 % labels


@dataclass(frozen=True)
class TrendPoint:
    label: str  # the month (``mar. 2024``) or period (``2024``) as the reader sees it
    share: float
    in_progress: bool  # not ended at the audit date
    detail: str  # the counts behind the share (tooltip)


def trend_section(
    breakdown: Breakdown,
    indicators: Sequence[IndicatorResult],
    as_of: dt.datetime,
    targets: dict[str, list[Target]],
    titles: dict[str, str],
    m: Messages,
) -> list[str]:
    """The section: the rules' charts (a rule with one month only has no trend), then the
    indicators' charts; ``titles``: each rule's title in the report's language."""
    parts = [f"<h2>{m('trend.heading')}</h2>", f"<p>{m('trend.rules')}</p>", '<div class="cards">']
    for rule in sorted(breakdown.by_rule_month):
        points = _rule_points(breakdown, rule, as_of, m)
        if len(points) > 1:
            parts.append(_chart(rule, titles.get(rule, ""), points, targets.get(rule, []), m))
    by_indicator: dict[str, list[IndicatorResult]] = {}
    for r in indicators:
        by_indicator.setdefault(r.indicator, []).append(r)
    parts += ["</div>", f"<p>{m('trend.indicators')}</p>", '<div class="cards">']
    for indicator, results in sorted(by_indicator.items()):
        points = [
            TrendPoint(
                r.period,
                r.share,
                indicator_status(r, as_of) == "in_progress",
                f"{m.integer(r.numerator)}/{m.integer(r.denominator)}",
            )
            for r in results
            if r.share is not None
        ]
        if points:
            target = indicator_target(results[0].target, indicator)
            title = results[0].title.get(m.lang) or results[0].title.get("en", "")
            parts.append(_chart(indicator, title, points, [target], m))
    parts.append("</div>")
    return parts


def _rule_points(
    breakdown: Breakdown, rule: str, as_of: dt.datetime, m: Messages
) -> list[TrendPoint]:
    """The months with obligations whose outcome is known, a month not ended as in progress."""
    months = breakdown.by_rule_month.get(rule, {})
    points = []
    for month, share, known in breakdown.monthly_share(rule):
        if not known or share is None:
            continue
        met = months[month].get("met", 0)
        detail = m("trend.counts", met=m.integer(met), known=m.integer(known))
        points.append(TrendPoint(m.month(month), share, period_in_progress(month, as_of), detail))
    return points


def target_label(target: Target, m: Messages) -> str:
    """``mål ≥ 100 %``, or ``Slagelses mål ≥ 100 %`` for a municipality's own target."""
    sign, share = "≥" if target.at_least else "≤", m.percent(target.share, 0)
    if target.municipality:
        return m("trend.target_of", municipality=target.municipality, sign=sign, share=share)
    return m("trend.target", sign=sign, share=share)


def _y(share: float) -> float:
    return HEIGHT - PAD - share * (HEIGHT - 2 * PAD)


def _chart(
    name: str, title: str, points: list[TrendPoint], targets: list[Target], m: Messages
) -> str:
    """A 300×120 line chart of shares on a 0–100 % scale with a dashed line at each target."""
    step = (WIDTH - LEFT - PAD) / max(len(points) - 1, 1)
    coords = [(LEFT + i * step, _y(p.share)) for i, p in enumerate(points)]
    labels = [target_label(t, m) for t in targets] or [m("trend.no_target")]
    out = [
        f'<div class="card trend"><small><b>{escape(name)}</b></small>'
        f'<small class="title">{escape(title)}</small>'
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(name)}">'
    ]
    for share in (0.0, 1.0):  # the scale
        y = _y(share)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - PAD}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 3}" y="{y + 3:.1f}" font-size="9" text-anchor="end" '
            f'fill="#666">{m.percent(share, 0)}</text>'
        )
    for target, label in zip(targets, labels, strict=False):
        y = _y(target.share)
        out.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - PAD}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#111" stroke-dasharray="4 3"><title>{escape(label)}</title></line>'
        )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    out.append(f'<polyline points="{line}" fill="none" stroke="#1565c0" stroke-width="2"/>')
    for p, (x, y) in zip(points, coords, strict=True):
        fill = "#fff" if p.in_progress else "#1565c0"
        state = f" ({m('indicator.in_progress')})" if p.in_progress else ""
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}" stroke="#1565c0">'
            f"<title>{escape(p.label)}: {m.percent(p.share)} ({escape(p.detail)}){state}"
            "</title></circle>"
        )
    out.append(
        f'<text x="{LEFT}" y="{HEIGHT - 3}" font-size="10">{escape(points[0].label)}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 3}" font-size="10" text-anchor="end">'
        f"{escape(points[-1].label)}</text></svg>"
    )
    out += [f'<small class="target">{escape(label)}</small>' for label in labels]
    out.append("</div>")
    return "".join(out)
